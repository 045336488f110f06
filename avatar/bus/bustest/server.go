package bustest

import (
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a NATS server with JetStream on a loopback port, for tests that
// stop it and start it again (NATS going down under a running process). A
// Bus reaches it by URL, as a gateway reaches a cluster.
type Server struct {
	t    testing.TB
	opts server.Options
	ns   *server.Server
}

// NewServer starts a Server storing under t.TempDir(); it is shut down when
// the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{t: t, opts: server.Options{Host: "127.0.0.1", Port: freePort(t), JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true}}
	s.Start()
	t.Cleanup(s.Stop)
	return s
}

// URL is where clients reach the server; it stays the same across restarts.
func (s *Server) URL() string { return s.ns.ClientURL() }

// Start starts the server (again) on the same port and store.
func (s *Server) Start() {
	s.t.Helper()
	opts := s.opts
	ns, err := server.NewServer(&opts)
	if err != nil {
		s.t.Fatalf("bustest: %v", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		s.t.Fatal("bustest: server not ready")
	}
	s.ns = ns
}

// Stop shuts the server down; clients see their connection drop.
func (s *Server) Stop() {
	s.ns.Shutdown()
	s.ns.WaitForShutdown()
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("bustest: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
