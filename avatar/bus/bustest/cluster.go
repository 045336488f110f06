package bustest

import (
	"context"
	"fmt"
	"strings"
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
}

// NewCluster starts n routed servers named n0, n1, … and waits until
// JetStream has a meta leader; all are shut down when the test ends.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	c := &Cluster{t: t}
	cports := make([]int, n)
	for i := range cports {
		cports[i] = freePort(t)
	}
	var routes []string
	for _, p := range cports {
		// Routes log in, as on the compose cluster (configs/nats).
		routes = append(routes, fmt.Sprintf("nats://route:route-test@127.0.0.1:%d", p))
	}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i), Host: "127.0.0.1", Port: freePort(t),
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "avatarcast-test", Host: "127.0.0.1", Port: cports[i], Username: "route", Password: "route-test"},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}
		ns, err := server.NewServer(opts)
		if err != nil {
			t.Fatalf("bustest: cluster server %d: %v", i, err)
		}
		ns.Start()
		c.Servers = append(c.Servers, ns)
	}
	t.Cleanup(func() {
		for _, ns := range c.Servers {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	})
	for _, ns := range c.Servers {
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatal("bustest: cluster server not ready")
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
