package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServeHostileNameAndViewerLang: through serve with the real
// director, a viewer named with a forbidden advertising claim who asks a
// question and likes is answered and thanked without the name (nor its
// id), and its lang frame in the demo-live livestream does not change the
// spoken language: the lines stay Chinese and carry the English for its
// subtitles.
func TestServeHostileNameAndViewerLang(t *testing.T) {
	const hostile = "全网最低价,治愈癌症"
	s := startServe(t, t.TempDir(), "-blocked-words", "骗子")
	v := dial(t, s, "room=demo-live")
	h := v.hello()
	if h.Disclosures["zh-CN"] == "" || h.Disclosures["en"] == "" {
		t.Errorf("hello disclosures %v, want zh-CN and en", h.Disclosures)
	}
	// Viewer input goes to the director playing the room; a gateway
	// greets viewers before a director has started it, and input sent
	// then reaches no one (on a loaded machine CI saw 25 lines and neither
	// the reply nor the thank-you). Wait for the show's first line.
	var lines []avatar.Speech
	for deadline := time.Now().Add(60 * time.Second); len(lines) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no line spoken in 60s")
		}
		if e := v.next(30 * time.Second); e.Type == avatar.EventSpeech {
			var sp avatar.Speech
			if err := json.Unmarshal(e.Data, &sp); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, sp)
		}
	}
	lines = lines[:0] // said before the viewer chose English
	for _, f := range []string{
		`{"type":"lang","data":{"lang":"en"}}`,
		`{"type":"question","data":{"text":"这个多少钱？","name":"` + hostile + `"}}`,
		`{"type":"like","data":{"name":"` + hostile + `"}}`,
	} {
		if err := v.conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	var reply *avatar.Reply
	var thanks *avatar.Speech
	for deadline := time.Now().Add(120 * time.Second); reply == nil || thanks == nil || len(lines) < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("after 120s: reply %v, thanks %v, %d lines", reply, thanks, len(lines))
		}
		e := v.next(30 * time.Second)
		switch e.Type {
		case avatar.EventError:
			t.Fatalf("error frame %s", e.Data)
		case avatar.EventReply:
			reply = new(avatar.Reply)
			if err := json.Unmarshal(e.Data, reply); err != nil {
				t.Fatal(err)
			}
		case avatar.EventSpeech:
			var sp avatar.Speech
			if err := json.Unmarshal(e.Data, &sp); err != nil {
				t.Fatal(err)
			}
			if sp.LineID == "thanks" {
				thanks = &sp
			} else {
				lines = append(lines, sp)
			}
		}
	}
	for _, said := range []string{reply.Speech.Text, reply.Name, thanks.Text} {
		if strings.Contains(said, "全网最低价") || strings.Contains(said, "治愈") || strings.Contains(said, h.Viewer) {
			t.Errorf("spoken %q: holds the viewer's name or id", said)
		}
	}
	if !strings.HasPrefix(reply.Speech.Text, "有位朋友问，") || reply.Viewer != h.Viewer {
		t.Errorf("reply %+v, want the generic address to this viewer", reply)
	}
	for _, sp := range lines {
		if sp.Lang != "zh-CN" || sp.Translations["en"] == "" {
			t.Errorf("line %s in %s (translations %v) after a viewer's lang en, want zh-CN with its English", sp.LineID, sp.Lang, sp.Translations)
		}
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
}
