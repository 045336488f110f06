package main

import (
	"io"
	"testing"
	"time"
)

// TestGatewayLimitFlags: the connection caps and HTTP timeouts come from
// flags or their environment twins, the flag winning.
func TestGatewayLimitFlags(t *testing.T) {
	env := map[string]string{
		"AVATARCAST_MAX_CONNS":          "5000",
		"AVATARCAST_BUSY_CONNS_PER_IP":  "4",
		"AVATARCAST_HTTP_IDLE_TIMEOUT":  "10s",
		"AVATARCAST_HTTP_READ_TIMEOUT":  "20s",
		"AVATARCAST_MAX_CONNS_PER_IP":   "64",
		"AVATARCAST_HTTP_WRITE_TIMEOUT": "1m",
	}
	f := newFlags("gateway", func(k string) string { return env[k] }, io.Discard)
	o := gatewayFlags(f)
	if err := f.parse([]string{"-max-conns-per-ip", "32"}); err != nil {
		t.Fatal(err)
	}
	c := o.config()
	if c.MaxConns != 5000 || c.BusyConnsPerIP != 4 || c.MaxConnsPerIP != 32 ||
		c.HTTPIdleTimeout != 10*time.Second || c.HTTPReadTimeout != 20*time.Second || c.HTTPWriteTimeout != time.Minute {
		t.Errorf("config %+v, want max 5000, busy 4, per address 32 (the flag), timeouts 20s read, 1m write, 10s idle", c)
	}
	f = newFlags("gateway", func(k string) string {
		if k == "AVATARCAST_HTTP_IDLE_TIMEOUT" {
			return "soon"
		}
		return ""
	}, io.Discard)
	gatewayFlags(f)
	if err := f.parse(nil); err == nil {
		t.Error("AVATARCAST_HTTP_IDLE_TIMEOUT=soon: no error")
	}
}
