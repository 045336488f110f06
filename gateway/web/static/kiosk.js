// The museum kiosk: a large guide, the exhibit in focus with its
// tap-to-ask questions and the FAQ's, language buttons that switch the
// spoken language at the next line, a browsable exhibit list, an attract
// loop after inactivity, and a staff lock that the server checks.
import { Speaker, word, translate, pick, langName, setImage, loadPublic, statusKey, startsAt } from "./stage.js";
import { Presenter } from "./presenter.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const room = body.dataset.room;
const locked = body.dataset.locked === "true";
const idleMs = Math.max(1, parseInt(body.dataset.idle, 10) || 60) * 1000;
const client = new window.AvatarClient(room);

let pub = { languages: [], exhibits: [], faq: [] };
let lang = "";           // the spoken language (the kiosk's language)
let focus = null;        // the exhibit in focus (exhibit.focus payload)
// A kiosk plays sound without a tap (its browser allows autoplay).
const speaker = new Speaker($("subtitle"), null, { autoplay: true });
const presenter = new Presenter($("avatar"), speaker, $("persona-name"));

function exhibitOf(id) { return (pub.exhibits || []).find((e) => e.id === id); }

function relabel() {
  const l = lang || (pub.languages && pub.languages[0]) || "zh-CN";
  document.documentElement.lang = l;
  translate(l);
  const d = presenter.label(l);
  if (d) $("ai-label").textContent = d;
  for (const b of $("langs").children) b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
  renderExhibit();
  renderFAQ();
  renderList();
}

function button(label, cls, fn) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = cls;
  b.textContent = label;
  b.addEventListener("click", fn);
  return b;
}

function renderExhibit() {
  const card = $("exhibit");
  const x = focus ? exhibitOf(focus.id) : null;
  if (!focus && !x) { card.hidden = true; $("options").textContent = ""; return; }
  card.hidden = false;
  card.dataset.id = focus.id;
  const title = x ? pick(x.title, lang) : focus.title;
  setImage(card.querySelector(".k-img"), (x && x.image) || focus.image, title);
  card.querySelector(".title").textContent = title;
  card.querySelector(".era").textContent = x ? pick(x.era, lang) : focus.era || "";
  card.querySelector(".text").textContent = x ? pick(x.text, lang) : "";
  const opts = $("options");
  opts.textContent = "";
  const options = x && x.options ? x.options.map((o) => ({ id: o.id, label: pick(o.label, lang) })) : focus.options || [];
  for (const o of options) opts.append(button(o.label, "ask", () => client.send("tap", { target: o.id })));
}

function renderFAQ() {
  const box = $("faq");
  box.textContent = "";
  for (const f of pub.faq || []) {
    const q = pick(f.ask, lang);
    if (!q) continue;
    // The FAQ's first phrase, as a question: "Opening hours?", "开放时间？".
    const mark = /^(zh|ja)/.test(lang) ? "？" : /^fr/.test(lang) ? " ?" : "?";
    const label = q.charAt(0).toUpperCase() + q.slice(1) + mark;
    box.append(button(label, "ask faq", () => client.send("question", { text: q })));
  }
}

function renderList() {
  const ul = $("exhibits");
  ul.textContent = "";
  for (const x of pub.exhibits || []) {
    const li = document.createElement("li");
    const b = button("", "k-item", () => client.send("tap", { target: x.id }));
    if (focus && focus.id === x.id) b.setAttribute("aria-current", "true");
    const img = document.createElement("img");
    img.width = img.height = 64;
    setImage(img, x.image, "");
    const t = document.createElement("span");
    t.textContent = pick(x.title, lang);
    const era = document.createElement("small");
    era.textContent = pick(x.era, lang);
    b.append(img, t, era);
    li.append(b);
    ul.append(li);
  }
}

function fillLangs() {
  const nav = $("langs");
  nav.textContent = "";
  for (const l of pub.languages || []) {
    const b = button(langName(l), "lang", () => {
      client.send("lang", { lang: l });
      // The guide switches at the next line; the screen at once.
      lang = l;
      relabel();
    });
    b.dataset.lang = l;
    b.lang = l;
    nav.append(b);
  }
}

// --- idle attract loop --------------------------------------------------------

let idleTimer = 0, attractTimer = 0, attractIndex = 0;
function touched() {
  if (!$("attract").hidden) stopAttract();
  clearTimeout(idleTimer);
  idleTimer = setTimeout(startAttract, idleMs);
}
function startAttract() {
  const a = $("attract");
  a.hidden = false;
  body.classList.add("attracting");
  const step = () => {
    const xs = pub.exhibits || [];
    if (xs.length) {
      const x = xs[attractIndex++ % xs.length];
      setImage(a.querySelector(".k-img"), x.image, pick(x.title, lang));
      a.querySelector(".attract-title").textContent = pick(x.title, lang);
    }
    presenter.avatar.gesture("wave");
    attractTimer = setTimeout(step, 6000);
  };
  step();
}
function stopAttract() {
  $("attract").hidden = true;
  body.classList.remove("attracting");
  clearTimeout(attractTimer);
}
for (const t of ["pointerdown", "keydown", "touchstart"]) document.addEventListener(t, touched, { passive: true });

// --- staff lock ----------------------------------------------------------------

let unlocked = !locked;
function guard(e) { if (!unlocked) { e.preventDefault(); e.returnValue = ""; } }
window.addEventListener("beforeunload", guard);
document.addEventListener("keydown", (e) => {
  if (unlocked) return;
  const k = e.key;
  const reload = k === "F5" || ((e.ctrlKey || e.metaKey) && ["r", "R", "l", "L", "w", "W"].includes(k));
  if (reload || k === "F11" || k === "Escape") {
    e.preventDefault();
    openStaff();
  }
});
document.addEventListener("contextmenu", (e) => { if (!unlocked) e.preventDefault(); });
// Full screen at the first touch (browsers allow it only then).
document.addEventListener("pointerdown", () => {
  if (locked && !unlocked && !document.fullscreenElement && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => {});
  }
}, { once: true });

function openStaff() {
  $("staff-error").textContent = "";
  $("passcode").value = "";
  $("staff-unlocked").hidden = !unlocked;
  $("staff-dialog").showModal();
  $("passcode").focus();
}
$("staff").addEventListener("click", openStaff);
$("staff-cancel").addEventListener("click", () => $("staff-dialog").close());
$("staff-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!locked) { unlocked = true; $("staff-unlocked").hidden = false; return; }
  let status = 0;
  try {
    const r = await fetch("/kiosk/unlock", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ passcode: $("passcode").value }) });
    status = r.status;
  } catch (err) { status = 0; }
  $("passcode").value = "";
  if (status === 204) {
    unlocked = true;
    body.dataset.unlocked = "true";
    $("staff-error").textContent = "";
    $("staff-unlocked").hidden = false;
    if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
    return;
  }
  $("staff-error").textContent = status === 403 ? "Wrong passcode." : status === 429 ? "Too many attempts; wait a moment." : "Cannot check the passcode now.";
});

// --- the socket ---------------------------------------------------------------

function applyState(st) {
  if (!st) return;
  status(...statusKey(st.status));
  if (st.lang) lang = st.lang;
  if (st.exhibit) focus = st.exhibit;
  const recent = st.recent || [];
  if (recent.length) { speaker.last = recent[recent.length - 1]; speaker.relang(""); }
}

function status(key, cls) {
  const s = $("status");
  s.textContent = word(lang, key);
  s.dataset.state = key;
  s.className = "status " + (cls || "");
}

// offAir says when a scheduled show that is off air starts next.
function offAir(next) {
  if (!next) return;
  const s = $("status");
  s.textContent = startsAt(lang, next);
  s.dataset.state = "scheduled";
  s.className = "status";
}

client
  .on("open", () => status("live", "ok"))
  .on("close", () => status("reconnecting", "warn"))
  .on("hello", (ev) => {
    presenter.hello(ev.data);
    applyState(ev.data.state);
    offAir(ev.data.next_start);
    relabel();
  })
  .on("resume", (ev) => { if (!ev.data.recovered) { applyState(ev.data.state); relabel(); } })
  .on("speech", (ev) => {
    if (ev.data.lang && ev.data.lang !== lang) { lang = ev.data.lang; relabel(); }
    speaker.play(ev.data);
  })
  .on("reply", (ev) => speaker.play(ev.data.speech))
  .on("speech.cut", (ev) => speaker.cut(ev.data))
  .on("expression", (ev) => presenter.avatar.expression(ev.data.name))
  .on("gesture", (ev) => presenter.avatar.gesture(ev.data.name))
  .on("exhibit.focus", (ev) => { focus = ev.data; relabel(); })
  .on("show.start", () => status(...statusKey("playing")))
  .on("show.resume", () => status(...statusKey("playing")))
  .on("show.pause", () => status(...statusKey("paused")))
  .on("show.end", (ev) => { status(...statusKey("ended")); offAir(ev.data.next_start); })
  .on("idle", () => { if ($("attract").hidden && Date.now() - lastTouch() > idleMs) startAttract(); });

let lastTouchAt = Date.now();
function lastTouch() { return lastTouchAt; }
document.addEventListener("pointerdown", () => { lastTouchAt = Date.now(); }, { passive: true });

if (body.dataset.freeText === "true") {
  $("say").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = $("say-text").value.trim();
    if (t) client.send("question", { text: t });
    $("say-text").value = "";
  });
}
if ($("like")) $("like").addEventListener("click", () => client.send("like", { count: 1 }));

loadPublic(room).then((p) => { pub = p; if (!lang && p.languages) lang = p.languages[0]; fillLangs(); relabel(); });
touched();
window.avatarClient = client;
client.connect();
