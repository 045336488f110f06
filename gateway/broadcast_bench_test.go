package gateway

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// BenchmarkBroadcast measures the fan-out path from a room event to the
// viewers' sockets: frame once, queue for every viewer, write. Viewers are
// real loopback WebSockets drained by a reader each. "each" waits until an
// event reached every viewer before the next (one event per write);
// "burst" sends them back to back (writes coalesce). It reports the cost
// per delivered event, including allocations.
func BenchmarkBroadcast(b *testing.B) {
	for _, viewers := range []int{100, 1000} {
		for _, mode := range []string{"each", "burst"} {
			b.Run(fmt.Sprintf("viewers=%d/%s", viewers, mode), func(b *testing.B) {
				benchBroadcast(b, viewers, mode == "each")
			})
		}
	}
}

func benchBroadcast(b *testing.B, viewers int, each bool) {
	// A queue that holds a whole burst: here no viewer is slow, the
	// writers are merely behind the publisher.
	h := newHub(Config{QueueSize: 1 << 20, Coalesce: -1}.withDefaults(), nil, zap.NewNop(), "bench")
	defer h.writers.stop()
	r := &room{id: "bench", hub: h, log: zap.NewNop(), ring: make([]*frame, 1024), index: map[*client]int{}}
	up := websocket.Upgrader{WriteBufferSize: 1024, WriteBufferPool: writePool}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, err := up.Upgrade(w, req, nil)
		if err != nil {
			return
		}
		c := newClient(h, conn, r, "v", "127.0.0.1")
		r.mu.Lock()
		r.index[c] = len(r.clients)
		r.clients = append(r.clients, c)
		r.mu.Unlock()
	}))
	defer srv.Close()
	var wg sync.WaitGroup
	var conns []*websocket.Conn
	for range viewers {
		ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, ws)
		wg.Go(func() { _, _ = io.Copy(io.Discard, ws.NetConn()) })
	}
	for {
		r.mu.Lock()
		n := len(r.clients)
		r.mu.Unlock()
		if n == viewers {
			break
		}
		time.Sleep(time.Millisecond)
	}
	pad := strings.Repeat("x", 150)
	raws := make([][]byte, 256)
	for i := range raws {
		env, _ := avatar.NewEnvelope("bench", 0, time.Now(), avatar.EventNotice, avatar.Notice{Text: pad})
		raws[i], _ = json.Marshal(env)
	}
	// Wait, without allocating, until every viewer was sent seq n.
	wait := func(n int) {
		r.mu.Lock()
		cs := r.clients
		r.mu.Unlock()
		for _, c := range cs {
			for c.lastSent.Load() < uint64(n) {
				c.mu.Lock()
				stopped := c.stopping
				c.mu.Unlock()
				if stopped {
					b.Fatalf("viewer dropped: %d %s", c.closeCode, c.closeDetail)
				}
				runtime.Gosched()
			}
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	b.ResetTimer()
	for i := range b.N {
		r.mu.Lock()
		r.deliver(bus.StoredEvent{Seq: uint64(i + 1), Data: raws[i%len(raws)]})
		r.mu.Unlock()
		if each {
			wait(i + 1)
		}
	}
	wait(b.N)
	b.StopTimer()
	runtime.ReadMemStats(&ms1)
	n := float64(b.N * viewers)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/delivery")
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/n, "allocs/delivery")
	b.ReportMetric(n/testutil.ToFloat64(h.metrics.framesOut), "events/write")
	for _, ws := range conns {
		ws.Close()
	}
	wg.Wait()
}
