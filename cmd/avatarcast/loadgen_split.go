package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// Where a -rooms run's latency goes. The viewers time each event from its
// ts (set by the director just before it publishes) to its arrival; the
// server child ('loadgen -serve rooms') splits that path in two parts it
// can see:
//
//   - publish: how long the director's JetStream publish of one event takes
//     (the request to the stream and its ack; the director plays the
//     room's next event only after it) and of one state save;
//   - stored: from an event's ts to its arrival on the stream's
//     republished feed in the server process, as the gateway's own
//     subscription gets it (store, republish, the client's read loop and
//     the subscription's goroutine);
//
// and the rest (gateway fan-out, write, the viewer's read and decode) is
// the viewers' figure minus stored. The child resets its figures on
// SIGUSR1 (the measured window starts) and prints them on SIGUSR2.

// splitStats are the server child's latency figures since the last reset.
// Before the first reset they are nil and nothing is recorded, so that
// the histograms (14 MiB) are not in the RSS measured before the window.
type splitStats struct {
	publish, save, stored atomic.Pointer[latencies]
	sched0                *metrics.Float64Histogram // Go scheduling latencies at the reset
	wait0                 time.Duration             // the threads' run-queue wait at the reset
	at0                   time.Time
}

func newSplitStats() *splitStats { return &splitStats{} }

func (s *splitStats) reset() {
	s.publish.Store(&latencies{})
	s.save.Store(&latencies{})
	s.stored.Store(&latencies{})
	s.sched0, s.wait0, s.at0 = schedLatencies(), runQueueWait(), time.Now()
}

// addIfMeasuring adds d to the histogram in p, if the window started.
func addIfMeasuring(p *atomic.Pointer[latencies], d time.Duration) {
	if l := p.Load(); l != nil {
		l.add(d)
	}
}

// schedLatencies reads the Go scheduler's histogram of how long goroutines
// waited runnable before they ran (cumulative since the process started).
func schedLatencies() *metrics.Float64Histogram {
	sample := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return nil
	}
	return sample[0].Value.Float64Histogram()
}

// histQuantile returns the q-quantile (seconds) of now minus before.
func histQuantile(before, now *metrics.Float64Histogram, q float64) float64 {
	if now == nil {
		return math.NaN()
	}
	counts := slices.Clone(now.Counts)
	if before != nil && len(before.Counts) == len(counts) {
		for i := range counts {
			counts[i] -= before.Counts[i]
		}
	}
	var n uint64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return math.NaN()
	}
	want := uint64(math.Ceil(q * float64(n)))
	var sum uint64
	for i, c := range counts {
		if sum += c; sum >= want {
			return now.Buckets[min(i+1, len(now.Buckets)-1)]
		}
	}
	return now.Buckets[len(now.Buckets)-1]
}

// runQueueWait sums how long this process's threads have waited on a
// run queue for a CPU (Linux /proc/self/task/*/schedstat, second field;
// 0 elsewhere). Threads that exited are not counted.
func runQueueWait() time.Duration {
	return procRunQueueWait("self")
}

func procRunQueueWait(pid string) time.Duration {
	tasks, err := os.ReadDir("/proc/" + pid + "/task")
	if err != nil {
		return 0
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/" + pid + "/task/" + t.Name() + "/schedstat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) >= 2 {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			sum += n
		}
	}
	return time.Duration(sum)
}

// print writes one "split ..." line per figure; the parent reads them.
func (s *splitStats) print(w io.Writer) {
	if s.publish.Load() == nil {
		fmt.Fprintln(w, "split runtime: no window started")
		return
	}
	for _, f := range []struct {
		name string
		l    *latencies
	}{{"publish", s.publish.Load()}, {"save", s.save.Load()}, {"stored", s.stored.Load()}} {
		fmt.Fprintf(w, "split %s n=%d p50 %.2f p99 %.2f max %.2f ms\n", f.name, f.l.n.Load(), f.l.quantile(.5), f.l.quantile(.99), float64(f.l.max.Load())/1000)
	}
	if s.sched0 != nil || !s.at0.IsZero() {
		now := schedLatencies()
		secs := time.Since(s.at0).Seconds()
		fmt.Fprintf(w, "split sched goroutines waited runnable p50 %.3f p99 %.3f ms; threads waited for a CPU %.2f s per s\n",
			histQuantile(s.sched0, now, .5)*1000, histQuantile(s.sched0, now, .99)*1000, (runQueueWait()-s.wait0).Seconds()/secs)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(w, "split runtime goroutines %d, heap in use %.1f MiB, stacks %.1f MiB, GC cycles %d, GC pause total %.1f ms, GC CPU fraction %.3f\n",
		runtime.NumGoroutine(), float64(ms.HeapInuse)/(1<<20), float64(ms.StackInuse)/(1<<20), ms.NumGC, float64(ms.PauseTotalNs)/1e6, ms.GCCPUFraction)
}

// timedSink is the director's sink with each publish and state save timed.
type timedSink struct {
	director.BusSink
	stats *splitStats
}

// Publish implements director.Sink.
func (s timedSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	t := time.Now()
	tok, err := s.BusSink.Publish(ctx, r, seq, raw, cursor, expect)
	addIfMeasuring(&s.stats.publish, time.Since(t))
	return tok, err
}

// SaveState implements director.Sink.
func (s timedSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	t := time.Now()
	err := s.BusSink.SaveState(ctx, r, st)
	addIfMeasuring(&s.stats.save, time.Since(t))
	return err
}

// tapStored subscribes to room r's stored feed as the gateway does, and
// times each event from its ts.
func tapStored(b *bus.Bus, r avatar.RoomID, stats *splitStats) (*bus.Subscription, error) {
	return b.SubscribeEvents(r, func(ev bus.StoredEvent) {
		now := time.Now()
		var e struct {
			TS avatar.Time `json:"ts"`
		}
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return
		}
		addIfMeasuring(&stats.stored, now.Sub(time.Time(e.TS)))
	})
}

// servePprof serves net/http/pprof on addr (loopback only) until ctx ends,
// with block and mutex profiling on, and returns its base URL.
func servePprof(ctx context.Context, addr string) (string, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("loadgen: -pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("loadgen: -pprof %q: only a loopback address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("loadgen: -pprof: %w", err)
	}
	// A blocking event of 10 µs or more is sampled; one mutex contention
	// in 10.
	runtime.SetBlockProfileRate(10_000)
	runtime.SetMutexProfileFraction(10)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}

// fetchProfiles saves the server child's profiles into dir: a CPU profile
// over secs seconds (started now), then heap, block, mutex and goroutine.
func fetchProfiles(ctx context.Context, base, dir string, secs int) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	get := func(name, path string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("loadgen: profile %s: %w", name, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("loadgen: profile %s: %s", name, resp.Status)
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, resp.Body); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	// Block and mutex profiles as deltas over the same window.
	var eg errgroup.Group
	eg.Go(func() error { return get("cpu.pprof", fmt.Sprintf("/debug/pprof/profile?seconds=%d", secs)) })
	eg.Go(func() error { return get("block.pprof", fmt.Sprintf("/debug/pprof/block?seconds=%d", secs)) })
	eg.Go(func() error { return get("mutex.pprof", fmt.Sprintf("/debug/pprof/mutex?seconds=%d", secs)) })
	if err := eg.Wait(); err != nil {
		return err
	}
	for _, p := range []string{"heap", "goroutine"} {
		if err := get(p+".pprof", "/debug/pprof/"+p); err != nil {
			return err
		}
	}
	return nil
}

// loadAvg returns the machine's load averages (/proc/loadavg), or "?".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
