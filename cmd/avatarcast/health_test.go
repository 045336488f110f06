package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthCommand: the healthcheck of the distroless image exits 0 on a
// 2xx answer and fails on anything else, including no answer.
func TestHealthCommand(t *testing.T) {
	ready := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !ready {
			http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	}))
	health := func(args ...string) error {
		return run(context.Background(), append([]string{"avatarcast", "health"}, args...), func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	}
	if err := health(srv.URL + "/readyz"); err != nil {
		t.Errorf("ready: %v", err)
	}
	ready = false
	if err := health(srv.URL + "/readyz"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("unready: %v, want HTTP 503", err)
	}
	srv.Close()
	if err := health(srv.URL + "/readyz"); err == nil {
		t.Error("no server: no error")
	}
	for _, bad := range [][]string{{}, {"file:///etc/passwd"}, {"a", "b"}} {
		if err := health(bad...); err == nil {
			t.Errorf("health %q: no error", bad)
		}
	}
}

// TestSecretFlagsHidden: -h shows every flag's default, which for most is
// its environment value; a NATS password or token given in the
// environment is never shown.
func TestSecretFlagsHidden(t *testing.T) {
	env := map[string]string{"AVATARCAST_NATS_PASSWORD": "pw-very-secret", "AVATARCAST_NATS_TOKEN": "tok-very-secret", "AVATARCAST_NATS_USER": "director"}
	for _, cmd := range []string{"serve", "gateway", "director"} {
		var out strings.Builder
		_ = run(context.Background(), []string{"avatarcast", cmd, "-h"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &out)
		if !strings.Contains(out.String(), "-nats-password") || !strings.Contains(out.String(), `"director"`) {
			t.Fatalf("%s -h does not list the NATS flags with their environment values:\n%s", cmd, out.String())
		}
		if strings.Contains(out.String(), "very-secret") {
			t.Errorf("%s -h shows a secret from the environment", cmd)
		}
	}
}
