// The OBS overlay: the avatar speaking, its subtitles, the product and
// flash-sale cards and flying comments over a transparent page, for an OBS
// browser source to composite over the scene. What is shown comes from the
// query string, checked by the server into data-parts, data-scale and
// data-side; the AI label is outside every part and always drawn.
//
// On stream nothing may look broken: the page shows no status, and when
// the socket drops the last frame stays as it was (avatar, subtitle,
// cards) while the client comes back with since= and goes on.
import { Speaker, word, translate, pick, loadPublic } from "./stage.js";
import { Presenter } from "./presenter.js";
import { fillProduct, fillSale, Countdown } from "./cards.js";
import { Danmaku } from "./danmaku.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const room = body.dataset.room;
const client = new window.AvatarClient(room);

// The server has bounded the scale; the page sizes everything from it.
document.documentElement.style.setProperty("--scale", String(parseFloat(body.dataset.scale) || 1));

let pub = { catalog: [] };
let spoken = "";         // the language being spoken
let product = null, sale = null;
let ended = false;       // the show ended: cards and subtitle are hidden, the avatar stays

// An OBS browser source plays sound without a tap.
const speaker = new Speaker($("subtitle"), null, { autoplay: true });
// No avatar until hello names its look: never a default figure that then
// changes into the persona's.
const presenter = new Presenter($("avatar"), speaker, null, false);
const countdown = new Countdown($("sale").querySelector(".countdown"));
const danmaku = new Danmaku($("danmaku"));

function lang() { return spoken || "zh-CN"; }

function relabel() {
  document.documentElement.lang = lang();
  translate(lang());
  const d = presenter.label(spoken);
  if (d) $("ai-label").textContent = d;
  render();
}

function titleOf(sku) {
  const p = (pub.catalog || []).find((c) => c.sku === sku);
  if (p) return pick(p.title, lang());
  return product && product.sku === sku ? product.title : sku;
}

function render() {
  fillProduct($("product"), ended ? null : product, lang());
  fillSale($("sale"), ended ? null : sale, sale ? titleOf(sale.sku) : "", lang());
  countdown.set(!ended && sale ? sale.ends : "");
  body.dataset.show = ended ? "ended" : "on";
  // The last line of an ended show would stay on stream (a flash sale's
  // pitch read as an offer still open) until the merchant stops OBS.
  if (ended && speaker.last) { speaker.stop(); speaker.last = null; presenter.avatar.mouth("rest"); }
  $("subtitle").hidden = ended;
}

function applyState(st) {
  if (!st) return;
  if (st.lang) spoken = st.lang;
  product = st.product || null;
  sale = st.sale || null;
  ended = st.status === "ended";
  const recent = st.recent || [];
  // A late joiner (or a reconnect that missed lines) sees the last line.
  if (recent.length && !ended) { speaker.last = recent[recent.length - 1]; speaker.relang(""); }
}

function speak(sp) {
  if (sp.lang && sp.lang !== spoken) { spoken = sp.lang; relabel(); }
  speaker.play(sp); // with its audio, if it has any (voice.js)
}

client
  .on("*", (ev) => countdown.seen(ev))
  .on("hello", (ev) => {
    presenter.hello(ev.data);
    applyState(ev.data.state);
    relabel();
    body.dataset.ready = "true";
  })
  .on("resume", (ev) => { if (!ev.data.recovered) { applyState(ev.data.state); relabel(); } })
  .on("speech", (ev) => speak(ev.data))
  .on("speech.cut", (ev) => speaker.cut(ev.data))
  .on("reply", (ev) => { if (ev.data.speech) speak(ev.data.speech); })
  .on("expression", (ev) => presenter.avatar.expression(ev.data.name))
  .on("gesture", (ev) => presenter.avatar.gesture(ev.data.name))
  .on("product.show", (ev) => { product = ev.data; render(); })
  .on("product.hide", () => { product = null; render(); })
  .on("sale.start", (ev) => { sale = ev.data; render(); })
  .on("sale.update", (ev) => { sale = ev.data; render(); })
  .on("sale.end", () => { sale = null; render(); })
  .on("show.start", () => { ended = false; render(); })
  .on("show.resume", () => { ended = false; render(); })
  .on("show.end", () => { ended = true; render(); })
  .on("comment", (ev) => { if (ev.data.text) danmaku.fly(ev.data.text, false, ev.data.platform); });

loadPublic(room).then((p) => { pub = p; render(); });
relabel();
window.avatarClient = client;
window.overlayAudio = speaker.voice;
client.connect();
