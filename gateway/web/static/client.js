// avatarcast browser client: one WebSocket to a room, with automatic
// reconnect and resume from the last seq seen, so a viewer never misses or
// repeats an event. Frames carry one event or a JSON array of events.
// It behaves as the Go client (gateway/wsclient): when the gateway closes
// the socket with a reason "CAUSE[: DETAIL]; retry_after_ms=N; resume
// since=S" (docs/protocol.md#close-reason; read by parseCloseReason) it
// waits N ms before reconnecting with since=<last seq>; otherwise it backs
// off with jitter. Room events (seq > 0)
// are handed on once each, in seq order; seqs may skip where the gateway
// merged latest-wins events (viewers, sale.update) for a viewer behind.
// opts.token is a kiosk device token, sent as ?token=.
"use strict";
(function (global) {
  // What avatar.FormatCloseReason (avatar/close.go) writes and
  // avatar.ParseCloseReason accepts.
  const MAX_REASON = 123, MAX_CAUSE = 32, MAX_RETRY_MS = 600000, MAX_SEQ = 18446744073709551615n;
  const RETRY = "; retry_after_ms=", SINCE = "; resume since=";
  const CAUSE = /^[a-z][a-z0-9_]*$/, DECIMAL = /^(0|[1-9][0-9]*)$/;
  const CONTROL = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u; // Go's unicode.IsControl, and what is not UTF-8
  const EDGE_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/; // Go's unicode.IsSpace
  const utf8 = new TextEncoder();

  // parseCloseReason reads the reason of a gateway's close frame as Go's
  // avatar.ParseCloseReason does, accepting exactly the same texts (both are
  // tested on avatar/testdata/close/parse.json): {cause, detail,
  // retryAfterMs, since}, or null for a reason that is not ours. since is a
  // Number, exact up to 2^53.
  function parseCloseReason(s) {
    if (typeof s !== "string" || utf8.encode(s).length > MAX_REASON) return null;
    const semi = s.indexOf(";");
    if (semi < 0) return null;
    const why = s.slice(0, semi), tail = s.slice(semi);
    let cause = why, detail = "";
    const colon = why.indexOf(":");
    if (colon >= 0) {
      cause = why.slice(0, colon);
      detail = why.slice(colon + 1);
      if (detail.length < 2 || detail[0] !== " ") return null;
      detail = detail.slice(1);
    }
    if (cause.length > MAX_CAUSE || !CAUSE.test(cause)) return null;
    if (detail !== "" && (EDGE_SPACE.test(detail) || CONTROL.test(detail))) return null;
    if (!tail.startsWith(RETRY)) return null;
    const rest = tail.slice(RETRY.length), at = rest.indexOf(SINCE);
    if (at < 0) return null;
    const ms = rest.slice(0, at), seq = rest.slice(at + SINCE.length);
    if (!DECIMAL.test(ms) || Number(ms) > MAX_RETRY_MS) return null;
    if (!DECIMAL.test(seq) || BigInt(seq) > MAX_SEQ) return null;
    return { cause: cause, detail: detail, retryAfterMs: Number(ms), since: Number(seq) };
  }

  class AvatarClient {
    constructor(room, opts) {
      this.room = room;
      this.opts = Object.assign({ lang: navigator.language || "en", base: null }, opts);
      this.lastSeq = 0;        // last room event seen (0: none yet)
      this.handlers = {};
      this.retry = 0;
      this.closed = false;
      this.ws = null;
    }
    on(type, fn) { (this.handlers[type] = this.handlers[type] || []).push(fn); return this; }
    emit(type, ev) {
      for (const fn of this.handlers[type] || []) fn(ev);
      for (const fn of this.handlers["*"] || []) fn(ev);
    }
    url() {
      const base = this.opts.base || ((location.protocol === "https:" ? "wss://" : "ws://") + location.host);
      let u = base + "/ws?room=" + encodeURIComponent(this.room) + "&lang=" + encodeURIComponent(this.opts.lang);
      if (this.opts.token) u += "&token=" + encodeURIComponent(this.opts.token);
      if (this.lastSeq > 0) u += "&since=" + this.lastSeq;
      return u;
    }
    connect() {
      this.closed = false;
      const ws = new WebSocket(this.url());
      this.ws = ws;
      ws.onopen = () => { this.retry = 0; this.emit("open", {}); };
      ws.onmessage = (m) => {
        let data;
        try { data = JSON.parse(m.data); } catch (e) { return; }
        for (const ev of Array.isArray(data) ? data : [data]) this.deliver(ev);
      };
      ws.onclose = (e) => {
        this.emit("close", { code: e.code, reason: e.reason });
        if (this.closed) return;
        // The gateway says when to come back (already jittered); else a
        // jittered exponential backoff.
        const r = parseCloseReason(e.reason);
        let wait;
        if (r) {
          wait = r.retryAfterMs;
          this.retry = 0;
        } else {
          const base = Math.min(30000, 500 * Math.pow(2, this.retry++));
          wait = base / 2 + Math.random() * base / 2;
        }
        setTimeout(() => this.connect(), wait);
      };
    }
    deliver(ev) {
      if (ev.seq > 0) {
        if (ev.seq <= this.lastSeq) return;  // already seen
        this.lastSeq = ev.seq;
      }
      if (ev.type === "hello" && ev.data && ev.data.seq > this.lastSeq) this.lastSeq = ev.data.seq;
      if (ev.type === "resume" && ev.data && !ev.data.recovered && ev.data.state) this.lastSeq = ev.data.state.seq;
      this.emit(ev.type, ev);
    }
    send(type, data) {
      // A viewer's chosen language is asked for again on reconnect, so
      // hello's disclosure comes in it (in a livestream the gateway keeps
      // lang to this viewer; it does not change the spoken language).
      if (type === "lang" && data && data.lang) this.opts.lang = data.lang;
      if (this.ws && this.ws.readyState === WebSocket.OPEN) {
        this.ws.send(JSON.stringify({ type: type, data: data || {} }));
        return true;
      }
      return false;
    }
    close() { this.closed = true; if (this.ws) this.ws.close(1000, "bye"); }
    static parseCloseReason(s) { return parseCloseReason(s); }
  }
  global.AvatarClient = AvatarClient;
})(window);
