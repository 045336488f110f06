package gateway_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// Linux routes all of 127.0.0.0/8 to the loopback interface: a test can
// dial from 127.0.0.N to look like N different hosts.

func (h *harness) addr() string { return strings.TrimPrefix(h.url, "ws://") }

// dialFrom opens a TCP connection to the gateway from local address ip.
func (h *harness) dialFrom(ip string) net.Conn {
	h.t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c, err := d.Dial("tcp", h.addr())
	if err != nil {
		h.t.Fatalf("dial from %s: %v", ip, err)
	}
	h.t.Cleanup(func() { c.Close() })
	return c
}

// get sends GET path on c, keeping it alive, and returns the status, or 0
// if the connection ended without an answer.
func get(t *testing.T, c net.Conn, br *bufio.Reader, path string) int {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: gw\r\n\r\n", path); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s: %d without Retry-After", path, resp.StatusCode)
		}
	}
	return resp.StatusCode
}

// hold opens n keep-alive connections from ip, each having sent one GET
// /healthz, and returns how many got each status (0: no answer).
func (h *harness) hold(ip string, n int) map[int]int {
	h.t.Helper()
	got := map[int]int{}
	for range n {
		c := h.dialFrom(ip)
		got[get(h.t, c, bufio.NewReader(c), "/healthz")]++
	}
	return got
}

// viewerFrom opens a viewer socket from ip and reads its hello.
func (h *harness) viewerFrom(ip string) error {
	d := *websocket.DefaultDialer
	d.NetDialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext
	ws, _, err := d.Dial(h.url+"/ws?room=r", nil)
	if err != nil {
		return err
	}
	h.t.Cleanup(func() { ws.Close() })
	c := &conn{t: h.t, ws: ws}
	if e := c.next(); e.Type != avatar.EventHello {
		return fmt.Errorf("first frame %s, want hello", e.Type)
	}
	return nil
}

// healthFrom asks /healthz from ip on a new connection.
func (h *harness) healthFrom(ip string) int {
	h.t.Helper()
	c := h.dialFrom(ip)
	return get(h.t, c, bufio.NewReader(c), "/healthz")
}

// TestConnectionCaps: idle keep-alive connections from one address, or from
// many, cannot take the gateway's file descriptors: over the per-address
// cap one address is refused (429), near the global cap addresses holding
// many are refused (503), and /healthz and a viewer from another address
// still answer.
func TestConnectionCaps(t *testing.T) {
	h := start(t, gateway.Config{MaxConnsPerIP: 6, MaxConns: 20, BusyConnsPerIP: 2})

	// One address, over its cap.
	if got := h.hold("127.0.0.2", 9); got[200] != 6 || got[429] != 3 {
		t.Errorf("9 connections from 127.0.0.2 with a cap of 6: statuses %v, want 6×200 and 3×429", got)
	}
	if s := h.healthFrom("127.0.0.3"); s != 200 {
		t.Errorf("/healthz from 127.0.0.3 while 127.0.0.2 is at its cap: %d, want 200", s)
	}
	if err := h.viewerFrom("127.0.0.4"); err != nil {
		t.Errorf("viewer from 127.0.0.4 while 127.0.0.2 is at its cap: %v", err)
	}

	// Many addresses, each at its cap, more than the gateway holds.
	held := map[int]int{}
	for i := 5; i < 12; i++ {
		for s, n := range h.hold(fmt.Sprintf("127.0.0.%d", i), 6) {
			held[s] += n
		}
	}
	if held[503] == 0 || held[200] > 20 {
		t.Errorf("7×6 connections from 7 addresses with a global cap of 20: statuses %v, want some 503 and at most 20×200", held)
	}
	// Newcomers still get in: a health check, and a viewer.
	if s := h.healthFrom("127.0.0.20"); s != 200 {
		t.Errorf("/healthz from a new address when full: %d, want 200", s)
	}
	if err := h.viewerFrom("127.0.0.21"); err != nil {
		t.Errorf("viewer from a new address when full: %v", err)
	}
	if n := h.metric("avatarcast_gateway_open_connections"); n > 20+2 {
		t.Errorf("open connections %v with a cap of 20", n)
	}
	t.Logf("held from 7 addresses: %v; refused per address %v, global %v", held,
		h.labelled("avatarcast_gateway_refused_connections_total", `reason="per_ip"`), h.labelled("avatarcast_gateway_refused_connections_total", `reason="global"`))
}

// labelled reads one labelled metric from the gateway's /metrics.
func (h *harness) labelled(name, label string) float64 {
	h.t.Helper()
	resp, err := http.Get("http://" + h.addr() + "/metrics")
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+"{"+label+"} "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}

// TestHTTPTimeoutsSpareWebSockets: an idle keep-alive connection is closed
// after HTTPIdleTimeout, while a viewer socket outlives every HTTP timeout
// and keeps working.
func TestHTTPTimeoutsSpareWebSockets(t *testing.T) {
	const d = 200 * time.Millisecond
	h := start(t, gateway.Config{HTTPReadTimeout: d, HTTPWriteTimeout: d, HTTPIdleTimeout: d})
	ws := h.dial("room=r")
	ws.next() // hello

	c := h.dialFrom("127.0.0.2")
	br := bufio.NewReader(c)
	if s := get(t, c, br, "/healthz"); s != 200 {
		t.Fatalf("/healthz: %d", s)
	}
	// The server closes the idle connection: the read ends (EOF), long
	// before this deadline.
	_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := br.ReadByte(); err != io.EOF {
		t.Errorf("idle keep-alive connection: read %v, want EOF (closed by the server)", err)
	}

	// Not an assertion on time: the socket has lived past every HTTP
	// deadline set for its upgrade request.
	time.Sleep(5 * d)
	ws.send(`{"type":"ping"}`)
	ws.nextOf(avatar.EventPong)
	h.publish(1)
	ws.expectSeqs(1, 1)
}

// TestClosedSocketGivesItsPlaceBack: a viewer socket (hijacked from the
// HTTP server) counts against its address while open and not after.
func TestClosedSocketGivesItsPlaceBack(t *testing.T) {
	h := start(t, gateway.Config{MaxConnsPerIP: 1})
	d := *websocket.DefaultDialer
	d.NetDialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext
	ws, _, err := d.Dial(h.url+"/ws?room=r", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, resp, _ := d.Dial(h.url+"/ws?room=r", nil); resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second socket from 127.0.0.2 with a cap of 1: %v, want 429", resp)
	}
	ws.Close()
	// The gateway sees the close a moment later.
	bustest.WaitFor(t, 30*time.Second, "a socket from 127.0.0.2 after the first closed", func() bool {
		ws, resp, err := d.Dial(h.url+"/ws?room=r", nil)
		if err == nil {
			ws.Close()
			return true
		}
		if resp == nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("socket from 127.0.0.2 after the first closed: %v %v", resp, err)
		}
		return false
	})
}
