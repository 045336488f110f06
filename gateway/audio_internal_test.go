package gateway

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestAudioCacheLoadsOnceAndStaysBounded: many viewers asking for a new
// line at once cost one store read; the cache keeps at most its bytes,
// the least recently used out first; a failed load is not kept.
func TestAudioCacheLoadsOnceAndStaysBounded(t *testing.T) {
	var loads atomic.Int32
	release := make(chan struct{})
	fail := errors.New("store down")
	c := newAudioCache(100, func(_ context.Context, key string) ([]byte, time.Time, error) {
		loads.Add(1)
		if key == "slow" {
			<-release
		}
		if key == "bad" {
			return nil, time.Time{}, fail
		}
		return []byte(strings.Repeat(key[:1], 40)), time.Unix(1, 0), nil
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if b, _, err := c.get(context.Background(), "slow"); err != nil || len(b) != 40 {
				t.Errorf("get slow: %d bytes, %v", len(b), err)
			}
		})
	}
	for {
		c.mu.Lock()
		n := len(c.inflight)
		c.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	close(release)
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("50 concurrent asks loaded %d times, want once", n)
	}
	for _, k := range []string{"a", "b", "slow", "c"} { // 4 × 40 bytes > 100: a and b go
		if _, _, err := c.get(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	if c.size > 100 {
		t.Errorf("cache holds %d bytes, over 100", c.size)
	}
	before := loads.Load()
	_, _, _ = c.get(context.Background(), "c")
	_, _, _ = c.get(context.Background(), "slow")
	if loads.Load() != before {
		t.Error("the two most recent were loaded again")
	}
	_, _, _ = c.get(context.Background(), "a")
	if loads.Load() != before+1 {
		t.Error("the least recent was not evicted")
	}
	for range 2 {
		if _, _, err := c.get(context.Background(), "bad"); !errors.Is(err, fail) {
			t.Errorf("bad: %v", err)
		}
	}
	if loads.Load() != before+3 {
		t.Error("a failed load was kept")
	}
}
