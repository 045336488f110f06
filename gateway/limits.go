package gateway

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Connection admission. Every TCP connection the gateway accepts (pages,
// API, metrics, health and viewer sockets alike) is counted against its
// address and against the gateway's total, at the listener, before a byte
// is read; it is released when it closes, hijacked or not. This bounds the
// file descriptors anyone can hold with idle keep-alive connections.
//
//   - An address holds at most Config.MaxConnsPerIP connections (429).
//   - The gateway holds at most Config.MaxConns (503), which stays below the
//     process's file limit (RLIMIT_NOFILE), with room left for NATS, the
//     JetStream store and logs.
//   - The last tenth of MaxConns is kept for addresses holding fewer than
//     Config.BusyConnsPerIP: when the gateway is nearly full, an address
//     that already holds many is refused first, so a health check or a new
//     viewer from another address still gets in.
//   - When it is full all the same (many addresses), a newcomer from an
//     address holding fewer than BusyConnsPerIP takes the place of an idle
//     keep-alive connection of the address holding the most: an idle HTTP
//     connection costs its client nothing to reopen.
//
// IPv6 addresses are counted by /64, the block one host usually gets.

// reservePart is the share of MaxConns kept for addresses holding few.
const reservePart = 10

// admission counts open connections by address. Its methods are safe for
// concurrent use.
type admission struct {
	perIP, total, busy int // caps; perIP or total <= 0: none
	reserveAt          int // total from which only addresses under busy get in

	mu    sync.Mutex
	open  int
	byKey map[string]*addrConns
}

type addrConns struct {
	n    int
	idle map[*countedConn]struct{} // keep-alive connections waiting for a request
}

func newAdmission(cfg Config) *admission {
	a := &admission{perIP: cfg.MaxConnsPerIP, total: cfg.MaxConns, busy: cfg.BusyConnsPerIP, byKey: map[string]*addrConns{}}
	a.reserveAt = a.total - max(1, a.total/reservePart)
	return a
}

// refusal says why a connection was not admitted: its metric label, HTTP
// status and message.
type refusal struct {
	reason string
	status int
	msg    string
}

// admit counts a connection from key, or says why not. It may close an
// idle keep-alive connection of the heaviest address to make room.
func (a *admission) admit(key string) *refusal {
	a.mu.Lock()
	ac := a.byKey[key]
	held := 0
	if ac != nil {
		held = ac.n
	}
	var evict *countedConn
	switch {
	case a.perIP > 0 && held >= a.perIP:
		a.mu.Unlock()
		return &refusal{"per_ip", http.StatusTooManyRequests, fmt.Sprintf("too many connections from %s", key)}
	case a.total > 0 && a.open >= a.reserveAt && held >= a.busy:
		a.mu.Unlock()
		return &refusal{"global", http.StatusServiceUnavailable, "server busy: too many connections"}
	case a.total > 0 && a.open >= a.total:
		if evict = a.idleOfHeaviestLocked(key); evict == nil {
			a.mu.Unlock()
			return &refusal{"global", http.StatusServiceUnavailable, "server busy: too many connections"}
		}
		// The evicted connection stays counted until it closes, a
		// moment later: the total may pass MaxConns by the few being
		// evicted at once.
		a.forgetIdleLocked(evict)
	}
	if ac == nil {
		ac = &addrConns{}
		a.byKey[key] = ac
	}
	ac.n++
	a.open++
	a.mu.Unlock()
	if evict != nil {
		evict.Close()
	}
	return nil
}

// idleOfHeaviestLocked returns an idle connection of the address, other
// than key, that holds the most connections and has one idle, or nil.
func (a *admission) idleOfHeaviestLocked(key string) *countedConn {
	var best *addrConns
	for k, ac := range a.byKey {
		if k != key && len(ac.idle) > 0 && (best == nil || ac.n > best.n) {
			best = ac
		}
	}
	if best == nil {
		return nil
	}
	for c := range best.idle {
		return c
	}
	return nil
}

func (a *admission) release(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.open--
	if ac := a.byKey[key]; ac != nil {
		if ac.n--; ac.n <= 0 {
			delete(a.byKey, key)
		}
	}
}

// setIdle records whether c waits for a request on a keep-alive connection
// (http.Server.ConnState).
func (a *admission) setIdle(c *countedConn, idle bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if idle && !c.closed {
		ac := a.byKey[c.key]
		if ac == nil {
			return
		}
		if ac.idle == nil {
			ac.idle = map[*countedConn]struct{}{}
		}
		ac.idle[c] = struct{}{}
		return
	}
	a.forgetIdleLocked(c)
}

func (a *admission) forgetIdleLocked(c *countedConn) {
	if ac := a.byKey[c.key]; ac != nil {
		delete(ac.idle, c)
	}
}

// counts returns the open connections and how many addresses hold them.
func (a *admission) counts() (open, addrs int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.open, len(a.byKey)
}

// addrKey is the key an address is counted under: the IPv4 address, or
// the /64 of an IPv6 one.
func addrKey(addr net.Addr) string {
	var ip net.IP
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip = a.IP
	default:
		host, _, err := net.SplitHostPort(addr.String())
		if err != nil {
			return addr.String()
		}
		ip = net.ParseIP(host)
	}
	if ip == nil {
		return addr.String()
	}
	if ip4 := ip.To4(); ip4 != nil {
		return ip4.String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// countedConn is an accepted connection that gives its place back when it
// is closed, whoever closes it (the HTTP server, or a viewer's socket after
// the hijack). It embeds the *net.TCPConn so that writev and SyscallConn,
// which the viewers' writers and readers use, still reach the socket.
type countedConn struct {
	*net.TCPConn
	a      *admission
	key    string
	once   sync.Once
	closed bool // under a.mu
}

func (c *countedConn) Close() error {
	err := c.TCPConn.Close()
	c.once.Do(func() {
		c.a.mu.Lock()
		c.closed = true
		c.a.forgetIdleLocked(c)
		c.a.mu.Unlock()
		c.a.release(c.key)
	})
	return err
}

// admitListener admits connections as admission says and answers refused
// ones with a short HTTP error before closing them.
type admitListener struct {
	net.Listener
	a       *admission
	refused func(reason string)
	// refusing bounds the goroutines answering refused connections; past
	// it they are closed without an answer.
	refusing chan struct{}
	wg       sync.WaitGroup // the goroutines answering refused connections
}

func (l *admitListener) Accept() (net.Conn, error) {
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, ok := conn.(*net.TCPConn)
		if !ok {
			return conn, nil // not TCP (a test's pipe): not counted
		}
		key := addrKey(tc.RemoteAddr())
		r := l.a.admit(key)
		if r == nil {
			return &countedConn{TCPConn: tc, a: l.a, key: key}, nil
		}
		l.refused(r.reason)
		select {
		case l.refusing <- struct{}{}:
			l.wg.Go(func() {
				defer func() { <-l.refusing }()
				refuse(tc, r)
			})
		default:
			tc.Close()
		}
	}
}

// refuse answers a refused connection with r's status and Retry-After,
// then closes it after reading what the client sent (so that the close
// does not reset the connection before the client reads the answer).
func refuse(c *net.TCPConn, r *refusal) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	body := r.msg + "\n"
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nRetry-After: %d\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		r.status, http.StatusText(r.status), 5+rand.IntN(25), len(body), body)
	_ = c.CloseWrite()
	var buf [512]byte
	for {
		if _, err := c.Read(buf[:]); err != nil {
			return
		}
	}
}
