// Package bustest gives each test its own throwaway embedded NATS server
// with avatarcast's stream and buckets, in a temporary directory.
package bustest

import (
	"context"
	"testing"

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
