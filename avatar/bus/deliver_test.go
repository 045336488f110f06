package bus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestGatewayCannotRedirectStoredEventsToControls: a gateway may create
// consumers on the streams it reads (KV watches need them), but a push
// consumer delivering stored events to a room's control subject must not
// reach the director as a control.
func TestGatewayCannotRedirectStoredEventsToControls(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	const room = avatar.RoomID("r1")
	if _, err := b.PublishEvent(ctx, room, 1, []byte(`{"type":"pause"}`), "", 0); err != nil {
		t.Fatal(err)
	}
	d := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleDirector})
	got := make(chan avatar.Control, 1)
	srv := d.ServeControls(ctx, func(c avatar.Control, reply func(avatar.ControlReply)) { got <- c; reply(avatar.ControlReply{}) })
	defer srv.Close()
	if err := srv.Add(room); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	g := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleGateway})
	_, err := g.RawJS().CreateOrUpdateConsumer(ctx, avatar.EventsStream, jetstream.ConsumerConfig{
		Name: "evil", DeliverSubject: avatar.ControlSubject(room), AckPolicy: jetstream.AckNonePolicy,
	})
	if err != nil {
		t.Fatalf("create a push consumer (the server allows it): %v", err)
	}
	// The server delivers the stored event to the control subject; wait
	// until the director has seen and dropped it.
	bustest.WaitFor(t, 10*time.Second, "the delivered event reaches the director", func() bool {
		select {
		case c := <-got:
			t.Fatalf("a stored event reached the director as control %+v", c)
		default:
		}
		return d.Forged() > 0
	})
	select {
	case c := <-got:
		t.Fatalf("a stored event reached the director as control %+v", c)
	default:
	}
}

// TestGatewayCannotReplayEventsIntoAnotherRoom: the same trick on the
// events feed. Delivering room r2's stored events to r1's events subject is
// refused by the server (a cycle with the stream); delivering them to r1's
// republished feed is allowed by the server, and SubscribeEvents drops them
// (they lack the republish's subject header), while r1's own events flow.
func TestGatewayCannotReplayEventsIntoAnotherRoom(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	for seq := uint64(1); seq <= 5; seq++ {
		if _, err := b.PublishEvent(ctx, "r2", seq, []byte(`{"room":"r2"}`), "", 0); err != nil {
			t.Fatal(err)
		}
	}
	g := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleGateway})
	_, err := g.RawJS().CreateOrUpdateConsumer(ctx, avatar.EventsStream, jetstream.ConsumerConfig{
		Name: "cycle", DeliverSubject: avatar.EventsSubject("r1"), FilterSubject: avatar.EventsSubject("r2"), AckPolicy: jetstream.AckNonePolicy,
	})
	if err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Fatalf("push consumer delivering events to a room's events subject: %v, want refused as a cycle", err)
	}

	got := make(chan bus.StoredEvent, 16)
	sub, err := g.SubscribeEvents("r1", func(ev bus.StoredEvent) { got <- ev })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	if err := g.Flush(); err != nil {
		t.Fatal(err)
	}
	if _, err := g.RawJS().CreateOrUpdateConsumer(ctx, avatar.EventsStream, jetstream.ConsumerConfig{
		Name: "replay", DeliverSubject: avatar.StoredEventsSubject("r1"), FilterSubject: avatar.EventsSubject("r2"), AckPolicy: jetstream.AckNonePolicy,
	}); err != nil {
		t.Fatalf("create a push consumer (the server allows it): %v", err)
	}
	bustest.WaitFor(t, 10*time.Second, "r2's 5 events reach r1's subscription", func() bool {
		select {
		case ev := <-got:
			t.Fatalf("room r1's subscription got %s", ev.Data)
		default:
		}
		return g.Forged() >= 5
	})
	if _, err := b.PublishEvent(ctx, "r1", 1, []byte(`{"room":"r1"}`), "", 0); err != nil {
		t.Fatal(err)
	}
	if ev := <-got; string(ev.Data) != `{"room":"r1"}` {
		t.Fatalf("r1's viewers got %s", ev.Data)
	}
}
