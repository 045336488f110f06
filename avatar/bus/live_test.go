package bus_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// collect subscribes to room r's live events and returns a channel of them.
func collect(t *testing.T, b *bus.Bus, r avatar.RoomID) <-chan bus.StoredEvent {
	t.Helper()
	ch := make(chan bus.StoredEvent, 64)
	sub, err := b.SubscribeEvents(r, func(ev bus.StoredEvent) { ch <- ev })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Stop() })
	return ch
}

func recv(t *testing.T, ch <-chan bus.StoredEvent) bus.StoredEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no live event")
		return bus.StoredEvent{}
	}
}

// SubscribeEvents gives only what the stream stored, with its stream seq:
// a publish on the events subject that the stream refuses (here a raw core
// publish expecting a last subject seq the room does not have) never
// arrives, and the stored event after it does.
func TestLiveEventsOnlyStored(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	ch := collect(t, b, "r")
	sseq, err := b.PublishEvent(ctx, "r", 1, []byte(`{"n":1}`), "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, ch); ev.Seq != 1 || ev.StreamSeq != sseq || string(ev.Data) != `{"n":1}` || ev.Cursor != "c1" {
		t.Fatalf("live event %+v, want seq 1 stream seq %d", ev, sseq)
	}
	m := &nats.Msg{Subject: avatar.EventsSubject("r"), Data: []byte(`{"n":"refused"}`), Header: nats.Header{}}
	m.Header.Set(avatar.HeaderSeq, "2")
	m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, fmt.Sprint(sseq+100))
	if err := b.RawNC().PublishMsg(m); err != nil {
		t.Fatal(err)
	}
	sseq2, err := b.PublishEvent(ctx, "r", 2, []byte(`{"n":2}`), "", sseq)
	if err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, ch); ev.Seq != 2 || ev.StreamSeq != sseq2 || string(ev.Data) != `{"n":2}` {
		t.Fatalf("live event %+v, want seq 2 {\"n\":2} stream seq %d", ev, sseq2)
	}
}

// serve restarts on data written by the previous version, whose events
// stream had no republish: opening it adds it, and live events flow.
func TestLiveEventsOnStreamFromOlderVersion(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	old, err := bus.Open(ctx, bus.Config{DataDir: dir}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	info, err := old.RawEvents().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Config
	cfg.RePublish = nil // as the previous version created it
	if _, err := old.RawJS().UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := old.PublishEvent(ctx, "r", 1, []byte(`{"n":1}`), "", 0); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	b := bustest.StartConfig(t, bus.Config{DataDir: dir})
	info, err = b.RawEvents().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rp := info.Config.RePublish; rp == nil || rp.Destination != avatar.StoredEventsRepublish() {
		t.Fatalf("republish after reopen: %+v", rp)
	}
	ch := collect(t, b, "r")
	if _, err := b.PublishEvent(ctx, "r", 2, []byte(`{"n":2}`), "", 0); err != nil {
		t.Fatal(err)
	}
	if ev := recv(t, ch); ev.Seq != 2 || ev.StreamSeq != 2 {
		t.Fatalf("live event %+v, want seq 2 stream seq 2", ev)
	}
}
