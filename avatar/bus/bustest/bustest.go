// Package bustest gives each test its own throwaway embedded NATS server
// with avatarcast's stream and buckets, in a temporary directory, and the
// few helpers tests share: seeding rooms, waiting for a condition, and a
// narrow raw access (raw.go) for what no Bus method may do.
package bustest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Start opens a Bus on a new embedded server storing under t.TempDir(), and
// closes it when the test ends.
func Start(t testing.TB) *bus.Bus {
	t.Helper()
	return StartConfig(t, bus.Config{})
}

// StartConfig is Start with cfg; an empty DataDir becomes t.TempDir(). With
// neither URL nor Listen set, bustest starts the in-process server itself
// (as bus.Open would, storing under DataDir) and keeps a way to it for the
// raw helpers.
func StartConfig(t testing.TB, cfg bus.Config) *bus.Bus {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	var dial func() (*nats.Conn, error)
	switch {
	case cfg.URL == "" && cfg.Listen == "" && cfg.Server == nil:
		ns := startServer(t, cfg.DataDir)
		cfg.Server = ns
		dial = func() (*nats.Conn, error) { return nats.Connect("", nats.InProcessServer(ns)) }
	case cfg.URL != "" && cfg.Auth == (bus.Auth{}):
		url := cfg.URL
		dial = func() (*nats.Conn, error) { return nats.Connect(url) }
	}
	b, err := bus.Open(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("bustest: close: %v", err)
		}
	})
	if dial != nil {
		register(t, b, dial)
	}
	return b
}

// startServer starts an in-process JetStream server storing under
// dir/jetstream, as bus.Open's embedded one does, and shuts it down when
// the test ends (after the Bus closes: cleanups run last in, first out).
func startServer(t testing.TB, dir string) *server.Server {
	t.Helper()
	ns, err := server.NewServer(&server.Options{
		ServerName: "avatarcast", JetStream: true, StoreDir: filepath.Join(dir, "jetstream"),
		NoSigs: true, NoLog: true, DontListen: true,
	})
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	ns.Start()
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("bustest: server not ready")
	}
	return ns
}

// OpenAs opens another client of b, an embedded server listening on
// loopback (StartConfig with Listen), as a process of cfg.Role would: at
// b's URL with that role's credentials from b's auth directory, named
// after the role unless cfg.Name is set. It fails the test if it cannot,
// and closes the client when the test ends.
func OpenAs(t testing.TB, b *bus.Bus, cfg bus.Config) *bus.Bus {
	t.Helper()
	cfg.URL, cfg.Auth = b.ClientURL(), bus.Auth{CredsFile: bus.CredsFile(b.AuthDir(), cfg.Role)}
	if cfg.Name == "" {
		cfg.Name = string(cfg.Role)
	}
	c, err := bus.Open(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("bustest: open as %s: %v", cfg.Role, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// WaitFor polls cond every 10ms until it holds, and fails the test, saying
// what it waited for, if it does not within timeout. A timeout bounds the
// wait for something that must happen; it is not a timed assertion.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("bustest: %s: not within %v", what, timeout)
		}
	}
}

// WaitRecorded waits until b's record (avatar.RecordsStream, which the
// server fills from the events stream in the background) holds at least n
// events, and fails the test if it does not within 30 seconds.
func WaitRecorded(t testing.TB, b *bus.Bus, n uint64) {
	t.Helper()
	WaitFor(t, 30*time.Second, fmt.Sprintf("record holds %d events", n), func() bool {
		have, _, err := b.RecordSize(context.Background())
		if err != nil {
			t.Fatalf("bustest: %v", err)
		}
		return have >= n
	})
}

// PutRoom stores rec as its room's record, failing the test on error.
func PutRoom(t testing.TB, b *bus.Bus, rec avatar.Room) {
	t.Helper()
	if err := untilAnswered(func() error { _, err := b.PutRoom(context.Background(), rec); return err }); err != nil {
		t.Fatalf("bustest: %v", err)
	}
}

// untilAnswered calls put until it does not fail with "no responders":
// right after a cluster forms (or a bucket's leader moves), a bucket may
// have no leader for a moment, and a request nobody received is safe to
// send again. It gives up after 30 seconds.
func untilAnswered(put func() error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := put()
		if !errors.Is(err, nats.ErrNoResponders) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SeedRoom stores src as the newest version of rec.Merchant's show
// rec.Show (merchant "m" if empty), then rec playing that version, and
// returns rec as stored.
func SeedRoom(t testing.TB, b *bus.Bus, src []byte, rec avatar.Room) avatar.Room {
	t.Helper()
	if rec.Merchant == "" {
		rec.Merchant = "m"
	}
	var v uint64
	err := untilAnswered(func() (err error) {
		v, err = b.PutScript(context.Background(), rec.Merchant, rec.Show, src)
		return err
	})
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	rec.Version = v
	PutRoom(t, b, rec)
	return rec
}
