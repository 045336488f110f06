package gateway_test

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway"
)

// closeOf reads c until the gateway closes it and returns the close error;
// it fails the test if the connection ends any other way.
func (c *conn) closeOf() *websocket.CloseError {
	c.t.Helper()
	for {
		_ = c.ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		if _, _, err := c.ws.ReadMessage(); err != nil {
			ce, ok := err.(*websocket.CloseError)
			if !ok {
				c.t.Fatalf("read: %v, want a close frame", err)
			}
			return ce
		}
	}
}

// TestInvalidUTF8FrameClosed1007: a text frame that is not UTF-8 closes the
// socket with 1007 (RFC 6455 7.4.1) and reaches neither the director nor
// the other viewers.
func TestInvalidUTF8FrameClosed1007(t *testing.T) {
	h := start(t, gateway.Config{})
	in := h.inputs("r")
	bad, other := h.dial("room=r"), h.dial("room=r")
	bad.next()
	other.next()
	for _, c := range []*conn{bad, other} {
		c.send(`{"type":"ping"}`)
		c.nextOf(avatar.EventPong)
	}
	bad.send("{\"type\":\"comment\",\"data\":{\"text\":\"cheap \xff\xfe tea\"}}")
	ce := bad.closeOf()
	if r, err := avatar.ParseCloseReason(ce.Text); ce.Code != int(avatar.CloseBadUTF8) || err != nil || r.Cause != avatar.CodeBadUTF8 {
		t.Errorf("close %d %q (%v), want %d with cause %s", ce.Code, ce.Text, err, avatar.CloseBadUTF8, avatar.CodeBadUTF8)
	}
	// The next comment anyone sees is the other viewer's.
	other.send(`{"type":"comment","data":{"text":"fine"}}`)
	var cm avatar.Comment
	if err := json.Unmarshal(other.nextOf(avatar.EventComment).Data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Text != "fine" {
		t.Errorf("first comment shown: %q, want the valid one", cm.Text)
	}
	if got := <-in; got.Data.Text != "fine" {
		t.Errorf("first input forwarded: %q, want the valid one", got.Data.Text)
	}
}

// TestOversizedFrameClosed1009: a frame over the hard limit closes the
// socket with 1009 and a reason the contract parses, saying where to resume.
func TestOversizedFrameClosed1009(t *testing.T) {
	h := start(t, gateway.Config{})
	c := h.dial("room=r")
	// The viewer is in the room once its hello came: events published
	// before that are in hello's state, not sent one by one.
	if e := c.next(); e.Type != avatar.EventHello {
		t.Fatalf("first frame %s, want hello", e.Type)
	}
	h.publish(3)
	c.expectSeqs(1, 3)
	c.send(`{"type":"comment","data":{"text":"` + strings.Repeat("x", 70000) + `"}}`)
	ce := c.closeOf()
	r, err := avatar.ParseCloseReason(ce.Text)
	if ce.Code != int(avatar.CloseTooLarge) || err != nil || r.Cause != avatar.CodeTooLarge || r.Detail == "" || r.Since != 3 {
		t.Errorf("close %d %q (%v), want %d with cause %s, a detail and since 3", ce.Code, ce.Text, err, avatar.CloseTooLarge, avatar.CodeTooLarge)
	}
}

// TestSlowViewerGetsCloseFrameCountedOnce: a viewer that stops reading,
// with small kernel buffers, is dropped; when it reads again it finds every
// byte up to a 4008 close frame saying where to resume, and the drop is
// counted once.
func TestSlowViewerGetsCloseFrameCountedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  gateway.Config
	}{
		// The grace is long: on a loaded machine the viewer can take
		// seconds to read what was sent before the close frame.
		// A long queue: the write times out first.
		{"write timeout", gateway.Config{QueueSize: 100000, WriteTimeout: 500 * time.Millisecond, CloseGrace: time.Minute}},
		// A short one: it fills while a write is blocked, which then
		// times out too.
		{"queue full, then write timeout", gateway.Config{QueueSize: 200, WriteTimeout: 3 * time.Second, CloseGrace: time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) { testSlowViewer(t, tc.cfg) })
	}
}

func testSlowViewer(t *testing.T, cfg gateway.Config) {
	h := start(t, cfg)
	fast := h.dial("room=r")
	fast.next() // hello
	d := *websocket.DefaultDialer
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			_ = c.(*net.TCPConn).SetReadBuffer(64 << 10)
		}
		return c, err
	}
	ws, _, err := d.Dial(h.url+"/ws?room=r", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	slow := &conn{t: t, ws: ws}

	// The slow viewer (64 KiB of kernel buffer: small, but a tiny one
	// makes reading it afterwards take minutes) reads nothing until it is
	// dropped.
	const step, size = 20, 4000
	for i := uint64(0); h.metric("avatarcast_gateway_slow_closes_total") < 1; i += step {
		if i > 20000 {
			t.Fatalf("slow viewer not dropped after %d events of %d bytes", i, size)
		}
		h.publishFast(step, size)
		fast.expectSeqs(i+1, i+step)
	}
	// Not an assertion on time: the server has surely given up the write
	// it was blocked in when the viewer reads again, the case that lost the
	// close frame and counted the drop twice.
	time.Sleep(2 * cfg.WriteTimeout)
	// Now it reads: every event in order, then the close frame.
	var last uint64
	for {
		_ = ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			ce, ok := err.(*websocket.CloseError)
			if !ok {
				t.Fatalf("after seq %d: read %v, want a close frame %d", last, err, avatar.CloseSlowConsumer)
			}
			r, err := avatar.ParseCloseReason(ce.Text)
			if ce.Code != int(avatar.CloseSlowConsumer) || err != nil || r.Cause != avatar.CauseSlowConsumer || r.Since != last || r.RetryAfter < time.Second {
				t.Errorf("close %d %q (%v), want %d %s with since %d and a wait of a second or more", ce.Code, ce.Text, err, avatar.CloseSlowConsumer, avatar.CauseSlowConsumer, last)
			}
			break
		}
		if slow.pending, err = gateway.DecodeFrame(data); err != nil {
			t.Fatal(err)
		}
		for _, e := range slow.pending {
			if e.Seq == 0 {
				continue
			}
			if e.Seq != last+1 {
				t.Fatalf("seq %d after %d", e.Seq, last)
			}
			last = e.Seq
		}
	}
	if n := h.metric("avatarcast_gateway_slow_closes_total"); n != 1 {
		t.Errorf("slow_closes_total = %v after one slow viewer, want 1", n)
	}
}
