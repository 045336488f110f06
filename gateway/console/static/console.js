// The merchant console. Everything goes through the public merchant API
// (docs/api.md) with the merchant's bearer token, kept in sessionStorage
// only (never a URL or a cookie). Text from the API or from viewers is put
// into the page with textContent, never as HTML.
import {
  EditorView, EditorState, Compartment, keymap, lineNumbers, highlightActiveLine, highlightActiveLineGutter,
  drawSelection, highlightSpecialChars, syntaxHighlighting, defaultHighlightStyle, indentOnInput, bracketMatching,
  indentUnit, linter, lintGutter, setDiagnostics, defaultKeymap, history, historyKeymap, indentWithTab,
  searchKeymap, highlightSelectionMatches, yaml, autocompletion, completionKeymap,
} from "./vendor/codemirror.js";
import { mountPresenters } from "./presenters.js";

const TOKEN_KEY = "avatarcast.console.token";
const DOCS = "https://github.com/avatarcast/avatarcast/blob/main/docs/";
const $ = (id) => document.getElementById(id);

// el builds an element; strings among children become text nodes.
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function toast(msg) {
  const t = $("toast");
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// ---- API ----

class APIError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || ("HTTP " + status));
    this.status = status;
    this.code = body && body.error && body.error.code;
    this.problems = (body && body.problems) || [];
  }
}

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

// session counts sign-ins and sign-outs: an answer that arrives after the
// merchant changed is dropped, so nothing of one merchant is ever drawn
// into another's page.
let session = 0;
class StaleSession extends Error {}

async function api(method, path, body, opts = {}) {
  const mine = session;
  const headers = { Authorization: "Bearer " + token() };
  let payload;
  if (body !== undefined) {
    if (typeof body === "string") { headers["Content-Type"] = "application/yaml"; payload = body; }
    else { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
  }
  Object.assign(headers, opts.headers || {});
  const res = await fetch("/api/v1" + path, { method, headers, body: payload, signal: opts.signal, cache: "no-store", credentials: "omit" });
  if (mine !== session) throw new StaleSession("signed out meanwhile");
  if (res.status === 401) { signOut("Your token was refused; sign in again."); throw new APIError(401, null); }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (mine !== session) throw new StaleSession("signed out meanwhile");
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// ---- state ----

const state = {
  tab: "scripts",
  scripts: [], rooms: [],
  script: null,        // {id, version (0 for a draft), saved (source of that version)}
  room: null,          // room id shown in the rooms view
  versions: [],
  lastProblems: [],
  monitor: null,
};

// ---- sign in / out ----

async function signIn(tok) {
  session++;
  sessionStorage.setItem(TOKEN_KEY, tok);
  try {
    await api("GET", "/scripts");
  } catch (e) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw e;
  }
  showApp();
}

function signOut(msg) {
  // Signing out stops this console's previews: their tokens live in the
  // browser's cookies, which the next merchant here must not inherit.
  if (token()) for (const id of previews.keys()) {
    fetch("/api/v1/previews/" + encodeURIComponent(id), { method: "DELETE", headers: { Authorization: "Bearer " + token() }, keepalive: true, credentials: "omit" }).catch(() => {});
  }
  session++;
  sessionStorage.removeItem(TOKEN_KEY);
  for (const k of Object.keys(sessionStorage)) if (k.startsWith("avatarcast.console.")) sessionStorage.removeItem(k);
  stopMonitor();
  forgetPreviews();
  state.script = null; state.room = null; state.scripts = []; state.rooms = []; state.tab = "scripts";
  if (presenters) presenters.reset();
  if (editor) editor.setState(newEditorState(""));
  // Nothing of this merchant stays in the page for the next one.
  for (const id of ["script-list", "problems", "acks", "versions", "diff-a", "diff-b", "diff-table", "room-list", "answers", "audit-rows"]) if ($(id)) $(id).replaceChildren();
  $("room-detail").replaceChildren(el("p", { class: "muted", text: "Choose a room." }));
  $("editor-title").textContent = "No script open";
  $("editor-state").textContent = "";
  $("lint-count").textContent = "";
  $("save-result").hidden = true;
  $("diff").hidden = true;
  $("audit-target").value = "";
  $("audit-action").value = "";
  $("audit-more").hidden = true;
  $("signin").hidden = false;
  for (const id of ["tabs", "who", "signout", "keys", "view-scripts", "view-rooms", "view-audit", "view-presenters"]) $(id).hidden = true;
  $("token").value = "";
  $("signin-error").textContent = msg || "";
}

async function showApp() {
  $("signin").hidden = true;
  for (const id of ["tabs", "who", "signout", "keys"]) $(id).hidden = false;
  $("who").textContent = "signed in with a merchant token";
  await Promise.all([loadScripts(), loadRooms()]);
  showTab(state.tab);
}

function showTab(tab) {
  state.tab = tab;
  for (const b of document.querySelectorAll("#tabs button")) b.setAttribute("aria-current", b.dataset.tab === tab ? "page" : "false");
  $("view-scripts").hidden = tab !== "scripts";
  $("view-rooms").hidden = tab !== "rooms";
  $("view-audit").hidden = tab !== "audit";
  $("view-presenters").hidden = tab !== "presenters";
  if (tab === "presenters") presenters.show();
  if (tab === "audit") loadAudit(false);
  if (tab === "rooms") loadRooms();
  if (tab === "scripts" && editor) editor.requestMeasure();
}

// ---- editor ----

let editor = null;
// CodeMirror writes its theme into a <style> element; the page's CSP lets
// it in by this nonce (a fresh one with every page load).
const cspNonce = (document.querySelector('meta[name="csp-nonce"]') || {}).content || "";
const lintCompartment = new Compartment();

function problemRange(doc, p) {
  const n = Math.min(Math.max(p.line || 1, 1), doc.lines);
  const line = doc.line(n);
  // Columns count characters from 1; CodeMirror counts UTF-16 units.
  const chars = Array.from(line.text);
  const c = Math.min(Math.max((p.col || 1) - 1, 0), chars.length);
  const from = line.from + chars.slice(0, c).join("").length;
  let to = line.to;
  if (from >= to) to = Math.min(from + 1, doc.length);
  return { from, to };
}

function toDiagnostics(doc, problems) {
  return problems.filter((p) => p.line > 0).map((p) => {
    const { from, to } = problemRange(doc, p);
    return { from, to, severity: p.severity === "error" ? "error" : p.severity === "warning" ? "warning" : "info",
      message: p.message, source: p.code + (p.rule ? " · " + p.rule : "") };
  });
}

let lintSeq = 0;
let lintAbort = null;
async function lintSource(view) {
  if (!state.script) return [];
  const src = view.state.doc.toString();
  if (!src.trim()) { renderProblems([], "empty"); return []; }
  const my = ++lintSeq;
  if (lintAbort) lintAbort.abort();
  lintAbort = new AbortController();
  try {
    const out = await api("POST", "/lint?id=" + encodeURIComponent(state.script.id), src, { signal: lintAbort.signal });
    if (my !== lintSeq) return [];
    renderProblems(out.problems, "lint");
    return toDiagnostics(view.state.doc, out.problems);
  } catch (e) {
    if (e.name === "AbortError" || e instanceof StaleSession) return [];
    $("lint-count").textContent = "(lint failed: " + e.message + ")";
    return [];
  }
}

// ---- completion from the published JSON Schema ----

// schema holds the keys the show-script format has (top-level, and nested
// anywhere) with their descriptions, and the allowed values of enum keys.
const schema = { top: [], nested: [], enums: new Map() };
async function loadSchema() {
  try {
    const res = await fetch("/schema/show-script.json", { credentials: "omit" });
    if (!res.ok) return;
    const js = await res.json();
    const seen = new Set();
    const add = (list, name, prop) => list.push({ label: name, type: "property", detail: (prop && prop.description) || "", apply: name + ": " });
    const walk = (node, depth) => {
      if (!node || typeof node !== "object" || depth > 12) return;
      if (node.properties) {
        for (const [name, prop] of Object.entries(node.properties)) {
          if (!seen.has(name)) { seen.add(name); add(schema.nested, name, prop); }
          if (prop && Array.isArray(prop.enum)) schema.enums.set(name, prop.enum.filter((v) => typeof v === "string"));
          walk(prop, depth + 1);
        }
      }
      for (const k of ["items", "additionalProperties"]) walk(node[k], depth + 1);
      for (const k of ["oneOf", "anyOf", "allOf"]) for (const x of node[k] || []) walk(x, depth + 1);
    };
    for (const [name, prop] of Object.entries(js.properties || {})) {
      add(schema.top, name, prop);
      if (prop && Array.isArray(prop.enum)) schema.enums.set(name, prop.enum.filter((v) => typeof v === "string"));
    }
    for (const def of Object.values(js.$defs || {})) walk(def, 0);
  } catch { /* no completion, the editor works without it */ }
}

function completeFromSchema(ctx) {
  const line = ctx.state.doc.lineAt(ctx.pos);
  const before = line.text.slice(0, ctx.pos - line.from);
  let m = /^(\s*)(- )?([A-Za-z_]*)$/.exec(before);
  if (m && (m[3] || ctx.explicit)) {
    const list = m[1] === "" && !m[2] ? schema.top : schema.nested;
    return list.length ? { from: ctx.pos - m[3].length, options: list, validFor: /^[A-Za-z_]*$/ } : null;
  }
  m = /^\s*(?:- )?([A-Za-z_]+):\s+([A-Za-z_-]*)$/.exec(before);
  if (m && schema.enums.has(m[1])) {
    return { from: ctx.pos - m[2].length, options: schema.enums.get(m[1]).map((v) => ({ label: v, type: "enum" })) };
  }
  return null;
}

function newEditorState(doc) {
  return EditorState.create({
    doc,
    extensions: [
      lineNumbers(), highlightActiveLineGutter(), highlightSpecialChars(), history(), drawSelection(),
      indentOnInput(), indentUnit.of("  "), bracketMatching(), highlightActiveLine(), highlightSelectionMatches(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }), yaml(), lintGutter(),
      autocompletion({ override: [completeFromSchema], activateOnTyping: true }),
      lintCompartment.of(linter(lintSource, { delay: 500 })),
      keymap.of([{ key: "Mod-s", run: () => { saveScript(); return true; }, preventDefault: true },
        ...completionKeymap, ...defaultKeymap, ...historyKeymap, ...searchKeymap, indentWithTab]),
      EditorView.updateListener.of((u) => {
        if (u.docChanged && state.script) {
          sessionStorage.setItem("avatarcast.console.draft." + state.script.id, u.state.doc.toString());
          markDirty();
          renderAcks();
          if ($("save-result").classList.contains("ok")) $("save-result").hidden = true; // stale once edited
        }
      }),
      EditorView.contentAttributes.of({ "aria-label": "Script source (YAML)" }),
      EditorView.cspNonce.of(cspNonce),
    ],
  });
}

function editorText() { return editor.state.doc.toString(); }
function setEditorText(text) { editor.setState(newEditorState(text)); }
function dirty() { return state.script && editorText() !== state.script.saved; }
function markDirty() {
  const s = state.script;
  $("editor-state").textContent = !s ? "" : (s.version ? "version " + s.version : "draft, not saved") + (dirty() ? " · unsaved changes" : "");
  $("script-save").disabled = !s;
  $("script-delete").disabled = !s || !s.version;
  $("script-preview").disabled = !s;
}

function gotoProblem(p) {
  const { from } = problemRange(editor.state.doc, p);
  editor.dispatch({ selection: { anchor: from }, scrollIntoView: true });
  editor.focus();
}

function docsLink(code) {
  if (/claim$|^long-breath$|^unchecked-language$/.test(code)) return DOCS + "scripts.md#what-the-linter-checks-in-what-a-line-says";
  if (/^ack|^unused-ack$/.test(code)) return DOCS + "scripts.md#acknowledging-a-finding";
  if (/^persona/.test(code)) return DOCS + "api.md#scripts";
  return DOCS + "scripts.md#problem-codes";
}

const ACKABLE = new Set(["absolute-claim", "medical-claim", "price-claim", "discount-claim", "long-breath"]);

function renderProblems(problems, why) {
  state.lastProblems = problems;
  const ul = $("problems");
  ul.replaceChildren();
  const errs = problems.filter((p) => p.severity === "error").length;
  $("lint-count").textContent = why === "empty" ? "" : "(" + errs + " error" + (errs === 1 ? "" : "s") + ", " + (problems.length - errs) + " other)";
  if (!problems.length && why !== "empty") ul.append(el("li", { class: "none", text: "No problems." }));
  for (const p of problems) {
    const lineRef = /line ([A-Za-z0-9_-]+)/.exec(p.message);
    const li = el("li", { class: p.severity, "data-line": p.line, "data-code": p.code, tabindex: 0,
      onclick: (e) => { if (!e.target.closest("a, button, form")) gotoProblem(p); },
      onkeydown: (e) => { if (e.key === "Enter" && !e.target.closest("a, button, form")) gotoProblem(p); } },
      el("div", {}, el("span", { class: "sev " + p.severity, text: p.severity }), " ",
        el("span", { class: "pos", text: p.line ? "line " + p.line + ":" + p.col : (p.field || "") }), " ",
        el("code", { text: p.code })),
      el("div", { class: "msg", text: p.message }),
      p.rule ? el("div", { class: "rule", text: p.rule }) : null,
      el("div", { class: "problem-actions" },
        el("a", { href: docsLink(p.code), target: "_blank", rel: "noopener noreferrer", text: "docs: " + p.code }),
        ACKABLE.has(p.code) && p.severity !== "ack" && lineRef
          ? el("button", { type: "button", class: "quiet", text: "Acknowledge…", "data-ack-open": "", onclick: () => { form.hidden = false; reason.focus(); } }) : null));
    // An inline form asks why the finding may stand; it adds the ack to the
    // script's acks: list, which the next lint checks.
    const reason = el("input", { "aria-label": "Why " + p.code + " may stand on " + (lineRef ? lineRef[1] : ""), placeholder: "Reason, 10+ characters", minlength: 10, required: true });
    const form = el("form", { class: "ack-form", hidden: true }, reason, el("button", { type: "submit", text: "Add ack" }));
    form.addEventListener("submit", (e) => { e.preventDefault(); addAck(p.code, lineRef[1], reason.value.trim()); });
    if (lineRef) li.append(form);
    ul.append(li);
  }
}

// ---- acks: edited as text in the script's top-level acks: list ----

function parseAcks(text) {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^acks:\s*(#.*)?$/.test(l));
  if (start < 0) return { start: -1, end: -1, items: [], lines };
  let end = start + 1;
  while (end < lines.length && (lines[end] === "" || /^\s/.test(lines[end]) || /^#/.test(lines[end]))) end++;
  const items = [];
  let cur = null;
  for (let i = start + 1; i < end; i++) {
    const m = /^(\s*)(- )?(\s*)(code|line|reason):\s*(.*)$/.exec(lines[i]);
    if (!m) continue;
    if (m[2]) { cur = { first: i, last: i, code: "", line: "", reason: "", reasonAt: -1 }; items.push(cur); }
    if (!cur) continue;
    cur.last = i;
    cur[m[4]] = unquote(m[5]);
    if (m[4] === "reason") cur.reasonAt = i;
  }
  return { start, end, items, lines };
}

function unquote(v) {
  v = v.trim();
  if (v.startsWith('"')) { try { return JSON.parse(v); } catch { return v; } }
  if (v.startsWith("'") && v.endsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}

// replaceText changes the editor's text to text as one edit of only the
// part that differs, so the view, the cursor and undo stay where they are.
function replaceText(text) {
  const cur = editorText();
  let a = 0;
  while (a < cur.length && a < text.length && cur[a] === text[a]) a++;
  let b = 0;
  while (b < cur.length - a && b < text.length - a && cur[cur.length - 1 - b] === text[text.length - 1 - b]) b++;
  editor.dispatch({ changes: { from: a, to: cur.length - b, insert: text.slice(a, text.length - b) } });
}

function addAck(code, line, reason) {
  const entry = ["  - code: " + code, "    line: " + line, "    reason: " + JSON.stringify(reason)];
  const a = parseAcks(editorText());
  const lines = a.lines;
  if (a.start < 0) {
    while (lines.length && lines[lines.length - 1] === "") lines.pop();
    lines.push("", "acks:", ...entry, "");
  } else {
    let at = a.end;
    while (at > a.start + 1 && lines[at - 1] === "") at--;
    lines.splice(at, 0, ...entry);
  }
  replaceText(lines.join("\n"));
}

function renderAcks() {
  const ul = $("acks");
  ul.replaceChildren();
  if (!state.script) return;
  const a = parseAcks(editorText());
  if (!a.items.length) { ul.append(el("li", { class: "muted small", text: "None. Use “Acknowledge…” on a claim problem to add one." })); return; }
  a.items.forEach((it, i) => {
    const input = el("input", { value: it.reason, "aria-label": "Reason for " + it.code + " on " + it.line, "data-ack": i });
    const apply = () => {
      const b = parseAcks(editorText());
      const cur = b.items[i];
      if (!cur) return;
      const line = "    reason: " + JSON.stringify(input.value);
      if (cur.reasonAt >= 0) b.lines[cur.reasonAt] = line; else b.lines.splice(cur.last + 1, 0, line);
      replaceText(b.lines.join("\n"));
    };
    const remove = () => {
      const b = parseAcks(editorText());
      const cur = b.items[i];
      if (!cur) return;
      b.lines.splice(cur.first, cur.last - cur.first + 1);
      replaceText(b.lines.join("\n"));
    };
    input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); apply(); } });
    ul.append(el("li", {}, el("div", {}, el("code", { text: it.code }), " on ", el("code", { text: it.line })),
      el("div", { class: "row" }, input, el("button", { type: "button", text: "Set", onclick: apply }),
        el("button", { type: "button", class: "danger", text: "Remove", onclick: remove }))));
  });
}

// ---- scripts ----

async function loadScripts() {
  const out = await api("GET", "/scripts");
  state.scripts = out.scripts.sort((a, b) => a.id.localeCompare(b.id));
  renderScriptList();
  fillScriptSelects();
}

function renderScriptList() {
  const ul = $("script-list");
  ul.replaceChildren();
  if (!state.scripts.length) ul.append(el("li", { class: "muted small", text: "No scripts yet." }));
  for (const s of state.scripts) {
    ul.append(el("li", {}, el("button", { type: "button", "data-script": s.id, "aria-current": state.script && state.script.id === s.id ? "true" : "false",
      onclick: () => openScript(s.id) }, el("span", { text: s.id }), el("span", { class: "muted", text: "v" + s.version }))));
  }
}

function fillScriptSelects() {
  const from = $("new-from"), rs = $("room-script");
  from.replaceChildren(el("option", { value: "", text: "a minimal template" }));
  rs.replaceChildren();
  for (const s of state.scripts) {
    from.append(el("option", { value: s.id, text: s.id }));
    rs.append(el("option", { value: s.id, text: s.id }));
  }
  fillAuditTargets();
}

function confirmDiscard() {
  return !dirty() || window.confirm("Discard the unsaved changes to " + state.script.id + "?");
}

async function openScript(id, version) {
  if (state.script && state.script.id !== id && !confirmDiscard()) return;
  const out = await api("GET", "/scripts/" + encodeURIComponent(id) + (version ? "/versions/" + version : ""));
  const latest = state.scripts.find((s) => s.id === id);
  state.script = { id, version: latest ? latest.version : out.version, saved: out.source };
  $("editor-title").textContent = id;
  $("save-result").hidden = true;
  $("diff").hidden = true;
  const draft = sessionStorage.getItem("avatarcast.console.draft." + id);
  setEditorText(version ? out.source : (draft !== null ? draft : out.source));
  if (version && version !== state.script.version) {
    state.script.saved = null; // an older version loaded to edit: unsaved until saved as the newest
    toast("Loaded version " + version + " into the editor; saving stores it as a new version.");
  } else if (draft !== null && draft !== out.source) {
    toast("Restored your unsaved changes to " + id + ".");
  }
  markDirty();
  renderScriptList();
  renderAcks();
  await loadVersions();
}

async function loadVersions() {
  const ul = $("versions");
  ul.replaceChildren();
  state.versions = [];
  const a = $("diff-a"), b = $("diff-b");
  a.replaceChildren(); b.replaceChildren();
  $("diff-form").querySelector("button").disabled = true;
  if (!state.script || !state.script.version) { ul.append(el("li", { class: "muted small", text: "Not saved yet." })); return; }
  const out = await api("GET", "/scripts/" + encodeURIComponent(state.script.id) + "/versions");
  state.versions = out.versions;
  for (const v of out.versions) {
    const roomSel = el("select", { class: "assign-room", "aria-label": "Room to assign version " + v.version + " to" },
      ...state.rooms.filter((r) => !r.preview).map((r) => el("option", { value: r.id, text: r.id })));
    ul.append(el("li", { "data-version": v.version },
      el("span", { class: "v", text: "v" + v.version }),
      el("span", { class: "muted small", text: new Date(v.created).toISOString().replace("T", " ").slice(0, 19) }),
      el("span", { class: "spacer" }),
      el("button", { type: "button", class: "quiet", text: "Open", onclick: () => openVersion(v.version) }),
      el("button", { type: "button", class: "quiet", text: "Preview", "data-preview-version": v.version, title: "Play version " + v.version + " for yourself alone", onclick: () => startPreview(v.version) }),
      roomSel,
      el("button", { type: "button", class: "quiet", text: "Assign", title: "Assign this version to the room",
        onclick: () => { if (roomSel.value) assignVersion(roomSel.value, v.version); } })));
    a.append(el("option", { value: v.version, text: "v" + v.version }));
    b.append(el("option", { value: v.version, text: "v" + v.version }));
  }
  if (out.versions.length > 1) a.value = out.versions[1].version;
  b.value = out.versions[0].version;
  $("diff-form").querySelector("button").disabled = out.versions.length < 2;
}

async function openVersion(v) {
  if (!confirmDiscard()) return;
  sessionStorage.removeItem("avatarcast.console.draft." + state.script.id);
  state.script.saved = editorText(); // so opening does not ask twice
  await openScript(state.script.id, v);
}

async function assignVersion(room, version) {
  try {
    await api("PUT", "/rooms/" + encodeURIComponent(room) + "/script", { script: state.script.id, version });
    toast("Room " + room + " now plays " + state.script.id + " version " + version + ".");
    await loadRooms();
  } catch (e) {
    if (e instanceof StaleSession) return;
    toast("Not assigned: " + e.message);
  }
}

function showResult(ok, title, problems) {
  const box = $("save-result");
  box.hidden = false;
  box.className = "result " + (ok ? "ok" : "bad");
  box.replaceChildren(el("strong", { text: title }));
  if (problems && problems.length) {
    box.append(el("ul", {}, ...problems.map((p) => el("li", { "data-line": p.line },
      el("span", { class: "pos", text: p.line ? "line " + p.line + ":" + p.col + " " : (p.field ? p.field + ": " : "") }),
      el("code", { text: p.code }), " ", p.message, p.rule ? " [" + p.rule + "]" : ""))));
  }
}

let saving = false;
async function saveScript() {
  const s = state.script;
  if (!s || saving) return; // one save at a time: a second would race the first's If-Match
  saving = true;
  $("save-result").hidden = true;
  const src = editorText();
  const headers = s.version ? { "If-Match": '"' + s.version + '"' } : { "If-None-Match": "*" };
  $("script-save").disabled = true;
  try {
    const out = await api("PUT", "/scripts/" + encodeURIComponent(s.id), src, { headers });
    s.version = out.version;
    s.saved = src;
    sessionStorage.removeItem("avatarcast.console.draft." + s.id);
    const warn = out.problems.filter((p) => p.severity !== "ack");
    showResult(true, out.changed ? "Saved as version " + out.version + (warn.length ? " with " + warn.length + " warning(s)" : "") + "." : "Nothing changed: version " + out.version + " is the same.", warn);
    renderProblems(out.problems, "save");
    await loadScripts();
    await loadVersions();
  } catch (e) {
    if (e instanceof StaleSession) return;
    // Nothing typed is lost: the editor keeps the text; the problems go to
    // the gutter and the list.
    showResult(false, e.status === 422 ? "Not saved (" + e.problems.length + " problem" + (e.problems.length === 1 ? "" : "s") + "): " + e.message
      : e.status === 412 ? "Not saved: " + e.message + " Your text is still here; copy it, reopen the script and merge." : "Not saved: " + e.message, e.problems);
    if (e.problems.length) {
      renderProblems(e.problems, "save");
      editor.dispatch(setDiagnostics(editor.state, toDiagnostics(editor.state.doc, e.problems)));
    }
  } finally {
    saving = false;
    markDirty();
  }
}

async function deleteScript() {
  const s = state.script;
  if (!s || !s.version || !window.confirm("Delete script " + s.id + " and all its versions?")) return;
  try {
    await api("DELETE", "/scripts/" + encodeURIComponent(s.id));
    sessionStorage.removeItem("avatarcast.console.draft." + s.id);
    state.script = null;
    setEditorText("");
    $("editor-title").textContent = "No script open";
    markDirty();
    renderProblems([], "empty");
    renderAcks();
    await loadScripts();
    await loadVersions();
    toast("Deleted " + s.id + ".");
  } catch (e) {
    if (e instanceof StaleSession) return;
    showResult(false, "Not deleted: " + e.message, e.problems);
  }
}

const TEMPLATE = (id) => `id: ${id}
kind: livestream
title:
  en: My show
persona: xiaoya
languages: [en]

catalog:
  - sku: item-01
    title: {en: My product}
    price: 99
    stock: 100

segments:
  - id: hello
    steps:
      - id: hello-1
        say:
          en: Welcome! I am an AI presenter.
      - id: hello-2
        say:
          en: "[show:item-01] Here is today's product."
`;

async function newScript(id, from) {
  if (!confirmDiscard()) return;
  let src = TEMPLATE(id);
  if (from) {
    const out = await api("GET", "/scripts/" + encodeURIComponent(from));
    src = out.source.replace(/^id:.*$/m, "id: " + id);
  }
  state.script = { id, version: 0, saved: "" };
  $("editor-title").textContent = id;
  $("save-result").hidden = true;
  setEditorText(src);
  markDirty();
  renderAcks();
  await loadVersions();
}

// ---- diff ----

// lineDiff aligns two texts line by line (longest common subsequence) and
// returns rows [kind, left line no, left text, right line no, right text].
function lineDiff(a, b) {
  const A = a.split("\n"), B = b.split("\n");
  const n = A.length, m = B.length;
  if (n * m > 4e6) return [["chg", 1, a, 1, b]];
  const L = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = A[i] === B[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const rows = [];
  let i = 0, j = 0, dels = [], adds = [];
  const flush = () => {
    const k = Math.max(dels.length, adds.length);
    for (let x = 0; x < k; x++) {
      const d = dels[x], ad = adds[x];
      rows.push([d && ad ? "chg" : d ? "del" : "add", d ? d[0] : "", d ? d[1] : "", ad ? ad[0] : "", ad ? ad[1] : ""]);
    }
    dels = []; adds = [];
  };
  while (i < n || j < m) {
    if (i < n && j < m && A[i] === B[j]) { flush(); rows.push(["same", i + 1, A[i], j + 1, B[j]]); i++; j++; }
    else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) { adds.push([j + 1, B[j]]); j++; }
    else { dels.push([i + 1, A[i]]); i++; }
  }
  flush();
  return rows;
}

async function showDiff(va, vb) {
  const id = state.script.id;
  const [a, b] = await Promise.all([va, vb].map((v) => api("GET", "/scripts/" + encodeURIComponent(id) + "/versions/" + v)));
  const rows = lineDiff(a.source, b.source);
  const t = $("diff-table");
  const changed = rows.filter((r) => r[0] !== "same").length;
  $("diff-title").textContent = id + ": v" + va + " → v" + vb + " (" + changed + " line" + (changed === 1 ? "" : "s") + " differ)";
  t.replaceChildren(el("colgroup", {}, el("col", { class: "n" }), el("col"), el("col", { class: "n" }), el("col")),
    el("thead", {}, el("tr", {}, el("th", { colspan: 2, text: "v" + va }), el("th", { colspan: 2, text: "v" + vb }))));
  const body = el("tbody");
  for (const [kind, ln, lt, rn, rt] of rows) {
    body.append(el("tr", { class: kind }, el("td", { class: "n", text: ln }), el("td", { class: "a", text: lt }),
      el("td", { class: "n", text: rn }), el("td", { class: "b", text: rt })));
  }
  t.append(body);
  $("diff").hidden = false;
  const first = body.querySelector("tr:not(.same)");
  if (first) first.scrollIntoView({ block: "center" });
}

// ---- rooms ----

async function loadRooms() {
  const out = await api("GET", "/rooms");
  state.rooms = out.rooms.sort((a, b) => a.id.localeCompare(b.id));
  const ul = $("room-list");
  ul.replaceChildren();
  if (!state.rooms.length) ul.append(el("li", { class: "muted small", text: "No rooms yet." }));
  for (const r of state.rooms) {
    ul.append(el("li", {}, el("button", { type: "button", "data-room": r.id, "aria-current": state.room === r.id ? "true" : "false", onclick: () => openRoom(r.id) },
      el("span", { text: r.id }), r.preview ? el("span", { class: "badge", text: "preview" }) : null, el("span", { class: "status " + r.status, text: r.status }))));
  }
  fillAuditTargets();
  // The versions' room choices follow the room list.
  for (const sel of document.querySelectorAll("#versions select.assign-room")) {
    const cur = sel.value;
    sel.replaceChildren(...state.rooms.filter((r) => !r.preview).map((r) => el("option", { value: r.id, text: r.id })));
    if (state.rooms.some((r) => r.id === cur)) sel.value = cur;
  }
  if (state.room) renderRoomHead();
}

function roomRecord() { return state.rooms.find((r) => r.id === state.room); }

function field(label, input) {
  const id = "f-" + Math.random().toString(36).slice(2, 9);
  input.id = id;
  return el("div", {}, el("label", { for: id, text: label }), input);
}

async function openRoom(id) {
  state.room = id;
  stopMonitor();
  await loadRooms();
  const rm = roomRecord();
  if (!rm) return;
  const d = $("room-detail");
  // The room's script, for its SKUs, sales and languages in the forms.
  let src = "";
  try {
    src = (await api("GET", "/scripts/" + encodeURIComponent(rm.show) + (rm.version ? "/versions/" + rm.version : ""))).source;
  } catch (e) {
    if (e instanceof StaleSession) throw e; // otherwise: no choices in the forms
  }
  const skus = [...src.matchAll(/^\s*-?\s*sku:\s*([A-Za-z0-9_-]+)/gm)].map((m) => m[1]).filter((v, i, a) => a.indexOf(v) === i);
  const salesBlock = /^sales:\s*\n((?:[ \t].*\n|\n)*)/m.exec(src);
  const sales = salesBlock ? [...salesBlock[1].matchAll(/^\s*- id:\s*([A-Za-z0-9_-]+)/gm)].map((m) => m[1]) : [];
  const langs = (/^languages:\s*\[([^\]]*)\]/m.exec(src) || ["", ""])[1].split(",").map((s) => s.trim()).filter(Boolean);
  const skuSelect = () => el("select", {}, ...skus.map((s) => el("option", { value: s, text: s })));

  const answers = el("ul", { class: "answers", id: "answers", "aria-live": "polite" }, el("li", { class: "muted small placeholder", text: "Nothing sent yet." }));
  const control = (type, build, sub) => {
    const form = el("form", { "data-control": type }, el("h4", { text: sub }));
    const parts = build(form);
    form.append(...parts);
    form.addEventListener("submit", (e) => { e.preventDefault(); sendControl(type, form); });
    form.addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); sendControl(type, form); } });
    return form;
  };
  const inp = (name, attrs) => { const i = el("input", Object.assign({ name }, attrs || {})); return i; };
  const sel = (name, node) => { node.name = name; return node; };

  d.replaceChildren(
    el("div", { class: "card wide" },
      el("div", { class: "room-head" }, el("h2", { id: "room-title", text: rm.id }), el("span", { id: "room-status", class: "status " + rm.status, text: rm.status }),
        el("span", { id: "room-script-info", class: "muted" }), el("span", { class: "spacer" }),
        ...["start", "pause", "resume", "stop"].map((op) => el("button", { type: "button", "data-op": op, class: op === "stop" ? "danger" : "", text: op[0].toUpperCase() + op.slice(1), onclick: () => lifecycle(op) })),
        rm.preview ? el("button", { type: "button", class: "quiet", text: "Watch preview", disabled: !previews.has(rm.id),
          title: previews.has(rm.id) ? "Open the private viewer page" : "Its viewing token was given to the console that started it", onclick: () => showPreview(rm.id) })
          : el("a", { href: "/rooms/" + encodeURIComponent(rm.id), target: "_blank", rel: "noopener", text: "viewer page ↗" })),
      el("p", { id: "room-error", class: "error", role: "alert" })),
    rm.preview ? null : scheduleCard(rm),
    el("div", { class: "card" }, el("h3", { text: "Live monitor" }),
      el("div", { class: "stats" },
        el("div", { class: "stat" }, el("b", { id: "mon-viewers", text: "–" }), el("span", { class: "muted small", text: "viewers (incl. this console)" })),
        el("div", { class: "stat" }, el("b", { id: "mon-eps", text: "–" }), el("span", { class: "muted small", text: "events/s (10 s)" })),
        el("div", { class: "stat" }, el("b", { id: "mon-latency", text: "–" }), el("span", { class: "muted small", text: "delivery ms (clock-based)" })),
        el("div", { class: "stat" }, el("b", { id: "mon-state", text: "–" }), el("span", { class: "muted small", text: "director's show state" }))),
      el("h3", { text: "Speaking now" }),
      el("div", { class: "now", id: "mon-now", lang: "" }),
      el("h3", { text: "Last lines" }), el("ol", { class: "lines", id: "mon-lines", reversed: true }),
      el("h3", { text: "Recent questions" }),
      el("ul", { class: "questions", id: "mon-questions" }),
      el("h3", { text: "Recent comments" }),
      el("ul", { class: "questions", id: "mon-comments" }),
      el("p", { class: "muted small", text: "Mute hides a viewer's comments from everyone and from the presenter, in this room, until they reconnect (viewers are anonymous: a new connection is a new viewer)." }),
      el("p", { class: "muted small", text: "Questions no FAQ entry matched are listed below, under “Questions nothing answered”." })),
    el("div", { class: "card" }, el("h3", { text: "Live controls" }),
      el("h4", { class: "answers-head", text: "The director's answers (newest first)" }), answers,
      el("div", { class: "controls" },
        control("say", () => [field("Line to say", el("textarea", { name: "text", maxlength: 500, rows: 2, required: true })),
          field("Acknowledgement reason (only to send a flagged claim anyway)", inp("reason")),
          el("div", { class: "row" }, langs.length ? field("Language", sel("lang", el("select", {}, ...langs.map((l) => el("option", { value: l, text: l }))))) : null,
            field("When", sel("placement", el("select", {},
              el("option", { value: "next", text: "next: after the current line" }),
              el("option", { value: "queue", text: "queue: after the answers waiting" }),
              el("option", { value: "now", text: "now: cut the current line" })))),
            el("button", { type: "submit", text: "Say" }))], "Say"),
        control("clear", () => [el("div", { class: "row" }, el("span", { class: "muted small", text: "Drop the typed lines, answers and thank-you waiting to be spoken." }), el("button", { type: "submit", text: "Clear" }))], "Clear queue"),
        control("notice", () => [field("Notice text", el("textarea", { name: "text", maxlength: 840, rows: 2, required: true })),
          field("Acknowledgement reason (only to send a flagged claim anyway)", inp("reason")),
          el("div", { class: "row" }, field("Ref", inp("ref", { maxlength: 128 })), el("button", { type: "submit", text: "Post" }))], "Notice"),
        control("pitch", () => [el("div", { class: "row" }, field("Product", sel("sku", skuSelect())), el("button", { type: "submit", text: "Pitch now" }))], "Pitch"),
        control("sale", () => [el("div", { class: "row" }, field("Scripted sale", sel("sale_id", el("select", {}, el("option", { value: "", text: "(ad hoc, below)" }), ...sales.map((s) => el("option", { value: s, text: s }))))),
          field("or product", sel("sku", el("select", {}, el("option", { value: "", text: "–" }), ...skus.map((s) => el("option", { value: s, text: s })))))),
          el("div", { class: "row" }, field("Price", inp("price", { inputmode: "decimal", placeholder: "69.00" })), field("Stock", inp("stock", { type: "number", min: 0 })),
            field("Duration", inp("duration", { placeholder: "2m" })), el("button", { type: "submit", text: "Start sale" }))], "Flash sale"),
        control("stock", () => [el("div", { class: "row" }, field("Product", sel("sku", skuSelect())), field("Stock", inp("stock", { type: "number", min: 0, required: true })), el("button", { type: "submit", text: "Set" }))], "Stock"),
        control("price", () => [el("div", { class: "row" }, field("Product", sel("sku", skuSelect())), field("Price", inp("price", { inputmode: "decimal", required: true, placeholder: "89.00" })), el("button", { type: "submit", text: "Set" }))], "Price"),
        control("skip", () => [el("div", { class: "row" }, el("span", { class: "muted small", text: "Skip the current step." }), el("button", { type: "submit", text: "Skip" }))], "Skip"))),
    unansweredCard(rm),
    recordCard(rm.id));
  renderRoomHead();
  startMonitor(rm.id);
  loadUnanswered(rm.id);
}

// ---- schedule (docs/api.md "Scheduled shows") ----

// localInput turns an RFC 3339 time into a datetime-local value in the
// merchant's time; "" stays "".
function localInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, "0");
  return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
}

// when formats an instant in the merchant's locale and time.
function when(iso) {
  return new Date(iso).toLocaleString(undefined, { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

// windowRow is one daily window's inputs.
function windowRow(w) {
  const row = el("div", { class: "row sched-window" },
    field("From", el("input", { type: "time", name: "wstart", value: (w && w.start) || "19:00", required: true })),
    field("To (may pass midnight)", el("input", { type: "time", name: "wend", value: (w && w.end === "24:00" ? "00:00" : w && w.end) || "21:00", required: true })));
  row.append(el("button", { type: "button", class: "quiet", text: "Remove", onclick: () => row.remove() }));
  return row;
}

// scheduleCard shows room rm's schedule, the next window, and a form to
// change or remove it.
function scheduleCard(rm) {
  const s = rm.schedule || {};
  const zone = s.tz || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const windows = el("div", { id: "sched-windows" }, ...(s.daily || []).map(windowRow));
  const form = el("form", { id: "schedule-form" },
    el("h4", { text: "Daily windows" }), windows,
    el("div", { class: "row" },
      field("Time zone of the windows (IANA)", el("input", { name: "tz", value: zone, placeholder: "Asia/Shanghai", maxlength: 64 })),
      el("button", { type: "button", class: "quiet", id: "sched-add", text: "Add daily window",
        onclick: () => { if (windows.children.length < 8) windows.append(windowRow(null)); } })),
    el("h4", { text: "Period (your time; empty: open)" }),
    el("div", { class: "row" },
      field("From", el("input", { type: "datetime-local", name: "start", value: localInput(s.start) })),
      field("Until", el("input", { type: "datetime-local", name: "end", value: localInput(s.end) }))),
    el("div", { class: "row" },
      el("button", { type: "submit", text: "Save schedule" }),
      el("button", { type: "button", class: "quiet", id: "sched-remove", text: "Remove schedule", onclick: () => saveSchedule(rm.id, null) })),
    el("p", { id: "sched-error", class: "error", role: "alert" }));
  form.addEventListener("submit", (e) => { e.preventDefault(); saveSchedule(rm.id, scheduleBody(form)); });
  const card = el("div", { class: "card wide", id: "schedule-card" }, el("h3", { text: "Schedule" }),
    el("p", { id: "sched-summary", "aria-live": "polite" }),
    el("p", { class: "muted small", text: "A playing room with a schedule is on air only inside its windows: the show starts from the top at a window's start and ends at its end, after the line being spoken. Pause and stop still apply; a stopped room stays off air." }),
    form);
  loadSchedule(rm.id);
  return card;
}

function scheduleBody(form) {
  const b = {};
  const v = (n) => form.elements[n].value.trim();
  const daily = [...form.querySelectorAll(".sched-window")].map((r) => {
    const end = r.querySelector("[name=wend]").value;
    return { start: r.querySelector("[name=wstart]").value, end: end === "00:00" ? "24:00" : end };
  });
  if (daily.length) { b.daily = daily; b.tz = v("tz"); }
  if (v("start")) b.start = new Date(v("start")).toISOString();
  if (v("end")) b.end = new Date(v("end")).toISOString();
  return b;
}

// renderSchedule writes view (GET /rooms/{id}/schedule) into the summary.
function renderSchedule(view) {
  const p = $("sched-summary");
  if (!p) return;
  if (!view.schedule) { p.textContent = "No schedule: the room is on air whenever it plays."; p.dataset.state = "none"; return; }
  const parts = [view.on_air ? "On air by the schedule" : "Off air by the schedule"];
  if (view.on_air && view.next_end) parts.push("until " + when(view.next_end));
  if (!view.on_air && view.next_start) parts.push("next on air " + when(view.next_start) + (view.next_end ? " – " + when(view.next_end) : ""));
  if (view.on_air && view.next_start) parts.push("then again from " + when(view.next_start));
  if (!view.on_air && !view.next_start) parts.push("no window to come");
  p.textContent = parts.join(" · ") + (view.next_start || view.next_end ? " (your time)" : "");
  p.dataset.state = view.on_air ? "on" : "off";
}

async function loadSchedule(id) {
  try {
    renderSchedule(await api("GET", "/rooms/" + encodeURIComponent(id) + "/schedule"));
  } catch (e) {
    if (e instanceof StaleSession) return;
    $("sched-error").textContent = "Could not read the schedule: " + e.message;
  }
}

async function saveSchedule(id, body) {
  const err = $("sched-error");
  err.textContent = "";
  try {
    const view = body === null ? await api("DELETE", "/rooms/" + encodeURIComponent(id) + "/schedule")
      : await api("PUT", "/rooms/" + encodeURIComponent(id) + "/schedule", body);
    renderSchedule(view);
    if (body === null) { $("sched-windows").replaceChildren(); for (const n of ["start", "end"]) $("schedule-form").elements[n].value = ""; }
    toast(body === null ? "Schedule removed." : "Schedule saved.");
    await loadRooms();
  } catch (e) {
    if (e instanceof StaleSession) return;
    err.textContent = "Schedule not saved: " + (e.problems.length ? e.problems.map((p) => p.message).join("; ") : e.message);
  }
}

// recordCard is the form that downloads the record of room id: every event
// it published between two times, as NDJSON or a readable transcript.
function recordCard(id) {
  const form = el("form", { id: "record-form" },
    el("div", { class: "row" },
      field("From (your time; empty: the start of the record)", el("input", { type: "datetime-local", name: "from", step: 1 })),
      field("To (empty: now)", el("input", { type: "datetime-local", name: "to", step: 1 })),
      field("Format", el("select", { name: "format" }, el("option", { value: "ndjson", text: "NDJSON (every event, with provenance)" }), el("option", { value: "transcript", text: "Transcript (readable)" }))),
      el("button", { type: "submit", text: "Download record" })),
    el("p", { id: "record-progress", class: "muted small", "aria-live": "polite" }));
  form.addEventListener("submit", (e) => { e.preventDefault(); downloadRecord(id, form); });
  return el("div", { class: "card wide" }, el("h3", { text: "Record" }),
    el("p", { class: "muted small", text: "What this room published, kept for the record (three years by default). The download streams; large records take a while." }),
    el("div", { class: "controls" }, form));
}

// stamp formats a time for a file name: 20261204T091500Z.
function stamp(d) { return d.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, ""); }

// recordName is the download's file name: the room and the window.
function recordName(id, from, to, format) {
  return "record-" + id + "-" + (from ? stamp(from) : "start") + "-" + stamp(to) + (format === "transcript" ? ".txt" : ".ndjson");
}

// downloadRecord streams GET /rooms/{id}/record into a file named after the
// room and the window, showing what has arrived so far.
async function downloadRecord(id, form) {
  const mine = session;
  const progress = $("record-progress");
  const button = form.querySelector("button[type=submit]");
  const v = (n) => form.elements[n].value;
  const from = v("from") ? new Date(v("from")) : null;
  const to = v("to") ? new Date(v("to")) : new Date();
  const q = new URLSearchParams({ to: to.toISOString(), format: v("format") });
  if (from) q.set("from", from.toISOString());
  progress.className = "muted small";
  progress.textContent = "Asking for the record…";
  button.disabled = true;
  try {
    const res = await fetch("/api/v1/rooms/" + encodeURIComponent(id) + "/record?" + q, { headers: { Authorization: "Bearer " + token() }, cache: "no-store", credentials: "omit" });
    if (mine !== session) return;
    if (res.status === 401) { signOut("Your token was refused; sign in again."); return; }
    if (!res.ok) {
      let body = null;
      try { body = await res.json(); } catch { body = null; }
      throw new APIError(res.status, body);
    }
    const reader = res.body.getReader();
    const parts = [];
    let bytes = 0, lines = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (mine !== session) { reader.cancel(); return; } // signed out: keep nothing
      if (done) break;
      parts.push(value);
      bytes += value.length;
      for (const b of value) if (b === 10) lines++;
      progress.textContent = "Received " + lines + " lines (" + Math.round(bytes / 1024) + " KiB)…";
    }
    const name = recordName(id, from, to, v("format"));
    const url = URL.createObjectURL(new Blob(parts, { type: res.headers.get("Content-Type") || "application/octet-stream" }));
    const a = el("a", { href: url, download: name, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    progress.dataset.file = name;
    progress.textContent = "Saved " + name + ": " + lines + " lines, " + Math.round(bytes / 1024) + " KiB.";
  } catch (e) {
    if (mine !== session) return;
    progress.className = "error small";
    progress.textContent = "Could not download the record: " + e.message;
  } finally {
    button.disabled = false;
  }
}

function renderRoomHead() {
  const rm = roomRecord();
  if (!rm || !$("room-status")) return;
  $("room-status").className = "status " + rm.status;
  $("room-status").textContent = rm.status;
  $("room-script-info").textContent = (rm.preview && rm.preview.script ? "private preview of unsaved text"
    : (rm.preview ? "private preview of " : "") + "script " + rm.show + " · " + (rm.version ? "version " + rm.version : "newest version")) + " · " + rm.kind;
  const can = { start: rm.status === "stopped", pause: rm.status === "playing", resume: rm.status === "paused", stop: rm.status !== "stopped" };
  for (const b of document.querySelectorAll("#room-detail [data-op]")) b.disabled = !can[b.dataset.op];
}

async function lifecycle(op) {
  $("room-error").textContent = "";
  try {
    await api("POST", "/rooms/" + encodeURIComponent(state.room) + "/" + op);
    await loadRooms();
  } catch (e) {
    if (e instanceof StaleSession) return;
    $("room-error").textContent = "Could not " + op + ": " + e.message + (e.problems.length > 1 ? " (" + e.problems.map((p) => p.message).join("; ") + ")" : "");
  }
}

function controlBody(type, form) {
  const v = (n) => (form.elements[n] ? form.elements[n].value.trim() : "");
  const b = {};
  switch (type) {
    case "say": b.text = v("text"); if (v("lang")) b.lang = v("lang"); if (v("placement")) b.placement = v("placement"); if (v("reason")) b.reason = v("reason"); break;
    case "notice": b.text = v("text"); if (v("ref")) b.ref = v("ref"); if (v("reason")) b.reason = v("reason"); break;
    case "pitch": b.sku = v("sku"); break;
    case "sale":
      if (v("sale_id")) b.sale_id = v("sale_id");
      else { b.sku = v("sku"); if (v("price")) b.price = v("price"); if (v("stock")) b.stock = Number(v("stock")); if (v("duration")) b.duration = v("duration"); }
      break;
    case "stock": b.sku = v("sku"); b.stock = Number(v("stock")); break;
    case "price": b.sku = v("sku"); b.price = v("price"); break;
  }
  return b;
}

async function sendControl(type, form) {
  const room = state.room;
  const body = controlBody(type, form);
  const btn = form.querySelector("button[type=submit]");
  btn.disabled = true;
  let li;
  try {
    const out = await api("POST", "/rooms/" + encodeURIComponent(room) + "/" + type, type === "skip" || type === "clear" ? undefined : body);
    li = el("li", { class: "ok", "data-type": type }, el("strong", { text: type + ": applied" }), " ", el("span", { class: "muted", text: "(event seq " + out.seq + ")" }));
    if (type === "say" || type === "notice") { form.elements.text.value = ""; if (form.elements.reason) form.elements.reason.value = ""; }
  } catch (e) {
    if (e instanceof StaleSession) return;
    li = el("li", { class: "bad", "data-type": type }, el("strong", { text: type + ": refused" }), " (HTTP " + e.status + ") ", el("span", { class: "reason", text: e.message }));
    if (e.problems.length) {
      li.append(el("ul", {}, ...e.problems.map((p) => el("li", {}, el("code", { text: p.code }), " ", p.message, p.rule ? " [" + p.rule + "]" : ""))));
    }
    if (e.status === 422 && form.elements.reason) {
      li.append(el("div", { class: "muted small", text: "To send it anyway, give a reason in the form and send again; the claim and the reason go into the audit trail." }));
      form.elements.reason.focus();
    }
  } finally {
    btn.disabled = false;
  }
  for (const p of $("answers").querySelectorAll(".placeholder")) p.remove();
  $("answers").prepend(li);
  while ($("answers").children.length > 20) $("answers").lastChild.remove();
}

// ---- questions nothing answered ----

// unansweredCard lists the viewers' questions in room rm that no FAQ entry
// matched (GET /rooms/{room}/questions), newest first, each with an
// "Add to FAQ" that opens the room's script with a new entry prefilled.
function unansweredCard(rm) {
  const filter = el("select", { id: "unanswered-filter", "aria-label": "Which questions" },
    el("option", { value: "unanswered=1", text: "nothing answered (fallback or refused)" }),
    el("option", { value: "answered=fallback,model,refused", text: "every question no FAQ matched (model answers too)" }));
  filter.addEventListener("change", () => loadUnanswered(rm.id));
  return el("div", { class: "card wide", id: "unanswered-card" },
    el("div", { class: "room-head" }, el("h3", { text: "Questions nothing answered" }), el("span", { id: "unanswered-count", class: "muted small" }),
      el("span", { class: "spacer" }), filter,
      el("button", { type: "button", class: "quiet", text: "Refresh", onclick: () => loadUnanswered(rm.id) })),
    el("p", { class: "muted small", text: "Viewers' questions no FAQ entry matched, newest first, with what they got instead. “Add to FAQ” opens the script with a new entry whose keywords come from the question: write the answer and save." }),
    el("table", { class: "grid qtable", "aria-label": "Questions nothing answered, newest first" },
      el("thead", {}, el("tr", {}, el("th", { text: "Asked (UTC)" }), el("th", { text: "Question" }), el("th", { text: "What was answered" }), el("th", { text: "" }))),
      el("tbody", { id: "unanswered-rows" })));
}

let unansweredSeq = 0;
async function loadUnanswered(room) {
  const mine = ++unansweredSeq;
  const rows = $("unanswered-rows");
  if (!rows) return;
  let out;
  try {
    out = await api("GET", "/rooms/" + encodeURIComponent(room) + "/questions?" + $("unanswered-filter").value + "&limit=50");
  } catch (e) {
    if (e instanceof StaleSession || mine !== unansweredSeq) return;
    rows.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "error", text: "Could not list the questions: " + e.message })));
    return;
  }
  if (mine !== unansweredSeq || state.room !== room || !$("unanswered-rows")) return;
  const qs = out.questions || [];
  $("unanswered-count").textContent = qs.length ? "(" + qs.length + (out.next_before ? "+" : "") + ")" : "";
  if (!qs.length) {
    $("unanswered-rows").replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "muted small", text: "None: every question so far matched a FAQ entry." })));
    return;
  }
  $("unanswered-rows").replaceChildren(...qs.map((q) => el("tr", { "data-answered": q.answered },
    el("td", { class: "mono small", text: (q.asked || "").replace("T", " ").replace(/\.\d+Z$/, "Z").replace(/Z$/, "") }),
    el("td", { lang: q.lang || "" }, el("div", { class: "qtext", text: q.text }), el("span", { class: "muted small", text: q.lang || "" })),
    el("td", {}, answeredCell(q)),
    el("td", {}, el("button", { type: "button", class: "quiet", "data-add-faq": "", text: "Add to FAQ", onclick: () => addToFAQ(room, q) })))));
}

// answeredCell says how a question was answered: the fallback line, the
// model's sentences, or the model refused by the guard, with its reasons.
function answeredCell(q) {
  const label = { fallback: "fallback line", model: "model answer", refused: "model refused by the guard" }[q.answered] || q.answered;
  const box = el("div", {}, el("span", { class: "badge " + q.answered, text: label }),
    q.model ? el("span", { class: "muted small", text: " " + q.model }) : null,
    q.error ? el("span", { class: "muted small", text: " · " + q.error }) : null);
  for (const s of q.spoken || []) box.append(el("div", { class: "spoken small", text: "said: " + s }));
  for (const r of q.refused || []) {
    box.append(el("div", { class: "refused small" }, el("span", { text: "refused: " + r.text + " " }),
      ...(r.reasons || []).map((x) => el("span", { class: "reason" }, el("code", { text: x.code }), x.phrase ? " “" + x.phrase + "”" : "", " "))));
  }
  return box;
}

const STOPWORDS = new Set("a an the is are was were be do does did can could will would you your we our i me my it its this that these those of to in on for with and or what how when where which who why there here please any have has".split(" "));
const CJK_FILLERS = /请问|这个|那个|是不是|有没有|是否|可以|能不能|吗|呢|吧|啊|呀|嘛|么|的|了|是/g;

// faqKeywords suggests match keywords from a question: for Chinese or
// Japanese the question without punctuation and filler words, for other
// languages its content words. The merchant edits them before saving.
function faqKeywords(text, lang) {
  const clean = text.replace(/[\p{P}\p{S}]+/gu, " ").trim();
  if (/^(zh|ja|ko)/i.test(lang || "") || /[\u3040-\u30ff\u3400-\u9fff]/.test(clean)) {
    const kw = clean.replace(CJK_FILLERS, " ").split(/\s+/).filter((w) => w.length >= 2);
    return (kw.length ? kw : [clean.replace(/\s+/g, "")]).slice(0, 4);
  }
  const words = clean.toLowerCase().split(/\s+/).filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return [...new Set(words)].slice(0, 4);
}

// yamlScalar quotes s for a YAML flow sequence when it needs it.
function yamlScalar(s) { return /^[\p{L}\p{N}][\p{L}\p{N} _-]*$/u.test(s) && !/^(yes|no|true|false|null|on|off)$/i.test(s) ? s : JSON.stringify(s); }

// faqInsertion returns where and what to insert into script text src to
// add a FAQ entry for question q: into the list under faq: (a plain list,
// or the list under faq: entries: when the FAQ has fallback or filler
// lines too), or a new faq: at the end. It returns {at, text, answerAt}.
function faqInsertion(src, q) {
  const lines = src.split("\n");
  // The script's languages: a flow list, or a block list under languages:.
  let langs = ((/^languages:\s*\[([^\]]*)\]/m.exec(src) || [])[1] || "").split(",").map((l) => l.trim().replace(/^["']|["']$/g, "")).filter(Boolean);
  if (!langs.length) {
    const block = /^languages:\s*\n((?:[ \t]+-.*\n?)+)/m.exec(src);
    if (block) langs = [...block[1].matchAll(/-\s*["']?([A-Za-z0-9-]+)/g)].map((m) => m[1]);
  }
  const lang = q.lang && (!langs.length || langs.includes(q.lang)) ? q.lang : (langs[0] || q.lang || "en");
  if (!langs.includes(lang)) langs.unshift(lang);
  const taken = new Set([...src.matchAll(/^\s*-?\s*id:\s*([A-Za-z0-9_-]+)/gm)].map((m) => m[1]));
  let n = 1;
  while (taken.has("faq-new-" + n)) n++;
  const id = "faq-new-" + n;
  const kws = faqKeywords(q.text, lang);
  const entry = (ind) => [
    ind + "- id: " + id,
    ind + "  match:",
    ind + "    " + lang + ": [" + kws.map(yamlScalar).join(", ") + "]",
    ind + "  answer:",
    ind + "    - id: " + id + "-1",
    ind + "      say:",
    // One empty answer per language, the question's first: the cursor goes
    // into it, and the lint marks the others until they are written.
    ...[lang, ...langs.filter((l) => l !== lang)].map((l) => ind + "        " + l + ": \"\""),
  ];
  const offsetOf = (line) => lines.slice(0, line).reduce((a, l) => a + l.length + 1, 0);
  const indentOf = (l) => l.length - l.trimStart().length;
  const faq = lines.findIndex((l) => /^faq:\s*(#.*)?$/.test(l));
  if (faq < 0) {
    const body = ["", "faq:", ...entry("  ")].join("\n") + "\n";
    const text = (src.endsWith("\n") ? "" : "\n") + body;
    return { at: src.length, text, answerAt: src.length + answerIn(text) };
  }
  // The block under faq: runs to the next line indented no deeper.
  let end = faq + 1;
  while (end < lines.length && (lines[end].trim() === "" || lines[end].trimStart().startsWith("#") || indentOf(lines[end]) > 0)) end++;
  let listAt = faq; // the line the list hangs from
  const first = lines.slice(faq + 1, end).findIndex((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  if (first >= 0 && !lines[faq + 1 + first].trimStart().startsWith("- ")) {
    // A mapping: its entries: key holds the list.
    const e = lines.slice(faq + 1, end).findIndex((l) => /^\s+entries:\s*(#.*)?$/.test(l));
    if (e >= 0) listAt = faq + 1 + e;
    else {
      // No entries yet: add the key with the mapping's indentation.
      const ind = " ".repeat(indentOf(lines[faq + 1 + first]));
      const text = [ind + "entries:", ...entry(ind + "  ")].join("\n") + "\n";
      const at = offsetOf(end);
      return { at, text, answerAt: at + answerIn(text) };
    }
  }
  // The item indentation the list already uses (or two more than its key).
  let ind = " ".repeat(indentOf(lines[listAt]) + 2);
  for (let i = listAt + 1; i < end; i++) {
    const m = /^(\s*)- /.exec(lines[i]);
    if (m) { ind = m[1]; break; }
    if (lines[i].trim() !== "" && !lines[i].trimStart().startsWith("#")) break;
  }
  // At the end of that list: the last line deeper than its key.
  let last = listAt + 1;
  for (let i = listAt + 1; i < end; i++) {
    if (lines[i].trim() === "") continue;
    if (indentOf(lines[i]) < ind.length || (indentOf(lines[i]) === ind.length && !lines[i].trimStart().startsWith("- "))) break;
    last = i + 1;
  }
  const at = offsetOf(last);
  const text = entry(ind).join("\n") + "\n";
  return { at, text, answerAt: at + answerIn(text) };
}

// answerIn is the offset in an inserted entry between the quotes of its
// first answer.
function answerIn(text) { return text.indexOf("say:\n") + text.slice(text.indexOf("say:\n")).indexOf('""') + 1; }

// addToFAQ opens the script of room `room` (its newest version) with a FAQ
// entry for question q added, the cursor in its empty answer; the merchant
// writes the answer and saves as always.
async function addToFAQ(room, q) {
  const rm = state.rooms.find((r) => r.id === room);
  if (!rm) return;
  if (rm.preview && rm.preview.script) { toast("This preview plays text that was never saved: add the entry to the script you previewed."); return; }
  showTab("scripts");
  if (!state.script || state.script.id !== rm.show) {
    await openScript(rm.show);
    if (!state.script || state.script.id !== rm.show) return; // the merchant kept other changes
  }
  const ins = faqInsertion(editorText(), q);
  editor.dispatch({ changes: { from: ins.at, insert: ins.text }, selection: { anchor: ins.answerAt }, scrollIntoView: true });
  editor.focus();
  markDirty();
  toast("Added a FAQ entry for “" + q.text + "”: write its answer in each language between the quotes, then save." + (rm.version ? " Room " + room + " is pinned to version " + rm.version + ": assign the new version to it." : ""));
}

// ---- private preview ----

// previews holds the viewing tokens of the previews this console started,
// in memory only: a token is given once, when the preview is made.
const previews = new Map(); // room id -> {viewer, expires, keep}
let previewShown = null;

// startPreview plays the open script for the merchant alone: version v
// when given, else the newest saved version, or the editor's text when it
// has unsaved changes (checked by the API as a save is; 422 shows the
// problems as a save does).
async function startPreview(v) {
  const s = state.script;
  if (!s) return;
  $("save-result").hidden = true;
  let out;
  try {
    if (v || (s.version && !dirty())) out = await api("POST", "/previews?script=" + encodeURIComponent(s.id) + "&version=" + (v || s.version));
    else out = await api("POST", "/previews", editorText());
  } catch (e) {
    if (e instanceof StaleSession) return;
    showResult(false, e.status === 422 ? "No preview (" + e.problems.length + " problem" + (e.problems.length === 1 ? "" : "s") + "): " + e.message
      : e.code === "too_many" ? "No preview: " + e.message + " (Rooms tab: stop one, or wait for it to expire)" : "No preview: " + e.message, e.problems);
    if (e.status === 422 && e.problems.length) {
      renderProblems(e.problems, "save");
      editor.dispatch(setDiagnostics(editor.state, toDiagnostics(editor.state.doc, e.problems)));
    }
    return;
  }
  const id = out.room.id;
  const p = { viewer: out.viewer, expires: out.expires, what: v || (s.version && !dirty()) ? s.id + " v" + (v || s.version) : s.id + " (unsaved text)" };
  // Used while it is open: the API deletes a preview idle for 30 minutes.
  p.keep = setInterval(() => {
    api("GET", "/previews/" + encodeURIComponent(id)).then((o) => { p.expires = o.expires; if (previewShown === id) renderPreviewHead(); })
      .catch((e) => { if (e.status === 404) forgetPreview(id, "The preview " + id + " has ended."); });
  }, 60000);
  previews.set(id, p);
  showPreview(id);
  loadRooms().catch(() => {});
}

function renderPreviewHead() {
  const p = previews.get(previewShown);
  if (!p) return;
  $("preview-title").textContent = "Preview · " + p.what;
  $("preview-info").textContent = "Only you can watch it · room " + previewShown + " · deleted at " + new Date(p.expires).toTimeString().slice(0, 5) + " unless kept open";
  $("preview-open").href = p.viewer;
}

// showPreview opens the private viewer page of preview id in the drawer.
// The page's URL carries the token once; the gateway trades it for a
// cookie of that room only and drops it from the URL.
function showPreview(id) {
  const p = previews.get(id);
  if (!p) return;
  previewShown = id;
  $("preview").hidden = false;
  document.body.classList.add("previewing");
  renderPreviewHead();
  $("preview-frame").src = p.viewer;
}

function hidePreview() {
  previewShown = null;
  $("preview").hidden = true;
  document.body.classList.remove("previewing");
  $("preview-frame").src = "about:blank";
}

// stopPreview deletes the preview shown: the director stops it at once.
async function stopPreview() {
  const id = previewShown;
  if (!id) return;
  try {
    await api("DELETE", "/previews/" + encodeURIComponent(id));
  } catch (e) {
    if (e instanceof StaleSession) return;
    if (e.status !== 404) { toast("Could not stop the preview: " + e.message); return; }
  }
  forgetPreview(id, "Preview " + id + " stopped and deleted.");
  if (state.room === id) { state.room = null; $("room-detail").replaceChildren(el("p", { class: "muted", text: "Choose a room." })); stopMonitor(); }
  loadRooms().catch(() => {});
}

function forgetPreview(id, msg) {
  const p = previews.get(id);
  if (p) clearInterval(p.keep);
  previews.delete(id);
  if (previewShown === id) hidePreview();
  if (msg) toast(msg);
}

function forgetPreviews() {
  for (const id of [...previews.keys()]) forgetPreview(id);
  hidePreview();
}

// ---- live monitor: a viewer WebSocket of the room ----

function stopMonitor() {
  const m = state.monitor;
  state.monitor = null;
  if (m) { m.closed = true; clearInterval(m.tick); if (m.ws) m.ws.close(1000); }
}

function startMonitor(room) {
  const m = { room, closed: false, lastSeq: 0, times: [], lines: [], tries: 0 };
  state.monitor = m;
  m.tick = setInterval(() => {
    const now = Date.now();
    m.times = m.times.filter((t) => now - t < 10000);
    if ($("mon-eps")) $("mon-eps").textContent = (m.times.length / 10).toFixed(1);
  }, 1000);
  const connect = () => {
    if (m.closed) return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(proto + "//" + location.host + "/ws?room=" + encodeURIComponent(room) + (m.lastSeq ? "&since=" + m.lastSeq : ""));
    m.ws = ws;
    ws.onmessage = (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch { return; }
      for (const ev of Array.isArray(data) ? data : [data]) onEvent(m, ev);
    };
    ws.onopen = () => { m.tries = 0; };
    ws.onclose = () => { if (!m.closed) setTimeout(connect, Math.min(10000, 500 * 2 ** m.tries++) * (0.5 + Math.random())); };
  };
  connect();
}

function onEvent(m, ev) {
  if (state.monitor !== m || !ev || !ev.type) return;
  if (ev.seq > m.lastSeq) m.lastSeq = ev.seq;
  m.times.push(Date.now());
  if (ev.ts) {
    const lat = Date.now() - Date.parse(ev.ts);
    if (ev.seq > 0 && lat >= 0 && lat < 600000) $("mon-latency").textContent = String(lat);
  }
  const d = ev.data || {};
  switch (ev.type) {
    case "hello":
      if (d.seq > m.lastSeq) m.lastSeq = d.seq;
      if (d.state) {
        if (d.state.viewers) $("mon-viewers").textContent = d.state.viewers;
        $("mon-state").textContent = d.state.status || "–";
        for (const s of d.state.recent || []) spoken(m, s);
      }
      break;
    case "viewers": $("mon-viewers").textContent = d.count; break;
    case "speech": spoken(m, d); break;
    case "reply": {
      spoken(m, d.speech || {});
      const who = d.name || "a viewer";
      $("mon-questions").prepend(el("li", {}, el("strong", { text: who + ": " }), el("span", { text: d.question || "" }), " ",
        el("span", { class: "muted small", text: d.faq ? "→ answered from FAQ " + d.faq : "→ answered without a FAQ match" })));
      if (!d.faq) setTimeout(() => { if (state.monitor === m) loadUnanswered(m.room); }, 1500);
      while ($("mon-questions").children.length > 15) $("mon-questions").lastChild.remove();
      break;
    }
    case "comment": {
      const li = el("li", { "data-viewer": d.viewer || "" }, el("strong", { text: (d.name || "a viewer") + ": " }), el("span", { text: d.text || "" }), " ",
        d.viewer ? el("button", { type: "button", class: "small", "data-mute": d.viewer, text: "Mute", onclick: () => muteViewer(d.viewer) }) : null);
      $("mon-comments").prepend(li);
      while ($("mon-comments").children.length > 15) $("mon-comments").lastChild.remove();
      break;
    }
    case "show.start": case "show.resume": $("mon-state").textContent = "playing"; break;
    case "show.pause": $("mon-state").textContent = "paused"; break;
    case "show.end": $("mon-state").textContent = "ended"; break;
    case "notice": spoken(m, { text: "📢 " + (d.text || ""), line_id: "notice" }); break;
  }
}

// muteViewer mutes viewer in the open room: its comments are shown to no
// one and answered by nothing from now on.
async function muteViewer(viewer) {
  $("room-error").textContent = "";
  try {
    await api("POST", "/rooms/" + encodeURIComponent(state.room) + "/mute", { viewer });
    for (const b of document.querySelectorAll("#mon-comments button[data-mute]")) {
      if (b.dataset.mute === viewer) { b.disabled = true; b.textContent = "Muted"; }
    }
  } catch (e) {
    if (e instanceof StaleSession) return;
    $("room-error").textContent = "Could not mute: " + e.message;
  }
}

function spoken(m, s) {
  if (!s || !s.text) return;
  const now = $("mon-now");
  now.textContent = s.text;
  now.dataset.line = s.line_id || "";
  now.lang = s.lang || "";
  m.lines.unshift(s);
  m.lines.length = Math.min(m.lines.length, 12);
  $("mon-lines").replaceChildren(...m.lines.slice(1).map((x) => el("li", { lang: x.lang || null, text: x.text })));
}

// ---- audit ----

let auditNext = null;
function fillAuditTargets() {
  const sel = $("audit-target");
  const cur = sel.value;
  sel.replaceChildren(el("option", { value: "", text: "all" }),
    el("optgroup", { label: "Rooms" }, ...state.rooms.map((r) => el("option", { value: r.id, text: r.id }))),
    el("optgroup", { label: "Scripts" }, ...state.scripts.map((s) => el("option", { value: s.id, text: s.id }))));
  sel.value = cur;
}

let auditSeq = 0;
async function loadAudit(more) {
  const my = ++auditSeq;
  let path;
  if (more && auditNext) path = auditNext.replace(/^\/api\/v1/, "");
  else {
    const q = new URLSearchParams({ limit: "50" });
    if ($("audit-target").value) q.set("target", $("audit-target").value);
    if ($("audit-action").value) q.set("action", $("audit-action").value);
    path = "/audit?" + q;
  }
  const out = await api("GET", path);
  if (my !== auditSeq) return; // a newer request's answer draws the table
  const body = $("audit-rows");
  if (!more) body.replaceChildren();
  for (const r of out.records) {
    body.append(el("tr", { "data-action": r.action, "data-target": r.target },
      el("td", { class: "mono", text: r.ts.replace("T", " ").replace(/\.\d+Z$/, "Z") }),
      el("td", {}, el("code", { text: r.action })),
      el("td", { text: r.target }),
      el("td", { class: "detail", text: r.detail ? JSON.stringify(r.detail) : "" }),
      el("td", { class: "mono muted", text: (r.request_id || "").slice(0, 8) })));
  }
  if (!body.children.length) body.append(el("tr", {}, el("td", { colspan: 5, class: "muted", text: "No records." })));
  auditNext = out.next || null;
  $("audit-more").hidden = !auditNext;
}

// ---- wiring ----

// presenters is the Presenters tab (presenters.js), given what it needs
// from here rather than importing it back.
let presenters = null;

function wire() {
  editor = new EditorView({ state: newEditorState(""), parent: $("editor") });
  presenters = mountPresenters({ api, el, toast, isStale: (e) => e instanceof StaleSession,
    openRoom: (id) => { showTab("rooms"); openRoom(id); }, roomsChanged: () => loadRooms().catch(() => {}) });
  loadSchema();
  $("signin-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("signin-error").textContent = "";
    try { await signIn($("token").value.trim()); } catch (err) { $("signin-error").textContent = err.status === 401 ? "That token was refused." : "Could not sign in: " + err.message; }
    $("token").value = "";
  });
  $("signout").addEventListener("click", () => { if ((!dirty() || confirmDiscard()) && presenters.confirmDiscard()) signOut("Signed out."); });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("script-new").addEventListener("click", () => { $("new-form").hidden = false; $("new-id").focus(); });
  $("new-cancel").addEventListener("click", () => { $("new-form").hidden = true; });
  $("new-form").addEventListener("submit", (e) => { e.preventDefault(); $("new-form").hidden = true; newScript($("new-id").value.trim(), $("new-from").value); });
  $("script-save").addEventListener("click", saveScript);
  $("script-preview").addEventListener("click", () => startPreview(0));
  $("preview-stop").addEventListener("click", () => stopPreview());
  $("preview-hide").addEventListener("click", () => hidePreview());
  $("script-delete").addEventListener("click", deleteScript);
  $("diff-form").addEventListener("submit", (e) => { e.preventDefault(); if ($("diff-a").value) showDiff(Number($("diff-a").value), Number($("diff-b").value)).catch((err) => toast(err.message)); });
  $("diff-close").addEventListener("click", () => { $("diff").hidden = true; });
  $("room-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = { id: $("room-id").value.trim(), kind: $("room-kind").value, script: $("room-script").value, version: Number($("room-version").value || 0) };
    if ($("new-room-title").value.trim()) body.title = $("new-room-title").value.trim();
    try {
      await api("POST", "/rooms", body);
      $("room-id").value = ""; $("new-room-title").value = "";
      await openRoom(body.id);
    } catch (err) {
      if (err instanceof StaleSession) return;
      toast("Room not created: " + err.message);
    }
  });
  $("audit-form").addEventListener("submit", (e) => { e.preventDefault(); loadAudit(false); });
  for (const id of ["audit-target", "audit-action"]) $(id).addEventListener("change", () => loadAudit(false));
  $("audit-more").addEventListener("click", () => loadAudit(true));
  document.addEventListener("keydown", (e) => {
    if (!token()) return;
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === "s") {
      // In the editor, CodeMirror's keymap has saved already.
      if (!e.defaultPrevented && state.tab === "scripts") saveScript();
      else if (state.tab === "presenters") presenters.save();
      e.preventDefault();
    }
    else if (mod && e.shiftKey && e.key === "Enter" && state.tab === "rooms" && roomRecord()) {
      e.preventDefault();
      const rm = roomRecord();
      if (rm.status === "stopped") lifecycle("start"); else if (rm.status === "paused") lifecycle("resume");
    } else if (e.altKey && ["1", "2", "3", "4"].includes(e.key)) { e.preventDefault(); showTab(["scripts", "rooms", "audit", "presenters"][Number(e.key) - 1]); }
  });
  window.addEventListener("beforeunload", (e) => { if (dirty() || presenters.dirty()) e.preventDefault(); });
  if (token()) showApp().catch(() => signOut("Sign in again."));
}

window.addEventListener("unhandledrejection", (e) => {
  if (e.reason instanceof StaleSession) { e.preventDefault(); return; }
  if (e.reason && e.reason.status !== 401) toast(String(e.reason.message || e.reason));
});
wire();
