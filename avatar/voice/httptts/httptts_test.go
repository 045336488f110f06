package httptts_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/avatar/voice/httptts"
)

// fake is a hand-written /v1/audio/speech: it answers with the statuses
// in fail first, then with the audio; hang makes it wait for the client
// to give up.
type fake struct {
	audio []byte
	fail  []int
	hang  bool
	calls atomic.Int32
	last  atomic.Value // the last request body
	auth  atomic.Value
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(f.calls.Add(1)) - 1
	if r.Method != http.MethodPost || r.URL.Path != "/v1/audio/speech" {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.last.Store(body)
	f.auth.Store(r.Header.Get("Authorization"))
	if f.hang {
		<-r.Context().Done()
		return
	}
	if n < len(f.fail) {
		http.Error(w, `{"error":"busy"}`, f.fail[n])
		return
	}
	w.Header().Set("Content-Type", "audio/ogg")
	_, _ = w.Write(f.audio)
}

func audio(t *testing.T) []byte {
	b, err := os.ReadFile("../testdata/en-19-dollars.ogg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func start(t *testing.T, f *fake, cfg httptts.Config) *httptts.Synth {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg.URL = srv.URL
	s, err := httptts.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var line = voice.Request{Text: "Only 19 dollars today.", Lang: "en", Rate: 1.2}

func TestSpeaksThroughTheService(t *testing.T) {
	f := &fake{audio: audio(t)}
	s := start(t, f, httptts.Config{Voice: "nova", APIKey: "sk-test"})
	c := &voice.Cache{Synth: s, Store: &mem{}}
	res, err := c.Render(context.Background(), line)
	if err != nil {
		t.Fatal(err)
	}
	if res.Timed || res.DurationMS != 1875 || len(res.Words) != 4 || res.Bytes != len(f.audio) {
		t.Errorf("result: timed %v, %d ms, %d words, %d bytes: want untimed, 1875 ms, 4 words, %d bytes", res.Timed, res.DurationMS, len(res.Words), res.Bytes, len(f.audio))
	}
	body := f.last.Load().(map[string]any)
	if body["input"] != line.Text || body["voice"] != "nova" || body["response_format"] != "opus" || body["model"] != "tts-1" || body["speed"] != 1.2 {
		t.Errorf("request body %v", body)
	}
	if f.auth.Load() != "Bearer sk-test" {
		t.Errorf("Authorization %q", f.auth.Load())
	}
	if strings.Contains(s.ID(), "sk-test") {
		t.Errorf("ID %q holds the key (it goes into cache keys and logs)", s.ID())
	}
}

func TestRetriesThenSucceeds(t *testing.T) {
	f := &fake{audio: audio(t), fail: []int{503, 429}}
	s := start(t, f, httptts.Config{Retries: 2})
	if _, err := s.Synthesize(context.Background(), line); err != nil {
		t.Fatalf("after 503 and 429: %v", err)
	}
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
}

func TestFailsClearly(t *testing.T) {
	for _, c := range []struct {
		name  string
		f     *fake
		cfg   httptts.Config
		calls int32
		want  string
	}{
		{"server error after retries", &fake{fail: []int{500, 500, 500}}, httptts.Config{Retries: 2}, 3, "500 Internal Server Error"},
		{"client error, no retry", &fake{fail: []int{400}}, httptts.Config{Retries: 2}, 1, "400 Bad Request"},
		{"timeout", &fake{hang: true}, httptts.Config{Timeout: 50 * time.Millisecond, Retries: -1}, 1, "no answer within 50ms"},
		{"not audio", &fake{audio: []byte(`{"ok":true}`)}, httptts.Config{}, 1, "not Ogg Opus"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, c.f, c.cfg)
			_, err := s.Synthesize(context.Background(), line)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one saying %q", err, c.want)
			}
			if n := c.f.calls.Load(); n != c.calls {
				t.Errorf("%d calls, want %d", n, c.calls)
			}
		})
	}
}

func TestContextEndsRetries(t *testing.T) {
	f := &fake{hang: true}
	s := start(t, f, httptts.Config{Timeout: time.Hour, Retries: 5})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.calls.Load() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if _, err := s.Synthesize(ctx, line); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestBadConfig(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := httptts.New(httptts.Config{URL: u}); err == nil {
			t.Errorf("New(%q): no error", u)
		}
	}
}

type mem struct{ m map[string]voice.Result }

func (s *mem) Get(_ context.Context, k string) (voice.Result, bool, error) {
	r, ok := s.m[k]
	return r, ok, nil
}
func (s *mem) Put(_ context.Context, r voice.Result, _ []byte) error {
	if s.m == nil {
		s.m = map[string]voice.Result{}
	}
	s.m[r.Key] = r
	return nil
}

// TestPitch: the OpenAI shape has no pitch. By default a line's pitch is
// not sent, and the cache key does not claim it (a line in two pitches is
// one audio, rendered once); with PitchField it is sent in that field and
// honoured (two pitches, two renders, two keys).
func TestPitch(t *testing.T) {
	high, low := line, line
	high.Pitch, low.Pitch = 1.3, 0.8
	for _, c := range []struct {
		name    string
		field   string
		renders int32
	}{{"not sent by default", "", 1}, {"sent in the field named", "pitch", 2}} {
		t.Run(c.name, func(t *testing.T) {
			f := &fake{audio: audio(t)}
			s := start(t, f, httptts.Config{PitchField: c.field})
			cache := &voice.Cache{Synth: s, Store: &mem{}}
			var keys []string
			for _, req := range []voice.Request{high, low} {
				res, err := cache.Render(context.Background(), req)
				if err != nil {
					t.Fatal(err)
				}
				keys = append(keys, res.Key)
				body := f.last.Load().(map[string]any)
				if body["speed"] != 1.2 {
					t.Errorf("speed %v, want the rate 1.2", body["speed"])
				}
				p, sent := body["pitch"]
				switch {
				case c.field == "" && sent:
					t.Errorf("pitch sent as %v, want not sent (the shape has none)", p)
				case c.field != "" && f.calls.Load() == int32(len(keys)) && p != req.Pitch:
					t.Errorf("pitch %v sent, want %v", p, req.Pitch)
				}
			}
			if n := f.calls.Load(); n != c.renders {
				t.Errorf("%d renders of a line in two pitches, want %d", n, c.renders)
			}
			plain := high
			plain.Pitch = 0
			switch {
			case c.field == "" && (keys[0] != keys[1] || keys[0] != voice.Key(s.ID(), plain)):
				t.Errorf("keys %v, want both the key of the line at pitch 1 (%s)", keys, voice.Key(s.ID(), plain))
			case c.field != "" && keys[0] == keys[1]:
				t.Errorf("two pitches sent, one key %s", keys[0])
			}
		})
	}
	for _, field := range []string{"input", "speed", "Pitch!", strings.Repeat("p", 33)} {
		if _, err := httptts.New(httptts.Config{URL: "http://127.0.0.1:1", PitchField: field}); err == nil {
			t.Errorf("PitchField %q: no error", field)
		}
	}
}
