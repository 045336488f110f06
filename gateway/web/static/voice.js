// Speech audio for the pages (viewer, kiosk, overlay): plays a speech
// event's rendered audio (data.audio, Ogg Opus at /audio/KEY.ogg) and is the
// clock the subtitles and the mouth follow, so they stay with the sound.
//
// Browsers play sound only after the viewer's first tap (or key) on the
// page: until then a line's audio waits, the subtitles and mouth run on the
// wall clock, and a small sound button offers the tap; on the tap the
// current line's audio joins in at the right offset. A kiosk or an OBS
// browser source plays without a tap (autoplay: true).
//
// A line without audio (no voice worker, or a browser that cannot play Ogg
// Opus) is spoken with the browser's own speech synthesis once sound is
// allowed, or stays silent, as before there were voices.
//
//   const v = new Voice({ autoplay, label });
//   const clock = v.play(sp);  // null: no audio, use your own timers
//   clock.now()                // ms into the line (the audio's position)
//   clock.ended()              // the audio has played to its end
//   v.speakFallback(sp)        // the browser's voice for a line without audio
//   v.stop()
//
// document.body.dataset.voice says what the voice is doing, for tests and
// CSS: "tap" (audio waits for a tap), "loading", "playing", "ended",
// "error", "synth" (the browser's voice), "silent".
const AUDIO_URL = /^\/audio\/[0-9a-f]{64}\.ogg$/;

export class Voice {
  constructor(opts) {
    const o = opts || {};
    this.autoplay = !!o.autoplay;
    this.unlocked = this.autoplay;
    this.label = o.label || "Sound";
    this.el = new Audio();
    this.el.preload = "auto";
    this.canOgg = this.el.canPlayType('audio/ogg; codecs="opus"') !== "";
    this.cur = null; // {sp, start, failed}
    this.button = null;
    this.el.addEventListener("playing", () => this.state("playing"));
    this.el.addEventListener("ended", () => this.state("ended"));
    const unlock = () => this.unlock();
    for (const t of ["pointerdown", "keydown", "touchend"]) document.addEventListener(t, unlock, { once: true, capture: true });
  }

  // unlock records that sound is allowed (call it from a user gesture)
  // and starts the current line's audio where speech has got to.
  unlock() {
    if (this.button) { this.button.remove(); this.button = null; }
    this.unlocked = true;
    const c = this.cur;
    if (c && c.failed) {
      const at = (performance.now() - c.start) / 1000;
      if (at < (c.sp.duration_ms || 0) / 1000) this.start(c, at);
    }
  }

  state(s) { document.body.dataset.voice = s; }

  start(c, at) {
    const el = this.el;
    this.state("loading");
    if (at > 0) el.currentTime = at;
    c.failed = false;
    const p = el.play();
    if (p && p.catch) p.catch((e) => {
      if (this.cur !== c) return;
      c.failed = true;
      // The browser wants a tap after all (no autoplay here): offer it.
      if (e && e.name === "NotAllowedError") { this.unlocked = false; this.offerTap(); } else this.state("error");
    });
  }

  // play starts sp's audio and returns its clock, or null when sp has
  // none this page can play.
  play(sp) {
    this.stop();
    if (!sp || !AUDIO_URL.test(sp.audio || "") || !this.canOgg) return null;
    const c = { sp, start: performance.now(), failed: true };
    this.cur = c;
    const el = this.el;
    el.src = sp.audio;
    el.onerror = () => { if (this.cur === c) { c.failed = true; this.state("error"); } };
    if (this.unlocked) this.start(c, 0);
    else this.offerTap();
    return {
      // While the audio cannot play, the wall clock from the line's start.
      now: () => (c.failed ? performance.now() - c.start : el.currentTime * 1000),
      ended: () => !c.failed && el.ended,
    };
  }

  // speakFallback speaks sp with the browser's own voice, when sound is
  // allowed and the browser has one; else nothing (silence).
  speakFallback(sp) {
    this.stop();
    const ss = window.speechSynthesis;
    if (!sp || !this.unlocked || !ss || typeof SpeechSynthesisUtterance === "undefined") { this.state("silent"); return; }
    this.state("synth");
    const u = new SpeechSynthesisUtterance(sp.text || "");
    u.lang = sp.lang || "";
    try { ss.cancel(); ss.speak(u); } catch (e) { /* silence */ }
  }

  stop() {
    this.cur = null;
    const el = this.el;
    if (!el.paused) el.pause();
    if (window.speechSynthesis) { try { window.speechSynthesis.cancel(); } catch (e) { /* none */ } }
  }

  offerTap() {
    if (this.unlocked) return;
    this.state("tap");
    if (this.button) return;
    const b = document.createElement("button");
    b.type = "button";
    b.className = "voice-unmute";
    // An inline icon, not the 🔊 emoji: a kiosk or a browser without an
    // emoji font would show an empty box.
    b.innerHTML = '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M4 9h4l5-4v14l-5-4H4z"/>' +
      '<path fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12"/></svg>';
    b.setAttribute("aria-label", this.label);
    b.title = this.label;
    b.addEventListener("click", () => this.unlock());
    document.body.append(b);
    this.button = b;
  }
}
