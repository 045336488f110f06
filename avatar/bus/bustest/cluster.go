package bustest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is n NATS servers with JetStream routed to each other on
// loopback, as the docker-compose cluster is; each is shut down when the
// test ends.
type Cluster struct {
	Servers []*server.Server
}

// NewCluster starts a cluster of n servers storing under t.TempDir().
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	ports := make([]int, n)
	var routes []string
	for i := range ports {
		ports[i] = freePort(t)
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[i]))
	}
	c := &Cluster{}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: -1,
			JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
			Cluster: server.ClusterOpts{Name: "bustest", Host: "127.0.0.1", Port: ports[i]},
			Routes:  server.RoutesFromStr(strings.Join(routes, ",")),
		}
		ns, err := server.NewServer(opts)
		if err != nil {
			t.Fatalf("bustest: %v", err)
		}
		ns.Start()
		t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
		c.Servers = append(c.Servers, ns)
	}
	for _, ns := range c.Servers {
		if !ns.ReadyForConnections(10 * time.Second) {
			t.Fatal("bustest: cluster server not ready")
		}
	}
	return c
}

// URL is every server's client URL, comma-separated (seed URLs).
func (c *Cluster) URL() string {
	var urls []string
	for _, ns := range c.Servers {
		if ns.Running() {
			urls = append(urls, ns.ClientURL())
		}
	}
	return strings.Join(urls, ",")
}

// Stop shuts down the server named name (n1, n2, ...).
func (c *Cluster) Stop(name string) {
	for _, ns := range c.Servers {
		if ns.Name() == name {
			ns.Shutdown()
			ns.WaitForShutdown()
		}
	}
}
