package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestBridgeRole: on a listening embedded server, the API role opens the
// platform buckets and serves the ingest; a bridge with the bridge role's
// credentials sends a batch and gets the answer with no permission
// refused; the bridge role cannot publish a viewer's input, and a
// gateway cannot send platform batches.
func TestBridgeRole(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	open := func(r bus.Role) *bus.Bus { return bustest.OpenAs(t, b, bus.Config{Role: r}) }
	a, br, g := open(bus.RoleAPI), open(bus.RoleBridge), open(bus.RoleGateway)
	p, err := a.OpenPlatform(ctx, time.Minute)
	if err != nil {
		t.Fatalf("api role opens the platform buckets: %v", err)
	}
	got := make(chan avatar.RoomID, 4)
	s, err := a.ServePlatform(ctx, 2, func(ctx context.Context, r avatar.RoomID, batch avatar.PlatformBatch) avatar.PlatformReply {
		got <- r
		reply := avatar.PlatformReply{}
		for i, e := range batch.Inputs {
			first, err := p.FirstSeen(ctx, r, e.Platform, e.MsgID)
			st := avatar.PlatformDuplicate
			if err != nil {
				t.Error(err)
			} else if first {
				st = avatar.PlatformTaken
			}
			reply.Add(avatar.PlatformResult{Index: i, Status: st})
		}
		return reply
	})
	if err != nil {
		t.Fatalf("api role serves the ingest: %v", err)
	}
	t.Cleanup(func() { _ = s.Stop() })

	batch := avatar.PlatformBatch{Inputs: []avatar.PlatformEvent{{Platform: "douyin", MsgID: "1"}, {Platform: "douyin", MsgID: "1"}}}
	sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	reply, err := br.SendPlatform(sctx, "r1", batch)
	if err != nil || reply.Taken != 1 || reply.Duplicate != 1 || <-got != "r1" {
		t.Fatalf("bridge role sends a batch: %+v, %v; want 1 taken, 1 duplicate", reply, err)
	}

	// Refused requests are never answered: bound the waits.
	short := func() context.Context {
		c, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		t.Cleanup(cancel)
		return c
	}
	if _, err := g.SendPlatform(short(), "r1", batch); !errors.Is(err, bus.ErrNoIngest) {
		t.Errorf("gateway role sends a platform batch: %v, want %v", err, bus.ErrNoIngest)
	}
	if err := br.PublishInput("r1", avatar.Input{Type: avatar.MsgComment}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*bus.Bus{a, br, g} {
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	bustest.WaitFor(t, 10*time.Second, "the server refuses the bridge's and the gateway's publishes", func() bool {
		return g.Violations() > 0 && br.Violations() > 0
	})
	if a.Violations() != 0 {
		t.Errorf("the api role had %d permissions refused", a.Violations())
	}
	if len(got) != 0 {
		t.Errorf("the ingest got %d batches it should not have", len(got))
	}
}
