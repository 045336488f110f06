package gateway

import (
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
)

// A room's burst window is Coalesce while the writers keep up, and grows
// to twice the time since the last push while they are still on it. The
// test runs in a synctest bubble: the clock moves only when every
// goroutine waits, so the window is checked to the nanosecond, however
// busy the machine.
func TestBurstWindowGrowsWhileWritersBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHub(Config{Coalesce: 10 * time.Millisecond}.withDefaults(), nil, zap.NewNop(), "t")
		defer h.writers.stop()
		r := &room{id: "t", hub: h, log: zap.NewNop(), ring: make([]*frame, 16), index: map[*client]int{}}
		f := &frame{raw: []byte(`{}`), class: ephemeral}

		// The writers drained after the last push, 30 ms ago: out at once.
		r.mu.Lock()
		r.lastPush = time.Now().Add(-30 * time.Millisecond)
		h.writers.drained.Store(time.Now().UnixNano())
		r.fanout(f)
		armed := r.armed
		r.mu.Unlock()
		if armed {
			t.Fatal("held an event although the writers keep up")
		}

		// They have not drained since the last push, 30 ms ago: held until
		// 60 ms after it, 30 ms from now.
		r.mu.Lock()
		start := time.Now()
		r.lastPush = start.Add(-30 * time.Millisecond)
		h.writers.drained.Store(start.Add(-time.Second).UnixNano())
		r.fanout(f)
		armed = r.armed
		r.mu.Unlock()
		if !armed {
			t.Fatal("pushed an event at once although the writers are behind")
		}
		state := func() (bool, time.Time) {
			synctest.Wait() // the window's timer, if due, has run
			r.mu.Lock()
			defer r.mu.Unlock()
			return r.armed, r.lastPush
		}
		time.Sleep(30*time.Millisecond - time.Nanosecond)
		if armed, _ := state(); !armed {
			t.Fatalf("window closed %v after the event, want 30ms", time.Since(start))
		}
		time.Sleep(time.Nanosecond)
		armed, pushed := state()
		if armed {
			t.Fatalf("window still open %v after the event, want closed at 30ms", time.Since(start))
		}
		if d := pushed.Sub(start); d != 30*time.Millisecond {
			t.Fatalf("window closed %v after the event, want 30ms", d)
		}
	})
}
