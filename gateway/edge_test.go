package gateway_test

import (
	"encoding/json"
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
	in := make(chan avatar.Input, 10)
	sub, err := h.b.SubscribeInputs("r", func(data []byte) {
		var i avatar.Input
		if json.Unmarshal(data, &i) == nil {
			in <- i
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	bad, other := h.dial("room=r"), h.dial("room=r")
	bad.next()
	other.next()
	for _, c := range []*conn{bad, other} {
		c.send(`{"type":"ping"}`)
		c.nextOf(avatar.EventPong)
	}
	bad.send("{\"type\":\"comment\",\"data\":{\"text\":\"cheap \xff\xfe tea\"}}")
	ce := bad.closeOf()
	if ce.Code != websocket.CloseInvalidFramePayloadData || !strings.Contains(ce.Text, "bad_utf8") {
		t.Errorf("close %d %q, want %d with bad_utf8", ce.Code, ce.Text, websocket.CloseInvalidFramePayloadData)
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
