package director_test

import (
	"context"
	"os"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// TestViewersOverNATS publishes two gateways' viewer count reports as the
// gateways do (JSON {gateway, count} on avatar.ViewersSubject): their sum
// reaches the script's `viewers >= 100` branch and the room's state.
func TestViewersOverNATS(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	const room = "crowd"
	ctx := context.Background()
	src, err := os.ReadFile("testdata/crowd.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := b.PutScript(ctx, "m", "crowd", src)
	if err != nil {
		t.Fatal(err)
	}
	putRoom(t, b, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "crowd", Version: v,
		Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Voice: avatar.Voice{Rate: 4}}})
	dctx, cancel := context.WithCancel(ctx)
	d := director.New(director.Config{ID: "d", LeaseTTL: ttl}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx) }()
	waitFor(t, 10*time.Second, "playing", func() bool { return len(speeches(t, events(t, b, room))) >= 1 })

	report := func(gw string, n int) {
		if err := b.PublishViewers(room, avatar.ViewerReport{Gateway: gw, Count: n}); err != nil {
			t.Fatal(err)
		}
	}
	spoke := func(id string) bool {
		for _, l := range speeches(t, events(t, b, room)) {
			if l == id {
				return true
			}
		}
		return false
	}
	waitFor(t, 15*time.Second, "crowd-hello and 120 viewers in the state", func() bool {
		report("gw-a", 70)
		report("gw-b", 50)
		st, ok, err := b.LoadState(ctx, room)
		return spoke("crowd-hello") && ok && err == nil && st.Viewers == 120
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
