package director

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// memSink is an in-memory Sink for tests in a synctest bubble: it keeps
// every event with its cursor and the last state, and fences like the bus.
type memSink struct {
	mu     sync.Mutex
	events []memEvent
	state  avatar.State
	saved  bool
}

type memEvent struct {
	env    avatar.Envelope
	cursor string
}

func (s *memSink) Last(ctx context.Context, r avatar.RoomID) (uint64, uint64, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.events) == 0 {
		return 0, 0, "", nil
	}
	e := s.events[len(s.events)-1]
	return e.env.Seq, uint64(len(s.events)), e.cursor, nil
}

func (s *memSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if expect != uint64(len(s.events)) {
		return 0, fmt.Errorf("%w: room %s seq %d", bus.ErrFenced, r, seq)
	}
	var env avatar.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return 0, err
	}
	if env.Seq != seq {
		return 0, fmt.Errorf("envelope seq %d, published as %d", env.Seq, seq)
	}
	s.events = append(s.events, memEvent{env: env, cursor: cursor})
	return uint64(len(s.events)), nil
}

func (s *memSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	b, err := json.Marshal(st) // a deep copy, as the bus stores it
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.saved = true
	s.state = avatar.State{}
	return json.Unmarshal(b, &s.state)
}

func (s *memSink) LoadState(ctx context.Context, r avatar.RoomID) (avatar.State, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state, s.saved, nil
}

func (s *memSink) all() []avatar.Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]avatar.Envelope, len(s.events))
	for i, e := range s.events {
		out[i] = e.env
	}
	return out
}

func (s *memSink) snapshot() avatar.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// loadShow parses a script of the repository's scripts directory.
func loadShow(t testing.TB, name string) *Program {
	t.Helper()
	path := filepath.Join("..", "..", "scripts", name)
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	show, probs := script.Parse(path, src)
	if show == nil {
		t.Fatalf("%s: %v", path, probs.Err())
	}
	return Compile(show, 1)
}

func liveRoom(id avatar.RoomID, kind string) avatar.Room {
	return avatar.Room{ID: id, Kind: kind, Merchant: "m", Show: "s", Status: avatar.RoomPlaying}
}

// rig is one player running in a synctest bubble.
type rig struct {
	t    *testing.T
	sink *memSink
	p    *Player
	stop func() error
}

// start runs a player of prog in the current bubble with sink.
func start(t *testing.T, prog *Program, room avatar.Room, sink *memSink) *rig {
	t.Helper()
	return startSink(t, prog, room, sink, sink)
}

// startSink is start with any Sink whose events mem records (a memSink
// inside a wrapper that adds to it, such as auditSink).
func startSink(t *testing.T, prog *Program, room avatar.Room, sink Sink, mem *memSink) *rig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := NewPlayer(room, prog, sink, zap.NewNop())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	r := &rig{t: t, sink: mem, p: p}
	var once sync.Once
	var err error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			err = <-errc
		})
		return err
	}
	t.Cleanup(func() { _ = r.stop() })
	synctest.Wait()
	return r
}

// until advances the fake clock in small steps until cond holds for the
// events so far, failing after limit.
func (r *rig) until(limit time.Duration, what string, cond func([]avatar.Envelope) bool) []avatar.Envelope {
	r.t.Helper()
	end := time.Now().Add(limit)
	for {
		synctest.Wait()
		evs := r.sink.all()
		if cond(evs) {
			return evs
		}
		if time.Now().After(end) {
			r.t.Fatalf("after %v: %s never happened; events: %s", limit, what, summary(evs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// untilSpeech advances until a speech of line id has been published, and
// returns the events.
func (r *rig) untilSpeech(limit time.Duration, id string) []avatar.Envelope {
	r.t.Helper()
	return r.until(limit, "speech "+id, func(evs []avatar.Envelope) bool {
		return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventSpeech && lineOf(e) == id })
	})
}

func (r *rig) control(c avatar.Control) avatar.ControlReply {
	r.t.Helper()
	got := make(chan avatar.ControlReply, 1)
	r.p.Control(c, func(rep avatar.ControlReply) { got <- rep })
	synctest.Wait()
	select {
	case rep := <-got:
		return rep
	default:
		r.t.Fatalf("control %s: no reply", c.Type)
		return avatar.ControlReply{}
	}
}

func decode[T any](t testing.TB, e avatar.Envelope) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(e.Data, &v); err != nil {
		t.Fatalf("decode %s: %v", e.Type, err)
	}
	return v
}

// lineOf returns the line ID of a speech or reply event, else "".
func lineOf(e avatar.Envelope) string {
	switch e.Type {
	case avatar.EventSpeech:
		var sp avatar.Speech
		_ = json.Unmarshal(e.Data, &sp)
		return sp.LineID
	case avatar.EventReply:
		var r avatar.Reply
		_ = json.Unmarshal(e.Data, &r)
		return r.Speech.LineID
	}
	return ""
}

// spokenLines returns the line IDs of the speech events, in order.
func spokenLines(evs []avatar.Envelope) []string {
	var out []string
	for _, e := range evs {
		if e.Type == avatar.EventSpeech {
			out = append(out, lineOf(e))
		}
	}
	return out
}

func summary(evs []avatar.Envelope) string {
	s := ""
	for _, e := range evs {
		s += fmt.Sprintf("\n  %d %s %s %s", e.Seq, time.Time(e.TS).Format("04:05.000"), e.Type, e.Data)
	}
	return s
}

func checkSeqs(t *testing.T, evs []avatar.Envelope) {
	t.Helper()
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d, want %d", i, e.Seq, i+1)
		}
	}
}

// after returns the events after the first one matching m.
func after(evs []avatar.Envelope, m func(avatar.Envelope) bool) []avatar.Envelope {
	for i, e := range evs {
		if m(e) {
			return evs[i+1:]
		}
	}
	return nil
}

func isLine(id string) func(avatar.Envelope) bool {
	return func(e avatar.Envelope) bool { return lineOf(e) == id }
}
