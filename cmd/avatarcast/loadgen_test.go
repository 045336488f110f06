package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestLoadgenAgainstServe(t *testing.T) {
	s := startServe(t, t.TempDir())
	// loadgen waits for every viewer to join, watches, then waits until
	// nothing more arrives; the run is bounded by its viewers and duration.
	var out bytes.Buffer
	args := []string{"avatarcast", "loadgen", "-url", "ws" + strings.TrimPrefix(s.base, "http"),
		"-room", "demo-live", "-viewers", "5", "-sources", "2", "-duration", "1s"}
	if err := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), &out, testWriter{t}); err != nil {
		t.Fatalf("loadgen: %v\n%s", err, out.String())
	}
	for _, want := range []string{"connected 5/5 viewers", "duplicates 0", "latency ms"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("loadgen output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLoadgenRefusesNonLoopback(t *testing.T) {
	for _, u := range []string{"ws://10.0.0.1:8080", "ws://example.com", "ws://[::1]:80"} {
		if err := loopbackOnly(u); err == nil {
			t.Errorf("loopbackOnly(%q) = nil, want refused", u)
		}
	}
	if err := loopbackOnly("ws://127.0.0.9:8080"); err != nil {
		t.Errorf("loopbackOnly(127.0.0.9): %v", err)
	}
}
