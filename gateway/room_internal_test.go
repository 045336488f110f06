package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// publishN stores events from..to of room id as a director would.
func publishN(t *testing.T, b *bus.Bus, id avatar.RoomID, from, to uint64) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		env, err := avatar.NewEnvelope(id, seq, time.Now(), avatar.EventNotice, avatar.Notice{Text: fmt.Sprint("n", seq)})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(env)
		if _, err := b.PublishEvent(context.Background(), id, seq, raw, "", 0); err != nil {
			t.Fatal(err)
		}
	}
}

// The director publishing between openRoom's read of the last event and its
// load of the ring is no failure: the first viewer of a room got HTTP 500.
func TestOpenRoomWhileDirectorPublishes(t *testing.T) {
	b := bustest.Start(t)
	publishN(t, b, "r", 1, 5)
	h := newHub(Config{}.withDefaults(), b, zaptest.NewLogger(t), "t")
	defer h.writers.stop()
	testHookAfterLastEvent = func(id avatar.RoomID) { publishN(t, b, id, 6, 7) }
	defer func() { testHookAfterLastEvent = nil }()
	r, err := h.room(context.Background(), "r")
	if err != nil {
		t.Fatalf("open room while the director publishes: %v", err)
	}
	defer r.unsubscribe()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last < 5 {
		t.Fatalf("ring filled up to %d, want at least 5", r.last)
	}
	for s := uint64(1); s <= r.last; s++ {
		if f := r.ring[s%uint64(len(r.ring))]; f == nil || f.seq != s {
			t.Fatalf("ring lacks seq %d", s)
		}
	}
}

// fill up to a seq below the stream's last event stops there without an
// error (it used to return the stop sentinel, logged as a failed gap fill).
func TestFillStopsAtUpto(t *testing.T) {
	b := bustest.Start(t)
	publishN(t, b, "r", 1, 9)
	h := newHub(Config{}.withDefaults(), b, zap.NewNop(), "t")
	defer h.writers.stop()
	r := &room{id: "r", hub: h, log: zap.NewNop(), ring: make([]*frame, 16), index: map[*client]int{}}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.last = 2
	if err := r.fill(context.Background(), 5); err != nil {
		t.Fatalf("fill(5) with 9 events stored: %v", err)
	}
	if r.last != 5 {
		t.Fatalf("after fill(5): last %d, want 5", r.last)
	}
}

// Holes in a room's window are read from the stream once, however many
// viewers wait on them, and only the missing events are asked for.
func TestMendReadsOnceForAll(t *testing.T) {
	b := bustest.Start(t)
	publishN(t, b, "r", 1, 300)
	h := newHub(Config{RingSize: 512}.withDefaults(), b, zap.NewNop(), "t")
	defer h.writers.stop()
	r, err := h.room(context.Background(), "r")
	if err != nil {
		t.Fatal(err)
	}
	defer r.unsubscribe()
	punch := func() {
		r.mu.Lock()
		for s := uint64(100); s < 110; s++ {
			r.ring[s%uint64(len(r.ring))] = nil
		}
		r.mu.Unlock()
	}
	var asked atomic.Int64 // events asked for by direct gets
	bySubject := bustest.Snoop(t, b, "$JS.API.DIRECT.GET."+avatar.EventsStream+".>", func([]byte) { asked.Add(1) })
	batched := bustest.Snoop(t, b, "$JS.API.DIRECT.GET."+avatar.EventsStream, func(data []byte) {
		var req struct{ Batch int64 }
		_ = json.Unmarshal(data, &req)
		asked.Add(max(req.Batch, 1))
	})
	flush := func() { bySubject(); batched() }

	punch()
	if err := r.mend(context.Background()); err != nil {
		t.Fatal(err)
	}
	flush()
	one := asked.Swap(0)

	punch()
	// Hold the lock so that every mend starts before the first one
	// can scan the ring.
	r.mu.Lock()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := r.mend(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(10 * time.Millisecond) // not a timing assertion: only lets them queue up
	r.mu.Unlock()
	wg.Wait()
	flush()
	// The last event, a binary search over 300, and the 10 missing.
	if one > 1+10+10 {
		t.Errorf("mending 10 missing events asked for %d", one)
	}
	if many := asked.Load(); many > one {
		t.Errorf("20 concurrent mends asked for %d events, one mend %d", many, one)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for s := uint64(1); s <= 300; s++ {
		if f := r.ring[s%uint64(len(r.ring))]; f == nil || f.seq != s {
			t.Fatalf("after mend the ring lacks seq %d", s)
		}
	}
}
