package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// startServeEnv is startServe with environment variables env (flags'
// twins and AVATARCAST_DEMO_TOKEN), writing the server's log to logw too.
func startServeEnv(t *testing.T, dataDir string, env map[string]string, logw io.Writer, extra ...string) *server {
	t.Helper()
	root := repoRoot(t)
	args := append([]string{"avatarcast", "serve",
		"-addr", "127.0.0.1:0",
		"-data", dataDir,
		"-scripts", filepath.Join(root, "scripts"),
		"-personas", filepath.Join(root, "configs", "personas.yaml"),
		"-log-level", "info",
	}, extra...)
	return startRun(t, args, env, logw)
}

// startRun runs args through run, as main would, with environment env and
// its log to the test log and logw; it waits for the printed address and
// /healthz, and stops the command when the test ends.
func startRun(t *testing.T, args []string, env map[string]string, logw io.Writer) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	stderr := io.MultiWriter(testWriter{t}, logw)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), pw, stderr)
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		errc <- err
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("serve did not start: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base, ok := strings.CutPrefix(strings.TrimSpace(line), "avatarcast: serving ")
	if !ok {
		cancel()
		t.Fatalf("serve printed %q, want the address", line)
	}
	s := &server{base: base}
	var once bool
	s.stop = func() error {
		if once {
			return nil
		}
		once = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("serve did not stop within 20s")
		}
	}
	t.Cleanup(func() {
		if err := s.stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	bustest.WaitFor(t, 15*time.Second, "/healthz answers 200", func() bool {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return s
}

// syncBuffer is a bytes.Buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func apiCall(t *testing.T, s *server, token, method, path, ctype, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(data, &m)
	return resp.StatusCode, m
}

// twoMerchants returns serve's environment for two merchants: the demo
// merchant with demoToken, and acme with acmeToken in a merchants file it
// writes under dir.
func twoMerchants(t *testing.T, dir, demoToken, acmeToken string) map[string]string {
	t.Helper()
	merchants := filepath.Join(dir, "merchants.yaml")
	if err := os.WriteFile(merchants, []byte("merchants:\n  - id: acme\n    token_sha256: "+api.HashToken(acmeToken)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"AVATARCAST_DEMO_TOKEN": demoToken, "AVATARCAST_MERCHANTS": merchants}
}

// TestMerchantAPIServe stores script versions through the API of a real
// serve, restarts it on the same data directory, and finds them all again.
// The tokens never reach the log.
func TestMerchantAPIServe(t *testing.T) {
	const demoToken = "demo-token-for-tests-0123456789"
	const acmeToken = "acme-token-for-tests-0123456789"
	dir := t.TempDir()
	env := twoMerchants(t, dir, demoToken, acmeToken)
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spring := strings.Replace(string(src), "id: demo-live", "id: spring", 1)
	data := filepath.Join(dir, "data")
	var log syncBuffer

	s := startServeEnv(t, data, env, &log)
	if code, _ := apiCall(t, s, "", "GET", "/api/v1/scripts", "", ""); code != 401 {
		t.Errorf("no token: HTTP %d, want 401", code)
	}
	if code, m := apiCall(t, s, "", "GET", "/schema/show-script.json", "", ""); code != 200 || m["$schema"] == nil {
		t.Errorf("schema: HTTP %d %v, want the JSON Schema", code, m)
	}
	code, m := apiCall(t, s, demoToken, "PUT", "/api/v1/scripts/spring", "application/yaml", spring)
	if code != 201 {
		t.Fatalf("PUT spring: HTTP %d %v", code, m)
	}
	v1 := m["version"]
	code, m = apiCall(t, s, demoToken, "PUT", "/api/v1/scripts/spring", "application/yaml", strings.Replace(spring, "Spring Tea Live", "Spring Tea Live 2", 1))
	if code != 200 {
		t.Fatalf("PUT spring v2: HTTP %d %v", code, m)
	}
	v2 := m["version"]
	if code, _ := apiCall(t, s, acmeToken, "GET", "/api/v1/scripts/spring", "", ""); code != 404 {
		t.Errorf("acme GET demo's script: HTTP %d, want 404", code)
	}
	if code, _ := apiCall(t, s, acmeToken, "GET", "/api/v1/rooms/demo-live", "", ""); code != 404 {
		t.Errorf("acme GET demo's room: HTTP %d, want 404", code)
	}
	code, m = apiCall(t, s, demoToken, "GET", "/api/v1/rooms", "", "")
	if rooms, _ := m["rooms"].([]any); code != 200 || len(rooms) != 2 {
		t.Errorf("demo's rooms: HTTP %d %v, want demo-live and demo-museum", code, m)
	}
	code, m = apiCall(t, s, demoToken, "POST", "/api/v1/rooms", "application/json", `{"id":"spring-live","kind":"livestream","title":"Spring","script":"spring"}`)
	if code != 201 {
		t.Errorf("create room: HTTP %d %v", code, m)
	}
	if code, m = apiCall(t, s, demoToken, "POST", "/api/v1/rooms/demo-live/pause", "", ""); code != 200 || m["status"] != "paused" {
		t.Errorf("pause demo-live: HTTP %d %v", code, m)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	s = startServeEnv(t, data, env, &log)
	code, m = apiCall(t, s, demoToken, "GET", "/api/v1/scripts/spring/versions", "", "")
	vs, _ := m["versions"].([]any)
	if code != 200 || len(vs) != 2 || vs[0].(map[string]any)["version"] != v2 || vs[1].(map[string]any)["version"] != v1 {
		t.Fatalf("versions after restart: HTTP %d %v, want %v and %v", code, m, v2, v1)
	}
	code, m = apiCall(t, s, demoToken, "GET", "/api/v1/scripts/spring", "", "")
	if code != 200 || m["version"] != v2 || !strings.Contains(m["source"].(string), "Spring Tea Live 2") {
		t.Errorf("latest after restart: HTTP %d version %v, want %v with the new title", code, m["version"], v2)
	}
	if code, m = apiCall(t, s, demoToken, "GET", "/api/v1/rooms/spring-live", "", ""); code != 200 || m["show"] != "spring" {
		t.Errorf("room after restart: HTTP %d %v", code, m)
	}
	// serve seeds the demo rooms again, but a merchant's pause stands.
	if code, m = apiCall(t, s, demoToken, "GET", "/api/v1/rooms/demo-live", "", ""); code != 200 || m["status"] != "paused" {
		t.Errorf("demo-live after restart: HTTP %d %v, want still paused", code, m)
	}
	code, m = apiCall(t, s, demoToken, "GET", "/api/v1/audit", "", "")
	if recs, _ := m["records"].([]any); code != 200 || len(recs) != 4 {
		t.Errorf("audit after restart: HTTP %d %v, want 4 records", code, m)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	out := log.String()
	if !strings.Contains(out, "/api/v1/scripts/spring") {
		t.Errorf("the request log has no API requests:\n%s", out)
	}
	for _, tok := range []string{demoToken, acmeToken} {
		if strings.Contains(out, tok) {
			t.Errorf("the log holds a token")
		}
	}
}

// TestDemoToken: without AVATARCAST_DEMO_TOKEN, serve makes a token up,
// keeps it in a file only its owner can read (the log says where, never
// what), and it works, also after a restart; a short one is refused.
func TestDemoToken(t *testing.T) {
	b := bustest.Start(t)
	core, logs := observer.New(zap.InfoLevel)
	none := func(string) string { return "" }
	file := filepath.Join(t.TempDir(), "data", demoTokenFile)
	h, err := newMerchantAPI(b, filepath.Join(t.TempDir(), "missing.yaml"), nil, nil, none, file, nil, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.TrimSpace(string(raw))
	if len(tok) < api.MinTokenLen {
		t.Fatalf("generated token %q is too short", tok)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if gen := logs.FilterField(zap.String("file", file)).All(); len(gen) != 1 {
		t.Errorf("%d log lines saying where the token is, want 1", len(gen))
	}
	for _, e := range logs.All() {
		if strings.Contains(fmt.Sprint(e.Message, e.ContextMap()), tok) {
			t.Errorf("the log holds the token: %q %v", e.Message, e.ContextMap())
		}
	}
	srv := httptest.NewServer(h.Handler())
	defer srv.Close()
	s := &server{base: srv.URL}
	if code, m := apiCall(t, s, tok, "GET", "/api/v1/rooms", "", ""); code != 200 {
		t.Errorf("GET rooms with the generated token: HTTP %d %v", code, m)
	}
	// A restart keeps the token.
	h2, err := newMerchantAPI(b, "missing.yaml", nil, nil, none, file, nil, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewServer(h2.Handler())
	defer srv2.Close()
	if code, m := apiCall(t, &server{base: srv2.URL}, tok, "GET", "/api/v1/rooms", "", ""); code != 200 {
		t.Errorf("after a restart, GET rooms with the kept token: HTTP %d %v", code, m)
	}
	short := func(string) string { return "short" }
	if _, err := newMerchantAPI(b, "missing.yaml", nil, nil, short, file, nil, zap.NewNop()); err == nil {
		t.Errorf("a short AVATARCAST_DEMO_TOKEN was accepted")
	}
}

// TestMerchantAPIControlsServe sends a notice through the API of a real
// serve and waits for the director's notice event on a viewer's socket,
// then runs the room's lifecycle. Until serve's director answers controls
// it is skipped.
func TestMerchantAPIControlsServe(t *testing.T) {
	const tok = "demo-token-for-tests-0123456789"
	var log syncBuffer
	s := startServeEnv(t, filepath.Join(t.TempDir(), "data"), map[string]string{"AVATARCAST_DEMO_TOKEN": tok}, &log, "-log-level", "warn")
	v := dial(t, s, "room=demo-live")
	// The director answers the room's controls from before it publishes
	// the room's first event: wait for that event, then a control must be
	// answered (no retrying a 503, which hid a director that never came).
	v.await("the director's first event", 30*time.Second, func(e avatar.Envelope) bool { return e.Seq > 0 })
	code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/demo-live/notice", "application/json", `{"text":"Free shipping today","ref":"e2e-1"}`)
	if code != 200 {
		t.Fatalf("notice: HTTP %d %v", code, m)
	}
	v.await("notice with ref e2e-1", 10*time.Second, func(e avatar.Envelope) bool {
		return e.Type == avatar.EventNotice && strings.Contains(string(e.Data), "e2e-1")
	})
	for _, c := range []struct {
		path, body, status string
		event              avatar.EventType // what viewers see once the director has it
	}{
		{"pitch", `{"sku":"cup-02"}`, "", ""},
		{"say", `{"text":"Thanks for watching","lang":"en"}`, "", ""},
		{"pause", "", "paused", avatar.EventShowPause},
		{"resume", "", "playing", avatar.EventShowResume},
		{"stop", "", "stopped", avatar.EventShowEnd},
		{"start", "", "playing", avatar.EventShowStart},
	} {
		code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/demo-live/"+c.path, "application/json", c.body)
		if code != 200 || (c.status != "" && m["status"] != c.status) {
			t.Fatalf("%s: HTTP %d %v, want 200 %s", c.path, code, m, c.status)
		}
		if c.event != "" {
			// The director picks the room's new status up from the
			// bucket (or the control applies at once): the next control
			// goes to a room in that state.
			v.await(fmt.Sprintf("%s after %s", c.event, c.path), 30*time.Second, func(e avatar.Envelope) bool { return e.Type == c.event })
		}
	}
}
