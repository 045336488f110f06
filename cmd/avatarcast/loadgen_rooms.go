package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/sync/errgroup"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/gateway"
	"github.com/avatarcast/avatarcast/gateway/wsclient"
)

// The many-small-rooms shape of a platform (loadgen -rooms N):
//
//	avatarcast loadgen -spawn ours -rooms 1000 -viewers-per-room 5 -duration 30s
//	avatarcast loadgen -url ws://127.0.0.1:8080 -room bench -rooms 1000 -viewers-per-room 5 -pid PID
//
// With -spawn ours the server is this binary in a child process ('loadgen
// -serve rooms'): an embedded NATS, one real director playing -script in
// every room (rooms bench-0000, bench-0001…, each its own show from the
// top) and a gateway. Against a running serve, the rooms ROOM-0000… must
// exist and play. The viewers report, over the measured window, each
// room's delivery: latency from the director's publish to the viewer
// (p50/p99 over all deliveries, and the spread of the rooms' own p50 and
// p99), events per second published and delivered, losses and duplicates,
// and the server's CPU and RSS (-pid, or the child's).

// roomName is the i-th room of a -rooms run.
func roomName(prefix string, i int) avatar.RoomID {
	return avatar.RoomID(fmt.Sprintf("%s-%04d", prefix, i))
}

// serveRooms is the server of a -spawn ours -rooms run: it plays script in
// rooms bench-0000… with a real director, serves them with a gateway, prints
// "listening ws://HOST:PORT" once healthy, and serves until ctx ends.
// voiceRate speeds the persona's speech up (1: as written). conns "split"
// gives the director and the gateway each its own NATS connection
// (default: one shared, as serve does).
// The rooms' records are put spread over stagger, and the director and the
// gateway start first, so the rooms begin their shows over that time.
func serveRooms(ctx context.Context, addr string, rooms int, scriptPath string, voiceRate float64, stagger time.Duration, pprofAddr, conns string, stdout, stderr io.Writer) error {
	src, err := os.ReadFile(scriptPath)
	if err != nil {
		return fmt.Errorf("loadgen: -script: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("loadgen: listen: %w", err)
	}
	dir, err := os.MkdirTemp("", "avatarcast-loadgen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log, err := newLogger(stderr, "warn", "console")
	if err != nil {
		return err
	}
	b, err := bus.Open(ctx, bus.Config{DataDir: dir, Name: "loadgen"}, log)
	if err != nil {
		return err
	}
	defer b.Close()
	show := strings.TrimSuffix(filepath.Base(scriptPath), filepath.Ext(scriptPath))
	v, err := b.PutScript(ctx, "bench", show, src)
	if err != nil {
		return err
	}
	gb, db := b, b // one connection for all, as serve has
	if conns == "split" {
		// The director and the gateway each on a connection of its own,
		// as separate processes are.
		if gb, err = bus.Open(ctx, bus.Config{Server: b.Server(), Name: "loadgen-gateway", Role: bus.RoleGateway}, log); err != nil {
			return err
		}
		defer gb.Close()
		if db, err = bus.Open(ctx, bus.Config{Server: b.Server(), Name: "loadgen-director", Role: bus.RoleDirector}, log); err != nil {
			return err
		}
		defer db.Close()
	}
	g := gateway.New(gateway.Config{MaxConnsPerIP: -1, MaxConns: -1, QueueSize: 1024, ResumeRate: -1}, gb, log)
	stats := newSplitStats()
	d := director.New(director.Config{Sink: timedSink{director.BusSink{B: db}, stats}}, db, log)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if pprofAddr != "" {
		u, err := servePprof(ctx, pprofAddr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "pprof %s\n", u)
	}
	// The parent resets the split's figures when its window starts
	// (SIGUSR1), asks for them when it ends (SIGUSR2), and for the live
	// memory (SIGHUP).
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGHUP)
	defer signal.Stop(sigs)
	sigCtx := ctx // ctx is the errgroup's below
	go func() {
		for {
			select {
			case <-sigCtx.Done():
				return
			case s := <-sigs:
				switch s {
				case syscall.SIGUSR1:
					stats.reset()
				case syscall.SIGUSR2:
					stats.print(stdout)
				case syscall.SIGHUP:
					// What is live now, after a collection: the parent
					// takes it apart into rooms and viewers.
					runtime.GC()
					var ms runtime.MemStats
					runtime.ReadMemStats(&ms)
					fmt.Fprintf(stdout, "mem %d %d %d\n", ms.HeapInuse, ms.StackInuse, runtime.NumGoroutine())
				}
			}
		}
	}()
	eg, ctx := errgroup.WithContext(ctx)
	eg.Go(func() error { return g.Serve(ctx, ln) })
	eg.Go(func() error { return d.Run(ctx) })
	start := time.Now()
	for i := range rooms {
		// Rooms start spread over stagger, as a platform's shows do, not
		// all on the same beat.
		if wait := time.Until(start.Add(stagger * time.Duration(i) / time.Duration(rooms))); wait > 0 {
			time.Sleep(wait)
		}
		rec := avatar.Room{ID: roomName("bench", i), Kind: "livestream", Title: "Load test", Merchant: "bench", Show: show, Version: v,
			Status:  avatar.RoomPlaying,
			Persona: avatar.Persona{ID: "bench", Name: "Bench", Voice: avatar.Voice{Rate: voiceRate}, Disclosure: map[string]string{"en": "AI-generated presenter", "zh-CN": "AI虚拟主播"}}}
		if _, err := b.PutRoom(ctx, rec); err != nil {
			cancel()
			return errors.Join(err, eg.Wait())
		}
		tap, err := tapStored(b, rec.ID, stats)
		if err != nil {
			cancel()
			return errors.Join(err, eg.Wait())
		}
		defer func() { _ = tap.Stop() }()
	}
	waitHealthy("http://" + ln.Addr().String() + "/healthz")
	fmt.Fprintf(stdout, "listening ws://%s\n", ln.Addr())
	return eg.Wait()
}

// roomTally is what the viewers of one room saw in the measured window.
type roomTally struct {
	mu       sync.Mutex
	lat      []time.Duration
	seqs     map[uint64]struct{} // distinct events seen
	watching atomic.Int64
}

// roomsViewer is one simulated viewer of a -rooms run.
type roomsViewer struct {
	room        *roomTally
	first, last uint64 // first and last seq seen in the window
	got         int64
	client      *wsclient.Client
}

// roomsBench runs a many-rooms measurement against o.url (or a spawned
// server) and prints the report. With a spawned server, profileDir (if
// set) receives its CPU profile over the measured window and its heap,
// block, mutex and goroutine profiles at the end, and the report splits
// the latency (loadgen_split.go).
func roomsBench(ctx context.Context, o loadOpts, rooms, perRoom int, spawn bool, scriptPath string, voiceRate float64, stagger time.Duration, profileDir, conns string, stdout, stderr io.Writer) error {
	prefix := *o.room
	var hooks roomsHooks
	if spawn {
		abs, err := filepath.Abs(scriptPath)
		if err != nil {
			return err
		}
		args := []string{"-serve", "rooms", "-rooms", strconv.Itoa(rooms), "-script", abs, "-stagger", stagger.String(),
			"-voice-rate", strconv.FormatFloat(voiceRate, 'f', -1, 64)}
		if profileDir != "" {
			args = append(args, "-pprof", "127.0.0.1:0")
		}
		if conns != "" {
			args = append(args, "-conns", conns)
		}
		cmd, lines, stop, err := spawnServer(o, stderr, args...)
		if err != nil {
			return err
		}
		defer stop()
		var u, pprofURL string
		for u == "" {
			if !lines.Scan() {
				return fmt.Errorf("loadgen: rooms server did not start")
			}
			if p, ok := strings.CutPrefix(lines.Text(), "pprof "); ok {
				pprofURL = p
				continue
			}
			var ok bool
			if u, ok = strings.CutPrefix(lines.Text(), "listening "); !ok {
				return fmt.Errorf("loadgen: rooms server said %q", lines.Text())
			}
		}
		split := make(chan string, 16)
		mems := make(chan string, 4)
		go func() {
			for lines.Scan() {
				if l, ok := strings.CutPrefix(lines.Text(), "split "); ok {
					split <- l
					continue
				}
				if l, ok := strings.CutPrefix(lines.Text(), "mem "); ok {
					mems <- l
					continue
				}
				fmt.Fprintln(stdout, "  server:", lines.Text())
			}
			close(split)
		}()
		pid := cmd.Process.Pid
		prefix = "bench"
		o.url, o.pid = &u, &pid
		var profiled sync.WaitGroup
		hooks.start = func() {
			_ = cmd.Process.Signal(syscall.SIGUSR1)
			if pprofURL != "" {
				secs := max(1, int(o.duration.Seconds())-1)
				profiled.Go(func() {
					if err := fetchProfiles(ctx, pprofURL, profileDir, secs); err != nil {
						fmt.Fprintf(stdout, "profiles: %v\n", err)
					}
				})
			}
		}
		hooks.mem = func() (m liveMem) {
			_ = cmd.Process.Signal(syscall.SIGHUP)
			select {
			case l := <-mems:
				_, _ = fmt.Sscan(l, &m.heap, &m.stacks, &m.goroutines)
			case <-time.After(10 * time.Second):
			}
			return m
		}
		hooks.stop = func(r *roomsResult) {
			_ = cmd.Process.Signal(syscall.SIGUSR2)
			timeout := time.After(5 * time.Second)
		collect:
			for {
				select {
				case l, ok := <-split:
					if !ok {
						break collect
					}
					r.split = append(r.split, l)
					if strings.HasPrefix(l, "runtime") {
						break collect // the last line
					}
				case <-timeout:
					break collect
				}
			}
			profiled.Wait()
			if pprofURL != "" {
				fmt.Fprintf(stdout, "profiles of the server in %s (go tool pprof -top %s)\n", profileDir, filepath.Join(profileDir, "cpu.pprof"))
			}
		}
	} else if err := loopbackOnly(*o.url); err != nil {
		return err
	}
	pinned := ""
	if o.pin {
		pinned = "; server pinned to CPU 0, viewers to CPU 1"
	}
	if conns == "split" {
		pinned += "; director and gateway on separate NATS connections"
	}
	fmt.Fprintf(stdout, "== %d rooms × %d viewers (%d), %s measured; machine: %d CPUs (shared: figures are indicative)%s\n",
		rooms, perRoom, rooms*perRoom, o.duration, runtime.NumCPU(), pinned)
	res, err := watchRooms(ctx, o, prefix, rooms, perRoom, hooks, stdout)
	if err != nil {
		return err
	}
	res.print(stdout)
	return nil
}

// roomsHooks are called when the measured window starts and when it
// ends (nil: nothing).
type roomsHooks struct {
	start func()
	stop  func(*roomsResult)
	// mem collects the server's garbage and says what is live (zero if
	// it cannot).
	mem func() liveMem
}

// liveMem is what the server's Go runtime holds after a collection.
type liveMem struct {
	heap, stacks float64 // bytes: heap spans in use, goroutine stacks
	goroutines   int
}

// roomsResult is a -rooms run's report.
type roomsResult struct {
	rooms, perRoom, connected     int
	window                        time.Duration
	published, received           int64 // distinct events in the window; deliveries
	lost, duplicates              int64
	all                           *latencies
	roomP50, roomP99              []float64 // each room's, ms, sorted
	pid                           int
	rssBefore, rssAfter, cpu, rss float64
	// rssOpen is the server's RSS once every room has its first viewer
	// (the gateway opened the room); rssAfter once all have joined.
	rssOpen float64
	// The same three moments in live memory (after a collection).
	memBefore, memOpen, memAfter liveMem
	// viewersCPU is this process's CPU over the window (the simulated
	// viewers), in seconds.
	viewersCPU float64
	// viewersWait is how long this process's threads waited for a CPU
	// over the window (run queue), in seconds.
	viewersWait float64
	load        [2]string // the machine's load average at the window's start and end
	split       []string  // the server's latency split (loadgen_split.go)
}

func (r *roomsResult) print(w io.Writer) {
	secs := r.window.Seconds()
	fmt.Fprintf(w, "connected %d/%d viewers in %d rooms\n", r.connected, r.rooms*r.perRoom, r.rooms)
	fmt.Fprintf(w, "events: %d published in the window (%.1f/s, %.2f/s per room), %d delivered (%.0f/s); lost %d, duplicates %d\n",
		r.published, float64(r.published)/secs, float64(r.published)/secs/float64(max(r.rooms, 1)), r.received, float64(r.received)/secs, r.lost, r.duplicates)
	l := r.all
	fmt.Fprintf(w, "latency ms, all deliveries (n=%d): p50 %.2f p99 %.2f max %.2f\n", l.n.Load(), l.quantile(.5), l.quantile(.99), float64(l.max.Load())/1000)
	q := func(s []float64, p float64) float64 {
		if len(s) == 0 {
			return 0
		}
		return s[min(len(s)-1, int(p*float64(len(s))))]
	}
	fmt.Fprintf(w, "per room (%d with deliveries): p50 ms median %.2f worst %.2f; p99 ms median %.2f, 90th pct %.2f, worst %.2f\n",
		len(r.roomP99), q(r.roomP50, .5), q(r.roomP50, 1), q(r.roomP99, .5), q(r.roomP99, .9), q(r.roomP99, 1))
	if r.pid > 0 {
		fmt.Fprintf(w, "server pid %d (NATS + director + gateway): RSS %.1f MiB; CPU %.2f s over %.0f s = %.2f cores, %.1f µs per delivered event, %.0f µs per published event\n",
			r.pid, r.rss/(1<<20), r.cpu, secs, r.cpu/secs, r.cpu*1e6/float64(max(r.received, 1)), r.cpu*1e6/float64(max(r.published, 1)))
		// The first viewer of a room opens it in the gateway (its
		// subscription, ring and state); the others only join it.
		rest := r.connected - r.rooms
		fmt.Fprintf(w, "server memory: %.1f MiB playing, no viewer (%.1f KiB per room, base included); each room opened by its first viewer +%.1f KiB (room and viewer); each further viewer +%.2f KiB\n",
			r.rssBefore/(1<<20), r.rssBefore/1024/float64(max(r.rooms, 1)),
			(r.rssOpen-r.rssBefore)/1024/float64(max(r.rooms, 1)), (r.rssAfter-r.rssOpen)/1024/float64(max(rest, 1)))
	}
	if r.memAfter.goroutines > 0 {
		live := func(m liveMem) float64 { return m.heap + m.stacks }
		rest := max(r.connected-r.rooms, 1)
		fmt.Fprintf(w, "server live memory after a GC (heap + stacks): %.1f MiB playing, no viewer; each room opened by its first viewer +%.1f KiB (+%.1f goroutines); each further viewer +%.2f KiB (+%.2f goroutines)\n",
			live(r.memBefore)/(1<<20), (live(r.memOpen)-live(r.memBefore))/1024/float64(max(r.rooms, 1)), float64(r.memOpen.goroutines-r.memBefore.goroutines)/float64(max(r.rooms, 1)),
			(live(r.memAfter)-live(r.memOpen))/1024/float64(rest), float64(r.memAfter.goroutines-r.memOpen.goroutines)/float64(rest))
	}
	fmt.Fprintf(w, "viewers (this process): CPU %.2f s = %.2f cores; its threads waited for a CPU %.2f s per s\n", r.viewersCPU, r.viewersCPU/secs, r.viewersWait/secs)
	fmt.Fprintf(w, "machine load average (1, 5, 15 min): %s at the start, %s at the end\n", r.load[0], r.load[1])
	for _, l := range r.split {
		fmt.Fprintf(w, "server split: %s\n", l)
	}
}

// watchRooms connects perRoom viewers to each of the rooms, waits until all
// are in and a few seconds more, measures for o.duration, and tallies.
func watchRooms(ctx context.Context, o loadOpts, prefix string, rooms, perRoom int, hooks roomsHooks, stdout io.Writer) (*roomsResult, error) {
	n := rooms * perRoom
	sources := *o.sources
	if sources <= 0 {
		sources = (n + 199) / 200
	}
	res := &roomsResult{rooms: rooms, perRoom: perRoom, all: &latencies{}, pid: *o.pid}
	if res.pid > 0 {
		// The rooms play already: wait until the server settles.
		time.Sleep(3 * time.Second)
		res.rssBefore = procRSS(res.pid)
		if hooks.mem != nil {
			res.memBefore = hooks.mem()
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tallies := make([]roomTally, rooms)
	viewers := make([]roomsViewer, n)
	var measuring atomic.Bool
	var inRoom atomic.Int64
	var wg sync.WaitGroup
	dials := make(chan struct{}, 100)
	for i := range n {
		r := i % rooms // spread the joins over the rooms
		t := &tallies[r]
		v := &viewers[i]
		v.room = t
		src := net.IPv4(127, 0, 0, byte(2+i%sources%250))
		d := &websocket.Dialer{
			HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 256,
			NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: src}}).DialContext,
		}
		var once sync.Once
		v.client = wsclient.New(wsclient.Config{
			URL: *o.url, Room: roomName(prefix, r), Dialer: d, Reconnect: true, MaxBackoff: 5 * time.Second,
			OnEvent: func(e wsclient.Event) {
				switch {
				case e.Type == avatar.EventHello:
					once.Do(func() { <-dials; inRoom.Add(1); t.watching.Add(1) })
				case e.Seq > 0 && measuring.Load():
					lat := time.Since(e.TS)
					if v.first == 0 {
						v.first = e.Seq
					}
					v.last = e.Seq
					v.got++
					res.all.add(lat)
					t.mu.Lock()
					t.lat = append(t.lat, lat)
					if t.seqs == nil {
						t.seqs = map[uint64]struct{}{}
					}
					t.seqs[e.Seq] = struct{}{}
					t.mu.Unlock()
				}
			},
		})
		dials <- struct{}{}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			if err := v.client.Run(ctx); err != nil {
				fmt.Fprintf(stdout, "viewer %d: %v\n", i, err)
			}
		})
		if i == rooms-1 && res.pid > 0 {
			// Every room has its first viewer: the gateway holds every
			// room open. What the rest add is per viewer only.
			for deadline := time.Now().Add(2 * time.Minute); inRoom.Load() < int64(rooms) && time.Now().Before(deadline) && ctx.Err() == nil; {
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(2 * time.Second)
			res.rssOpen = procRSS(res.pid)
			if hooks.mem != nil {
				res.memOpen = hooks.mem()
			}
		}
	}
	for deadline := time.Now().Add(2 * time.Minute); inRoom.Load() < int64(n) && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Fprintf(stdout, "%d/%d viewers in %d rooms\n", inRoom.Load(), n, rooms)
	time.Sleep(2 * time.Second) // catch-ups done
	if res.pid > 0 {
		res.rssAfter = procRSS(res.pid)
		if hooks.mem != nil {
			res.memAfter = hooks.mem()
		}
	}
	cpu0, self0, wait0, load0 := procCPU(res.pid), procCPU(os.Getpid()), runQueueWait(), loadAvg()
	if hooks.start != nil {
		hooks.start()
	}
	begin := time.Now()
	measuring.Store(true)
	tick := time.NewTicker(5 * time.Second)
	end := time.After(o.duration)
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case <-end:
			break loop
		case <-tick.C:
			l := res.all
			fmt.Fprintf(stdout, "%5.0fs  deliveries %d  p50 %.1fms p99 %.1fms max %.1fms\n",
				time.Since(begin).Seconds(), l.n.Load(), l.quantile(.5), l.quantile(.99), float64(l.max.Load())/1000)
		}
	}
	tick.Stop()
	measuring.Store(false)
	res.window = time.Since(begin)
	res.cpu = procCPU(res.pid) - cpu0
	res.viewersCPU = procCPU(os.Getpid()) - self0
	res.viewersWait = (runQueueWait() - wait0).Seconds()
	res.load = [2]string{load0, loadAvg()}
	if res.pid > 0 {
		res.rss = procRSS(res.pid)
	}
	if hooks.stop != nil {
		hooks.stop(res)
	}
	cancel()
	wg.Wait()
	// Each room's events in the window are those any of its viewers saw; a
	// viewer lost those it did not see between its own first and last (the
	// window's edges cut each viewer's copy at a slightly different event).
	seqs := make([][]uint64, rooms)
	for r := range tallies {
		t := &tallies[r]
		res.connected += int(t.watching.Load())
		res.published += int64(len(t.seqs))
		for s := range t.seqs {
			seqs[r] = append(seqs[r], s)
		}
		slices.Sort(seqs[r])
	}
	for i := range viewers {
		v := &viewers[i]
		res.received += v.got
		res.duplicates += v.client.Stats().Duplicates
		if v.first > 0 {
			lo, _ := slices.BinarySearch(seqs[i%rooms], v.first)
			hi, _ := slices.BinarySearch(seqs[i%rooms], v.last+1)
			res.lost += max(0, int64(hi-lo)-v.got)
		}
	}
	for r := range tallies {
		t := &tallies[r]
		if len(t.lat) == 0 {
			continue
		}
		slices.Sort(t.lat)
		res.roomP50 = append(res.roomP50, float64(t.lat[len(t.lat)/2])/1e6)
		res.roomP99 = append(res.roomP99, float64(t.lat[min(len(t.lat)-1, len(t.lat)*99/100)])/1e6)
	}
	slices.Sort(res.roomP50)
	slices.Sort(res.roomP99)
	return res, nil
}
