package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
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

// TestLoadgenManyRooms runs the many-rooms server part ('loadgen -serve
// rooms': embedded NATS, a real director playing the demo script in every
// room, a gateway), with one NATS connection for all and with one each
// (-conns split), and the viewers' part against it, as -spawn ours does in
// two processes, and checks the report: every viewer in, events delivered
// in every room, nothing lost or twice.
func TestLoadgenManyRooms(t *testing.T) {
	for _, conns := range []string{"", "split"} {
		t.Run("conns="+conns, func(t *testing.T) { loadgenManyRooms(t, conns) })
	}
}

func loadgenManyRooms(t *testing.T, conns string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"avatarcast", "loadgen", "-serve", "rooms", "-rooms", "4", "-voice-rate", "4", "-stagger", "200ms", "-conns", conns,
			"-script", filepath.Join(repoRoot(t), "scripts", "demo-live.yaml")}, func(string) string { return "" }, strings.NewReader(""), pw, testWriter{t})
		pw.CloseWithError(fmt.Errorf("server returned: %v", err))
		done <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("rooms server: %v", err)
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	u := strings.TrimSpace(strings.TrimPrefix(line, "listening "))
	var out bytes.Buffer
	args := []string{"avatarcast", "loadgen", "-url", u, "-room", "bench", "-rooms", "4", "-viewers-per-room", "3", "-duration", "3s"}
	if err := run(ctx, args, func(string) string { return "" }, strings.NewReader(""), &out, testWriter{t}); err != nil {
		t.Fatalf("loadgen: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	for _, want := range []string{"connected 12/12 viewers in 4 rooms", "lost 0, duplicates 0", "per room (4 with deliveries)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("loadgen output lacks %q:\n%s", want, out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("rooms server: %v", err)
	}
}
