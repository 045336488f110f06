package bustest

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Cluster is n NATS servers with JetStream routed to each other on
// loopback ports, as a three-node production cluster in one process, for
// tests that kill a server (a stream leader) under running clients.
type Cluster struct {
	t       testing.TB
	Servers []*server.Server
	opts    []*server.Options // each server's, to restart it as it was

	mu     sync.Mutex
	down   map[int]bool // servers cut off by HardKill until restarted
	routes []*relay     // every route between two servers goes through one
}

// NewCluster starts n routed servers named n0, n1, … and waits until
// JetStream has a meta leader; all are shut down when the test ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t, down: map[int]bool{}}
	cports := make([]int, n)
	for i := range cports {
		cports[i] = freePort(t)
	}
	// Server j reaches server i through a relay of its own, so that
	// HardKill can cut a server off from the others before it stops.
	routes := make([][]string, n)
	for j := range n {
		for i := range n {
			if i == j {
				continue
			}
			r := newRelay(t, fmt.Sprintf("127.0.0.1:%d", cports[i]), func() bool { return c.isDown(i) || c.isDown(j) })
			c.routes = append(c.routes, r)
			// Routes log in, as on the compose cluster (configs/nats).
			routes[j] = append(routes[j], "nats://route:route-test@"+r.ln.Addr().String())
		}
	}
	t.Cleanup(func() {
		for _, r := range c.routes {
			r.close()
		}
	})
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: freePort(t),
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			// Clients know the servers by the URLs they are given only, so
			// one that reaches the cluster through a Link cannot go around
			// it when the link is cut.
			// The route address a server gossips goes nowhere (port 1
			// refuses), so the servers route through the relays only.
			Cluster: server.ClusterOpts{Name: "avatarcast-test", Host: "127.0.0.1", Port: cports[i], NoAdvertise: true, Advertise: "127.0.0.1:1",
				Username: "route", Password: "route-test"},
			Routes: server.RoutesFromStr(strings.Join(routes[i], ",")),
		}
		ns, err := server.NewServer(opts.Clone())
		if err != nil {
			t.Fatalf("bustest: cluster server %d: %v", i, err)
		}
		ns.Start()
		c.Servers = append(c.Servers, ns)
		c.opts = append(c.opts, opts)
	}
	t.Cleanup(func() {
		for _, ns := range c.Servers {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	})
	for _, ns := range c.Servers {
		if !ns.ReadyForConnections(30 * time.Second) { // a shared machine's bound, not a timing
			t.Fatal("bustest: cluster server not ready after 30s")
		}
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		leader := false
		for _, ns := range c.Servers {
			leader = leader || ns.JetStreamIsLeader()
		}
		if leader {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("bustest: no JetStream meta leader after 20s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c
}

// URL lists every server's client URL, as a client of the cluster is
// configured.
func (c *Cluster) URL() string {
	var urls []string
	for _, ns := range c.Servers {
		urls = append(urls, ns.ClientURL())
	}
	return strings.Join(urls, ",")
}

// Open opens a Bus on the cluster with cfg (URL set, Replicas 3 unless
// given), retrying while the cluster settles; it is closed when the test
// ends.
func (c *Cluster) Open(cfg bus.Config) *bus.Bus {
	c.t.Helper()
	cfg.URL = c.URL()
	if cfg.Replicas == 0 {
		cfg.Replicas = len(c.Servers)
	}
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var b *bus.Bus
		b, err = bus.Open(ctx, cfg, zaptest.NewLogger(c.t))
		cancel()
		if err == nil {
			c.t.Cleanup(func() { _ = b.Close() })
			url := cfg.URL
			register(c.t, b, func() (*nats.Conn, error) { return nats.Connect(url) })
			return b
		}
	}
	c.t.Fatalf("bustest: open bus on cluster: %v", err)
	return nil
}

// Kill shuts down the server named name (as a stream's cluster info names
// its leader) and returns when it is down.
func (c *Cluster) Kill(name string) {
	c.t.Helper()
	for _, ns := range c.Servers {
		if ns.Name() == name {
			ns.Shutdown()
			ns.WaitForShutdown()
			return
		}
	}
	c.t.Fatalf("bustest: no server %q", name)
}

// Restart starts the server named name again, as it was configured (its
// ports, routes and JetStream store), as an operator restarts a stopped
// node; it returns once the server takes clients and its JetStream is
// back in the cluster (it sees a meta leader). It shuts the server down
// first if it still runs.
func (c *Cluster) Restart(name string) {
	c.t.Helper()
	for i, ns := range c.Servers {
		if ns.Name() != name {
			continue
		}
		ns.Shutdown()
		ns.WaitForShutdown()
		c.mu.Lock()
		delete(c.down, i)
		c.mu.Unlock()
		ns, err := server.NewServer(c.opts[i].Clone())
		if err != nil {
			c.t.Fatalf("bustest: restart %s: %v", name, err)
		}
		ns.Start()
		c.Servers[i] = ns
		if !ns.ReadyForConnections(10 * time.Second) {
			c.t.Fatalf("bustest: restarted %s not ready", name)
		}
		WaitFor(c.t, 30*time.Second, "restarted "+name+" sees a JetStream meta leader", func() bool {
			return ns.JetStreamIsCurrent()
		})
		return
	}
	c.t.Fatalf("bustest: no server %q", name)
}

// HardKill stops the server named name as kill -9 or a lost machine
// would: its routes are cut first, so it cannot hand its stream and bucket
// leaderships over (Shutdown steps them down gracefully, as SIGTERM does),
// and the others elect new leaders only when their election timeout ends.
// Restart brings it back.
func (c *Cluster) HardKill(name string) {
	c.t.Helper()
	for i, ns := range c.Servers {
		if ns.Name() != name {
			continue
		}
		c.mu.Lock()
		c.down[i] = true
		c.mu.Unlock()
		for _, r := range c.routes {
			r.cut()
		}
		ns.Shutdown()
		ns.WaitForShutdown()
		return
	}
	c.t.Fatalf("bustest: no server %q", name)
}

func (c *Cluster) isDown(i int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down[i]
}

// relay is a loopback TCP proxy to target; while blocked says so it
// refuses (closes) what it accepts.
type relay struct {
	ln      net.Listener
	target  string
	blocked func() bool
	mu      sync.Mutex
	conns   []net.Conn
	closed  bool
	wg      sync.WaitGroup
}

func newRelay(t testing.TB, target string, blocked func() bool) *relay {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bustest: relay: %v", err)
	}
	r := &relay{ln: ln, target: target, blocked: blocked}
	r.wg.Go(r.serve)
	return r
}

func (r *relay) serve() {
	for {
		in, err := r.ln.Accept()
		if err != nil {
			return
		}
		if r.blocked() {
			_ = in.Close()
			continue
		}
		out, err := net.Dial("tcp", r.target)
		if err != nil {
			_ = in.Close() // that server is down: the client tries another
			continue
		}
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			_ = in.Close()
			_ = out.Close()
			return
		}
		r.conns = append(r.conns, in, out)
		r.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}

// cut closes the connections of blocked relays.
func (r *relay) cut() {
	if !r.blocked() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
}

func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	_ = r.ln.Close()
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
	r.mu.Unlock()
	r.wg.Wait()
}

// Link is one client process's network path to the cluster: a relay in
// front of each server. Cut ends every connection through it and refuses
// new ones, as when the process is killed with -9: what it had not sent
// is lost, nothing is drained or released.
type Link struct {
	relays []*relay
}

// Link opens a link to every server of the cluster; it is cut when the
// test ends.
func (c *Cluster) Link() *Link {
	c.t.Helper()
	l := &Link{}
	for _, ns := range c.Servers {
		// The same port after a restart.
		l.relays = append(l.relays, newRelay(c.t, ns.Addr().String(), func() bool { return false }))
	}
	c.t.Cleanup(l.Cut)
	return l
}

// URL lists the link's URLs, one per server, for bus.Config.URL.
func (l *Link) URL() string {
	var urls []string
	for _, r := range l.relays {
		urls = append(urls, "nats://"+r.ln.Addr().String())
	}
	return strings.Join(urls, ",")
}

// Cut ends every connection through the link and refuses new ones.
func (l *Link) Cut() {
	for _, r := range l.relays {
		r.close()
	}
}

// MoveLeader asks stream's leader to step down until a server other than
// away leads it (a test that kills away wants stream elsewhere), asking
// through b.
func (c *Cluster) MoveLeader(b *bus.Bus, stream, away string) {
	c.t.Helper()
	nc, js := raw(c.t, b)
	leader := func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := js.Stream(ctx, stream)
		if err != nil {
			return ""
		}
		info, err := s.Info(ctx)
		if err != nil || info.Cluster == nil {
			return ""
		}
		return info.Cluster.Leader
	}
	WaitFor(c.t, 30*time.Second, "stream "+stream+" led by a server other than "+away, func() bool {
		switch leader() {
		case "":
			return false // electing
		case away:
			_, _ = nc.Request("$JS.API.STREAM.LEADER.STEPDOWN."+stream, nil, 5*time.Second)
			return false
		}
		return true
	})
}
