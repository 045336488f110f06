package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeModelAnswersFromEnv: serve turns the model client on only when
// AVATARCAST_AI_URL is set, says so in its log without the key, and
// refuses a bad endpoint URL at start.
func TestServeModelAnswersFromEnv(t *testing.T) {
	stub := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(stub.Close)
	const key = "sk-do-not-log-1234567890"
	var log syncBuffer
	s := startServeEnv(t, filepath.Join(t.TempDir(), "data"), map[string]string{
		"AVATARCAST_DEMO_TOKEN": strings.Repeat("t", 32),
		"AVATARCAST_AI_URL":     stub.URL + "/v1", "AVATARCAST_AI_MODEL": "qwen2.5:3b", "AVATARCAST_AI_KEY": key,
	}, &log)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	got := log.String()
	if !strings.Contains(got, "model answers on") || !strings.Contains(got, "qwen2.5:3b") {
		t.Errorf("log does not say the model is on:\n%s", got)
	}
	if strings.Contains(got, key) {
		t.Errorf("the log holds the key")
	}

	var off syncBuffer
	s = startServeEnv(t, filepath.Join(t.TempDir(), "data"), map[string]string{"AVATARCAST_DEMO_TOKEN": strings.Repeat("t", 32)}, &off)
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(off.String(), "model answers off") {
		t.Errorf("without AVATARCAST_AI_URL the log does not say the model is off:\n%s", off.String())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	root := repoRoot(t)
	env := map[string]string{"AVATARCAST_DEMO_TOKEN": strings.Repeat("t", 32), "AVATARCAST_AI_URL": "ftp://example.invalid/v1", "AVATARCAST_AI_MODEL": "m"}
	err := run(ctx, []string{"avatarcast", "serve", "-addr", "127.0.0.1:0", "-data", filepath.Join(t.TempDir(), "data"),
		"-scripts", filepath.Join(root, "scripts"), "-personas", filepath.Join(root, "configs", "personas.yaml")},
		func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "endpoint URL") {
		t.Errorf("serve with an ftp endpoint: %v, want an endpoint URL error", err)
	}
}
