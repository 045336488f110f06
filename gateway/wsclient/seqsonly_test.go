package wsclient

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// With SeqsOnly, arrays of room events are delivered by seq alone, and
// anything else as usual; dedupe and the gap count still see every seq.
func TestSeqsOnly(t *testing.T) {
	env := func(seq uint64, typ avatar.EventType, data any) string {
		e, err := avatar.NewEnvelope("r-1", seq, time.Now(), typ, data)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(e)
		return string(b)
	}
	// A notice whose text holds what the scan looks for, escaped as JSON
	// escapes it: it must not count as an event.
	tricky := avatar.Notice{Text: `,"room":"r-1","seq":99`}
	frames := []string{
		"[" + env(1, avatar.EventNotice, tricky) + "," + env(2, avatar.EventSpeech, avatar.Speech{Text: "hi"}) + "]",
		env(3, avatar.EventNotice, avatar.Notice{Text: "one"}),
		"[" + env(4, avatar.EventNotice, tricky) + "," + env(0, avatar.EventViewers, avatar.Viewers{Count: 7}) + "]",
		"[" + env(4, avatar.EventNotice, tricky) + "," + env(6, avatar.EventNotice, tricky) + "]",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer conn.Close()
		for _, f := range frames {
			if err := conn.WriteMessage(websocket.TextMessage, []byte(f)); err != nil {
				return
			}
		}
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(5*time.Second))
		_, _, _ = conn.ReadMessage()
	}))
	defer srv.Close()
	type got struct {
		seq uint64
		typ avatar.EventType
	}
	var evs []got
	c := New(Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Room: "r-1", SeqsOnly: true,
		OnEvent: func(e Event) { evs = append(evs, got{e.Seq, e.Type}) }})
	if _, err := c.session(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []got{{1, ""}, {2, ""}, {3, avatar.EventNotice}, {4, avatar.EventNotice}, {0, avatar.EventViewers}, {6, ""}}
	if len(evs) != len(want) {
		t.Fatalf("events %v, want %v", evs, want)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Fatalf("events %v, want %v", evs, want)
		}
	}
	if st := c.Stats(); st.Duplicates != 1 || st.Skipped != 1 || st.Events != 5 {
		t.Errorf("stats %+v, want 1 duplicate (4), 1 skipped (5), 5 events", st)
	}
}

// scanSeqs finds every key however many q's a frame holds around it (in
// texts, in the room's name, at the frame's very end) and no others.
func TestScanSeqsAmongQs(t *testing.T) {
	key := []byte(`,"room":"qq","seq":`)
	frame := []byte(`[{"v":1,"room":"qq","seq":7,"data":{"text":"quiet queue: \",\"room\":\"qq\",\"seq\":9 q"}},` +
		`{"v":1,"room":"qq","seq":8,"data":{"text":"qqq"}},{"q":"q"}]q`)
	seqs, ok := scanSeqs(frame, key, nil)
	if !ok || len(seqs) != 2 || seqs[0] != 7 || seqs[1] != 8 {
		t.Fatalf("scanSeqs = %v, %v; want [7 8], true", seqs, ok)
	}
	if seqs, ok := scanSeqs([]byte(`[{"q":1}]`), key, nil); ok || len(seqs) != 0 {
		t.Fatalf("a frame without the key: %v, %v; want none, false", seqs, ok)
	}
	if _, ok := scanSeqs([]byte(`[{"v":1,"room":"qq","seq":`), key, nil); ok {
		t.Fatal("a frame cut after the key: ok, want false")
	}
}
