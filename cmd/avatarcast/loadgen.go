package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/wsclient"
)

// runLoadgen simulates viewers of one room and reports what they got:
//
//	avatarcast loadgen -url ws://127.0.0.1:8080 -room R -viewers N -duration D
//
// With -notice-rate it also POSTs notices to the merchant API and times the
// whole path API → director → NATS → gateway → viewer by each notice's ref.
// With -spawn ours|baseline|both it starts the server itself (this binary,
// as 'loadgen -serve KIND'): our gateway over an embedded NATS, or a bare
// gorilla broadcaster, each with a synthetic publisher at -rate events/s,
// and reports the server's own CPU and memory; 'both' runs one after the
// other and prints ours as ratios to the baseline.
func runLoadgen(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("loadgen", getenv, stderr)
	o := loadOpts{}
	o.url = f.string("url", "ws://127.0.0.1:8080", "gateway base URL (ws://host:port), on 127.0.0.0/8")
	o.room = f.string("room", "demo-live", "room to watch")
	o.viewers = f.int("viewers", 100, "simulated viewers")
	duration := f.string("duration", "30s", "how long to watch once every viewer is connected")
	o.sources = f.int("sources", 0, "loopback source addresses 127.0.0.2.. to spread viewers over (0: one per 200 viewers)")
	o.pid = f.int("pid", 0, "gateway process id, to report its RSS and CPU from /proc (0: skip)")
	noticeRate := f.string("notice-rate", "0", "notices per second to POST to the merchant API (0: none)")
	o.token = f.string("token", "", "merchant API bearer token for -notice-rate")
	o.api = f.string("api", "", "merchant API base URL (default: http:// on -url's host)")
	spawn := f.string("spawn", "", "start the server here: ours, baseline or both (a load harness)")
	serve := f.string("serve", "", "internal: be the server of a -spawn run: ours or baseline")
	addr := f.string("addr", "127.0.0.1:0", "internal: -serve listen address")
	rateS := f.string("rate", "20", "-spawn/-serve: synthetic events per second")
	size := f.int("size", 250, "-spawn/-serve: bytes per synthetic event")
	storm := f.string("resume-storm", "", "comma-separated events behind (50,400,1000): dial -viewers resumes at once, K behind, against a fresh spawned server per case, next to as many plain joins")
	history := f.int("history", 0, "internal: -serve ours: events of the room published before listening")
	rooms := f.int("rooms", 0, "many small rooms: watch ROOM-0000… (-room is the prefix; -spawn ours plays bench-0000… with a real director), -viewers-per-room each, and report per-room delivery")
	perRoom := f.int("viewers-per-room", 10, "-rooms: viewers in each room")
	scriptPath := f.string("script", "./scripts/demo-live.yaml", "-rooms with -spawn ours: the show every room plays")
	voiceRate := f.string("voice-rate", "1", "-rooms with -spawn ours: the persona's speech rate (1: as written; 2: twice as fast, twice the events)")
	staggerS := f.string("stagger", "10s", "-rooms with -spawn ours: start the rooms' shows spread over this time (0: all at once, on the same beat)")
	profileDir := f.string("profile", "", "-rooms with -spawn ours: save the server's CPU profile over the window and its heap, block, mutex and goroutine profiles in this directory")
	pprofAddr := f.string("pprof", "", "internal: -serve rooms: serve net/http/pprof on this loopback address")
	conns := f.string("conns", "", "-rooms with -spawn ours: split gives the director and the gateway each its own NATS connection (default: one shared, as serve)")
	pin := f.int("pin", 0, "-spawn, -rooms, -resume-storm: 1 runs each server pinned to CPU 0 and the viewers pinned to CPU 1, both with GOMAXPROCS 1 (0: no pinning)")
	if err := f.parse(args); err != nil {
		return err
	}
	var err error
	if o.duration, err = time.ParseDuration(*duration); err != nil {
		return fmt.Errorf("loadgen: -duration: %w", err)
	}
	if o.noticeRate, err = strconv.ParseFloat(*noticeRate, 64); err != nil {
		return fmt.Errorf("loadgen: -notice-rate: %w", err)
	}
	rate, err := strconv.ParseFloat(*rateS, 64)
	if err != nil || rate <= 0 {
		return fmt.Errorf("loadgen: -rate %q: want events per second", *rateS)
	}
	raiseFDLimit(stderr)
	switch {
	case *serve == "rooms" || *rooms > 0:
		vr, err := strconv.ParseFloat(*voiceRate, 64)
		if err != nil || vr <= 0 {
			return fmt.Errorf("loadgen: -voice-rate %q: want a rate above 0", *voiceRate)
		}
		stagger, err := time.ParseDuration(*staggerS)
		if err != nil || stagger < 0 {
			return fmt.Errorf("loadgen: -stagger %q: want a duration", *staggerS)
		}
		if *serve == "rooms" {
			return serveRooms(ctx, *addr, *rooms, *scriptPath, vr, stagger, *pprofAddr, *conns, stdout, stderr)
		}
		if *spawn != "" && *spawn != "ours" {
			return fmt.Errorf("loadgen: -rooms: -spawn %q: only ours plays rooms", *spawn)
		}
		if *perRoom <= 0 {
			return fmt.Errorf("loadgen: -viewers-per-room %d: want 1 or more", *perRoom)
		}
		if *pin != 0 {
			if *spawn == "" {
				return fmt.Errorf("loadgen: -rooms: -pin needs -spawn ours")
			}
			o.pin = true
			if err := pinSelf(1); err != nil {
				return fmt.Errorf("loadgen: -pin: %w", err)
			}
		}
		if *profileDir != "" && *spawn == "" {
			return fmt.Errorf("loadgen: -rooms: -profile needs -spawn ours")
		}
		if *conns != "" && *conns != "split" {
			return fmt.Errorf("loadgen: -conns %q: want split or nothing", *conns)
		}
		return roomsBench(ctx, o, *rooms, *perRoom, *spawn != "", *scriptPath, vr, stagger, *profileDir, *conns, stdout, stderr)
	case *serve != "":
		return serveBench(ctx, *serve, *addr, *o.viewers, rate, *size, *history, o.duration, stdout, stderr)
	case *storm != "":
		var behind []uint64
		for _, s := range splitList(*storm) {
			k, err := strconv.ParseUint(s, 10, 64)
			if err != nil || k == 0 {
				return fmt.Errorf("loadgen: -resume-storm %q: want events behind, whole numbers above 0", s)
			}
			behind = append(behind, k)
		}
		if *pin != 0 {
			// The viewers here, on the second CPU; each case's server on
			// the first: neither takes the other's CPU.
			o.pin = true
			if err := pinSelf(1); err != nil {
				return fmt.Errorf("loadgen: -pin: %w", err)
			}
		}
		return resumeBench(ctx, o, behind, *size, stdout, stderr)
	case *spawn != "":
		if *pin != 0 {
			o.pin = true
			// The viewers here, on the second CPU; each server is started
			// on the first.
			if err := pinSelf(1); err != nil {
				return fmt.Errorf("loadgen: -pin: %w", err)
			}
		}
		return spawnBench(ctx, *spawn, o, rate, *size, stdout, stderr)
	}
	if err := loopbackOnly(*o.url); err != nil {
		return err
	}
	res, err := watch(ctx, o, nil, stdout)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

type loadOpts struct {
	url, room, token, api *string
	viewers, sources, pid *int
	duration              time.Duration
	noticeRate            float64
	pin                   bool // -spawn: the server on CPU 0, the viewers on CPU 1
}

// loopbackOnly refuses targets outside 127.0.0.0/8: load runs stay on this
// machine.
func loopbackOnly(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("loadgen: -url: %w", err)
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return fmt.Errorf("loadgen: -url %s: only 127.0.0.0/8 targets are allowed", raw)
	}
	return nil
}

// raiseFDLimit lifts the soft open-files limit to the hard one: 10k viewers
// need 10k sockets on each side.
func raiseFDLimit(stderr io.Writer) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintf(stderr, "loadgen: raise open files limit: %v\n", err)
		}
	}
}

// latencies is a histogram of latencies in 50 µs buckets up to 30 s; it
// is safe for concurrent use.
type latencies struct {
	b   [600_000]atomic.Int64
	max atomic.Int64 // µs
	n   atomic.Int64
}

func (l *latencies) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	l.n.Add(1)
	l.b[min(us/50, int64(len(l.b)-1))].Add(1)
	for {
		m := l.max.Load()
		if us <= m || l.max.CompareAndSwap(m, us) {
			return
		}
	}
}

// quantile returns the q-quantile in ms.
func (l *latencies) quantile(q float64) float64 {
	n := l.n.Load()
	if n == 0 {
		return math.NaN()
	}
	want := int64(math.Ceil(q * float64(n)))
	var sum int64
	for i := range l.b {
		if sum += l.b[i].Load(); sum >= want {
			return float64(i*50+50) / 1000
		}
	}
	return float64(l.max.Load()) / 1000
}

// result is what a watch saw.
type result struct {
	viewers, connected           int
	connects                     int64
	expected, received           int64
	lost, duplicates             int64
	lat                          *latencies
	notices, noticesPosted       int64
	rssBefore, rssAfter, cpuTime float64 // of -pid: bytes, bytes, seconds
	pid                          int
}

func (r *result) print(w io.Writer) {
	fmt.Fprintf(w, "connected %d/%d viewers (%d connects)\n", r.connected, r.viewers, r.connects)
	fmt.Fprintf(w, "events: expected %d, received %d, lost %d, duplicates %d\n", r.expected, r.received, r.lost, r.duplicates)
	if r.noticesPosted > 0 {
		fmt.Fprintf(w, "notices: posted %d, received %d of %d expected\n", r.noticesPosted, r.notices, r.noticesPosted*int64(r.connected))
	}
	l := r.lat
	fmt.Fprintf(w, "latency ms (n=%d): p50 %.2f p95 %.2f p99 %.2f max %.2f\n", l.n.Load(), l.quantile(.5), l.quantile(.95), l.quantile(.99), float64(l.max.Load())/1000)
	if r.pid > 0 && r.rssAfter > 0 {
		fmt.Fprintf(w, "gateway pid %d: RSS %.1f MiB, %.2f KiB per viewer over its RSS before they joined; CPU %.2f s = %.2f µs per delivered event\n",
			r.pid, r.rssAfter/(1<<20), (r.rssAfter-r.rssBefore)/1024/float64(max(r.connected, 1)), r.cpuTime, r.cpuTime*1e6/float64(max(r.received, 1)))
	}
}

// viewerState is one simulated viewer's tally.
type viewerState struct {
	first, last uint64 // first and last room seq seen
	got         int64
	connected   atomic.Bool
}

// watch connects o.viewers viewers, waits until all are in (or a minute
// passes), calls started, and watches for o.duration.
func watch(ctx context.Context, o loadOpts, started func(), stdout io.Writer) (*result, error) {
	n := *o.viewers
	sources := *o.sources
	if sources <= 0 {
		sources = (n + 199) / 200
	}
	res := &result{viewers: n, lat: &latencies{}, pid: *o.pid}
	if res.pid > 0 {
		res.rssBefore = procRSS(res.pid)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	states := make([]viewerState, n)
	clients := make([]*wsclient.Client, n)
	var notices atomic.Int64
	var wg sync.WaitGroup
	dials := make(chan struct{}, 100) // connects in flight
	var inRoom atomic.Int64
	for i := range n {
		src := net.IPv4(127, 0, 0, byte(2+i%sources%250))
		d := &websocket.Dialer{
			HandshakeTimeout: 30 * time.Second,
			ReadBufferSize:   4096, WriteBufferSize: 256,
			NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}).DialContext,
		}
		st := &states[i]
		var once sync.Once
		clients[i] = wsclient.New(wsclient.Config{
			URL: *o.url, Room: avatar.RoomID(*o.room), Dialer: d, Reconnect: true, MaxBackoff: 5 * time.Second,
			OnEvent: func(e wsclient.Event) {
				switch {
				case e.Type == avatar.EventHello:
					once.Do(func() { <-dials; inRoom.Add(1); st.connected.Store(true) })
				case e.Seq > 0:
					if st.first == 0 {
						st.first = e.Seq
					}
					st.last = e.Seq
					st.got++
					now := time.Now()
					if ref, ok := noticeRef(e); ok {
						notices.Add(1)
						res.lat.add(now.Sub(time.Unix(0, ref)))
					} else {
						res.lat.add(now.Sub(e.TS))
					}
				}
			},
		})
		dials <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			if err := clients[i].Run(ctx); err != nil {
				fmt.Fprintf(stdout, "viewer %d: %v\n", i, err)
			}
		})
	}
	for deadline := time.Now().Add(time.Minute); inRoom.Load() < int64(n) && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(stdout, "%d/%d viewers in room %s\n", inRoom.Load(), n, *o.room)
	if res.pid > 0 {
		time.Sleep(2 * time.Second) // let the gateway settle
		res.rssAfter = procRSS(res.pid)
	}
	cpu0 := procCPU(res.pid)
	if started != nil {
		started()
	}
	var posted atomic.Int64
	var pg sync.WaitGroup
	if o.noticeRate > 0 {
		pg.Go(func() { postNotices(ctx, o, &posted, stdout) })
	}
	tick := time.NewTicker(time.Second)
	end := time.After(o.duration)
	begin := time.Now()
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-end:
			break loop
		case <-tick.C:
			l := res.lat
			fmt.Fprintf(stdout, "%5.0fs  viewers %d  events %d  p50 %.1fms p99 %.1fms max %.1fms\n",
				time.Since(begin).Seconds(), inRoom.Load(), l.n.Load(), l.quantile(.5), l.quantile(.99), float64(l.max.Load())/1000)
		}
	}
	tick.Stop()
	// The last events are on their way: wait until nothing more arrives
	// for two seconds (at most a minute).
	for prev, idle, waited := res.lat.n.Load(), 0, 0; idle < 4 && waited < 120 && ctx.Err() == nil; waited++ {
		time.Sleep(500 * time.Millisecond)
		if n := res.lat.n.Load(); n != prev {
			prev, idle = n, 0
		} else {
			idle++
		}
	}
	res.cpuTime = procCPU(res.pid) - cpu0
	cancel()
	pg.Wait()
	wg.Wait()
	var top uint64
	for i := range states {
		top = max(top, states[i].last)
	}
	for i := range states {
		st := &states[i]
		if st.connected.Load() {
			res.connected++
		}
		res.connects += clients[i].Stats().Connects
		res.duplicates += clients[i].Stats().Duplicates
		res.received += st.got
		if st.first > 0 {
			exp := int64(top - st.first + 1)
			res.expected += exp
			res.lost += max(0, exp-st.got)
		}
	}
	res.notices, res.noticesPosted = notices.Load(), posted.Load()
	return res, nil
}

var refKey = []byte(`"ref":"`)

// noticeRef returns the send time (ns) a timed notice carries in data.ref.
func noticeRef(e wsclient.Event) (int64, bool) {
	if e.Type != avatar.EventNotice {
		return 0, false
	}
	i := bytes.Index(e.Data, refKey)
	if i < 0 {
		return 0, false
	}
	rest := e.Data[i+len(refKey):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	return n, err == nil
}

// postNotices POSTs timed notices to the merchant API at o.noticeRate.
func postNotices(ctx context.Context, o loadOpts, posted *atomic.Int64, stdout io.Writer) {
	api := *o.api
	if api == "" {
		u, _ := url.Parse(*o.url)
		api = "http://" + u.Host
	}
	endpoint := strings.TrimSuffix(api, "/") + "/api/v1/rooms/" + url.PathEscape(*o.room) + "/notice"
	t := time.NewTicker(time.Duration(float64(time.Second) / o.noticeRate))
	defer t.Stop()
	hc := &http.Client{Timeout: 5 * time.Second}
	failed := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		body := fmt.Sprintf(`{"text":"loadgen notice","ref":"%d"}`, time.Now().UnixNano())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if *o.token != "" {
			req.Header.Set("Authorization", "Bearer "+*o.token)
		}
		resp, err := hc.Do(req)
		if err != nil {
			if ctx.Err() == nil && failed < 3 {
				fmt.Fprintf(stdout, "\nnotice: %v\n", err)
			}
			failed++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			if failed < 3 {
				fmt.Fprintf(stdout, "\nnotice: %s %s\n", endpoint, resp.Status)
			}
			failed++
			continue
		}
		posted.Add(1)
	}
}

// procRSS returns process pid's resident set in bytes, or 0.
func procRSS(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// procCPU returns process pid's user+system CPU time in seconds, or 0.
func procCPU(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}

// spawnBench runs the load harness: for each kind, this binary as the
// server in a child process, o.viewers viewers here, and a report.
func spawnBench(ctx context.Context, kind string, o loadOpts, rate float64, size int, stdout, stderr io.Writer) error {
	kinds := []string{kind}
	if kind == "both" {
		kinds = []string{"ours", "baseline"}
	}
	results := map[string]*result{}
	for _, k := range kinds {
		pinned := ""
		if o.pin {
			pinned = ", server pinned to CPU 0 and viewers to CPU 1"
		}
		fmt.Fprintf(stdout, "== %s: %d viewers, %g events/s of %d bytes, %s%s\n", k, *o.viewers, rate, size, o.duration, pinned)
		res, err := spawnOne(ctx, k, o, rate, size, stdout, stderr)
		if err != nil {
			return err
		}
		res.print(stdout)
		results[k] = res
	}
	if a, b := results["ours"], results["baseline"]; a != nil && b != nil {
		perConn := func(r *result) float64 { return (r.rssAfter - r.rssBefore) / float64(max(r.connected, 1)) }
		perEv := func(r *result) float64 { return r.cpuTime / float64(max(r.received, 1)) }
		fmt.Fprintf(stdout, "ours/baseline: p50 %.2f, p99 %.2f, memory per viewer %.2f, CPU per delivered event %.2f\n",
			a.lat.quantile(.5)/b.lat.quantile(.5), a.lat.quantile(.99)/b.lat.quantile(.99), perConn(a)/perConn(b), perEv(a)/perEv(b))
	}
	return nil
}

// spawnServer starts this program as "loadgen" with args, the server side
// of a load run, in a process of its own (pinned to CPU 0 with -pin) whose
// stderr goes to stderr. It returns the process, its stdout line by line,
// and stop, which ends it as SIGTERM does and waits for it.
func spawnServer(o loadOpts, stderr io.Writer, args ...string) (cmd *exec.Cmd, lines *bufio.Scanner, stop func(), err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, nil, err
	}
	cmd = exec.Command(exe, append([]string{"loadgen"}, args...)...)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, nil, err
	}
	start := cmd.Start
	if o.pin {
		start = func() error { return startPinned(cmd.Start, 0) }
	}
	if err := start(); err != nil {
		return nil, nil, nil, err
	}
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}
	return cmd, bufio.NewScanner(out), stop, nil
}

func spawnOne(ctx context.Context, kind string, o loadOpts, rate float64, size int, stdout, stderr io.Writer) (*result, error) {
	cmd, lines, stop, err := spawnServer(o, stderr, "-serve", kind, "-viewers", strconv.Itoa(*o.viewers),
		"-rate", strconv.FormatFloat(rate, 'f', -1, 64), "-size", strconv.Itoa(size), "-duration", o.duration.String())
	if err != nil {
		return nil, err
	}
	defer stop()
	if !lines.Scan() {
		return nil, fmt.Errorf("loadgen: %s server did not start", kind)
	}
	wsURL, ok := strings.CutPrefix(lines.Text(), "listening ")
	if !ok {
		return nil, fmt.Errorf("loadgen: %s server said %q", kind, lines.Text())
	}
	go func() { // the rest of the child's output: its own notes
		for lines.Scan() {
			fmt.Fprintln(stdout, "  server:", lines.Text())
		}
	}()
	pid := cmd.Process.Pid
	room := "bench"
	o.url, o.room, o.pid = &wsURL, &room, &pid
	o.noticeRate = 0
	started := func() {
		// The child starts publishing when told by SIGUSR1.
		_ = cmd.Process.Signal(syscall.SIGUSR1)
	}
	return watch(ctx, o, started, stdout)
}
