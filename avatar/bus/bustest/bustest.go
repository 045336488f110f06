// Package bustest gives each test its own throwaway embedded NATS server
// with avatarcast's stream and buckets, in a temporary directory.
package bustest

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Start opens a Bus on a new embedded server storing under t.TempDir(), and
// closes it when the test ends.
func Start(t testing.TB) *bus.Bus {
	t.Helper()
	return StartConfig(t, bus.Config{})
}

// StartConfig is Start with cfg; an empty DataDir becomes t.TempDir().
func StartConfig(t testing.TB, cfg bus.Config) *bus.Bus {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
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
	return b
}

// WaitRecorded waits until b's record (avatar.RecordsStream, which the
// server fills from the events stream in the background) holds at least n
// events, and fails the test if it does not within 30 seconds.
func WaitRecorded(t testing.TB, b *bus.Bus, n uint64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		info, err := b.Records.Info(context.Background())
		if err != nil {
			t.Fatalf("bustest: records info: %v", err)
		}
		if info.State.Msgs >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bustest: record holds %d events after 30s, want %d", info.State.Msgs, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
