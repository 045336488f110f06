package director

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestLeaseLostStopsPlaying: when a renewal fails (someone else wrote the
// lease), the director stops the room at once and plays it again only once
// it holds the lease again, from where it stopped.
func TestLeaseLostStopsPlaying(t *testing.T) {
	const ttl = time.Second
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const room = "lost"
	bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{Voice: avatar.Voice{Rate: 4}}})
	d := New(Config{ID: "d", LeaseTTL: ttl}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	poll := func(what string, cond func() bool) {
		t.Helper()
		for end := time.Now().Add(15 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("%s: not within 15s", what)
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
	poll("playing", func() bool { return d.player(room) != nil && last() >= 3 })

	// An intruder overwrites the lease: the next renewal fails.
	bustest.StealLease(t, b, room, "intruder")
	poll("player stopped", func() bool { return d.player(room) == nil })
	stoppedAt := last()
	// While the intruder's lease lives, the director does not play.
	for {
		l, ok, err := b.LeaseHolder(ctx, room)
		if err != nil || !ok || l.Owner != "intruder" {
			break
		}
		if d.player(room) != nil || last() != stoppedAt {
			t.Fatalf("director played while the intruder held the lease")
		}
		time.Sleep(20 * time.Millisecond)
	}
	poll("playing again", func() bool { return last() >= stoppedAt+3 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var lines []string
	var seq uint64
	err = b.Replay(context.Background(), room, 0, func(ev bus.StoredEvent) error {
		var e avatar.Envelope
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		if e.Seq != seq+1 {
			t.Errorf("seq %d after %d", e.Seq, seq)
		}
		seq = e.Seq
		if e.Type == avatar.EventSpeech {
			var sp avatar.Speech
			_ = json.Unmarshal(e.Data, &sp)
			if len(lines) > 0 && lines[len(lines)-1] == sp.LineID {
				t.Errorf("line %s twice in a row", sp.LineID)
			}
			lines = append(lines, sp.LineID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
