// The product and flash-sale cards, shared by the viewer and the overlay:
// each fills its card element from an event's payload, or hides it.
import { word, setImage, money } from "./stage.js";

// fillProduct shows product p (a product.show payload) in card el, with its
// texts in lang; null hides the card.
export function fillProduct(el, p, lang) {
  if (!p) { el.hidden = true; return; }
  el.hidden = false;
  el.dataset.sku = p.sku;
  setImage(el.querySelector(".thumb"), p.image, p.title);
  el.querySelector(".title").textContent = p.title;
  el.querySelector(".now").textContent = money(p.price, p.currency);
  const list = el.querySelector(".list");
  list.textContent = p.list_price && p.list_price !== p.price ? money(p.list_price, p.currency) : "";
  list.title = word(lang, "list_price");
  el.querySelector(".stock").textContent = word(lang, "left", { n: p.stock });
  wanted(el, p, lang);
}

// fillSale shows flash sale s (a sale.start or sale.update payload) in card
// el, naming its product title; null hides the card. The countdown is
// Countdown's.
export function fillSale(el, s, title, lang) {
  if (!s) { el.hidden = true; return; }
  el.hidden = false;
  el.dataset.sku = s.sku;
  el.querySelector(".sale-product").textContent = title;
  el.querySelector(".price").textContent = money(s.price, s.currency);
  el.querySelector(".stock").textContent = word(lang, "left", { n: s.stock });
  wanted(el, s, lang);
}

function wanted(el, x, lang) {
  const w = el.querySelector(".wanted");
  if (!w) return;
  w.hidden = !(x.wanted > 0);
  w.textContent = x.wanted > 0 ? word(lang, "wanted", { n: x.wanted }) : "";
}

// Countdown shows the time left until a sale's end in the <time> el, on
// the server's clock: skew is the local clock minus the server's.
export class Countdown {
  constructor(el) {
    this.el = el;
    this.ends = 0;
    this.skew = 0;
    setInterval(() => this.tick(), 250);
  }
  // set takes the sale's end time (RFC 3339), or "" when there is no sale.
  set(ends) { this.ends = ends ? Date.parse(ends) : 0; this.tick(); }
  // seen takes an event's ts, to follow the server's clock.
  seen(ev) { if (ev.ts && ev.seq > 0) this.skew = Date.now() - Date.parse(ev.ts); }
  tick() {
    if (!this.ends) return;
    const left = Math.max(0, Math.ceil((this.ends - (Date.now() - this.skew)) / 1000));
    this.el.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    this.el.dateTime = "PT" + left + "S";
  }
}
