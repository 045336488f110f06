// Package gateway is avatarcast's edge: the WebSocket hub that fans each
// room's events out to its viewers and carries their messages back, the HTTP
// routes, and the embedded web pages. It reads and writes NATS only through
// package bus, and never plays scripts: it must never import the director.
//
// # Fan-out
//
// A gateway subscribes to a room's events once, on the stream's republished
// feed (avatar.StoredEventsSubject: core NATS, each event only once
// JetStream has stored it, with the stream's seq), so viewers never see a
// publish the stream refused; gaps (a slow subscription, a new stream
// leader) are filled from JetStream by seq. Ring, resume and live delivery
// are one history: the stream's. It frames each event once (the WebSocket frame's bytes,
// header and payload) and queues the same frame for every viewer. Each viewer costs one reader
// goroutine, parked on its socket with a shallow stack, a 384-byte read
// buffer and no write buffer; a few shared writer goroutines
// (Config.Writers) take viewers with frames waiting off a run queue and
// write everything waiting as one frame (a JSON array when there are
// several). Pings go through the writers too; a read deadline reaps dead
// sockets.
//
// # Queues
//
// A viewer's queue is bounded (Config.QueueSize) and knows three classes:
// must-arrive room events (speech, product, sale start/end, reply...) are
// delivered in order or the viewer is dropped; latest-wins events (viewers,
// sale.update) replace a waiting one of the same type, so their seqs may
// skip for a viewer that is behind; ephemeral comments are skipped for a
// viewer whose queue is half full. A full queue, or a write that takes
// longer than Config.WriteTimeout, drops the viewer with close code 4008,
// counted once in slow_closes_total; the other viewers are not held up. The
// gateway writes frames to the socket itself (gorilla only reads), so that
// after a timed-out write it can finish the frame the timeout cut and put
// the close frame after it: the viewer has 5 s more to read them. Close
// codes are avatar.CloseCode values and every close reason is written by
// avatar.FormatCloseReason ("CAUSE[: DETAIL]; retry_after_ms=N; resume
// since=SEQ"): N is jittered per viewer (retryAfter) so that dropped viewers
// do not all return at once, and since=SEQ resumes without a gap within the
// resume window (see Resumes). The codes and the format are listed in
// docs/protocol.md.
//
// # Resumes
//
// Each room keeps its last Config.RingSize events (default 1024) in memory,
// loaded from JetStream in batches when the room opens on this gateway
// (once, however many viewers arrive at once): that is the resume window,
// in events, and Config.ResumeMaxAge (default 10 minutes) is the window in
// time. A viewer that reconnects with since=SEQ within the window is
// served from memory at once, oldest first, in spans (JSON arrays of up
// to 128 events ending on multiples of 128) framed once per room and
// shared by every viewer catching up over the same range: after a restart
// all of them resume from about the same seq, and a storm of 10,000 costs
// about what one viewer's catch-up does, plus the socket writes. The
// newest part goes through the viewer's bounded queue like live events,
// as one span counted as its events, then resume{recovered: true}; the
// joining handler writes that first queue itself, so the shared writers
// never wait on a viewer still reading its catch-up. A viewer that offered
// permessage-deflate (browsers do) gets spans compressed, once per span
// for all such viewers. A viewer beyond the window (since=0 on a long
// show, or events older than ResumeMaxAge) gets resume{recovered: false}
// with the room's state at once and goes on from it: never a read of the
// room's history. JetStream is read after the room opens only to mend
// holes in the window (a gap fill that failed), once for all the viewers
// waiting on it and only the missing events. Resumes are limited per
// address (Config.ResumeRate, ResumeBurst: 5 per second, burst 100); over
// the limit the upgrade is refused with 429 and a jittered Retry-After.
//
// # Viewer input
//
// Frames up to 2 KiB; a longer one is skipped with a too_large error frame
// (past 64 KiB the socket is closed with 1009). A text frame that is not UTF-8 closes the
// socket with 1007 (RFC 6455 8.1) before it is decoded: never forwarded. Each is checked (JSON, known type,
// fields), rate limited per viewer (Config.InputRate), and answered with an
// error frame when refused; more than 20 refusals close the socket (4009).
// A display name ("data.name") must pass avatar.ParseName (1-24 characters,
// no control, format/bidi or separator characters) or the message is
// refused with a bad_name error frame. Blocked words (Config.BlockedWords,
// an avatar.Blocklist shared with the director) are masked in names and in
// the text of comments and questions. In a livestream room a viewer's lang
// message is not forwarded (it chooses only that viewer's subtitles, from
// each speech event's translations) and nothing answers it; from a museum
// kiosk it is forwarded and switches the spoken language.
// Comments are published on core NATS
// live.room.<r>.chat, which every gateway with viewers in the room
// subscribes to and fans out as ephemeral seq-0 comment frames (danmaku:
// not stored, not resumed), and forwarded to live.room.<r>.in for the
// director like every other message.
//
// # Viewer counts
//
// Every Config.ViewersEvery each gateway publishes its own count of each
// room on live.room.<r>.viewers and sums the latest report of every
// gateway (reports older than three periods are dropped); when the total
// changes, viewers get a latest-wins seq-0 viewers event. No member lists.
//
// # Admission
//
// Browser sockets must come from the gateway's own origin or
// Config.AllowedOrigins (else 403). Kiosks, whose apps have no web origin,
// open /ws?room=R&token=T with a device token T; the gateway keeps only
// SHA-256 hashes (Config.KioskTokens, -kiosk-tokens) and compares in
// constant time (unknown token: 401). Connections of every kind are
// counted when accepted (limits.go): Config.MaxConnsPerIP per address (429
// with Retry-After), Config.MaxConns in all, its last tenth kept for
// addresses holding fewer than Config.BusyConnsPerIP (503); idle keep-alive
// connections of the heaviest address make room for newcomers when full.
// HTTP requests have read, write and idle timeouts (Config.HTTP*); a
// WebSocket sets its own deadlines once upgraded.
//
// # Metrics
//
// GET /metrics serves Prometheus metrics from the gateway's own registry:
// connections, rooms, events in, frames, events and bytes out, queue drops
// and merges, slow-consumer closes, resumes by recovered, refused sockets
// and inputs, and the publish-to-write latency from the envelope ts.
package gateway
