package gateway

import (
	"bytes"
	"testing"
	"unsafe"
)

// A room's ring keeps its frames for resumes (up to RingSize events, or
// ResumeMaxAge): each must hold its event's bytes once. The encoded event
// a frame is made from (the NATS message's payload) is not kept beside
// the framed copy: the frame's raw is the payload part of framed.
func TestFrameKeepsEventBytesOnce(t *testing.T) {
	for _, n := range []int{2, 125, 126, 70_000} { // each header length
		raw := append([]byte(`{"type":"speech","ts":"2026-01-02T03:04:05Z","x":"`), bytes.Repeat([]byte("a"), n)...)
		raw = append(raw, `"}`...)
		in := bytes.Clone(raw)
		f, err := newFrame(1, in)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(f.raw, raw) || !bytes.HasSuffix(f.framed, raw) {
			t.Fatalf("%d: frame's bytes differ from the event's", n)
		}
		if unsafe.SliceData(f.raw) == unsafe.SliceData(in) {
			t.Errorf("%d-byte payload: the frame keeps the message's payload besides its framed copy", n)
		}
		if unsafe.SliceData(f.raw) != unsafe.SliceData(f.framed[len(f.framed)-len(f.raw):]) {
			t.Errorf("%d-byte payload: raw is not the payload of framed", n)
		}
		if cap(f.raw) != len(f.raw) {
			t.Errorf("%d-byte payload: raw has room to append into framed's memory", n)
		}
	}
}
