package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestWatchLeases: WatchLeases gives the leases held when it starts, then
// ready, then each acquire (its owner and when it was written) and each
// release (nil); a key of the bucket that names no room is passed over,
// and the watch ends with nil when its context does.
func TestWatchLeases(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	l1, _, err := b.AcquireLease(ctx, "r1", "d1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.RawLeases().Put(ctx, "not.a.room", []byte("x")); err != nil {
		t.Fatal(err)
	}
	type seen struct {
		room  avatar.RoomID
		owner string // "" for a release
	}
	got := make(chan seen, 16)
	ready := make(chan struct{})
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- b.WatchLeases(wctx, func(r avatar.RoomID, info *bus.LeaseInfo) {
			if info == nil {
				got <- seen{r, ""}
				return
			}
			if info.Written.IsZero() {
				t.Errorf("lease of %s by %s: no time written", r, info.Owner)
			}
			got <- seen{r, info.Owner}
		}, func() { close(ready) })
	}()
	next := func(what string) seen {
		t.Helper()
		select {
		case s := <-got:
			return s
		case err := <-errc:
			t.Fatalf("%s: the watch ended: %v", what, err)
		case <-time.After(10 * time.Second): // bounds a wait; not a timed assertion
			t.Fatalf("%s: nothing within 10s", what)
		}
		return seen{}
	}
	if s := next("the lease held"); s != (seen{"r1", "d1"}) {
		t.Fatalf("first = %+v, want r1 held by d1", s)
	}
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatal("ready not called after the leases held")
	}
	if _, _, err := b.AcquireLease(ctx, "r2", "d2"); err != nil {
		t.Fatal(err)
	}
	if s := next("an acquire"); s != (seen{"r2", "d2"}) {
		t.Fatalf("after acquiring r2: %+v, want r2 held by d2", s)
	}
	if err := b.ReleaseLease(ctx, l1); err != nil {
		t.Fatal(err)
	}
	if s := next("a release"); s != (seen{"r1", ""}) {
		t.Fatalf("after releasing r1: %+v, want r1 released", s)
	}
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("watch ended with %v, want nil when its context ends", err)
	}
	if len(got) != 0 {
		t.Errorf("%d more calls, want none", len(got))
	}
}
