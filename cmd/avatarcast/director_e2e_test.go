package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServeAnswersViewer asks the demo livestream a question over a real
// WebSocket and gets the director's answer, addressed by name, before the
// script goes on.
func TestServeAnswersViewer(t *testing.T) {
	s := startServe(t, t.TempDir())
	v := dial(t, s, "room=demo-live")
	h := v.hello()
	q := `{"type":"question","data":{"text":"这个多少钱？","name":"小明"}}`
	if err := v.conn.WriteMessage(websocket.TextMessage, []byte(q)); err != nil {
		t.Fatal(err)
	}
	last := h.Seq
	// A question sent before serve's director listens to viewer input is
	// not heard: ask again (a FAQ answered in the last 20 s is not
	// answered twice), and fail rather than read the show for ever.
	deadline, ask := time.Now().Add(2*time.Minute), time.Now().Add(25*time.Second)
	for {
		if now := time.Now(); now.After(deadline) {
			t.Fatalf("no reply to %s within 2 minutes (last seq %d)", q, last)
		} else if now.After(ask) {
			ask = now.Add(25 * time.Second)
			if err := v.conn.WriteMessage(websocket.TextMessage, []byte(q)); err != nil {
				t.Fatal(err)
			}
		}
		e := v.next(30 * time.Second)
		if e.Seq == 0 {
			continue
		}
		if e.Seq != last+1 {
			t.Fatalf("event %s has seq %d after %d", e.Type, e.Seq, last)
		}
		last = e.Seq
		if e.Type != avatar.EventReply {
			continue
		}
		var r avatar.Reply
		if err := json.Unmarshal(e.Data, &r); err != nil {
			t.Fatal(err)
		}
		if r.FAQ != "faq-price" || r.Name != "小明" || r.Viewer == "" || !strings.HasPrefix(r.Speech.Text, "小明，") ||
			!strings.Contains(r.Speech.Text, "99元") || len(r.Speech.Words) == 0 {
			t.Errorf("reply %+v, want faq-price addressed to 小明 with the price", r)
		}
		return
	}
}
