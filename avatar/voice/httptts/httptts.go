// Package httptts is a voice.Synthesizer for a text-to-speech service with
// the OpenAI-compatible shape (POST /v1/audio/speech {model, input, voice,
// response_format, speed}), which most self-hosted TTS servers offer. The
// audio comes back as Ogg Opus without timings, so voice.Cache estimates
// them (avatar/speech) and scales them to the audio's real duration.
//
// The persona's rate goes in speed. The shape has no pitch: by default a
// line's pitch is not sent and not honoured, and the synthesizer says so
// (Hears: the cache key has pitch 1, so personas differing only in pitch
// share one audio, and no key claims a pitch the audio does not have).
// Config.PitchField sends it, as an extra number (1 normal), for a server
// that accepts one under that name; then it is honoured and keyed.
package httptts

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar/voice"
)

// Config says where the service is; zero values are defaults.
type Config struct {
	URL     string        // base URL, e.g. http://127.0.0.1:8880 (required)
	Model   string        // model name (default "tts-1")
	Voice   string        // voice when a request names none (default "alloy")
	APIKey  string        // sent as a Bearer token when set; never logged
	Timeout time.Duration // per attempt (default 10s)
	Retries int           // further attempts after a failure that may pass (default 2; -1 none)
	Client  *http.Client  // default: a client without its own timeout
	// PitchField, if set, is the JSON field the request's pitch is sent in
	// (a number, 1 normal; e.g. "pitch"), for a server that accepts one.
	// Empty (the default): pitch is not sent, not honoured, not keyed.
	PitchField string
}

// Synth is the HTTP synthesizer; safe for concurrent use.
type Synth struct {
	cfg      Config
	endpoint string
}

// maxAudio bounds a response: a line's audio is tens of KB.
const maxAudio = 8 << 20

// New checks cfg and returns the synthesizer.
func New(cfg Config) (*Synth, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("httptts: bad URL %q: want http(s)://host[:port]", cfg.URL)
	}
	if cfg.Model == "" {
		cfg.Model = "tts-1"
	}
	if cfg.Voice == "" {
		cfg.Voice = "alloy"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 2
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.PitchField != "" && !validField(cfg.PitchField) {
		return nil, fmt.Errorf("httptts: bad pitch field %q: want 1-32 of a-z 0-9 _", cfg.PitchField)
	}
	if known[cfg.PitchField] {
		return nil, fmt.Errorf("httptts: pitch field %q is a field of the request already", cfg.PitchField)
	}
	return &Synth{cfg: cfg, endpoint: strings.TrimRight(cfg.URL, "/") + "/v1/audio/speech"}, nil
}

// known are the fields of the request the OpenAI shape has.
var known = map[string]bool{"model": true, "input": true, "voice": true, "response_format": true, "speed": true}

func validField(f string) bool {
	if len(f) == 0 || len(f) > 32 {
		return false
	}
	for _, c := range f {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// ID names the service and model (and the pitch field, if one is sent),
// for cache keys (never the API key).
func (s *Synth) ID() string {
	id := "http/" + s.endpoint + "/" + s.cfg.Model
	if s.cfg.PitchField != "" {
		id += "/pitch:" + s.cfg.PitchField
	}
	return id
}

// Hears implements voice.Hearer: without a PitchField the pitch is not
// sent, so a request is rendered (and keyed) at pitch 1.
func (s *Synth) Hears(req voice.Request) voice.Request {
	if s.cfg.PitchField == "" {
		req.Pitch = 0
	}
	return req
}

// body is the JSON request for req.
func (s *Synth) body(req voice.Request) []byte {
	v := req.Voice
	if v == "" {
		v = s.cfg.Voice
	}
	m := map[string]any{"model": s.cfg.Model, "input": req.Text, "voice": v, "response_format": "opus", "speed": req.RateOf()}
	if s.cfg.PitchField != "" {
		m[s.cfg.PitchField] = req.PitchOf()
	}
	b, _ := json.Marshal(m)
	return b
}

// Synthesize asks the service for req as Ogg Opus, trying again after a
// network error, a timeout, 429 or a 5xx, at most Retries times.
func (s *Synth) Synthesize(ctx context.Context, req voice.Request) (voice.Audio, error) {
	if err := req.Validate(); err != nil {
		return voice.Audio{}, err
	}
	body := s.body(req)
	var err error
	wait := 200 * time.Millisecond
	for attempt := 0; attempt <= s.cfg.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return voice.Audio{}, fmt.Errorf("httptts: %w (after: %v)", ctx.Err(), err)
			case <-time.After(wait):
			}
			wait *= 2
		}
		var data []byte
		var again bool
		data, again, err = s.once(ctx, body)
		if err == nil {
			return voice.Audio{Data: data, Format: voice.FormatOggOpus}, nil
		}
		if !again || ctx.Err() != nil {
			break
		}
	}
	return voice.Audio{}, err
}

// once makes one attempt; again says whether another may pass.
func (s *Synth) once(ctx context.Context, body []byte) (data []byte, again bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, false, fmt.Errorf("httptts: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "audio/ogg, audio/opus")
	if s.cfg.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+s.cfg.APIKey)
	}
	resp, err := s.cfg.Client.Do(hr)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return nil, true, fmt.Errorf("httptts: POST %s: no answer within %v", s.endpoint, s.cfg.Timeout)
		}
		return nil, true, fmt.Errorf("httptts: POST %s: %w", s.endpoint, err)
	}
	defer resp.Body.Close()
	data, err = io.ReadAll(io.LimitReader(resp.Body, maxAudio+1))
	if err != nil {
		return nil, true, fmt.Errorf("httptts: POST %s: read: %w", s.endpoint, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(data[:min(len(data), 200)]))
		retry := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
		return nil, retry, fmt.Errorf("httptts: POST %s: %s: %s", s.endpoint, resp.Status, msg)
	}
	if len(data) > maxAudio {
		return nil, false, fmt.Errorf("httptts: POST %s: audio over %d bytes", s.endpoint, maxAudio)
	}
	if !bytes.HasPrefix(data, []byte("OggS")) {
		return nil, false, fmt.Errorf("httptts: POST %s: answer is not Ogg Opus (Content-Type %q)", s.endpoint, resp.Header.Get("Content-Type"))
	}
	return data, false, nil
}
