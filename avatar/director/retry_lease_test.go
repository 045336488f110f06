package director

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// failOnceSink is the bus sink whose next state save, once armed, times
// out once, as when the state bucket's leader has just moved.
type failOnceSink struct {
	BusSink
	armed, failed atomic.Bool
}

func (s *failOnceSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	if s.armed.Load() && s.failed.CompareAndSwap(false, true) {
		return fmt.Errorf("bus: save state of room %s: %w", r, context.DeadlineExceeded)
	}
	return s.BusSink.SaveState(ctx, r, st)
}

// playThroughFailure plays demo-live on a real bus with a 1s lease, calls
// fail once the room plays, and requires the same player to keep playing
// (no restart, no lease lost) and the record to have no gap.
func playThroughFailure(t *testing.T, d func(b *bus.Bus) *Director, fail func(), failed func() bool) {
	t.Helper()
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const room = "retry"
	bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{Voice: avatar.Voice{Rate: 4}}})
	dir := d(b)
	done := make(chan error, 1)
	go func() { done <- dir.Run(ctx) }()
	poll := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%s: not within 20s", what)
			}
		}
	}
	last := func() uint64 {
		ev, _, err := b.LastEvent(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Seq
	}
	poll("playing", func() bool { return dir.player(room) != nil && last() >= 3 })
	p := dir.player(room)
	fail()
	poll("failure injected", failed)
	at := last()
	poll("playing on", func() bool { return last() >= at+4 })
	if dir.player(room) != p {
		t.Fatal("the room was stopped and played again after one failure")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var seq uint64
	err = b.Replay(context.Background(), room, 0, func(ev bus.StoredEvent) error {
		if ev.Seq != seq+1 {
			t.Errorf("seq %d after %d", ev.Seq, seq)
		}
		seq = ev.Seq
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLeaseRenewalRetried: a renewal that times out once (a leases bucket
// leader election) is asked again within the lease's time; the room plays
// on with the same player.
func TestLeaseRenewalRetried(t *testing.T) {
	var armed, failed atomic.Bool
	playThroughFailure(t, func(b *bus.Bus) *Director {
		d := New(Config{ID: "d", LeaseTTL: time.Second}, b, zaptest.NewLogger(t))
		d.renewLease = func(ctx context.Context, l bus.Lease) (bus.Lease, error) {
			if armed.Load() && failed.CompareAndSwap(false, true) {
				return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, context.DeadlineExceeded)
			}
			return b.RenewLease(ctx, l)
		}
		return d
	}, func() { armed.Store(true) }, failed.Load)
}

// TestStateSaveRetried: a state save that times out once is asked again;
// the room plays on with the same player.
func TestStateSaveRetried(t *testing.T) {
	var s *failOnceSink
	playThroughFailure(t, func(b *bus.Bus) *Director {
		s = &failOnceSink{BusSink: BusSink{B: b}}
		return New(Config{ID: "d", LeaseTTL: time.Second, Sink: s}, b, zaptest.NewLogger(t))
	}, func() { s.armed.Store(true) }, func() bool { return s.failed.Load() })
}

// TestLeaseRenewalRetriedPastTheTTL: renewals go unanswered for twice the
// lease's TTL (a leases bucket leader election after its leader died
// without handing over: 4-9s against a 5s lease), so the lease expires
// meanwhile; nobody else took the room, and its director takes the lease
// again and plays on with the same player (issue 19).
func TestLeaseRenewalRetriedPastTheTTL(t *testing.T) {
	var until atomic.Int64 // unix nanos before which renewals fail
	var failures atomic.Int32
	playThroughFailure(t, func(b *bus.Bus) *Director {
		d := New(Config{ID: "d", LeaseTTL: time.Second}, b, zaptest.NewLogger(t))
		d.renewLease = func(ctx context.Context, l bus.Lease) (bus.Lease, error) {
			if time.Now().UnixNano() < until.Load() {
				failures.Add(1)
				return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, context.DeadlineExceeded)
			}
			return b.RenewLease(ctx, l)
		}
		return d
	}, func() { until.Store(time.Now().Add(2 * time.Second).UnixNano()) }, func() bool {
		return failures.Load() > 0 && time.Now().UnixNano() > until.Load()
	})
}

// timedFailSink is the bus sink whose state saves, once armed, fail for
// a while from the next save on, as while the state bucket elects a
// leader.
type timedFailSink struct {
	BusSink
	armed    atomic.Bool
	until    atomic.Int64 // unix nanos; set by the first save once armed
	failures atomic.Int32
}

func (s *timedFailSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	if s.armed.Load() {
		s.until.CompareAndSwap(0, time.Now().Add(1500*time.Millisecond).UnixNano())
		if time.Now().UnixNano() < s.until.Load() {
			s.failures.Add(1)
			return fmt.Errorf("bus: save state of room %s: %w", r, context.DeadlineExceeded)
		}
	}
	return s.BusSink.SaveState(ctx, r, st)
}

// TestStateSaveRetriedPastTheTTL: a state save goes unanswered for one
// and a half lease TTLs (the state bucket electing a leader); the room
// waits for its save and plays on with the same player (issue 19).
func TestStateSaveRetriedPastTheTTL(t *testing.T) {
	var s *timedFailSink
	playThroughFailure(t, func(b *bus.Bus) *Director {
		s = &timedFailSink{BusSink: BusSink{B: b}}
		return New(Config{ID: "d", LeaseTTL: time.Second, Sink: s}, b, zaptest.NewLogger(t))
	}, func() { s.armed.Store(true) }, func() bool {
		u := s.until.Load()
		return u != 0 && time.Now().UnixNano() > u
	})
}
