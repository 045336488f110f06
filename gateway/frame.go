package gateway

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// class says what a client's queue may do with a frame when the viewer is
// behind.
type class uint8

const (
	// mustArrive frames are delivered in order or the viewer is dropped
	// (slow_consumer) and resumes: speech, product, sale start/end, replies.
	mustArrive class = iota
	// latestWins frames replace a waiting frame with the same key: only the
	// newest viewer count or sale update matters. Their seqs may therefore
	// skip; clients dedupe by seq and never expect consecutive ones.
	latestWins
	// ephemeral frames (viewer comments) are skipped for a viewer whose
	// queue is over half full, like danmaku that scrolled past.
	ephemeral
)

// frame is one encoded event, shared by every client of a room: it is
// encoded once and framed once (framed) however many viewers receive it.
type frame struct {
	seq uint64 // room seq; 0 for a frame not in the room's sequence
	raw []byte // the encoded envelope
	// framed is raw as one WebSocket text frame (header and payload), made
	// once for all the viewers it goes to; nil for a frame sent to one.
	framed []byte
	class  class
	key    string    // latest-wins key (the event type); "" for other classes
	ts     time.Time // the envelope's ts, for the publish-to-write latency
}

// latestKey returns the merge key of latest-wins event types, else "".
func latestKey(t avatar.EventType) string {
	switch t {
	case avatar.EventViewers, avatar.EventSaleUpdate:
		return string(t)
	}
	return ""
}

// newFrame frames a room event once for all its viewers.
func newFrame(seq uint64, raw []byte) (*frame, error) {
	f := &frame{seq: seq, raw: raw, class: mustArrive}
	f.prepare()
	var head struct {
		Type avatar.EventType `json:"type"`
		TS   avatar.Time      `json:"ts"`
	}
	if json.Unmarshal(raw, &head) == nil {
		f.ts = time.Time(head.TS)
		if f.key = latestKey(head.Type); f.key != "" {
			f.class = latestWins
		}
	}
	return f, nil
}

// sharedFrame encodes a gateway-made event (seq 0) for every viewer of a
// room, framed once.
func sharedFrame(room avatar.RoomID, typ avatar.EventType, data any, cl class) *frame {
	f := directFrame(room, typ, data)
	f.prepare()
	f.class = cl
	if cl == latestWins {
		f.key = string(typ)
	}
	return f
}

// directFrame encodes an event for one client only (seq 0).
func directFrame(room avatar.RoomID, typ avatar.EventType, data any) *frame {
	now := time.Now()
	env, err := avatar.NewEnvelope(room, 0, now, typ, data)
	if err != nil {
		panic(fmt.Sprintf("gateway: encode %s: %v", typ, err)) // our own types always encode
	}
	raw, err := json.Marshal(env)
	if err != nil {
		panic(fmt.Sprintf("gateway: encode %s: %v", typ, err))
	}
	return &frame{raw: raw, ts: now}
}

// prepare frames f.raw once, for every viewer it goes to. The frame then
// holds the event's bytes once: raw becomes framed's payload (not to be
// appended to), so the buffer raw came in (a NATS message's payload, with
// its headers) is freed while the room's ring keeps the frame.
func (f *frame) prepare() {
	f.framed = append(appendHeader(make([]byte, 0, maxHeader+len(f.raw)), opText, len(f.raw)), f.raw...)
	n := len(f.framed)
	f.raw = f.framed[n-len(f.raw) : n : n]
}

// WebSocket opcodes and the longest header of a server's (unmasked) frame.
const (
	opText    = 0x1
	opClose   = 0x8
	opPing    = 0x9
	opPong    = 0xA
	maxHeader = 10
)

// appendHeader appends the header of a final, unmasked frame with opcode op
// and an n-byte payload (RFC 6455 5.2), as a server sends it.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n <= 125:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
}

// appendBatch appends frames as one JSON array.
func appendBatch(buf []byte, fs []*frame) []byte {
	buf = append(buf, '[')
	for i, f := range fs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f.raw...)
	}
	return append(buf, ']')
}

// batchPool lends the buffers JSON arrays are built in, only while a
// worker writes, so an idle viewer holds none.
var batchPool = sync.Pool{New: func() any { return &bytesBuffer{b: make([]byte, 0, 4096)} }}

type bytesBuffer struct{ b []byte }
