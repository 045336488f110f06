package gateway

import (
	"testing"
	"time"

	"go.uber.org/zap"
)

// A room's burst window is Coalesce while the writers keep up, and grows
// to twice the time since the last push while they are still on it.
func TestBurstWindowGrowsWhileWritersBehind(t *testing.T) {
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
	// 60 ms after it.
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
	for {
		r.mu.Lock()
		armed, pushed := r.armed, r.lastPush
		r.mu.Unlock()
		if !armed {
			if d := pushed.Sub(start); d < 25*time.Millisecond || d > time.Second {
				t.Fatalf("window closed %v after the event, want ~30ms", d)
			}
			return
		}
		time.Sleep(time.Millisecond)
	}
}
