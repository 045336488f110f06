package director

import (
	"context"
	"encoding/json"
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

// failPublishSink is the bus sink whose next publish, once armed, goes
// unanswered, as while the events stream elects a leader.
type failPublishSink struct {
	BusSink
	armed, failed atomic.Bool
}

func (s *failPublishSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	if s.armed.Load() && s.failed.CompareAndSwap(false, true) {
		return 0, fmt.Errorf("bus: publish room %s seq %d: %w", r, seq, context.DeadlineExceeded)
	}
	return s.BusSink.Publish(ctx, r, seq, raw, cursor, expect)
}

// TestUnansweredPublishKeepsTheRoom: a publish goes unanswered while
// another director stands by; the room stops, but its director keeps the
// lease and plays it again from its last stored event: the room does not
// change owner, and the record has no gap, no repeat and no line twice
// (issue 19: a stream leader election does not make rooms change owner).
func TestUnansweredPublishKeepsTheRoom(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const room = "keep"
	bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{Voice: avatar.Voice{Rate: 4}}})
	s := &failPublishSink{BusSink: BusSink{B: b}}
	d1 := New(Config{ID: "d1", LeaseTTL: time.Second, Sink: s}, b, zaptest.NewLogger(t).Named("d1"))
	d2 := New(Config{ID: "d2", LeaseTTL: time.Second}, b, zaptest.NewLogger(t).Named("d2"))
	done := make(chan error, 2)
	go func() { done <- d1.Run(ctx) }()
	last := func() uint64 {
		ev, _, err := b.LastEvent(ctx, room)
		if err != nil {
			t.Fatal(err)
		}
		return ev.Seq
	}
	bustest.WaitFor(t, 20*time.Second, "d1 plays", func() bool { return d1.player(room) != nil && last() >= 3 })
	go func() { done <- d2.Run(ctx) }()
	bustest.WaitFor(t, 20*time.Second, "d2 stands by", func() bool {
		d2.mu.Lock()
		defer d2.mu.Unlock()
		return d2.rooms[room] != nil
	})
	s.armed.Store(true)
	bustest.WaitFor(t, 20*time.Second, "a publish failed", s.failed.Load)
	at := last()
	bustest.WaitFor(t, 20*time.Second, "playing on", func() bool { return last() >= at+6 })
	holder, _, err := b.LeaseHolder(ctx, room)
	if err != nil {
		t.Fatal(err)
	}
	if holder.Owner != "d1" || d2.player(room) != nil {
		t.Errorf("after one unanswered publish the room is held by %q (d2 playing: %v); want d1 to keep it", holder.Owner, d2.player(room) != nil)
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	var seq uint64
	seen := map[string]bool{}
	err = b.Replay(context.Background(), room, 0, func(ev bus.StoredEvent) error {
		if ev.Seq != seq+1 {
			t.Errorf("seq %d after %d", ev.Seq, seq)
		}
		seq = ev.Seq
		var e avatar.Envelope
		var sp avatar.Speech
		if json.Unmarshal(ev.Data, &e) == nil && e.Type == avatar.EventSpeech && json.Unmarshal(e.Data, &sp) == nil {
			// demo-live's first pass speaks each line once.
			if seen[sp.LineID] {
				t.Errorf("line %s spoken twice (seq %d)", sp.LineID, ev.Seq)
			}
			seen[sp.LineID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
