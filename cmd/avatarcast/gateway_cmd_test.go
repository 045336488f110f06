package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// TestGatewayCommand runs a separate 'avatarcast gateway' against the NATS
// server of a 'serve', as a cluster would: viewers on the second gateway see
// the rooms played by serve's director, and merchants reach the API there.
func TestGatewayCommand(t *testing.T) {
	const token = "cluster-demo-token-0123456789"
	port := freePort(t)
	env := map[string]string{"AVATARCAST_DEMO_TOKEN": token}
	data := t.TempDir()
	var gwLog syncBuffer
	startServeEnv(t, data, env, io.Discard, "-nats-listen", "127.0.0.1:"+strconv.Itoa(port), "-log-level", "warn")
	gw := startRun(t, []string{"avatarcast", "gateway",
		"-addr", "127.0.0.1:0",
		"-nats-url", "nats://127.0.0.1:" + strconv.Itoa(port),
		"-nats-creds", bus.CredsFile(bus.AuthDir(data), bus.RoleAPI),
		"-personas", repoRoot(t) + "/configs/personas.yaml",
		"-merchants", t.TempDir() + "/none.yaml",
		"-log-level", "warn",
	}, env, &gwLog)

	v := dial(t, gw, "room=demo-live")
	h := v.hello()
	if h.Persona.ID != "xiaoya" || !h.AIContent {
		t.Fatalf("hello on the second gateway = %+v", h)
	}
	v.collect(h.Seq, 1)

	if code, m := apiCall(t, gw, token, "GET", "/api/v1/rooms/demo-live", "", ""); code != 200 || m["id"] != "demo-live" {
		t.Errorf("API on the second gateway: HTTP %d %v", code, m)
	}
	if code, _ := apiCall(t, gw, "", "GET", "/api/v1/rooms", "", ""); code != 401 {
		t.Errorf("API without a token: HTTP %d, want 401", code)
	}
	// A viewer-only gateway with the gateway role's credentials: viewers
	// see the show, and there is no merchant API to reach.
	viewers := startRun(t, []string{"avatarcast", "gateway", "-api", "off",
		"-addr", "127.0.0.1:0",
		"-nats-url", "nats://127.0.0.1:" + strconv.Itoa(port),
		"-nats-creds", bus.CredsFile(bus.AuthDir(data), bus.RoleGateway),
		"-personas", repoRoot(t) + "/configs/personas.yaml",
		"-log-level", "warn",
	}, nil, io.Discard)
	v2 := dial(t, viewers, "room=demo-live")
	h2 := v2.hello()
	v2.collect(h2.Seq, 1)
	if code, _ := apiCall(t, viewers, token, "GET", "/api/v1/rooms/demo-live", "", ""); code != 404 {
		t.Errorf("API on a viewer-only gateway: HTTP %d, want 404", code)
	}
	// A room's public facts come from its script, which the gateway role
	// may not read: the viewer-only gateway says so (the compose load
	// balancer sends public.json to the API gateway), the other serves them.
	if code, _ := apiCall(t, viewers, "", "GET", "/rooms/demo-live/public.json", "", ""); code != 503 {
		t.Errorf("public.json on a viewer-only gateway: HTTP %d, want 503", code)
	}
	if code, m := apiCall(t, gw, "", "GET", "/rooms/demo-live/public.json", "", ""); code != 200 || m["room"] != "demo-live" {
		t.Errorf("public.json on the API gateway: HTTP %d %v", code, m)
	}
	// The merchant API's work, with the api role's permissions.
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spring := strings.Replace(string(src), "id: demo-live", "id: spring", 1)
	if code, m := apiCall(t, gw, token, "PUT", "/api/v1/scripts/spring", "application/yaml", spring); code != 201 {
		t.Errorf("PUT a script: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, gw, token, "GET", "/api/v1/scripts/spring/versions", "", ""); code != 200 {
		t.Errorf("script versions: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, gw, token, "POST", "/api/v1/rooms", "application/json", `{"id":"spring-live","kind":"livestream","title":"Spring","script":"spring"}`); code != 201 {
		t.Errorf("create a room: HTTP %d %v", code, m)
	}
	// A notice is a control: a NATS request that serve's director answers.
	if code, m := apiCall(t, gw, token, "POST", "/api/v1/rooms/demo-live/notice", "application/json", `{"text":"Free shipping today","ref":"e2e-1"}`); code != 200 {
		t.Errorf("notice (a control): HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, gw, token, "POST", "/api/v1/rooms/demo-live/pause", "", ""); code != 200 {
		t.Errorf("pause: HTTP %d %v", code, m)
	}
	if code, m := apiCall(t, gw, token, "GET", "/api/v1/audit", "", ""); code != 200 {
		t.Errorf("audit: HTTP %d %v", code, m)
	}
	if strings.Contains(gwLog.String(), "ermissions") {
		t.Errorf("NATS refused the api role something:\n%s", gwLog.String())
	}
}

// TestGatewayCommandNeedsCredentials: serve's listening NATS refuses a
// gateway that brings no credentials.
func TestGatewayCommandNeedsCredentials(t *testing.T) {
	port := freePort(t)
	startServe(t, t.TempDir(), "-nats-listen", "127.0.0.1:"+strconv.Itoa(port))
	err := run(context.Background(), []string{"avatarcast", "gateway", "-addr", "127.0.0.1:0",
		"-nats-url", "nats://127.0.0.1:" + strconv.Itoa(port), "-personas", repoRoot(t) + "/configs/personas.yaml", "-log-level", "warn"},
		func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "uthorization") {
		t.Fatalf("gateway without credentials: %v, want an authorization error", err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDirectorCommandJoins runs a second 'avatarcast director' without
// -scripts against serve's NATS, as a cluster member would: it must run
// (standing by for leases) until stopped, and stop cleanly.
func TestDirectorCommandJoins(t *testing.T) {
	port := freePort(t)
	data := t.TempDir()
	startServe(t, data, "-nats-listen", "127.0.0.1:"+strconv.Itoa(port))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"avatarcast", "director", "-nats-url", "nats://127.0.0.1:" + strconv.Itoa(port), "-log-level", "warn",
			"-nats-creds", bus.CredsFile(bus.AuthDir(data), bus.RoleDirector)},
			func(string) string { return "" }, strings.NewReader(""), io.Discard, testWriter{t})
	}()
	select {
	case err := <-done:
		t.Fatalf("director without -scripts returned at once: %v", err)
	case <-time.After(2 * time.Second):
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("director shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("director did not stop within 20s")
	}
}

// TestGatewayCommandWithoutMerchants: an API gateway with no merchants
// file and no demo token (the compose file's api service as written)
// starts and serves viewers; the merchant API answers 503 saying no
// merchant is configured, and the public pages still work.
func TestGatewayCommandWithoutMerchants(t *testing.T) {
	port := freePort(t)
	data := t.TempDir()
	startServe(t, data, "-nats-listen", "127.0.0.1:"+strconv.Itoa(port), "-log-level", "warn")
	gw := startRun(t, []string{"avatarcast", "gateway", "-api", "on",
		"-addr", "127.0.0.1:0",
		"-nats-url", "nats://127.0.0.1:" + strconv.Itoa(port),
		"-nats-creds", bus.CredsFile(bus.AuthDir(data), bus.RoleAPI),
		"-personas", repoRoot(t) + "/configs/personas.yaml",
		"-merchants", t.TempDir() + "/none.yaml",
		"-log-level", "warn",
	}, nil, io.Discard)
	v := dial(t, gw, "room=demo-live")
	h := v.hello()
	v.collect(h.Seq, 1)
	for _, token := range []string{"", "some-token-of-nobody-0123456789"} {
		code, m := apiCall(t, gw, token, "GET", "/api/v1/rooms", "", "")
		e, _ := m["error"].(map[string]any)
		if code != 503 || e["code"] != "no_merchants" || !strings.Contains(fmt.Sprint(e["message"]), "no merchants configured") {
			t.Errorf("API without merchants (token %q): HTTP %d %v; want 503 no_merchants", token, code, m)
		}
	}
	if code, m := apiCall(t, gw, "", "GET", "/rooms/demo-live/public.json", "", ""); code != 200 || m["room"] != "demo-live" {
		t.Errorf("public.json without merchants: HTTP %d %v", code, m)
	}
}
