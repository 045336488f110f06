package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/wsclient"
)

// resumeBench measures a resume storm, as after a gateway restart: for
// each case a fresh server (this binary as 'loadgen -serve ours -history
// H') holding H events of one room, then o.viewers viewers dialled at once
// that either join plainly or resume K events behind. It reports the time
// until every viewer is in (plain: hello; resume: resume{recovered:true}
// after exactly its K events), per-viewer p50/p99 of that time, the
// server's CPU and peak RSS, and the gaps and duplicates seen. The viewers
// check catch-up arrays by their seqs (wsclient.Config.SeqsOnly), so that
// their own CPU, on the machine the server runs on, is not mostly JSON.
func resumeBench(ctx context.Context, o loadOpts, behind []uint64, size int, stdout, stderr io.Writer) error {
	history := slices.Max(behind) + 100
	compressed := ""
	if os.Getenv(deflateEnv) != "" {
		compressed = ", viewers offering permessage-deflate"
	}
	if o.pin {
		compressed += ", server pinned to CPU 0 and viewers to CPU 1"
	}
	fmt.Fprintf(stdout, "== resume storm: %d viewers, room of %d events of %d bytes, fresh server per case%s\n", *o.viewers, history, size, compressed)
	fmt.Fprintf(stdout, "%-10s %8s %10s %10s %10s %8s %9s %9s %6s %6s %6s %10s\n", "case", "viewers", "all in s", "p50 s", "p99 s", "CPU s", "peakRSS", "RSS left", "gaps", "dups", "failed", "viewers CPU")
	var plain *stormResult
	for _, k := range append([]uint64{0}, behind...) {
		res, err := stormOnce(ctx, o, history, k, size, stderr)
		if err != nil {
			return err
		}
		name := "plain"
		if k > 0 {
			name = fmt.Sprintf("K=%d", k)
		}
		fmt.Fprintf(stdout, "%-10s %8d %10.2f %10.2f %10.2f %8.2f %8.0fM %8.0fM %6d %6d %6d %10.2f\n", name, res.done, res.all.Seconds(),
			res.p50.Seconds(), res.p99.Seconds(), res.cpu, res.hwm/(1<<20), res.rssLeft/(1<<20), res.gaps, res.dups, res.failed, res.selfCPU)
		if k == 0 {
			plain = res
		} else if plain != nil && plain.all > 0 && plain.cpu > 0 {
			fmt.Fprintf(stdout, "%-10s time %.2f× plain, CPU %.2f× plain\n", "", res.all.Seconds()/plain.all.Seconds(), res.cpu/plain.cpu)
		}
	}
	return nil
}

// deflateEnv, set to anything, makes a storm's viewers offer
// permessage-deflate, as browsers do: catch-up then travels compressed, and
// the viewers spend their CPU inflating it.
const deflateEnv = "AVATARCAST_LOADGEN_DEFLATE"

type stormResult struct {
	done, failed      int
	gaps, dups        int64
	all, p50, p99     time.Duration
	cpu, hwm, rssLeft float64
	selfCPU           float64 // the viewers' (this process's) CPU
}

// stormOnce runs one case against a fresh server.
func stormOnce(ctx context.Context, o loadOpts, history, behind uint64, size int, stderr io.Writer) (*stormResult, error) {
	cmd, lines, stop, err := spawnServer(o, stderr, "-serve", "ours", "-history", strconv.FormatUint(history, 10), "-size", strconv.Itoa(size), "-duration", "1h")
	if err != nil {
		return nil, err
	}
	defer stop()
	if !lines.Scan() {
		return nil, fmt.Errorf("loadgen: server did not start")
	}
	wsURL, ok := strings.CutPrefix(lines.Text(), "listening ")
	if !ok {
		return nil, fmt.Errorf("loadgen: server said %q", lines.Text())
	}
	go func() {
		for lines.Scan() { // drain
		}
	}()
	pid := cmd.Process.Pid
	n := *o.viewers
	sources := *o.sources
	if sources <= 0 {
		sources = (n + 199) / 200
	}
	res := &stormResult{}
	deflate := os.Getenv(deflateEnv) != ""
	times := make([]time.Duration, n)
	var done, failed atomic.Int64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	clients := make([]*wsclient.Client, n)
	var wg sync.WaitGroup
	dials := make(chan struct{}, 500) // connects in flight
	stopProfiles := startProfiles(fmt.Sprintf("viewers-k%d", behind), stderr)
	cpu0, self0 := procCPU(pid), procCPU(os.Getpid())
	t0 := time.Now()
	var last atomic.Int64
	for i := range n {
		src := net.IPv4(127, 0, 0, byte(2+i%sources%250))
		d := &websocket.Dialer{
			EnableCompression: deflate,
			HandshakeTimeout:  time.Minute,
			ReadBufferSize:    4096, WriteBufferSize: 256,
			NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}).DialContext,
		}
		vctx, vcancel := context.WithCancel(ctx)
		since := uint64(0)
		if behind > 0 {
			since = history - behind
		}
		var got uint64
		finish := func(ok bool) {
			times[i] = time.Since(t0)
			last.Store(int64(times[i]))
			if ok {
				done.Add(1)
			} else {
				failed.Add(1)
			}
		}
		var once sync.Once
		clients[i] = wsclient.New(wsclient.Config{
			URL: wsURL, Room: "bench", Dialer: d, Since: since,
			// Scan catch-up arrays for seqs rather than decode 10
			// million events on the cores the server uses: gaps and
			// duplicates are still counted.
			SeqsOnly: true,
			OnEvent: func(e wsclient.Event) {
				switch {
				case e.Type == avatar.EventHello:
					once.Do(func() { <-dials })
					if behind == 0 {
						finish(true)
					}
				case e.Seq > 0:
					got++
				case e.Type == avatar.EventResume:
					var r avatar.Resume
					_ = json.Unmarshal(e.Data, &r)
					finish(r.Recovered && got == behind)
				}
			},
		})
		dials <- struct{}{}
		wg.Go(func() {
			defer vcancel()
			if err := clients[i].Run(vctx); err != nil {
				failed.Add(1)
				once.Do(func() { <-dials })
			}
		})
	}
	// Wait until every viewer is done (or failed), at most 5 minutes; they
	// all stay connected until then.
	for deadline := time.Now().Add(5 * time.Minute); done.Load()+failed.Load() < int64(n) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	res.cpu = procCPU(pid) - cpu0
	res.hwm = procStatus(pid, "VmHWM:")
	res.all = time.Duration(last.Load())
	res.selfCPU = procCPU(os.Getpid()) - self0
	stopProfiles()
	cancel()
	wg.Wait()
	time.Sleep(2 * time.Second) // let the server see the viewers go
	res.rssLeft = procStatus(pid, "VmRSS:")
	res.done, res.failed = int(done.Load()), int(failed.Load())
	for _, c := range clients {
		st := c.Stats()
		res.gaps += st.Skipped
		res.dups += st.Duplicates
	}
	var ts []time.Duration
	for _, t := range times {
		if t > 0 {
			ts = append(ts, t)
		}
	}
	slices.Sort(ts)
	if len(ts) > 0 {
		res.p50, res.p99 = ts[len(ts)/2], ts[min(len(ts)-1, len(ts)*99/100)]
	}
	return res, nil
}

// procStatus returns a "kB" field of /proc/pid/status (VmRSS:, VmHWM:) in
// bytes, or 0.
func procStatus(pid int, field string) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}
