package director_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// fleet is directors sharing rooms on one listening NATS server, each with
// its own connection as the director role (the server enforces its
// permissions), each publishing through a sink that notes which director
// sent each event.
type fleet struct {
	t     *testing.T
	admin *bus.Bus
	rooms []avatar.RoomID
	mu    sync.Mutex
	by    map[string]string // who sent each event, by envelope ID
	dirs  map[string]*member
}

type member struct {
	d      *director.Director
	b      *bus.Bus
	cancel context.CancelFunc
	done   chan error
}

func newFleet(t *testing.T, rooms int) *fleet {
	f := &fleet{t: t, by: map[string]string{}, dirs: map[string]*member{}}
	f.admin = bustest.StartConfig(t, bus.Config{LeaseTTL: ttl, Listen: "127.0.0.1:-1"})
	for i := range rooms {
		id := avatar.RoomID(fmt.Sprintf("room-%d", i))
		seed(t, f.admin, id)
		f.rooms = append(f.rooms, id)
	}
	t.Cleanup(f.stopAll)
	return f
}

// recordingSink is the bus sink, noting who sent what. It notes each event
// before sending it, by its envelope's ID (unique to the event, not to its
// seq, which two directors may both try): a publish that fails may still
// have been stored, as when a director loses its lease while the event is
// on its way (the lost lease cancels the publish, not the store), and the
// stream then holds an event whose sender was told of no success.
type recordingSink struct {
	director.BusSink
	f  *fleet
	by string
}

func (s recordingSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	var env avatar.Envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.ID == "" {
		s.f.t.Errorf("director %s: room %s seq %d: an event without an envelope ID (%v): %s", s.by, r, seq, err, raw)
	}
	s.f.mu.Lock()
	s.f.by[env.ID] = s.by
	s.f.mu.Unlock()
	return s.BusSink.Publish(ctx, r, seq, raw, cursor, expect)
}

func (f *fleet) start(id string) *member {
	f.t.Helper()
	b, err := bus.Open(context.Background(), bus.Config{URL: f.admin.ClientURL(), LeaseTTL: ttl, Name: id, Role: bus.RoleDirector,
		Auth: bus.Auth{CredsFile: bus.CredsFile(f.admin.AuthDir(), bus.RoleDirector)}}, zaptest.NewLogger(f.t).Named(id))
	if err != nil {
		f.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &member{b: b, cancel: cancel, done: make(chan error, 1),
		d: director.New(director.Config{ID: id, LeaseTTL: ttl, Sink: recordingSink{BusSink: director.BusSink{B: b}, f: f, by: id}}, b, zaptest.NewLogger(f.t).Named(id))}
	f.dirs[id] = m
	go func() { m.done <- m.d.Run(ctx) }()
	return m
}

// stop stops director id as SIGTERM does and waits for its Run to return.
func (f *fleet) stop(id string) {
	f.t.Helper()
	m := f.dirs[id]
	m.cancel()
	if err := <-m.done; err != nil {
		f.t.Errorf("director %s: %v", id, err)
	}
	if v := m.b.Violations(); v != 0 {
		f.t.Errorf("director %s: %d permission violations", id, v)
	}
	_ = m.b.Close()
	delete(f.dirs, id)
}

func (f *fleet) stopAll() {
	for id := range f.dirs {
		f.stop(id)
	}
}

// holding counts the rooms each director holds the lease of.
func (f *fleet) holding() map[string]int {
	n := map[string]int{}
	for _, r := range f.rooms {
		n[leaseOwner(f.admin, r)]++
	}
	return n
}

// balanced waits until each director named holds want rooms.
func (f *fleet) balanced(want int, ids ...string) {
	f.t.Helper()
	waitFor(f.t, 60*time.Second, fmt.Sprintf("%d rooms each for %v", want, ids), func() bool {
		n := f.holding()
		for _, id := range ids {
			if n[id] != want {
				return false
			}
		}
		return true
	})
	f.t.Logf("holding: %v", f.holding())
}

// speaking waits until every room has spoken n more lines.
func (f *fleet) speaking(n int) {
	f.t.Helper()
	base := map[avatar.RoomID]int{}
	for _, r := range f.rooms {
		base[r] = len(speeches(f.t, events(f.t, f.admin, r)))
	}
	waitFor(f.t, 60*time.Second, fmt.Sprintf("%d more lines in every room", n), func() bool {
		for _, r := range f.rooms {
			if len(speeches(f.t, events(f.t, f.admin, r))) < base[r]+n {
				return false
			}
		}
		return true
	})
}

// check reads every room's history: seqs 1, 2, 3… with no gap, no line
// spoken twice in a row, and wherever the room went from one director to
// another, the first director's last line was over (its speech's
// duration) before the next director published anything: the room was
// handed over at a line boundary. It returns how many hand-overs it saw.
func (f *fleet) check() int {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	changes := 0
	for _, r := range f.rooms {
		evs := events(f.t, f.admin, r)
		var (
			prev     string // director of the previous event
			lastLine string
			lineEnds time.Time // when the last speech's line ended
		)
		for i, e := range evs {
			if e.Seq != uint64(i+1) {
				f.t.Fatalf("room %s: event %d has seq %d", r, i+1, e.Seq)
			}
			who := f.by[e.ID]
			if who == "" {
				f.t.Fatalf("room %s: seq %d (event %s) sent by no director of the fleet", r, e.Seq, e.ID)
			}
			ts := time.Time(e.TS)
			if prev != "" && who != prev {
				changes++
				if ts.Before(lineEnds) {
					f.t.Errorf("room %s: %s published seq %d (%s) at %v, %v before %s's line %s ended: cut mid-line",
						r, who, e.Seq, e.Type, ts.Format("15:04:05.000"), lineEnds.Sub(ts), prev, lastLine)
				}
			}
			prev = who
			if e.Type == avatar.EventSpeech {
				var sp avatar.Speech
				if err := json.Unmarshal(e.Data, &sp); err != nil {
					f.t.Fatal(err)
				}
				if sp.LineID == lastLine {
					f.t.Errorf("room %s: line %s twice in a row (seq %d)", r, sp.LineID, e.Seq)
				}
				lastLine = sp.LineID
				lineEnds = ts.Add(time.Duration(sp.DurationMS) * time.Millisecond)
			}
		}
	}
	return changes
}

func handovers(t *testing.T, d *director.Director) float64 {
	reg := prometheus.NewRegistry()
	reg.MustRegister(d.Collectors()...)
	return gather(t, reg, "avatarcast_director_handovers_total", "")
}

// TestRoomsBalancedAcrossDirectors: two directors starting together on six
// rooms end with three each (one took five of six before).
func TestRoomsBalancedAcrossDirectors(t *testing.T) {
	f := newFleet(t, 6)
	f.start("a")
	f.start("b")
	f.balanced(3, "a", "b")
	f.speaking(2)
	f.check()
}

// TestDirectorJoiningTakesItsShare: a director alone plays all six rooms;
// a second joins and gets three, handed over at line boundaries; a third
// joins and gets two, one from each. No seq gap, no line twice, no line cut.
func TestDirectorJoiningTakesItsShare(t *testing.T) {
	f := newFleet(t, 6)
	a := f.start("a")
	f.balanced(6, "a")
	f.speaking(1)
	b := f.start("b")
	f.balanced(3, "a", "b")
	f.speaking(1)
	f.start("c")
	f.balanced(2, "a", "b", "c")
	f.speaking(2)
	if n := f.check(); n < 5 {
		t.Errorf("%d changes of director in the rooms' histories, want at least 5 (3 to b, 2 to c)", n)
	}
	if h := handovers(t, a.d) + handovers(t, b.d); h < 4 {
		t.Errorf("a and b handed over %v rooms, want at least 4", h)
	}
}

// TestDrainingDirectorHandsRoomsOver: a director told to stop (SIGTERM)
// hands each of its rooms over at the room's next line boundary, then
// exits; the other director plays all six on.
func TestDrainingDirectorHandsRoomsOver(t *testing.T) {
	f := newFleet(t, 6)
	a := f.start("a")
	f.start("b")
	f.balanced(3, "a", "b")
	f.speaking(1)
	before := handovers(t, a.d) // while balancing at the start
	f.stop("a")
	if h := handovers(t, a.d) - before; h != 3 {
		t.Errorf("a handed over %v rooms while draining, want 3", h)
	}
	f.balanced(6, "b")
	f.speaking(2)
	if n := f.check(); n < 3 {
		t.Errorf("%d changes of director, want at least 3", n)
	}
}
