// avatarcast browser client: one WebSocket to a room, with automatic
// reconnect and resume from the last seq seen, so a viewer never misses or
// repeats an event. Frames carry one event or a JSON array of events.
// It behaves as the Go client (gateway/wsclient): when the gateway closes
// the socket with "...; retry_after_ms=N; resume since=S" (going away 1001,
// slow consumer 4008, abuse 4009) it waits N ms before reconnecting with
// since=<last seq>; otherwise it backs off with jitter. Room events (seq > 0)
// are handed on once each, in seq order; seqs may skip where the gateway
// merged latest-wins events (viewers, sale.update) for a viewer behind.
// opts.token is a kiosk device token, sent as ?token=.
"use strict";
(function (global) {
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
        const m = /retry_after_ms=(\d+)/.exec(e.reason || "");
        let wait;
        if (m) {
          wait = parseInt(m[1], 10);
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
  }
  global.AvatarClient = AvatarClient;
})(window);
