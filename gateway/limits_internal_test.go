package gateway

import (
	"net"
	"testing"
)

func TestAddrKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"127.0.0.2:5000", "127.0.0.2"},
		{"[::ffff:10.0.0.1]:80", "10.0.0.1"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"}, // the same /64
		{"[2001:db8:1:3::1]:443", "2001:db8:1:3::/64"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := addrKey(a); got != tc.want {
			t.Errorf("addrKey(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

// TestAdmission checks the caps' arithmetic without sockets: per address,
// the reserve near the total, and refusal when full with nothing idle.
func TestAdmission(t *testing.T) {
	a := newAdmission(Config{MaxConnsPerIP: 5, MaxConns: 10, BusyConnsPerIP: 2})
	admit := func(key string, n int) (ok int, reasons map[string]int) {
		reasons = map[string]int{}
		for range n {
			if r := a.admit(key); r != nil {
				reasons[r.reason]++
			} else {
				ok++
			}
		}
		return ok, reasons
	}
	if ok, r := admit("a", 6); ok != 5 || r["per_ip"] != 1 {
		t.Errorf("a: %d admitted, refused %v; want 5 and 1 per_ip", ok, r)
	}
	// 9 is the reserve's start (10 less a tenth): b holds 4 by then.
	if ok, r := admit("b", 5); ok != 4 || r["global"] != 1 {
		t.Errorf("b: %d admitted, refused %v; want 4 and 1 global", ok, r)
	}
	if ok, _ := admit("c", 1); ok != 1 {
		t.Errorf("c, holding none, in the reserve: not admitted")
	}
	// Full, and nothing idle to make room with.
	if ok, r := admit("d", 1); ok != 0 || r["global"] != 1 {
		t.Errorf("d when full: %d admitted, refused %v; want 0 and 1 global", ok, r)
	}
	a.release("a")
	if ok, _ := admit("d", 1); ok != 1 {
		t.Errorf("d after a released one: not admitted")
	}
	if open, addrs := a.counts(); open != 10 || addrs != 4 {
		t.Errorf("counts %d open from %d addresses, want 10 from 4", open, addrs)
	}
}
