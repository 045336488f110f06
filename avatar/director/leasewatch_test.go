package director

import (
	"context"
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

// TestHeldRoomNotAskedWhileRenewed: a director does not ask NATS again and
// again for a room another director holds and renews (it watches the
// leases), takes the room as soon as the holder lets it go, and stops
// watching once no room waits.
func TestHeldRoomNotAskedWhileRenewed(t *testing.T) {
	const ttl = 3 * time.Second
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const room = "held"
	bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{Voice: avatar.Voice{Rate: 4}}})
	lease, _, err := b.AcquireLease(ctx, room, "other")
	if err != nil {
		t.Fatal(err)
	}
	d := New(Config{ID: "d", LeaseTTL: ttl}, b, zaptest.NewLogger(t))
	var tries atomic.Int64
	acquire := d.acquireLease
	d.acquireLease = func(ctx context.Context, r avatar.RoomID, owner string) (bus.Lease, bus.LeaseInfo, error) {
		if r == room {
			tries.Add(1)
		}
		return acquire(ctx, r, owner)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	bustest.WaitFor(t, 15*time.Second, "the director's first try", func() bool { return tries.Load() >= 1 })

	// The holder renews eight times over 2.4 s (a tenth of the TTL apart):
	// asking every TTL/4 (0.75 s) would be three tries or more.
	for range 8 {
		time.Sleep(ttl / 10)
		if lease, err = b.RenewLease(ctx, lease); err != nil {
			t.Fatalf("renew: %v", err)
		}
	}
	if n := tries.Load(); n != 1 {
		t.Errorf("the director asked for the held room %d times while it was renewed, want 1", n)
	}
	if d.player(room) != nil {
		t.Fatal("the director plays a room another holds")
	}
	// Let go without announcing it: the watch shows the release.
	if err := b.ReleaseLease(ctx, lease); err != nil {
		t.Fatal(err)
	}
	bustest.WaitFor(t, 15*time.Second, "the director playing the released room", func() bool { return d.player(room) != nil })
	// No room waits for another director now: the watch stops (a director
	// alone receives no lease writes, not even its own renewals).
	bustest.WaitFor(t, 15*time.Second, "the lease watch stopped", func() bool { return !d.leasesWatched.Load() })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
