// The viewer page: AI label, avatar mouth and expression, subtitles shown
// word by word from the speech timings, product card, flash sale countdown,
// exhibit card, replies and comments.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const body = document.body;
  const room = body.dataset.room;
  const client = new AvatarClient(room);
  const timers = [];
  let saleEnds = 0;

  function clearTimers() { while (timers.length) clearTimeout(timers.pop()); }

  function setLabel(text) { if (text) $("ai-label").textContent = text; }

  // The AI label follows the spoken language: hello.disclosures holds it
  // in each language of the room; each speech or reply says its language.
  let disclosures = {};
  function labelFor(lang) { if (lang && disclosures[lang]) setLabel(disclosures[lang]); }

  function speak(sp, prefix) {
    clearTimers();
    const sub = $("subtitle");
    sub.textContent = "";
    sub.dataset.line = sp.line_id || "";
    if (prefix) sub.append(prefix);
    const spans = [];
    const words = sp.words && sp.words.length ? sp.words : [{ text: sp.text, offset: 0, start_ms: 0, end_ms: sp.duration_ms }];
    // Offsets are UTF-8 byte offsets: the text between words (spaces,
    // punctuation) is shown as it is, unhighlighted.
    const enc = new TextEncoder(), dec = new TextDecoder();
    const bytes = enc.encode(sp.text);
    let pos = 0;
    for (const w of words) {
      const off = typeof w.offset === "number" ? w.offset : pos;
      if (off > pos) sub.append(dec.decode(bytes.slice(pos, off)));
      const s = document.createElement("span");
      s.textContent = w.text;
      s.className = "word";
      sub.append(s);
      spans.push(s);
      pos = Math.max(pos, off + enc.encode(w.text).length);
    }
    if (pos < bytes.length) sub.append(dec.decode(bytes.slice(pos)));
    words.forEach((w, i) => timers.push(setTimeout(() => spans[i].classList.add("spoken"), w.start_ms)));
    const av = $("avatar");
    for (const v of sp.visemes || []) timers.push(setTimeout(() => { av.dataset.viseme = v.v; }, v.at_ms));
    timers.push(setTimeout(() => { av.dataset.viseme = "rest"; }, sp.duration_ms));
  }

  function showProduct(p) {
    const el = $("product");
    if (!p) { el.hidden = true; return; }
    el.hidden = false;
    el.dataset.sku = p.sku;
    el.querySelector(".title").textContent = p.title;
    el.querySelector(".now").textContent = p.currency + " " + p.price;
    el.querySelector(".list").textContent = p.list_price !== p.price ? p.currency + " " + p.list_price : "";
    el.querySelector(".stock").textContent = p.stock + " in stock";
    const ul = el.querySelector(".points");
    ul.textContent = "";
    for (const pt of p.points || []) { const li = document.createElement("li"); li.textContent = pt; ul.append(li); }
  }

  function showSale(s) {
    const el = $("sale");
    if (!s) { el.hidden = true; saleEnds = 0; return; }
    el.hidden = false;
    el.querySelector(".price").textContent = s.currency + " " + s.price;
    el.querySelector(".stock").textContent = s.stock;
    saleEnds = Date.parse(s.ends);
  }

  function showExhibit(x) {
    const el = $("exhibit");
    if (!x) { el.hidden = true; return; }
    el.hidden = false;
    el.querySelector(".title").textContent = x.title;
    el.querySelector(".era").textContent = x.era || "";
    const opts = el.querySelector(".options");
    opts.textContent = "";
    for (const o of x.options || []) {
      const b = document.createElement("button");
      b.textContent = o.label;
      b.onclick = () => client.send("tap", { target: o.id });
      opts.append(b);
    }
  }

  function addComment(who, text) {
    const li = document.createElement("li");
    li.textContent = (who ? who + ": " : "") + text;
    const ul = $("comments");
    ul.append(li);
    while (ul.children.length > 30) ul.firstChild.remove();
  }

  function applyState(st) {
    if (!st) return;
    showProduct(st.product || null);
    showSale(st.sale || null);
    showExhibit(st.exhibit || null);
    const recent = st.recent || [];
    if (recent.length) $("subtitle").textContent = recent[recent.length - 1].text;
  }

  client
    .on("open", () => { $("status").textContent = "live"; })
    .on("close", () => { $("status").textContent = "reconnecting…"; })
    .on("hello", (ev) => {
      const h = ev.data;
      setLabel(h.disclosure);
      disclosures = h.disclosures || {};
      if (h.state) labelFor(h.state.lang);
      $("persona-name").textContent = h.persona.name + " · AI";
      applyState(h.state);
    })
    .on("resume", (ev) => { if (!ev.data.recovered) applyState(ev.data.state); })
    .on("speech", (ev) => { labelFor(ev.data.lang); speak(ev.data); })
    .on("reply", (ev) => { labelFor(ev.data.speech.lang); speak(ev.data.speech); })
    .on("expression", (ev) => { $("avatar").dataset.expression = ev.data.name; })
    .on("product.show", (ev) => showProduct(ev.data))
    .on("product.hide", () => showProduct(null))
    .on("sale.start", (ev) => showSale(ev.data))
    .on("sale.update", (ev) => showSale(ev.data))
    .on("sale.end", () => showSale(null))
    .on("exhibit.focus", (ev) => showExhibit(ev.data))
    .on("comment", (ev) => addComment(ev.data.name || "viewer", ev.data.text))
    .on("notice", (ev) => {
      const n = $("notice");
      n.textContent = ev.data.text;
      n.hidden = false;
      setTimeout(() => { n.hidden = true; }, 5000);
    })
    .on("show.end", () => { $("status").textContent = "the show has ended"; })
    .on("error", (ev) => addComment("⚠", ev.data.message));

  setInterval(() => {
    if (!saleEnds) return;
    const left = Math.max(0, Math.round((saleEnds - Date.now()) / 1000));
    $("sale").querySelector(".countdown").textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
  }, 250);

  $("say").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = $("say-text").value.trim();
    if (!t) return;
    client.send(t.endsWith("?") || t.endsWith("？") ? "question" : "comment", { text: t });
    $("say-text").value = "";
  });
  $("like").addEventListener("click", () => client.send("like", { count: 1 }));

  window.avatarClient = client;
  client.connect();
})();
