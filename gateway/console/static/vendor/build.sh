#!/bin/sh
# Rebuilds codemirror.js, the one ES module of CodeMirror 6 that the merchant
# console loads, and LICENSE.codemirror. Nothing runs this at build or test
# time: the output is committed. Run it only to change versions, from any
# directory, with node and npm (needs the npm registry):
#
#   sh gateway/console/static/vendor/build.sh
#
# It installs the pinned versions below (the transitive ones too, so the
# bundle is the same byte for byte) into a temporary directory outside
# the repository, bundles codemirror-entry.js with esbuild (ESM, minified)
# and copies back the bundle and the licences of every bundled package.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
echo '{"name":"cmbuild","private":true,"version":"0.0.0"}' > package.json
npm install --no-audit --no-fund --save-exact \
  @codemirror/view@6.44.2 @codemirror/state@6.7.6 @codemirror/language@6.13.1 \
  @codemirror/lint@6.9.8 @codemirror/commands@6.11.2 @codemirror/search@6.7.2 \
  @codemirror/lang-yaml@6.1.3 esbuild@0.28.2 \
  @codemirror/autocomplete@6.20.4 @lezer/common@1.5.7 @lezer/highlight@1.2.5 \
  @lezer/lr@1.4.13 @lezer/yaml@1.0.4 style-mod@4.1.5 crelt@1.0.7 \
  w3c-keyname@2.2.8 @marijn/find-cluster-break@1.0.4
cp "$here/codemirror-entry.js" entry.js
npx esbuild entry.js --bundle --format=esm --minify --legal-comments=none \
  --metafile=meta.json --outfile="$here/codemirror.js"
# The licence of every package that ended up in the bundle.
node -e '
const fs = require("fs"), path = require("path");
const m = JSON.parse(fs.readFileSync("meta.json"));
const pkgs = new Set();
for (const [k, v] of Object.entries(Object.values(m.outputs)[0].inputs)) {
  if (!v.bytesInOutput) continue;
  const p = k.split("/"); const i = p.indexOf("node_modules");
  pkgs.add(p.slice(i + 1, p[i + 1].startsWith("@") ? i + 3 : i + 2).join("/"));
}
let out = "Licences of the packages bundled into codemirror.js (all MIT).\n";
for (const name of [...pkgs].sort()) {
  const dir = path.join("node_modules", name);
  const pj = JSON.parse(fs.readFileSync(path.join(dir, "package.json")));
  const lic = fs.readdirSync(dir).find(f => /^licen[cs]e/i.test(f));
  out += "\n==== " + pj.name + "@" + pj.version + " (" + pj.license + ") ====\n\n" + fs.readFileSync(path.join(dir, lic), "utf8");
}
fs.writeFileSync(process.argv[1], out);
' "$here/LICENSE.codemirror"
echo "built $here/codemirror.js"
