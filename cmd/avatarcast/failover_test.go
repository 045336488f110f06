package main

// Issue 17's "failover, proven on one machine" and issue 19's KV leader
// elections: three embedded NATS servers routed on loopback with R3
// streams and buckets, two directors and two gateways wired as the
// director and gateway commands wire them (their flags, bus.Open,
// director.New, gateway.New), and viewers through gateway/wsclient behind
// a dialer that, like the compose load balancer, sends each connect to a
// live gateway. Each test breaks one thing while a room plays and checks
// the room's record (one seq after another, every line once and in script
// order) and every viewer (each event the record's at its seq, none
// missing or twice). The pauses are measured and logged, never asserted:
// the machine is shared.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/gateway"
	"github.com/avatarcast/avatarcast/gateway/wsclient"
)

// foLines is how many lines the test show has, one after another, each
// spoken once (the show does not loop within a test).
const foLines = 400

// foScript is a show of foLines short lines l001, l002, …: any line
// spoken twice or skipped shows in the record's speech events.
func foScript(id string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "id: %s\nkind: livestream\ntitle: {en: Failover}\npersona: xiaoya\nlanguages: [en]\nsegments:\n  - id: s\n    steps:\n", id)
	for i := 1; i <= foLines; i++ {
		fmt.Fprintf(&b, "      - id: l%03d\n        say: {en: \"Line %d.\"}\n", i, i)
	}
	return []byte(b.String())
}

// foProc is one director or gateway "process" of the fleet.
type foProc struct {
	name   string
	b      *bus.Bus
	d      *director.Director // a director's
	reg    *prometheus.Registry
	addr   string // a gateway's listen address
	ln     *foListener
	link   *bustest.Link // its network path to NATS
	out    *foLog
	cancel context.CancelFunc
	done   chan error
	dead   bool // guarded by fleet.mu
}

// foFleet is the production topology in one process.
type foFleet struct {
	t     *testing.T
	c     *bustest.Cluster
	admin *bus.Bus

	mu        sync.Mutex
	directors []*foProc
	gateways  []*foProc
}

func newFleet(t *testing.T) *foFleet {
	if testing.Short() {
		t.Skip("three NATS servers, two directors, two gateways")
	}
	f := &foFleet{t: t, c: bustest.NewCluster(t, 3)}
	// The streams and buckets, made as serve's admin connection makes
	// them; then each component opens its own connection with its role.
	f.admin = f.c.Open(bus.Config{Name: "admin"})
	return f
}

// flagsFor parses args as command cmd parses them, with NATS at url and
// R3, and returns the common and gateway options.
func (f *foFleet) flagsFor(cmd, url string) (common, gatewayOpts) {
	fl := newFlags(cmd, func(string) string { return "" }, io.Discard)
	c := commonFlags(fl)
	var gw gatewayOpts
	if cmd == "gateway" {
		gw = gatewayFlags(fl)
	}
	args := []string{"-nats-url", url, "-nats-replicas", "3"}
	if cmd == "gateway" {
		args = append(args, "-assets", filepath.Join(repoRoot(f.t), "assets"))
	}
	if err := fl.parse(args); err != nil {
		f.t.Fatal(err)
	}
	return c, gw
}

// openBus opens a component's connection as bus.Open does in the
// commands, asking again while a just-restarted cluster settles.
func (f *foFleet) openBus(cfg bus.Config, log *zap.Logger) *bus.Bus {
	f.t.Helper()
	var err error
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var b *bus.Bus
		b, err = bus.Open(ctx, cfg, log)
		cancel()
		if err == nil {
			return b
		}
	}
	f.t.Fatalf("open bus for %s: %v", cfg.Name, err)
	return nil
}

// startDirector runs a director as runDirector does.
func (f *foFleet) startDirector(name string) *foProc {
	f.t.Helper()
	return f.start(name, "director", bus.RoleDirector, &f.directors, func(p *foProc, _ gatewayOpts, log *zap.Logger) func(context.Context) error {
		p.d = director.New(director.Config{Voice: p.b.VoiceClient(5 * time.Second)}, p.b, log)
		p.reg = prometheus.NewRegistry()
		p.reg.MustRegister(p.d.Collectors()...)
		return p.d.Run
	})
}

// startGateway runs a viewer-only gateway as runGateway -api off does.
func (f *foFleet) startGateway(name string) *foProc {
	f.t.Helper()
	return f.start(name, "gateway", bus.RoleGateway, &f.gateways, func(p *foProc, gw gatewayOpts, log *zap.Logger) func(context.Context) error {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			f.t.Fatal(err)
		}
		p.addr, p.ln = l.Addr().String(), &foListener{Listener: l}
		return func(ctx context.Context) error { return gateway.New(gw.config(), p.b, log).Serve(ctx, p.ln) }
	})
}

// start runs process name of command cmd ("director" or "gateway") as
// the command does: on its own network path to NATS, with the command's
// flags over it, its log, and its bus connection with role. component
// makes the process's part from them and returns how it runs; start runs
// it until the process is stopped, and lists the process in procs.
func (f *foFleet) start(name, cmd string, role bus.Role, procs *[]*foProc,
	component func(p *foProc, gw gatewayOpts, log *zap.Logger) func(context.Context) error) *foProc {
	f.t.Helper()
	link := f.c.Link()
	c, gw := f.flagsFor(cmd, link.URL())
	out := &foLog{t: f.t}
	log := f.logger(out).Named(name)
	p := &foProc{name: name, link: link, out: out, done: make(chan error, 1)}
	p.b = f.openBus(c.busConfig("avatarcast-"+cmd, role), log)
	run := component(p, gw, log)
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	go func() { p.done <- run(ctx) }()
	f.mu.Lock()
	*procs = append(*procs, p)
	f.mu.Unlock()
	f.t.Cleanup(func() { f.stop(p) })
	return p
}

// stop stops p as SIGTERM does (a director hands its rooms over first)
// and waits for it.
func (f *foFleet) stop(p *foProc) {
	f.mu.Lock()
	killed := p.dead && p.out.isOff()
	p.dead = true
	f.mu.Unlock()
	p.cancel()
	if killed {
		// A killed process's leftovers end without NATS; they are not
		// waited for long.
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
		return
	}
	select {
	case err := <-p.done:
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, net.ErrClosed) {
			f.t.Logf("%s stopped: %v", p.name, err)
		}
		p.done <- err // for another stop
	case <-time.After(45 * time.Second):
		f.t.Errorf("%s did not stop within 45s", p.name)
	}
	_ = p.b.Close()
}

// kill ends p as kill -9 does: its NATS connection and sockets go at once,
// nothing is released or said goodbye.
func (f *foFleet) kill(p *foProc) {
	f.mu.Lock()
	p.dead = true
	f.mu.Unlock()
	p.out.off()
	p.link.Cut()
	if p.ln != nil {
		p.ln.killAll()
	}
	p.cancel()
}

// logger logs warnings and errors to out.
func (f *foFleet) logger(out *foLog) *zap.Logger {
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(out), zap.WarnLevel))
}

// foLog writes a process's log to the test until the process is killed;
// what its leftovers log after that is dropped.
type foLog struct {
	t    *testing.T
	mu   sync.Mutex
	dead bool
}

func (l *foLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.dead {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *foLog) off() {
	l.mu.Lock()
	l.dead = true
	l.mu.Unlock()
}

func (l *foLog) isOff() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dead
}

// dialer is viewer i's dialer: like a load balancer, it connects to a
// live gateway, gateway i%n first.
func (f *foFleet) dialer(i int) *websocket.Dialer {
	return &websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		f.mu.Lock()
		var live []string
		for k := range f.gateways {
			if g := f.gateways[(i+k)%len(f.gateways)]; !g.dead {
				live = append(live, g.addr)
			}
		}
		f.mu.Unlock()
		var d net.Dialer
		err := errors.New("no live gateway")
		for _, a := range live {
			var c net.Conn
			if c, err = d.DialContext(ctx, network, a); err == nil {
				return c, nil
			}
		}
		return nil, err
	}}
}

// seed stores the test show and a room playing it.
func (f *foFleet) seed(room avatar.RoomID) {
	bustest.SeedRoom(f.t, f.admin, foScript(string(room)), avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: string(room),
		Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Name: "P", Voice: avatar.Voice{Rate: 4}, Disclosure: map[string]string{"en": "AI-generated"}}})
}

// record is room's stored history.
func (f *foFleet) record(room avatar.RoomID) []avatar.Envelope {
	f.t.Helper()
	var out []avatar.Envelope
	var err error
	for range 20 { // asked again while a stream leader moves
		out = out[:0]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = f.admin.Replay(ctx, room, 0, func(ev bus.StoredEvent) error {
			var e avatar.Envelope
			if err := json.Unmarshal(ev.Data, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
		cancel()
		if err == nil {
			return out
		}
		time.Sleep(250 * time.Millisecond)
	}
	f.t.Fatalf("replay room %s: %v", room, err)
	return nil
}

// lastSeq is the seq of room's last stored event (0 while the stream
// cannot answer).
func (f *foFleet) lastSeq(room avatar.RoomID) uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ev, _, err := f.admin.LastEvent(ctx, room)
	if err != nil {
		return 0
	}
	return ev.Seq
}

// owner is the director holding room's lease ("" if none or unknown).
func (f *foFleet) owner(room avatar.RoomID) string {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, _, err := f.admin.LeaseHolder(ctx, room)
	if err != nil {
		return ""
	}
	return l.Owner
}

// director returns the running director with ID id.
func (f *foFleet) director(id string) *foProc {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.directors {
		if p.d.ID() == id && !p.dead {
			return p
		}
	}
	return nil
}

// playing waits until room is leased and has spoken n lines, and returns
// its owner.
func (f *foFleet) playing(room avatar.RoomID, n int) *foProc {
	f.t.Helper()
	var p *foProc
	bustest.WaitFor(f.t, 30*time.Second, fmt.Sprintf("room %s plays %d lines", room, n), func() bool {
		p = f.director(f.owner(room))
		return p != nil && len(foSpeeches(f.t, f.record(room))) >= n
	})
	return p
}

// foSpeeches lists the record's speech events.
func foSpeeches(t *testing.T, evs []avatar.Envelope) []foSpeech {
	var out []foSpeech
	for _, e := range evs {
		if e.Type != avatar.EventSpeech {
			continue
		}
		var sp avatar.Speech
		if err := json.Unmarshal(e.Data, &sp); err != nil {
			t.Fatal(err)
		}
		out = append(out, foSpeech{seq: e.Seq, line: sp.LineID})
	}
	return out
}

type foSpeech struct {
	seq  uint64
	line string
}

// checkRecord requires room's record to hold seqs 1, 2, 3, … and the
// show's lines once each, in script order, and returns it.
func (f *foFleet) checkRecord(room avatar.RoomID) []avatar.Envelope {
	f.t.Helper()
	evs := f.record(room)
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			f.t.Errorf("room %s: record event %d has seq %d: a gap or a repeat", room, i, e.Seq)
			break
		}
	}
	var lines []foSpeech
	for _, s := range foSpeeches(f.t, evs) {
		if len(s.line) == 4 && s.line[0] == 'l' { // not the disclosure
			lines = append(lines, s)
		}
	}
	for i, s := range lines {
		if want := fmt.Sprintf("l%03d", i+1); s.line != want {
			f.t.Errorf("room %s: speech %d (seq %d) is line %s, want %s: a line spoken twice or skipped", room, i, s.seq, s.line, want)
			break
		}
	}
	for _, e := range evs[1:] {
		if e.Type == avatar.EventShowStart {
			f.t.Errorf("room %s: the show started again at seq %d", room, e.Seq)
		}
	}
	return evs
}

// foViewer is one viewer's wsclient and what it received.
type foViewer struct {
	room avatar.RoomID
	c    *wsclient.Client
	mu   sync.Mutex
	got  []foArrival
	lost int // resumes that said recovered false
	stop context.CancelFunc
	done chan struct{}
}

type foArrival struct {
	ev wsclient.Event
	at time.Time
}

// viewer connects viewer i to room, joining live.
func (f *foFleet) viewer(i int, room avatar.RoomID) *foViewer {
	v := &foViewer{room: room, done: make(chan struct{})}
	v.c = wsclient.New(wsclient.Config{URL: "ws://gateway", Room: room, Lang: "en", Dialer: f.dialer(i), Reconnect: true, MaxBackoff: time.Second,
		OnEvent: func(ev wsclient.Event) {
			if ev.Type == avatar.EventResume {
				var r avatar.Resume
				if json.Unmarshal(ev.Data, &r) == nil && !r.Recovered {
					v.mu.Lock()
					v.lost++
					v.mu.Unlock()
				}
			}
			if ev.Seq == 0 {
				return
			}
			ev.Data = slices.Clone(ev.Data)
			v.mu.Lock()
			v.got = append(v.got, foArrival{ev, time.Now()})
			v.mu.Unlock()
		}})
	ctx, cancel := context.WithCancel(context.Background())
	v.stop = cancel
	go func() {
		defer close(v.done)
		if err := v.c.Run(ctx); err != nil {
			f.t.Errorf("viewer %d: %v", i, err)
		}
	}()
	f.t.Cleanup(func() { cancel(); <-v.done })
	return v
}

func (v *foViewer) last() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.got) == 0 {
		return 0
	}
	return v.got[len(v.got)-1].ev.Seq
}

func (v *foViewer) arrivals() []foArrival {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.got)
}

// viewers connects n viewers to room, spread over the gateways, and
// waits until each has received an event.
func (f *foFleet) viewers(n int, room avatar.RoomID) []*foViewer {
	f.t.Helper()
	var vs []*foViewer
	for i := range n {
		vs = append(vs, f.viewer(i, room))
	}
	bustest.WaitFor(f.t, 30*time.Second, "every viewer receives events", func() bool {
		for _, v := range vs {
			if v.last() == 0 {
				return false
			}
		}
		return true
	})
	return vs
}

// finish waits until every viewer has received the record's last event,
// stops them, and checks each: one seq after another from its first, each
// event the record's at its seq, none twice, nothing lost in a resume.
func (f *foFleet) finish(vs []*foViewer) {
	f.t.Helper()
	target := map[avatar.RoomID]uint64{}
	for _, v := range vs {
		if _, ok := target[v.room]; !ok {
			target[v.room] = f.lastSeq(v.room)
		}
	}
	bustest.WaitFor(f.t, 30*time.Second, "every viewer has the record's last event", func() bool {
		for _, v := range vs {
			if v.last() < target[v.room] {
				return false
			}
		}
		return true
	})
	seen := map[avatar.RoomID]uint64{}
	for _, v := range vs {
		v.stop()
		<-v.done
		seen[v.room] = max(seen[v.room], v.last())
	}
	records := map[avatar.RoomID][]avatar.Envelope{}
	for room, n := range seen {
		// A read may be answered by a replica a moment behind the
		// leader: wait until it holds what the viewers got (an event
		// never stored would fail here).
		bustest.WaitFor(f.t, 30*time.Second, fmt.Sprintf("room %s: the record holds seq %d", room, n), func() bool {
			return uint64(len(f.record(room))) >= n
		})
		records[room] = f.checkRecord(room)
	}
	for i, v := range vs {
		rec := records[v.room]
		got := v.arrivals()
		st := v.c.Stats()
		if st.Duplicates != 0 || st.Skipped != 0 || v.lost != 0 {
			f.t.Errorf("viewer %d: %d events twice, %d seqs skipped, %d resumes not recovered; want none", i, st.Duplicates, st.Skipped, v.lost)
		}
		for k, a := range got {
			if k > 0 && a.ev.Seq != got[k-1].ev.Seq+1 {
				f.t.Errorf("viewer %d: seq %d after %d", i, a.ev.Seq, got[k-1].ev.Seq)
				break
			}
			if a.ev.Seq > uint64(len(rec)) {
				f.t.Errorf("viewer %d: seq %d is not in the record (%d events)", i, a.ev.Seq, len(rec))
				break
			}
			s := rec[a.ev.Seq-1]
			if s.Type != a.ev.Type || string(s.Data) != string(a.ev.Data) || !time.Time(s.TS).Equal(a.ev.TS) {
				f.t.Errorf("viewer %d: seq %d is %s %s, the record holds %s %s", i, a.ev.Seq, a.ev.Type, a.ev.Data, s.Type, s.Data)
			}
		}
	}
}

// speechPause is the longest time a viewer waited between two lines that
// arrived after since, and the median wait between lines before it.
func speechPause(v *foViewer, since time.Time) (pause, normal time.Duration) {
	var gaps []time.Duration
	var prev time.Time
	for _, a := range v.arrivals() {
		if a.ev.Type != avatar.EventSpeech {
			continue
		}
		if !prev.IsZero() {
			if a.at.After(since) {
				pause = max(pause, a.at.Sub(prev))
			} else {
				gaps = append(gaps, a.at.Sub(prev))
			}
		}
		prev = a.at
	}
	if len(gaps) > 0 {
		slices.Sort(gaps)
		normal = gaps[len(gaps)/2]
	}
	return pause.Round(time.Millisecond), normal.Round(time.Millisecond)
}

// counter is a director metric's value.
func (p *foProc) counter(name string) float64 {
	mfs, err := p.reg.Gather()
	if err != nil {
		return -1
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return sum
}

// foListener remembers the connections it accepted, so a killed gateway's
// sockets can be cut as a dead process's are.
type foListener struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (l *foListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.mu.Lock()
		l.conns = append(l.conns, c)
		l.mu.Unlock()
	}
	return c, err
}

func (l *foListener) killAll() {
	_ = l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
}

// moreLines waits until room's record holds n more lines than now.
func (f *foFleet) moreLines(room avatar.RoomID, n int) {
	f.t.Helper()
	at := len(foSpeeches(f.t, f.record(room)))
	bustest.WaitFor(f.t, 45*time.Second, fmt.Sprintf("room %s speaks %d more lines", room, n), func() bool {
		return len(foSpeeches(f.t, f.record(room))) >= at+n
	})
}

// firstAfter is how long after t the record's first event stamped later
// than t was, and its seq.
func (f *foFleet) firstAfter(room avatar.RoomID, t time.Time) (time.Duration, uint64) {
	for _, e := range f.record(room) {
		if time.Time(e.TS).After(t) {
			return time.Time(e.TS).Sub(t).Round(time.Millisecond), e.Seq
		}
	}
	return 0, 0
}

// leaders names the servers leading the events stream and the leases and
// state buckets.
func (f *foFleet) leaders() map[string]string {
	out := map[string]string{}
	for _, s := range []string{avatar.EventsStream, "KV_" + avatar.LeasesBucket, "KV_" + avatar.StateBucket} {
		out[s] = bustest.StreamInfo(f.t, f.admin, s).Cluster.Leader
	}
	return out
}

// newPlayingFleet starts a fleet of two gateways (g0, g1) and two
// directors (d0, d1) playing room, and n viewers of it (by turns on g0
// and g1), three more lines in. It returns the fleet, the director that
// plays the room and the viewers.
func newPlayingFleet(t *testing.T, room avatar.RoomID, n int) (*foFleet, *foProc, []*foViewer) {
	f := newFleet(t)
	f.seed(room)
	f.startGateway("g0")
	f.startGateway("g1")
	f.startDirector("d0")
	f.startDirector("d1")
	owner := f.playing(room, 1)
	vs := f.viewers(n, room)
	f.moreLines(room, 3)
	return f, owner, vs
}

// TestFailoverDirectorKilled: the director that owns a room dies
// mid-show (kill -9: its lease is left to expire); the other continues
// from the next line, and the viewers on both gateways see every seq once.
func TestFailoverDirectorKilled(t *testing.T) {
	const room = "fo-director"
	f, owner, vs := newPlayingFleet(t, room, 4)
	f.kill(owner)
	killed := time.Now()
	var next *foProc
	bustest.WaitFor(t, 30*time.Second, "the other director takes the room", func() bool {
		next = f.director(f.owner(room))
		return next != nil && next != owner
	})
	f.moreLines(room, 3)
	f.finish(vs)
	if n := next.counter("avatarcast_director_takeovers_total"); n != 1 {
		t.Errorf("takeovers counted by %s: %v, want 1", next.name, n)
	}
	first, seq := f.firstAfter(room, killed)
	pause, normal := speechPause(vs[0], killed)
	t.Logf("director %s killed; %s went on at seq %d, %v after (lease TTL 5s); viewers' longest wait between two lines %v (normally %v)", owner.name, next.name, seq, first, pause, normal)
}

// kvLeaderKilled plays a room with two directors and kills the server
// leading bucket's stream: the room keeps its owner (the renewals and
// state saves are asked again while the bucket elects a leader), and the
// viewers see every seq once and every line once.
func kvLeaderKilled(t *testing.T, bucket string, hard bool) {
	room := avatar.RoomID("fo-kv")
	f, owner, vs := newPlayingFleet(t, room, 4)

	// Every owner the lease names from now on.
	owners := map[string]bool{}
	var mu sync.Mutex
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			if o := f.owner(room); o != "" {
				mu.Lock()
				owners[o] = true
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	// Only the bucket's leader dies, not the events stream's nor the
	// other bucket's (their own cases).
	leader := f.leaders()["KV_"+bucket]
	for _, other := range []string{avatar.EventsStream, "KV_" + avatar.LeasesBucket, "KV_" + avatar.StateBucket} {
		if other != "KV_"+bucket {
			f.c.MoveLeader(f.admin, other, leader)
		}
	}
	leaders := f.leaders()
	how := "stopped (SIGTERM: it hands its leaderships over)"
	if hard {
		how = "killed (-9: the others elect a leader after their election timeout)"
		f.c.HardKill(leader)
	} else {
		f.c.Kill(leader)
	}
	killed := time.Now()
	f.moreLines(room, 8)
	close(stop)
	wg.Wait()
	f.finish(vs)
	if len(owners) != 1 || !owners[owner.d.ID()] {
		t.Errorf("room owned by %v after the kill, want only %s", owners, owner.d.ID())
	}
	for _, p := range f.directors {
		for _, m := range []string{"avatarcast_director_takeovers_total", "avatarcast_director_lease_losses_total"} {
			if n := p.counter(m); n != 0 {
				t.Errorf("%s: %s = %v, want 0", p.name, m, n)
			}
		}
	}
	pause, normal := speechPause(vs[0], killed)
	t.Logf("%s %s, leader of %v; the room kept its owner %s; viewers' longest wait between two lines %v (normally %v)", leader, how, leaders, owner.name, pause, normal)
}

// TestFailoverLeasesLeaderStopped: issue 19, the leases bucket's leader
// stops.
func TestFailoverLeasesLeaderStopped(t *testing.T) { kvLeaderKilled(t, avatar.LeasesBucket, false) }

// TestFailoverLeasesLeaderKilled: issue 19, the leases bucket's leader
// dies.
func TestFailoverLeasesLeaderKilled(t *testing.T) { kvLeaderKilled(t, avatar.LeasesBucket, true) }

// TestFailoverStateLeaderStopped: issue 19, the state bucket's leader
// stops.
func TestFailoverStateLeaderStopped(t *testing.T) { kvLeaderKilled(t, avatar.StateBucket, false) }

// TestFailoverStateLeaderKilled: issue 19, the state bucket's leader
// dies.
func TestFailoverStateLeaderKilled(t *testing.T) { kvLeaderKilled(t, avatar.StateBucket, true) }

// TestFailoverGatewayKilled: a gateway dies (kill -9: its sockets just
// break); its viewers resume on the other gateway with since=, and lose
// nothing and see nothing twice.
func TestFailoverGatewayKilled(t *testing.T) {
	const room = "fo-gateway"
	f, _, vs := newPlayingFleet(t, room, 6) // viewers 0, 2, 4 on g0
	g0 := f.gateways[0]
	f.kill(g0)
	killed := time.Now()
	f.moreLines(room, 4)
	f.finish(vs)
	for i, v := range vs {
		if st := v.c.Stats(); i%2 == 0 && st.Connects < 2 {
			t.Errorf("viewer %d of the killed gateway connected %d times, want a resume", i, st.Connects)
		}
	}
	pause, normal := speechPause(vs[0], killed)
	t.Logf("gateway g0 killed; its viewers resumed on g1: longest wait between two lines %v (normally %v)", pause, normal)
}

// TestFailoverNATSNodes: one NATS server (not the events stream's
// leader) stops, the show goes on; it comes back, then the server leading
// the events stream dies (kill -9, no hand-over): the show goes on,
// nothing lost or repeated.
func TestFailoverNATSNodes(t *testing.T) {
	const room = "fo-nats"
	f, _, vs := newPlayingFleet(t, room, 4)

	info := bustest.StreamInfo(t, f.admin, avatar.EventsStream)
	follower := info.Cluster.Replicas[0].Name
	f.c.Kill(follower)
	stopped := time.Now()
	f.moreLines(room, 4)
	pause1, normal := speechPause(vs[0], stopped)
	f.c.Restart(follower)
	bustest.WaitFor(t, 30*time.Second, follower+" is a current replica of the events stream again", func() bool {
		for _, r := range bustest.StreamInfo(t, f.admin, avatar.EventsStream).Cluster.Replicas {
			if r.Name == follower && r.Current {
				return true
			}
		}
		return false
	})
	f.moreLines(room, 2)

	leaders := f.leaders()
	leader := leaders[avatar.EventsStream]
	f.c.HardKill(leader)
	killed := time.Now()
	f.moreLines(room, 6)
	f.finish(vs)
	pause2, _ := speechPause(vs[0], killed)
	t.Logf("follower %s stopped: longest wait between two lines %v (normally %v); events leader %s killed -9 (leaders %v): longest wait %v",
		follower, pause1, normal, leader, leaders, pause2)
}

// TestFailoverRollingRestart: under load (two rooms, 16 viewers), both
// gateways are restarted one after the other (SIGTERM, then a new one),
// then both directors (SIGTERM: each hands its rooms over at a line
// boundary first). No event is lost, none is seen twice, no line is
// spoken twice.
func TestFailoverRollingRestart(t *testing.T) {
	f := newFleet(t)
	rooms := []avatar.RoomID{"fo-roll-a", "fo-roll-b"}
	for _, r := range rooms {
		f.seed(r)
	}
	g0 := f.startGateway("g0")
	g1 := f.startGateway("g1")
	d0 := f.startDirector("d0")
	d1 := f.startDirector("d1")
	var vs []*foViewer
	for _, r := range rooms {
		f.playing(r, 1)
		vs = append(vs, f.viewers(8, r)...)
	}
	f.moreLines(rooms[0], 2)
	step := func(what string, do func()) {
		t.Helper()
		at := time.Now()
		do()
		for _, r := range rooms {
			f.moreLines(r, 2)
		}
		var pause time.Duration
		for _, v := range vs {
			p, _ := speechPause(v, at)
			pause = max(pause, p)
		}
		t.Logf("%s: longest wait between two lines of any viewer %v", what, pause)
	}
	step("gateway g0 restarted", func() { f.stop(g0); f.startGateway("g2") })
	step("gateway g1 restarted", func() { f.stop(g1); f.startGateway("g3") })
	step("director d0 restarted", func() { f.stop(d0); f.startDirector("d2") })
	step("director d1 restarted", func() { f.stop(d1); f.startDirector("d3") })
	f.finish(vs)
	_, normal := speechPause(vs[0], time.Now())
	t.Logf("normally %v between two lines", normal)
}
