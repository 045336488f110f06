import { Voice } from "./voice.js";

// What the viewer and kiosk pages share: speech played on the avatar and
// the subtitle, images that fall back to a placeholder, texts picked by
// language, and the few words of the pages' own chrome in zh/en/fr.
const WORDS = {
  en: {
    flash_sale: "Flash sale", ends_in: "Ends in", now_explaining: "Now explaining", buy: "Buy", products: "Products",
    chat: "Chat", send: "Send", ask_label: "Ask or comment", subtitles: "Subtitles", ok: "OK", cancel: "Cancel",
    name_title: "What should the host call you?", name_hint: "Shown with your question. 1–24 characters.",
    name_label: "Display name", ask: "Ask the guide", exhibits: "Exhibits", left: "{n} left", in_stock: "{n} in stock",
    wanted: "{n} want this", sent: "Sending…", added: "Added ✓", off: "{d} off", min_spend: "orders over {m}", coupons_left: "{n} coupons",
    to_you: "To you, {name}", reconnecting: "reconnecting…", live: "live", paused: "paused", ended: "the show has ended", ended_note: "The show has ended. Thanks for watching!", starts_at: "starts at {t}", placeholder: "Ask or comment…",
    list_price: "List price", watching: "watching", like: "Like", danmaku: "Flying comments", sub_lang: "Subtitle language", bad_name: "Please choose another name.", sound: "Sound",
  },
  zh: {
    flash_sale: "限时秒杀", ends_in: "剩余", now_explaining: "讲解中", buy: "去购买", products: "商品",
    chat: "评论", send: "发送", ask_label: "提问或评论", subtitles: "字幕", ok: "确定", cancel: "取消",
    name_title: "主播怎么称呼您？", name_hint: "会和您的提问一起显示，1–24个字。",
    name_label: "昵称", ask: "问问讲解员", exhibits: "展品", left: "剩{n}件", in_stock: "库存{n}",
    wanted: "{n}人想要", sent: "提交中…", added: "已加入 ✓", off: "减{d}", min_spend: "满{m}可用", coupons_left: "共{n}张",
    to_you: "回复你：{name}", reconnecting: "重新连接中…", live: "直播中", paused: "暂停中", ended: "直播已结束", ended_note: "直播已结束，感谢观看！", starts_at: "{t} 开播", placeholder: "说点什么…",
    list_price: "原价", watching: "人在看", like: "点赞", danmaku: "弹幕", sub_lang: "字幕语言", bad_name: "请换一个昵称。", sound: "声音",
  },
  fr: {
    flash_sale: "Vente flash", ends_in: "Fin dans", now_explaining: "En présentation", buy: "Acheter", products: "Produits",
    chat: "Discussion", send: "Envoyer", ask_label: "Question ou commentaire", subtitles: "Sous-titres", ok: "OK", cancel: "Annuler",
    name_title: "Comment l'animatrice doit-elle vous appeler ?", name_hint: "Affiché avec votre question. 1 à 24 caractères.",
    name_label: "Pseudo", ask: "Demandez au guide", exhibits: "Œuvres", left: "{n} restants", in_stock: "{n} en stock",
    wanted: "{n} le veulent", sent: "Envoi…", added: "Ajouté ✓", off: "{d} de remise", min_spend: "dès {m}", coupons_left: "{n} bons",
    to_you: "Pour vous, {name}", reconnecting: "reconnexion…", live: "en direct", paused: "en pause", ended: "l'émission est terminée", ended_note: "L'émission est terminée. Merci d'avoir regardé !", starts_at: "commence à {t}", placeholder: "Question ou commentaire…",
    list_price: "Prix courant", watching: "spectateurs", like: "J'aime", danmaku: "Commentaires défilants", sub_lang: "Langue des sous-titres", bad_name: "Choisissez un autre pseudo.", sound: "Son",
  },
};

// statusKey is the chrome word key and class for a show status (State.status,
// docs/protocol.md#show-status): a page joining a paused or ended show says so,
// not "live".
export function statusKey(status) {
  if (status === "ended") return ["ended", ""];
  if (status === "paused") return ["paused", ""];
  return ["live", "ok"];
}

// startsAt is the status line of a scheduled show that is off air: when
// it starts next (hello's or show.end's next_start), in the viewer's own
// time, with the day when it is not today.
export function startsAt(lang, iso) {
  const d = new Date(iso);
  const loc = lang || undefined;
  let t = d.toLocaleTimeString(loc, { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() !== new Date().toDateString()) t = d.toLocaleDateString(loc, { weekday: "short", month: "short", day: "numeric" }) + " " + t;
  return word(lang, "starts_at", { t });
}

// base returns the base of a language tag: "zh-CN" → "zh".
export const base = (lang) => String(lang || "").toLowerCase().split("-")[0];

// word returns the chrome word key in lang, with {x} filled from vars.
export function word(lang, key, vars) {
  const w = (WORDS[base(lang)] || WORDS.en)[key] || WORDS.en[key] || key;
  return w.replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? vars[k] : ""));
}

// translate sets every [data-t] element's text to its word in lang,
// and every [data-ta] element's aria-label.
export function translate(lang) {
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = word(lang, e.dataset.t);
  for (const e of document.querySelectorAll("[data-ta]")) e.setAttribute("aria-label", word(lang, e.dataset.ta));
}

// pick returns a language map's text in lang, else in a language of the
// same base, else the first.
export function pick(m, lang) {
  if (!m) return "";
  if (typeof m === "string") return m;
  if (m[lang]) return m[lang];
  for (const [k, v] of Object.entries(m)) if (base(k) === base(lang)) return v;
  const ks = Object.keys(m).sort();
  return ks.length ? m[ks[0]] : "";
}

// Native names of the languages scripts use.
export const LANG_NAMES = { "zh-CN": "中文", zh: "中文", "zh-TW": "中文（繁體）", en: "English", fr: "Français", ja: "日本語", ko: "한국어", de: "Deutsch", es: "Español" };
export const langName = (l) => LANG_NAMES[l] || LANG_NAMES[base(l)] || l;

const PLACEHOLDER = "/static/placeholder.svg";

// setImage shows src in img, or the neutral placeholder if there is no
// image or it fails to load: never a broken image.
export function setImage(img, src, alt) {
  img.alt = alt || "";
  img.onerror = () => { img.onerror = null; img.src = PLACEHOLDER; img.classList.add("placeholder"); };
  img.classList.remove("placeholder");
  if (!src) { img.src = PLACEHOLDER; img.classList.add("placeholder"); return; }
  if (img.getAttribute("src") !== src) img.src = src;
}

// money formats a decimal string amount in currency.
export function money(amount, currency) {
  const sym = { CNY: "¥", EUR: "€", USD: "$", GBP: "£", JPY: "¥" }[currency];
  return sym ? sym + amount : (currency ? currency + " " : "") + amount;
}

// loadPublic fetches the room's products, coupons, exhibits and FAQ.
export async function loadPublic(room) {
  try {
    const r = await fetch("/rooms/" + encodeURIComponent(room) + "/public.json");
    if (r.ok) return await r.json();
  } catch (e) { /* the page works from events alone */ }
  return { languages: [], catalog: [], coupons: [], exhibits: [], faq: [] };
}

// Speaker plays speech events: the avatar's mouth follows the viseme
// track and the subtitle reveals the words in time with it. show(lang)
// says which language the subtitle is in: the spoken text, or the line's
// translation into that language when the event carries one.
//
// A line with rendered audio is played by voice.js, and the audio's clock
// drives the words and the mouth; a line without runs on timers from its
// arrival, with the browser's own voice when sound is allowed. opts go to
// Voice ({autoplay: true} on a kiosk or an OBS source).
export class Speaker {
  constructor(subtitle, avatar, opts) {
    this.sub = subtitle;
    this.avatar = avatar;
    this.timers = [];
    this.lang = "";  // subtitle language; "" = as spoken
    this.voice = new Voice(Object.assign({ label: word(document.documentElement.lang, "sound") }, opts));
  }
  stop() { while (this.timers.length) clearTimeout(this.timers.pop()); clearTimeout(this.tick); this.voice.stop(); }
  play(sp, onEnd) {
    this.stop();
    this.last = sp;
    this.started = performance.now();
    this.clock = null;
    this.onEnd = onEnd;
    const sub = this.sub;
    sub.textContent = "";
    sub.dataset.line = sp.line_id || "";
    const tr = sp.translations || {};
    const want = this.lang && this.lang !== sp.lang ? (tr[this.lang] || pick(tr, this.lang)) : "";
    sub.dataset.lang = want ? this.lang : sp.lang || "";
    sub.lang = sub.dataset.lang;
    const spans = [];
    let words = [];
    if (want) {
      // A translation has no word timings: shown whole.
      sub.textContent = want;
    } else {
      words = sp.words && sp.words.length ? sp.words : [{ text: sp.text, offset: 0, start_ms: 0, end_ms: sp.duration_ms }];
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
    }
    this.spans = spans;
    const clock = this.voice.play(sp);
    this.clock = clock;
    if (clock) {
      // Follow the audio: every few ms, show what it has reached.
      const vis = sp.visemes || [];
      let wi = 0, vi = 0;
      const step = () => {
        const t = clock.now();
        for (; wi < words.length && words[wi].start_ms <= t; wi++) spans[wi].classList.add("spoken");
        let v = null;
        for (; vi < vis.length && vis[vi].at_ms <= t; vi++) v = vis[vi].v;
        if (v) this.avatar.mouth(v);
        if (clock.ended() || t >= sp.duration_ms) { this.avatar.mouth("rest"); if (onEnd) onEnd(); return; }
        this.tick = setTimeout(step, 20);
      };
      step();
      return;
    }
    this.voice.speakFallback(sp);
    words.forEach((w, i) => this.timers.push(setTimeout(() => spans[i].classList.add("spoken"), w.start_ms)));
    for (const v of sp.visemes || []) this.timers.push(setTimeout(() => this.avatar.mouth(v.v), v.at_ms));
    this.timers.push(setTimeout(() => { this.avatar.mouth("rest"); if (onEnd) onEnd(); }, sp.duration_ms));
  }
  // cut stops the line being played where a speech.cut event says (at_ms
  // into it, after word c.word): audio, mouth and subtitle stop there and
  // the words after it are taken off the subtitle.
  cut(c) {
    const sp = this.last;
    if (!sp || sp.line_id !== c.line_id) return;
    const t = this.clock ? this.clock.now() : performance.now() - this.started;
    const end = () => {
      this.stop();
      this.avatar.mouth("rest");
      const spans = this.spans || [];
      if (c.word + 1 < spans.length) {
        // Everything after the last spoken word leaves the subtitle.
        const last = spans[c.word];
        while (last && last.nextSibling) last.nextSibling.remove();
      }
      for (const s of spans.slice(0, c.word + 1)) s.classList.add("spoken");
      if (this.onEnd) this.onEnd();
    };
    if (c.at_ms <= t) { end(); return; }
    clearTimeout(this.cutTimer);
    this.cutTimer = setTimeout(() => { if (this.last === sp) end(); }, c.at_ms - t);
  }
  // relang shows the last line again in the new subtitle language, without
  // restarting the mouth.
  relang(lang) {
    this.lang = lang;
    const sp = this.last;
    if (!sp) return;
    const tr = sp.translations || {};
    const want = lang && lang !== sp.lang ? (tr[lang] || pick(tr, lang)) : "";
    if (want) { this.sub.textContent = want; this.sub.dataset.lang = lang; }
    else if (this.sub.dataset.lang !== sp.lang) { this.sub.textContent = sp.text; this.sub.dataset.lang = sp.lang; }
    this.sub.lang = this.sub.dataset.lang;
  }
}
