package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

func TestFindVoiceWorker(t *testing.T) {
	if vw, why := findVoiceWorker("off", t.TempDir()); vw != nil || why == "" {
		t.Errorf("off: %+v %q, want none and why", vw, why)
	}
	if vw, why := findVoiceWorker(filepath.Join(t.TempDir(), "nope"), t.TempDir()); vw != nil || !strings.Contains(why, "nope") {
		t.Errorf("a missing path: %+v %q, want none and the path named", vw, why)
	}
	bin := filepath.Join(t.TempDir(), voiceBinary)
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if vw, _ := findVoiceWorker(bin, t.TempDir()); vw == nil || vw.bin != bin || vw.src != "" {
		t.Errorf("a path: %+v, want it run as it is", vw)
	}
	// From the repository root (go run ./cmd/avatarcast serve), auto
	// builds from source when no binary is found.
	t.Chdir(repoRoot(t))
	t.Setenv("PATH", filepath.Dir(goTool(t)))
	data := t.TempDir()
	vw, why := findVoiceWorker("auto", data)
	if vw == nil || vw.src != "./cmd/avatarcast-voice" || vw.bin != filepath.Join(data, "bin", voiceBinary) {
		t.Errorf("auto in the source tree: %+v (%s), want a build into DATA/bin", vw, why)
	}
	t.Chdir(t.TempDir())
	if vw, why := findVoiceWorker("auto", data); vw != nil || !strings.Contains(why, "PATH") {
		t.Errorf("auto elsewhere: %+v %q, want none and why", vw, why)
	}
}

func goTool(t *testing.T) string {
	p, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	return p
}

// TestWorkerThatKeepsFailingIsGivenUp: a worker that exits at once is
// restarted, then given up on with a clear log, and serve goes on (run
// returns nil).
func TestWorkerThatKeepsFailingIsGivenUp(t *testing.T) {
	bin := filepath.Join(t.TempDir(), voiceBinary)
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho no espeak here >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	var out syncBuffer
	vw := &voiceWorker{bin: bin, natsURL: "nats://127.0.0.1:1", stderr: &out, log: zaptest.NewLogger(t), giveUpAt: 2}
	if err := vw.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "no espeak here"); n != 2 {
		t.Errorf("worker ran %d times, want 2 (then given up)", n)
	}
}

// TestServeRunsTheVoiceWorker: serve starts the worker binary as a
// process of its own on its embedded NATS; a line rendered through NATS
// is served by serve's gateway with a range request; when serve stops,
// so does the worker.
func TestServeRunsTheVoiceWorker(t *testing.T) {
	var log syncBuffer
	s, b := serveWithVoiceWorker(t, &log)
	res, err := b.VoiceClient(0).Render(context.Background(), voice.Request{Text: "这款龙井只要99元。", Lang: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.base+res.URL(), nil)
	req.Header.Set("Range", "bytes=0-3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || string(body) != "OggS" {
		t.Errorf("GET %s bytes 0-3: %s %q, want 206 \"OggS\"", res.URL(), resp.Status, body)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "voice worker stopped") {
		t.Errorf("the worker did not stop with serve:\n%s", log.String())
	}
}

// serveWithVoiceWorker builds the real voice worker (espeak-ng: the test
// is skipped without its libraries), starts serve with it logging to log,
// waits until the worker is ready, and opens serve's embedded NATS
// read-only as the admin, closed when the test ends.
func serveWithVoiceWorker(t *testing.T, log *syncBuffer) (*server, *bus.Bus) {
	t.Helper()
	if err := exec.Command("pkg-config", "--exists", "espeak-ng", "libopusenc").Run(); err != nil {
		t.Skip("libespeak-ng-dev or libopusenc-dev missing (bash .ci/deps installs them)")
	}
	bin := filepath.Join(t.TempDir(), voiceBinary)
	build := exec.Command(goTool(t), "build", "-tags", "espeak", "-o", bin, "./cmd/avatarcast-voice")
	build.Dir = repoRoot(t)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the worker: %v\n%s", err, out)
	}
	data := t.TempDir()
	s := startServeEnv(t, data, nil, log, "-voice", bin)
	natsURL := waitLog(t, log, regexp.MustCompile(`embedded NATS started.*"nats": "(nats://[^"]+)"`))
	waitLog(t, log, regexp.MustCompile(`voice worker ready`))
	b, err := bus.Open(context.Background(), bus.Config{URL: natsURL, ReadOnly: true,
		Auth: bus.Auth{CredsFile: bus.CredsFile(filepath.Join(data, "nats-auth"), bus.RoleAdmin)}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return s, b
}

// waitLog waits until the log matches re and returns its first group.
func waitLog(t *testing.T, log *syncBuffer, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := re.FindStringSubmatch(log.String()); m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never matched %s:\n%s", re, log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
