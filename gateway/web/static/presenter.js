// Who presents, as hello says it, shared by the viewer, kiosk and overlay
// pages: the persona's name (marked as AI), its AI label in every language,
// and the avatar drawn from its look, redrawn only when the look changes
// (a reconnect's hello keeps the figure on screen as it was).
import { createAvatar } from "./avatar-svg.js";
import { pick } from "./stage.js";

export class Presenter {
  // container holds the avatar; speaker (a stage.js Speaker) moves its
  // mouth; nameEl, if any, shows the persona's name. look null draws the
  // default figure at once; pass draw=false to draw nothing until hello.
  constructor(container, speaker, nameEl, draw = true) {
    this.container = container;
    this.speaker = speaker;
    this.nameEl = nameEl;
    this.disclosure = "";
    this.disclosures = {};
    this.lookKey = draw ? "null" : "";
    this.avatar = draw ? createAvatar(container, null) : NONE;
    speaker.avatar = this.avatar;
  }
  // hello takes a hello event's data.
  hello(h) {
    this.disclosure = h.disclosure || this.disclosure;
    this.disclosures = h.disclosures || this.disclosures;
    if (this.nameEl && h.persona) this.nameEl.textContent = h.persona.name + " · AI";
    const key = JSON.stringify((h.persona && h.persona.look) || null);
    if (key !== this.lookKey) {
      this.lookKey = key;
      this.avatar.destroy();
      this.avatar = this.speaker.avatar = createAvatar(this.container, h.persona && h.persona.look);
    }
  }
  // label returns the AI label in lang (the language being spoken), else
  // the one hello gave for this viewer; "" before any hello.
  label(lang) {
    return (lang && (this.disclosures[lang] || pick(this.disclosures, lang))) || this.disclosure;
  }
}

// NONE is the avatar before there is one: it does nothing.
const NONE = { mouth() {}, expression() {}, gesture() {}, destroy() {} };
