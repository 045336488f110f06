package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// server is avatarcast serve started through run, as main starts it.
type server struct {
	base string // http://127.0.0.1:PORT
	stop func() error
}

// startServe runs 'avatarcast serve' through run on a free loopback port
// with dataDir and the repository's scripts and personas, and waits for
// /healthz. extra flags are appended.
func startServe(t *testing.T, dataDir string, extra ...string) *server {
	t.Helper()
	return startServeEnv(t, dataDir, nil, io.Discard, append([]string{"-log-level", "warn"}, extra...)...)
}

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// testWriter sends the server's log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// viewer is a WebSocket viewer that reads events, one or an array per frame.
type viewer struct {
	t       *testing.T
	conn    *websocket.Conn
	pending []avatar.Envelope
}

func dial(t *testing.T, s *server, query string) *viewer {
	t.Helper()
	url := "ws" + strings.TrimPrefix(s.base, "http") + "/ws?" + query
	conn, resp, err := websocket.DefaultDialer.Dial(url, nil)
	// A room the API has just created or started reaches the gateway
	// through its watch of the rooms bucket a moment later: until then
	// the room is unknown (404).
	for deadline := time.Now().Add(10 * time.Second); err != nil && resp != nil && resp.StatusCode == http.StatusNotFound && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		conn, resp, err = websocket.DefaultDialer.Dial(url, nil)
	}
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s: %v (HTTP %d)", url, err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return &viewer{t: t, conn: conn}
}

// next returns the next event, failing the test after timeout.
func (v *viewer) next(timeout time.Duration) avatar.Envelope {
	v.t.Helper()
	e, err := v.read(timeout)
	if err != nil {
		v.t.Fatal(err)
	}
	return e
}

// read returns the next event, or an error if none comes within timeout
// (the connection is then unusable) or it does not decode.
func (v *viewer) read(timeout time.Duration) (avatar.Envelope, error) {
	v.t.Helper()
	for len(v.pending) == 0 {
		_ = v.conn.SetReadDeadline(time.Now().Add(timeout))
		_, data, err := v.conn.ReadMessage()
		if err != nil {
			return avatar.Envelope{}, fmt.Errorf("read: %w", err)
		}
		if len(data) > 0 && data[0] == '[' {
			if err := json.Unmarshal(data, &v.pending); err != nil {
				return avatar.Envelope{}, fmt.Errorf("decode batch %s: %w", data, err)
			}
			if len(v.pending) < 2 {
				v.t.Errorf("batch of %d events; a batch is sent only for 2 or more", len(v.pending))
			}
			continue
		}
		var e avatar.Envelope
		if err := json.Unmarshal(data, &e); err != nil {
			return avatar.Envelope{}, fmt.Errorf("decode %s: %w", data, err)
		}
		v.pending = append(v.pending, e)
	}
	e := v.pending[0]
	v.pending = v.pending[1:]
	return e, nil
}

// hello reads the first frame, which must be hello, and returns it.
// await reads events until match holds for one, and fails the test,
// saying what it waited for, if none does within timeout.
func (v *viewer) await(what string, timeout time.Duration, match func(avatar.Envelope) bool) avatar.Envelope {
	v.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e, err := v.read(max(time.Until(deadline), time.Millisecond))
		if err != nil {
			v.t.Fatalf("%s: not within %v: %v", what, timeout, err)
		}
		if match(e) {
			return e
		}
	}
}

func (v *viewer) hello() avatar.Hello {
	v.t.Helper()
	e := v.next(10 * time.Second)
	if e.Type != avatar.EventHello {
		v.t.Fatalf("first frame is %q, want hello", e.Type)
	}
	var h avatar.Hello
	if err := json.Unmarshal(e.Data, &h); err != nil {
		v.t.Fatal(err)
	}
	return h
}

// collect reads room events until it has seen n speech events, checking
// that seqs go up by one from after.
func (v *viewer) collect(after uint64, speeches int) []avatar.Envelope {
	v.t.Helper()
	var got []avatar.Envelope
	last := after
	for seen := 0; seen < speeches; {
		e := v.next(30 * time.Second)
		if e.Seq == 0 {
			continue // addressed to this viewer only
		}
		if e.Seq != last+1 {
			v.t.Fatalf("event %s has seq %d after %d: gap or repeat", e.Type, e.Seq, last)
		}
		last = e.Seq
		checkEnvelope(v.t, e)
		got = append(got, e)
		if e.Type == avatar.EventSpeech {
			seen++
		}
	}
	return got
}

func checkEnvelope(t *testing.T, e avatar.Envelope) {
	t.Helper()
	if len(e.ID) != 36 {
		t.Errorf("event %d: id %q is not a uuid", e.Seq, e.ID)
	}
	if e.Room == "" || e.Type == "" || len(e.Data) == 0 {
		t.Errorf("event %d: envelope missing room, type or data: %+v", e.Seq, e)
	}
	if time.Time(e.TS).IsZero() {
		t.Errorf("event %d: no ts", e.Seq)
	}
	if e.Type == avatar.EventSpeech {
		var sp avatar.Speech
		if err := json.Unmarshal(e.Data, &sp); err != nil {
			t.Fatal(err)
		}
		if sp.Text == "" || sp.Lang == "" || sp.LineID == "" || sp.DurationMS <= 0 || len(sp.Words) == 0 || len(sp.Visemes) == 0 {
			t.Errorf("speech %d lacks text, lang, line_id, duration, words or visemes: %+v", e.Seq, sp)
		}
	}
}

func TestServeEndToEnd(t *testing.T) {
	s := startServe(t, t.TempDir())

	v1 := dial(t, s, "room=demo-live")
	v2 := dial(t, s, "room=demo-live")
	h1, h2 := v1.hello(), v2.hello()
	for _, h := range []avatar.Hello{h1, h2} {
		if h.Room != "demo-live" || !h.AIContent || h.Disclosure == "" || h.Persona.ID != "xiaoya" {
			t.Fatalf("hello = %+v, want room demo-live, persona xiaoya, an AI disclosure", h)
		}
	}
	got1 := v1.collect(h1.Seq, 3)
	got2 := v2.collect(h2.Seq, 2)
	if got1[0].Seq != h1.Seq+1 || got2[0].Seq != h2.Seq+1 {
		t.Fatalf("first events %d, %d; want %d, %d", got1[0].Seq, got2[0].Seq, h1.Seq+1, h2.Seq+1)
	}
	// Both viewers see the same event under the same seq.
	for _, a := range got1 {
		for _, b := range got2 {
			if a.Seq == b.Seq && a.ID != b.ID {
				t.Errorf("seq %d: viewers got events %s and %s", a.Seq, a.ID, b.ID)
			}
		}
	}
	types := map[avatar.EventType]bool{}
	for _, e := range got1 {
		types[e.Type] = true
	}
	if !types[avatar.EventShowStart] && h1.Seq == 0 {
		t.Errorf("no show.start among %v", types)
	}

	// A third viewer resuming from an event the first one saw gets exactly
	// the events after it, then live ones.
	n := got1[1].Seq
	v3 := dial(t, s, fmt.Sprintf("room=demo-live&since=%d", n))
	if h3 := v3.hello(); !h3.Resumed || h3.Seq != n {
		t.Fatalf("resumed hello = %+v, want resumed at %d", h3, n)
	}
	replay := v3.collect(n, 2)
	for i, e := range replay {
		if i+2 < len(got1) && got1[i+2].ID != e.ID {
			t.Errorf("resumed event %d is %s (%s), first viewer had %s (%s)", e.Seq, e.ID, e.Type, got1[i+2].ID, got1[i+2].Type)
		}
	}

	// The museum room plays too, and focuses an exhibit.
	m := dial(t, s, "room=demo-museum")
	hm := m.hello()
	if hm.Kind != "museum" {
		t.Errorf("museum hello kind %q", hm.Kind)
	}
	focused := hm.State != nil && hm.State.Exhibit != nil
	for i := 0; !focused && i < 40; i++ {
		e := m.next(30 * time.Second)
		focused = e.Type == avatar.EventExhibit
	}
	if !focused {
		t.Error("museum room focused no exhibit")
	}

	if err := s.stop(); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	// Viewers were told to go away, with where to resume.
	_ = v1.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, _, err := v1.conn.ReadMessage()
		if err == nil {
			continue
		}
		ce, ok := err.(*websocket.CloseError)
		if !ok || ce.Code != int(avatar.CloseGoingAway) {
			t.Errorf("after shutdown: %v, want close %d with a resume hint", err, avatar.CloseGoingAway)
		} else if r, err := avatar.ParseCloseReason(ce.Text); err != nil || r.Cause != avatar.CauseGoingAway || r.Since == 0 {
			t.Errorf("after shutdown: close reason %q (%v), want %s with the seq to resume from", ce.Text, err, avatar.CauseGoingAway)
		}
		break
	}
}

func TestServeRejectsBadRequests(t *testing.T) {
	s := startServe(t, t.TempDir())
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"room=nope", http.StatusNotFound},
		{"room=bad.room", http.StatusNotFound},
		{"", http.StatusNotFound},
		{"room=demo-live&since=abc", http.StatusBadRequest},
		{"room=demo-live&since=-1", http.StatusBadRequest},
	} {
		url := "ws" + strings.TrimPrefix(s.base, "http") + "/ws?" + tc.query
		_, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err == nil {
			t.Errorf("dial ?%s: connected, want HTTP %d", tc.query, tc.want)
			continue
		}
		if resp == nil || resp.StatusCode != tc.want {
			t.Errorf("dial ?%s: %v, want HTTP %d", tc.query, err, tc.want)
		}
	}

	v := dial(t, s, "room=demo-live")
	h := v.hello()
	for _, tc := range []struct {
		frame, code string
	}{
		{"this is not json", avatar.CodeBadFrame},
		{`{"type":"dance"}`, avatar.CodeUnknownType},
		{`{"type":"comment","data":{"text":""}}`, avatar.CodeBadField},
		{`{"type":"comment","data":{"text":42}}`, avatar.CodeBadField},
		{`[1,2]`, avatar.CodeBadFrame},
	} {
		if err := v.conn.WriteMessage(websocket.TextMessage, []byte(tc.frame)); err != nil {
			t.Fatal(err)
		}
		var got avatar.Error
		for {
			e := v.next(10 * time.Second)
			if e.Type != avatar.EventError {
				continue // room events keep flowing
			}
			if e.Seq != 0 {
				t.Errorf("error frame has seq %d, want 0", e.Seq)
			}
			if err := json.Unmarshal(e.Data, &got); err != nil {
				t.Fatal(err)
			}
			break
		}
		if got.Code != tc.code || got.Message == "" {
			t.Errorf("frame %q: error %+v, want code %s with a message", tc.frame, got, tc.code)
		}
	}
	// The connection and the room go on: a ping is answered and events flow.
	if err := v.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	pong, speech := false, false
	for !pong || !speech {
		e := v.next(30 * time.Second)
		pong = pong || e.Type == avatar.EventPong
		speech = speech || (e.Type == avatar.EventSpeech && e.Seq > h.Seq)
	}
}
