package bustest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// A Bus keeps its NATS connection to itself. The helpers here do, on a
// second connection of bustest's own to the same server, the few things a
// test needs that no Bus method may do: break or reshape what the server
// stores, or send what no well-behaved component sends.

// dialers maps each *bus.Bus that StartConfig or Cluster.Open opened to a
// way to reach its server; it is emptied as tests end.
var dialers sync.Map

func register(t testing.TB, b *bus.Bus, dial func() (*nats.Conn, error)) {
	var once sync.Once
	var nc *nats.Conn
	var err error
	dialers.Store(b, func() (*nats.Conn, error) {
		once.Do(func() { nc, err = dial() })
		return nc, err
	})
	t.Cleanup(func() {
		dialers.Delete(b)
		if nc != nil {
			nc.Close()
		}
	})
}

func raw(t testing.TB, b *bus.Bus) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := rawConn(b)
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	return nc, js
}

func rawConn(b *bus.Bus) (*nats.Conn, error) {
	d, ok := dialers.Load(b)
	if !ok {
		return nil, errors.New("bustest: raw access only to a Bus opened by bustest")
	}
	nc, err := d.(func() (*nats.Conn, error))()
	if err != nil {
		return nil, fmt.Errorf("bustest: raw connection: %w", err)
	}
	return nc, nil
}

// StreamInfo returns the server's info on stream name (avatar.EventsStream,
// avatar.RecordsStream, ...): its config, state and cluster leader.
func StreamInfo(t testing.TB, b *bus.Bus, name string) *jetstream.StreamInfo {
	t.Helper()
	_, js := raw(t, b)
	s, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatalf("bustest: stream %s: %v", name, err)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatalf("bustest: stream %s: %v", name, err)
	}
	return info
}

// StopRepublish makes the events stream store events without
// republishing them to the live feed (as a new stream leader does with
// what its predecessor had not republished), until resume is called.
func StopRepublish(t testing.TB, b *bus.Bus) (resume func()) {
	t.Helper()
	rp := updateStream(t, b, avatar.EventsStream, nil)
	return func() {
		t.Helper()
		updateStream(t, b, avatar.EventsStream, rp)
	}
}

// updateStream sets stream name's republish config and returns the old.
func updateStream(t testing.TB, b *bus.Bus, name string, rp *jetstream.RePublish) *jetstream.RePublish {
	t.Helper()
	_, js := raw(t, b)
	cfg := StreamInfo(t, b, name).Config
	old := cfg.RePublish
	cfg.RePublish = rp
	if _, err := js.UpdateStream(context.Background(), cfg); err != nil {
		t.Fatalf("bustest: update stream %s: %v", name, err)
	}
	return old
}

// PurgeEvents drops all but the last keep events of every room from the
// events stream, as its limits would.
func PurgeEvents(t testing.TB, b *bus.Bus, keep uint64) {
	t.Helper()
	_, js := raw(t, b)
	s, err := js.Stream(context.Background(), avatar.EventsStream)
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	if err := s.Purge(context.Background(), jetstream.WithPurgeKeep(keep)); err != nil {
		t.Fatalf("bustest: purge events: %v", err)
	}
}

// StealLease writes owner into room r's lease whoever holds it, as no
// director ever does: the holder's next renewal fails.
func StealLease(t testing.TB, b *bus.Bus, r avatar.RoomID, owner string) {
	t.Helper()
	_, js := raw(t, b)
	kv, err := js.KeyValue(context.Background(), avatar.LeasesBucket)
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	if _, err := kv.Put(context.Background(), string(r), []byte(owner)); err != nil {
		t.Fatalf("bustest: steal lease of room %s: %v", r, err)
	}
}

// Publish sends msgs as they are with core NATS, not waiting for the
// stream's ack (to publish events faster than a director may, or with
// headers no director sets), and returns once the server has them or flush
// has passed. It does not fail the test, so it may run in any goroutine.
func Publish(b *bus.Bus, flush time.Duration, msgs ...*nats.Msg) error {
	nc, err := rawConn(b)
	if err != nil {
		return err
	}
	for _, m := range msgs {
		if err := nc.PublishMsg(m); err != nil {
			return fmt.Errorf("bustest: publish %s: %w", m.Subject, err)
		}
	}
	if err := nc.FlushTimeout(flush); err != nil {
		return fmt.Errorf("bustest: flush: %w", err)
	}
	return nil
}

// Snoop gathers the bodies of messages published on subject (a JetStream
// API subject, to count what a Bus asks the server) until the test ends.
// The returned sync waits until the server has passed on everything b
// published so far, then calls fn with each gathered body, in order, in
// the caller's goroutine: once sync returns, fn has seen all of them.
// (An asynchronous handler would run on its own goroutine some time after
// the flush that delivered its message, and a count read after sync could
// miss it.)
func Snoop(t testing.TB, b *bus.Bus, subject string, fn func(data []byte)) (sync func()) {
	t.Helper()
	nc, _ := raw(t, b)
	// The connection's reader puts each message on the channel before it
	// reads the flush's PONG, so a flush leaves every earlier message here.
	ch := make(chan *nats.Msg, 1<<16)
	sub, err := nc.ChanSubscribe(subject, ch)
	if err != nil {
		t.Fatalf("bustest: snoop %s: %v", subject, err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	if err := nc.Flush(); err != nil {
		t.Fatalf("bustest: snoop %s: %v", subject, err)
	}
	return func() {
		t.Helper()
		if err := b.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := nc.Flush(); err != nil {
			t.Fatalf("bustest: %v", err)
		}
		for {
			select {
			case m := <-ch:
				fn(m.Data)
			default:
				return
			}
		}
	}
}
