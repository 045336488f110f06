package main

import (
	"io"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/bus"
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

// TestRetentionFlags: the record's and the audit trail's retention come
// from flags or their environment twins, defaulting to three years.
func TestRetentionFlags(t *testing.T) {
	f := newFlags("director", func(string) string { return "" }, io.Discard)
	c := commonFlags(f)
	if err := f.parse(nil); err != nil {
		t.Fatal(err)
	}
	if cfg := c.busConfig("x", bus.RoleDirector); cfg.RecordsMaxAge != bus.DefaultRecordsMaxAge || cfg.AuditMaxAge != bus.DefaultRecordsMaxAge || cfg.RecordsMaxBytes != bus.DefaultRecordsMaxBytes {
		t.Errorf("default config %+v, want three years and %d bytes", cfg, bus.DefaultRecordsMaxBytes)
	}
	env := map[string]string{"AVATARCAST_RECORDS_MAX_AGE": "8760h", "AVATARCAST_AUDIT_MAX_AGE": "17520h", "AVATARCAST_RECORDS_MAX_BYTES": "1048576"}
	f = newFlags("gateway", func(k string) string { return env[k] }, io.Discard)
	c = commonFlags(f)
	if err := f.parse([]string{"-records-max-bytes", "2097152"}); err != nil {
		t.Fatal(err)
	}
	if cfg := c.busConfig("x", bus.RoleDirector); cfg.RecordsMaxAge != 365*24*time.Hour || cfg.AuditMaxAge != 2*365*24*time.Hour || cfg.RecordsMaxBytes != 2<<20 {
		t.Errorf("config %+v, want a year, two years and 2 MiB (the flag)", cfg)
	}
}
