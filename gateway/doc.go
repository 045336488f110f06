// Package gateway is avatarcast's edge: the WebSocket hub that fans each
// room's events out to its viewers and carries their messages back, the HTTP
// routes, and the embedded web pages. It reads and writes NATS only through
// package bus, and never plays scripts: it must never import the director.
//
// # Fan-out
//
// A gateway subscribes to a room's events once (core NATS, gaps filled from
// JetStream by seq), frames each event once (a websocket.PreparedMessage)
// and queues the same frame for every viewer. Each viewer costs one reader
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
// longer than Config.WriteTimeout, drops the viewer with close code 4008;
// the other viewers are not held up. Close reasons read
// "CODE; retry_after_ms=N; resume since=SEQ": N is jittered per viewer so
// that dropped viewers do not all return at once, and since=SEQ resumes
// without a gap (ring, then JetStream). Codes: 1001 going away (drain on
// shutdown), 1009 frame over 64 KiB, 4008 slow consumer, 4009 abuse.
//
// # Viewer input
//
// Frames up to 2 KiB; a longer one is skipped with a too_large error frame
// (past 64 KiB the socket is closed). Each is checked (JSON, known type,
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
// constant time (unknown token: 401). Config.MaxConnsPerIP caps sockets per
// remote address (429 with Retry-After).
//
// # Metrics
//
// GET /metrics serves Prometheus metrics from the gateway's own registry:
// connections, rooms, events in, frames, events and bytes out, queue drops
// and merges, slow-consumer closes, resumes by recovered, refused sockets
// and inputs, and the publish-to-write latency from the envelope ts.
package gateway
