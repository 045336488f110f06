// Speech audio: a speech event's rendered voice, played as the line starts
// (the visemes and word timings count from the same moment). Pages where a
// browser may play sound without a tap (an OBS browser source) use it.

// audioURL is the one place that knows where a speech event carries its
// audio: "" while events carry none. Only a same-origin path is taken.
export function audioURL(sp) {
  const u = sp && typeof sp.audio_url === "string" ? sp.audio_url : "";
  return u.startsWith("/") && !u.startsWith("//") ? u : "";
}

// SpeechAudio plays one line at a time through one audio element.
export class SpeechAudio {
  constructor() {
    this.el = new Audio();
    this.el.preload = "auto";
  }
  // play starts sp's audio, if it has any, cutting the previous line; a
  // line without audio silences the previous one. It never throws: a
  // refused or broken audio leaves the line shown, silent.
  play(sp) {
    const u = audioURL(sp);
    this.el.pause();
    if (!u) return false;
    this.el.src = u;
    this.el.currentTime = 0;
    this.el.play().catch(() => {});
    return true;
  }
  stop() { this.el.pause(); }
}
