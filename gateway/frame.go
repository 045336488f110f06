package gateway

import (
	"bytes"
	"compress/flate"
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
	seq uint64 // room seq (a span's last); 0 for a frame not in the room's sequence
	// first is a span's first seq: the frame carries the room's events
	// first..seq as one JSON array (raw holds them without the brackets);
	// 0 for a frame of one event.
	first uint64
	raw   []byte // the encoded envelope
	// framed is raw as one WebSocket text frame (header and payload), made
	// once for all the viewers it goes to; nil for a frame sent to one.
	framed []byte
	class  class
	key    string    // latest-wins key (the event type); "" for other classes
	ts     time.Time // the envelope's ts, for the publish-to-write latency

	// deflated is a span's frame compressed for viewers that accepted
	// permessage-deflate, made once on first use (see deflatedFrame);
	// nil if compressing saves too little.
	deflateOnce sync.Once
	deflated    []byte
}

// events is how many events f carries (in a queue, a span counts as many).
func (f *frame) events() int {
	if f.first == 0 {
		return 1
	}
	return int(f.seq - f.first + 1)
}

// payload is the size of f's framed payload.
func (f *frame) payload() int {
	if f.first == 0 {
		return len(f.raw)
	}
	return len(f.raw) + 2 // a span's brackets
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

// deflatedFrame returns f's frame compressed as a permessage-deflate
// message (RFC 7692, without context takeover, as gorilla negotiates it:
// each message stands alone, so one compression serves every viewer), or
// nil if that saves under a tenth. It compresses once, on first use.
func (f *frame) deflatedFrame() []byte {
	f.deflateOnce.Do(func() {
		payload := f.framed[len(f.framed)-f.payload():]
		buf := batchPool.Get().(*bytesBuffer)
		defer batchPool.Put(buf)
		z := (*sliceWriter)(&buf.b)
		*z = (*z)[:0]
		w, _ := deflaters.Get().(*flate.Writer)
		if w == nil {
			w, _ = flate.NewWriter(z, flate.BestSpeed)
		} else {
			w.Reset(z)
		}
		_, err := w.Write(payload)
		if err == nil {
			err = w.Flush() // ends the message with an empty block, 00 00 ff ff
		}
		deflaters.Put(w)
		out := *z
		if err != nil || !bytes.HasSuffix(out, []byte{0, 0, 0xff, 0xff}) || len(out)-4 > len(payload)*9/10 {
			return
		}
		out = out[:len(out)-4] // RFC 7692 7.2.1: the receiver adds them back
		d := appendHeader(make([]byte, 0, maxHeader+len(out)), opText, len(out))
		d[0] |= rsv1
		f.deflated = append(d, out...)
	})
	return f.deflated
}

// deflaters are the compressors of deflatedFrame (a flate.Writer is large).
var deflaters sync.Pool

// sliceWriter appends to a byte slice.
type sliceWriter []byte

func (s *sliceWriter) Write(b []byte) (int, error) {
	*s = append(*s, b...)
	return len(b), nil
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
	rsv1      = 0x40 // in a message's first frame: compressed (RFC 7692)
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

// appendBatch appends frames as one JSON array; a span's events are
// spliced in.
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
