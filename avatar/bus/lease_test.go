package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

func TestLeaseAcquireRenewRelease(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Second})
	ctx := context.Background()
	l, _, err := b.AcquireLease(ctx, "r", "d1")
	if err != nil {
		t.Fatal(err)
	}
	_, info, err := b.AcquireLease(ctx, "r", "d2")
	if !errors.Is(err, bus.ErrLeaseHeld) || info.Owner != "d1" || info.Written.IsZero() {
		t.Fatalf("second acquire: %+v, %v; want ErrLeaseHeld by d1", info, err)
	}
	if l, err = b.RenewLease(ctx, l); err != nil {
		t.Fatalf("renew: %v", err)
	}
	// A renewal with a stale revision fails: someone else wrote the lease.
	stale := l
	stale.Revision--
	if _, err := b.RenewLease(ctx, stale); !errors.Is(err, bus.ErrLeaseHeld) {
		t.Fatalf("stale renew: %v, want ErrLeaseHeld", err)
	}
	if err := b.ReleaseLease(ctx, l); err != nil {
		t.Fatal(err)
	}
	l2, _, err := b.AcquireLease(ctx, "r", "d2")
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	// The old owner's renewal now fails.
	if _, err := b.RenewLease(ctx, l); !errors.Is(err, bus.ErrLeaseHeld) {
		t.Fatalf("renew after takeover: %v, want ErrLeaseHeld", err)
	}
	// Unrenewed, the lease expires and can be taken.
	bustest.WaitFor(t, 10*time.Second, "acquire after expiry", func() bool {
		_, _, err := b.AcquireLease(ctx, "r", "d3")
		if err != nil && !errors.Is(err, bus.ErrLeaseHeld) {
			t.Fatalf("acquire after expiry: %v", err)
		}
		return err == nil
	})
	if _, err := b.RenewLease(ctx, l2); !errors.Is(err, bus.ErrLeaseHeld) {
		t.Fatalf("renew of an expired lease: %v, want ErrLeaseHeld", err)
	}
}

// TestReleaseAfterLostRenewalAnswer: a renewal the server applied but
// whose answer the director never saw (its context ended: shutdown) leaves
// the director's lease a revision behind; releasing it still lets the room
// go, while a lease another director took is left alone. Before, the
// release failed ("wrong last sequence") and the room stood held until
// the TTL.
func TestReleaseAfterLostRenewalAnswer(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Minute})
	ctx := context.Background()
	seen, _, err := b.AcquireLease(ctx, "r", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.RenewLease(ctx, seen); err != nil { // applied; the answer "lost"
		t.Fatal(err)
	}
	if err := b.ReleaseLease(ctx, seen); err != nil {
		t.Fatalf("release a revision behind: %v", err)
	}
	if info, held, err := b.LeaseHolder(ctx, "r"); err != nil || held {
		t.Fatalf("lease held by %q after its owner released it (%v)", info.Owner, err)
	}
	// Another director's lease is not released by a stale one of d1's.
	if _, _, err := b.AcquireLease(ctx, "r", "d2"); err != nil {
		t.Fatal(err)
	}
	if err := b.ReleaseLease(ctx, seen); err == nil {
		t.Fatal("d1's stale lease released d2's")
	}
	if info, held, _ := b.LeaseHolder(ctx, "r"); !held || info.Owner != "d2" {
		t.Fatalf("lease %+v held %v, want d2's", info, held)
	}
}

func TestServeControls(t *testing.T) {
	b := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := b.ServeControls(ctx, func(c avatar.Control, reply func(avatar.ControlReply)) {
		reply(avatar.ControlReply{OK: c.Room == "a" && c.Text == "hi", Seq: 7})
	})
	defer s.Close()
	if err := s.Add("a"); err != nil {
		t.Fatal(err)
	}
	// The subject names the room, whatever the body says.
	data, _ := json.Marshal(avatar.Control{Type: avatar.CtlNotice, Room: "elsewhere", Text: "hi"})
	m, err := b.RawNC().Request(avatar.ControlSubject("a"), data, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var rep avatar.ControlReply
	if err := json.Unmarshal(m.Data, &rep); err != nil || !rep.OK || rep.Seq != 7 {
		t.Fatalf("reply %s, %v; want ok seq 7", m.Data, err)
	}
	s.Remove("a")
	if _, err := b.RawNC().Request(avatar.ControlSubject("a"), data, time.Second); err == nil {
		t.Fatal("control answered after Remove")
	}
}
