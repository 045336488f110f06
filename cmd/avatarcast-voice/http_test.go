package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/avatar/voice/httptts"
)

// TestWorkerWithHTTPProvider: the worker with -provider http, over real
// NATS, against a hand-written TTS service: audio without timings comes
// back with estimated ones (timing "estimate") and is cached; when the
// service fails or hangs, the caller gets a clear error in time and the
// worker goes on.
func TestWorkerWithHTTPProvider(t *testing.T) {
	audio, err := os.ReadFile("../../avatar/voice/testdata/en-19-dollars.ogg")
	if err != nil {
		t.Fatal(err)
	}
	var mode atomic.Value // "ok", "fail", "hang"
	mode.Store("ok")
	var calls atomic.Int32
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		// Read the body, so the server notices when the client gives up.
		_, _ = io.Copy(io.Discard, r.Body)
		switch mode.Load() {
		case "fail":
			http.Error(w, "model not loaded", http.StatusServiceUnavailable)
		case "hang":
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		default:
			_, _ = w.Write(audio)
		}
	}))
	defer srv.Close()
	defer close(stop)
	synth, err := httptts.New(httptts.Config{URL: srv.URL, Timeout: 100 * time.Millisecond, Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	b := bustest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	w, err := newWorker(ctx, b, synth, 2, bus.AudioConfig{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	defer func() { cancel(); <-done }()
	c := b.VoiceClient(30 * time.Second)
	render := func(text string) (voice.Result, error) {
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			res, err := c.Render(context.Background(), voice.Request{Text: text, Lang: "en"})
			if err == nil || !strings.Contains(err.Error(), "no voice worker") || time.Now().After(deadline) {
				return res, err
			}
		}
	}
	res, err := render("Only 19 dollars today.")
	if err != nil {
		t.Fatal(err)
	}
	if res.Timed || res.Timing() != avatar.TimingEstimate || res.DurationMS != 1875 || len(res.Words) != 4 {
		t.Errorf("result %+v: want estimated timings over 1875 ms", res)
	}
	if again, err := render("Only 19 dollars today."); err != nil || !again.Cached || calls.Load() != 1 {
		t.Errorf("second render: cached %v, %v, %d calls to the service; want a hit", again.Cached, err, calls.Load())
	}
	for _, m := range []string{"fail", "hang"} {
		mode.Store(m)
		_, err := render("A line the service cannot say: " + m)
		if err == nil || !strings.Contains(err.Error(), "worker: ") {
			t.Errorf("%s: %v, want the worker's error", m, err)
		}
		t.Logf("%s: %v", m, err)
	}
	mode.Store("ok")
	if _, err := render("Back again."); err != nil {
		t.Errorf("after failures: %v", err)
	}
}

// TestHTTPPitchField: -http-pitch-field (or its env twin) makes the HTTP
// provider send the pitch, and its ID (part of every cache key) says so.
func TestHTTPPitchField(t *testing.T) {
	env := map[string]string{"AVATARCAST_HTTP_PITCH_FIELD": "pitch"}
	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-http-url", "http://127.0.0.1:1"}, nil, ""},
		{[]string{"-http-url", "http://127.0.0.1:1", "-http-pitch-field", "pitch_scale"}, nil, "/pitch:pitch_scale"},
		{[]string{"-http-url", "http://127.0.0.1:1"}, env, "/pitch:pitch"},
	} {
		args := append([]string{"avatarcast-voice", "-nats-url", "nats://127.0.0.1:1", "-provider", "http"}, c.args...)
		cfg, err := parse(args, func(k string) string { return c.env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		s, err := synthesizer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if id := s.ID(); c.want == "" && strings.Contains(id, "pitch") || !strings.HasSuffix(id, c.want) {
			t.Errorf("%v %v: ID %q, want it to end in %q", c.args, c.env, id, c.want)
		}
	}
}
