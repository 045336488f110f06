// The livestream viewer page: the avatar speaking with subtitles in the
// viewer's language, product, flash-sale and coupon cards, a buy button,
// flying comments, likes and a display name asked for at the first question.
import { Speaker, word, translate, pick, langName, setImage, money, loadPublic, statusKey, startsAt } from "./stage.js";
import { Presenter } from "./presenter.js";
import { fillProduct, fillSale, Countdown } from "./cards.js";
import { Danmaku, platformLabel } from "./danmaku.js";

const $ = (id) => document.getElementById(id);
const room = document.body.dataset.room;
const client = new window.AvatarClient(room);
const store = window.localStorage;

let me = "";                                   // this viewer's id, from hello
let myName = store.getItem("avatarcast.name") || "";
let pub = { languages: [], catalog: [], coupons: [] };
let spoken = "";                               // the room's spoken language
let subLang = store.getItem("avatarcast.sublang") || "";
let uiLang = "zh-CN";
let current = null;                            // the product card's product
let sale = null;
let likes = 0;
let stateLangs = [];                           // hello.state.languages

const speaker = new Speaker($("subtitle"), null);
const presenter = new Presenter($("avatar"), speaker, $("persona-name"));
const countdown = new Countdown($("sale").querySelector(".countdown"));
const danmaku = new Danmaku($("danmaku"));

function ui() { return subLang || spoken || uiLang; }

function relabel() {
  const l = ui();
  document.documentElement.lang = l;
  translate(l);
  $("say-text").placeholder = word(l, ended ? "ended" : "placeholder");
  if (ended) $("subtitle").textContent = word(l, "ended_note");
  // The AI label is in the language being spoken (hello.disclosures).
  const d = presenter.label(spoken);
  if (d) $("ai-label").textContent = d;
  renderCatalog();
  if (current) showProduct(current);
  if (sale) showSale(sale);
}

// --- products -------------------------------------------------------------

function titleOf(sku) {
  const p = pub.catalog.find((c) => c.sku === sku);
  if (p) return pick(p.title, ui());
  return current && current.sku === sku ? current.title : sku;
}

function showProduct(p) {
  current = p;
  fillProduct($("product"), p, ui());
  renderCatalog();
}

// A museum room lists its exhibits where a livestream lists products: the
// one in focus marked, a tap asks the guide about another.
const museum = document.body.dataset.kind === "museum";
let focused = "";

function renderExhibits() {
  const ul = $("catalog");
  ul.textContent = "";
  for (const x of pub.exhibits || []) {
    const li = document.createElement("li");
    li.className = "item";
    li.dataset.id = x.id;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "pick";
    if (x.id === focused) { li.classList.add("current"); b.setAttribute("aria-current", "true"); }
    const img = document.createElement("img");
    img.width = img.height = 56;
    img.alt = "";
    setImage(img, x.image, "");
    const t = document.createElement("span");
    t.className = "t";
    t.textContent = pick(x.title, ui());
    const era = document.createElement("span");
    era.className = "p era";
    era.textContent = x.era ? pick(x.era, ui()) : "";
    b.append(img, t, era);
    b.addEventListener("click", () => client.send("tap", { target: x.id }));
    li.append(b);
    ul.append(li);
  }
}

function renderCatalog() {
  if (museum) { renderExhibits(); return; }
  const ul = $("catalog");
  ul.textContent = "";
  for (const c of pub.catalog || []) {
    const li = document.createElement("li");
    li.className = "item";
    if (current && current.sku === c.sku) li.classList.add("current");
    const img = document.createElement("img");
    img.width = img.height = 56;
    setImage(img, c.image, "");
    const t = document.createElement("span");
    t.className = "t";
    t.textContent = pick(c.title, ui());
    const pr = document.createElement("span");
    pr.className = "p";
    const now = document.createElement("strong");
    now.textContent = money(c.price, c.currency);
    pr.append(now);
    if (c.list_price && c.list_price !== c.price) {
      const s = document.createElement("s");
      s.textContent = money(c.list_price, c.currency);
      pr.append(" ", s);
    }
    li.append(img, t, pr);
    if (current && current.sku === c.sku) {
      const m = document.createElement("span");
      m.className = "mark";
      m.textContent = word(ui(), "now_explaining");
      li.append(m);
    }
    ul.append(li);
  }
}

// --- flash sale and coupons --------------------------------------------------

function showSale(s) {
  sale = s;
  fillSale($("sale"), s, s ? titleOf(s.sku) : "", ui());
  countdown.set(s ? s.ends : "");
}

function showCoupon(c) {
  const box = $("coupons");
  let card = box.querySelector(`[data-id="${CSS.escape(c.id)}"]`);
  if (!card) {
    card = document.createElement("article");
    card.className = "coupon";
    card.dataset.id = c.id;
    box.prepend(card);
    while (box.children.length > 2) box.lastChild.remove();
  }
  card.textContent = "";
  const amt = document.createElement("strong");
  amt.className = "amount";
  amt.textContent = money(c.discount, c.currency);
  const body = document.createElement("div");
  const h = document.createElement("h3");
  h.textContent = c.title;
  const terms = document.createElement("p");
  terms.className = "terms";
  const parts = [word(ui(), "off", { d: money(c.discount, c.currency) })];
  if (c.min_spend) parts.push(word(ui(), "min_spend", { m: money(c.min_spend, c.currency) }));
  if (c.count) parts.push(word(ui(), "coupons_left", { n: c.count }));
  terms.textContent = parts.join(" · ");
  body.append(h, terms);
  card.append(amt, body);
}

// --- museum rooms: the exhibit in focus, with its tap-to-ask questions ---

function showExhibit(x) {
  const el = $("exhibit");
  focused = x ? x.id : "";
  if (museum) renderExhibits();
  if (!x) { el.hidden = true; return; }
  el.hidden = false;
  el.dataset.id = x.id;
  setImage(el.querySelector(".thumb"), x.image, x.title);
  el.querySelector(".title").textContent = x.title;
  el.querySelector(".era").textContent = x.era || "";
  const opts = el.querySelector(".options");
  opts.textContent = "";
  for (const o of x.options || []) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = o.label;
    b.addEventListener("click", () => client.send("tap", { target: o.id }));
    opts.append(b);
  }
}

// --- buying -----------------------------------------------------------------

$("buy").addEventListener("click", () => {
  const sku = $("product").dataset.sku;
  if (!sku) return;
  const data = { sku };
  if (myName) data.name = myName;
  const b = $("buy");
  if (client.send("cart", data)) {
    b.textContent = word(ui(), "sent");
    b.dataset.state = "sent";
    // A gateway without cart.ok never answers: the button comes back.
    clearTimeout(b.t);
    b.t = setTimeout(() => { if (b.dataset.state === "sent") { b.textContent = word(ui(), "buy"); b.dataset.state = ""; } }, 5000);
  }
});

function cartOK(d) {
  const b = $("buy");
  if ($("product").dataset.sku !== d.sku) return;
  b.textContent = word(ui(), "added");
  b.dataset.state = "ok";
  b.dataset.acked = d.sku; // the last product the gateway took an intent for
  clearTimeout(b.t);
  b.t = setTimeout(() => { b.textContent = word(ui(), "buy"); b.dataset.state = ""; }, 4000);
}

// --- comments, danmaku, likes, names ----------------------------------------

function fly(who, text, mine, platform) {
  const li = document.createElement("li");
  const b = document.createElement("b");
  b.textContent = who + " ";
  if (platform) {
    const p = document.createElement("small");
    p.className = "platform";
    p.textContent = platformLabel(platform);
    li.append(p, " ");
  }
  li.append(b, text);
  const ul = $("comments");
  ul.append(li);
  while (ul.children.length > 40) ul.firstChild.remove();
  if ($("danmaku-toggle").getAttribute("aria-pressed") !== "true") return;
  danmaku.fly(text, mine, platform);
}

$("danmaku-toggle").addEventListener("click", (e) => {
  const on = e.currentTarget.getAttribute("aria-pressed") !== "true";
  e.currentTarget.setAttribute("aria-pressed", String(on));
  $("danmaku").hidden = !on;
});

$("like").addEventListener("click", () => {
  const data = { count: 1 };
  if (myName) data.name = myName;
  client.send("like", data);
  $("like-count").textContent = String(++likes);
  const btn = $("like");
  for (let i = 0; i < 6; i++) {
    const h = document.createElement("span");
    h.className = "heart";
    h.textContent = "♥";
    h.style.setProperty("--dx", Math.round((Math.random() - 0.5) * 80) + "px");
    h.style.setProperty("--delay", i * 60 + "ms");
    h.addEventListener("animationend", () => h.remove());
    btn.append(h);
  }
});

let pendingQuestion = "", lastQuestion = "";
function askName(text, err) {
  pendingQuestion = text;
  $("name-input").value = myName;
  $("name-error").textContent = err || "";
  $("name-dialog").showModal();
  $("name-input").focus();
}

$("name-dialog").addEventListener("close", () => {
  const d = $("name-dialog");
  const name = $("name-input").value.trim();
  if (d.returnValue !== "ok" || !name) { pendingQuestion = ""; return; }
  myName = name;
  store.setItem("avatarcast.name", name);
  if (pendingQuestion) { lastQuestion = pendingQuestion; client.send("question", { text: pendingQuestion, name }); }
  pendingQuestion = "";
});

$("say").addEventListener("submit", (e) => {
  e.preventDefault();
  const t = $("say-text").value.trim();
  if (!t) return;
  $("say-text").value = "";
  const question = /[?？]$/.test(t) || /^(how|what|where|when|why|who|can|is|do|does)\b/i.test(t) || /[吗呢么]$|多少|怎么|什么|哪/.test(t);
  if (question && !myName) { askName(t); return; }
  const data = { text: t };
  if (myName) data.name = myName;
  if (question) lastQuestion = t;
  client.send(question ? "question" : "comment", data);
});

// --- replies ---------------------------------------------------------------

function showReply(r) {
  const box = $("reply");
  box.textContent = "";
  const mine = r.viewer && r.viewer === me;
  box.classList.toggle("mine", !!mine);
  const who = document.createElement("p");
  who.className = "to";
  who.textContent = mine ? word(ui(), "to_you", { name: myName || r.name || "" }) : "@" + (r.name || "…");
  const q = document.createElement("p");
  q.className = "q";
  q.textContent = r.question;
  box.append(who, q);
  box.hidden = false;
  clearTimeout(showReply.t);
  showReply.t = setTimeout(() => { box.hidden = true; }, Math.max(6000, ((r.speech && r.speech.duration_ms) || 0) + 2000));
}

// --- languages ---------------------------------------------------------------

function fillLangs() {
  const sel = $("sub-lang");
  sel.textContent = "";
  const langs = pub.languages && pub.languages.length ? pub.languages : stateLangs.length ? stateLangs : spoken ? [spoken] : [];
  for (const l of langs) {
    const o = document.createElement("option");
    o.value = l;
    o.textContent = langName(l);
    sel.append(o);
  }
  if (!langs.includes(subLang)) subLang = "";
  sel.value = subLang || spoken || langs[0] || "";
}

$("sub-lang").addEventListener("change", (e) => {
  subLang = e.target.value;
  store.setItem("avatarcast.sublang", subLang);
  // In a livestream the gateway keeps this to the viewer: it does not
  // change what the presenter speaks.
  client.send("lang", { lang: subLang });
  speaker.relang(subLang);
  relabel();
});

// --- the socket ------------------------------------------------------------------

function applyState(st) {
  if (!st) return;
  showStatus(st.status);
  if (st.lang) spoken = st.lang;
  if (st.languages) stateLangs = st.languages;
  showProduct(st.product || null);
  showSale(st.sale || null);
  showExhibit(st.exhibit || null);
  showViewers(st.viewers);
  const recent = st.recent || [];
  if (recent.length && st.status !== "ended") { speaker.last = recent[recent.length - 1]; speaker.relang(subLang); }
}

function spokenIn(lang) {
  if (!lang || lang === spoken) return;
  spoken = lang;
  fillLangs();
  relabel();
}

function setStatus(key, cls) {
  const s = $("status");
  s.textContent = word(ui(), key);
  s.dataset.state = key;
  s.className = "status " + (cls || "");
}

function showStatus(status) { setStatus(...statusKey(status)); onAir(status); }

// An ended show keeps no line on screen (a flash sale's pitch would read as
// an offer still open) and takes no comments or questions that nobody
// will answer; a show that starts again takes them again.
let ended = false;
function onAir(status) {
  ended = status === "ended";
  document.body.dataset.show = ended ? "ended" : "";
  $("say-text").disabled = ended;
  $("say").querySelector("button[type=submit]").disabled = ended;
  $("say-text").placeholder = word(ui(), ended ? "ended" : "placeholder");
  if (!ended) return;
  speaker.stop();
  speaker.last = null;
  presenter.avatar.mouth("rest");
  const sub = $("subtitle");
  sub.textContent = word(ui(), "ended_note");
  sub.dataset.line = "";
  $("reply").hidden = true;
}

// showViewers shows the room's viewer count: at least this viewer once
// connected (counts are published every few seconds, and the first
// viewer of a quiet room would read "0 watching" until the next).
function showViewers(n) {
  const here = client.ws && client.ws.readyState === WebSocket.OPEN ? 1 : 0;
  $("viewer-count").textContent = String(Math.max(n || 0, here));
}

// offAir says when a scheduled show that is off air starts next, if it
// does (next: an RFC 3339 time, or nothing).
function offAir(next) {
  if (!next) return;
  const s = $("status");
  s.textContent = startsAt(ui(), next);
  s.dataset.state = "scheduled";
  s.dataset.next = next;
  s.className = "status";
}

client
  .on("open", () => setStatus("live", "ok"))
  .on("close", () => setStatus("reconnecting", "warn"))
  .on("*", (ev) => countdown.seen(ev))
  .on("hello", (ev) => {
    const h = ev.data;
    me = h.viewer;
    presenter.hello(h);
    applyState(h.state);
    offAir(h.next_start);
    fillLangs();
    relabel();
  })
  .on("resume", (ev) => { if (!ev.data.recovered) applyState(ev.data.state); })
  .on("speech", (ev) => { spokenIn(ev.data.lang); speaker.play(ev.data); })
  .on("reply", (ev) => { spokenIn(ev.data.speech.lang); showReply(ev.data); speaker.play(ev.data.speech); })
  .on("speech.cut", (ev) => speaker.cut(ev.data))
  .on("expression", (ev) => presenter.avatar.expression(ev.data.name))
  .on("gesture", (ev) => {
    presenter.avatar.gesture(ev.data.name);
    if (["point", "present", "show"].includes(ev.data.name)) {
      const p = $("product");
      p.classList.remove("pointed");
      void p.offsetWidth;
      p.classList.add("pointed");
    }
  })
  .on("product.show", (ev) => showProduct(ev.data))
  .on("product.hide", () => showProduct(null))
  .on("sale.start", (ev) => showSale(ev.data))
  .on("sale.update", (ev) => showSale(ev.data))
  .on("sale.end", () => showSale(null))
  .on("coupon", (ev) => showCoupon(ev.data))
  .on("exhibit.focus", (ev) => showExhibit(ev.data))
  .on("cart.ok", (ev) => cartOK(ev.data))
  .on("viewers", (ev) => showViewers(ev.data.count))
  .on("comment", (ev) => fly(ev.data.name || "👤", ev.data.text, ev.data.viewer === me, ev.data.platform))
  .on("notice", (ev) => {
    const n = $("notice");
    n.textContent = ev.data.text;
    n.hidden = false;
    clearTimeout(n.t);
    n.t = setTimeout(() => { n.hidden = true; }, 8000);
  })
  .on("show.start", () => showStatus("playing"))
  .on("show.resume", () => showStatus("playing"))
  .on("show.pause", () => showStatus("paused"))
  .on("show.end", (ev) => { showStatus("ended"); offAir(ev.data.next_start); })
  .on("error", (ev) => {
    if (ev.data.code === "bad_name") {
      myName = "";
      store.removeItem("avatarcast.name");
      askName(lastQuestion, word(ui(), "bad_name") + " " + ev.data.message);
      return;
    }
    const li = document.createElement("li");
    li.className = "err";
    li.textContent = "⚠ " + ev.data.message;
    $("comments").append(li);
  });

loadPublic(room).then((p) => { pub = p; fillLangs(); relabel(); if (sale) showSale(sale); });
relabel();
window.avatarClient = client;
client.connect();
