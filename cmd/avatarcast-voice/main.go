// Command avatarcast-voice is the voice worker: it renders spoken lines for
// the director, over NATS request/reply (avatar.VoiceRenderSubject, queue
// group avatar.VoiceQueue, so workers scale by adding processes), into the
// JetStream object store every gateway serves audio from
// (avatar.AudioBucket). Each line is rendered once: its content key
// (voice.Key) finds it in the store after.
//
// Providers: -provider espeak (the default) links libespeak-ng through cgo
// and is built with `go build -tags espeak ./cmd/avatarcast-voice`; a
// binary built so is under the GPL-3.0, as espeak-ng is. -provider http
// speaks through an OpenAI-compatible /v1/audio/speech service and needs
// no cgo.
//
// `avatarcast serve` starts this worker itself when it finds or can build
// it (see docs/voice.md).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/avatar/voice/httptts"
	"github.com/avatarcast/avatarcast/cmd/avatarcast-voice/espeak"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "avatarcast-voice:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	natsURL, creds, provider                 string
	natsUser, natsPassword                   string
	httpURL, httpModel, httpVoice, httpPitch string
	httpKey                                  string
	httpTimeout                              time.Duration
	httpRetries, concurrency                 int
	bitrate, replicas                        int
	metricsAddr, logLevel                    string
	maxAge                                   time.Duration
	maxBytes                                 int64
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("avatarcast-voice", flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(name, def string) string {
		if v := getenv("AVATARCAST_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))); v != "" {
			return v
		}
		return def
	}
	var c config
	str := func(p *string, name, def, usage string) {
		fs.StringVar(p, name, env(name, def), usage+" (env AVATARCAST_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))+")")
	}
	str(&c.natsURL, "nats-url", "", "NATS server URLs (required)")
	str(&c.creds, "nats-creds", "", "NATS credentials file (serve -nats-listen writes one per role; the worker connects as role voice)")
	str(&c.natsUser, "nats-user", "", "NATS user name, with the password in AVATARCAST_NATS_PASSWORD (configs/nats/auth.conf: voice)")
	str(&c.provider, "provider", "espeak", "espeak (local espeak-ng, real timings) or http (an OpenAI-compatible /v1/audio/speech service)")
	str(&c.httpURL, "http-url", "", "base URL of the TTS service for -provider http, e.g. http://127.0.0.1:8880")
	str(&c.httpModel, "http-model", "tts-1", "model name sent to the TTS service")
	str(&c.httpVoice, "http-voice", "alloy", "voice when a line names none, for -provider http")
	str(&c.httpPitch, "http-pitch-field", "", "JSON field to send the persona's pitch in (1 normal), for a TTS service that takes one; empty: pitch is not sent (the OpenAI shape has none)")
	str(&c.metricsAddr, "metrics-addr", "", "if set, serve /metrics on this host:port")
	str(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	var timeout, maxAge, retries, conc, bitrate, maxBytes, replicas string
	str(&timeout, "http-timeout", "10s", "per attempt, for -provider http")
	str(&retries, "http-retries", "2", "attempts after a failure that may pass (5xx, 429, timeout), for -provider http")
	str(&conc, "concurrency", "2", "renders at once (espeak-ng itself renders one at a time per process)")
	str(&bitrate, "bitrate", "24000", "Opus bitrate in bit/s for -provider espeak")
	str(&maxAge, "audio-max-age", "720h", "how long rendered audio is kept")
	str(&maxBytes, "audio-max-bytes", "1073741824", "bytes the audio store may hold")
	str(&replicas, "nats-replicas", "1", "servers of a NATS cluster that keep the audio store, when the worker creates it (3 on a 3-node cluster)")
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	// The key only from the environment: a command line is visible to other users.
	c.httpKey = getenv("AVATARCAST_HTTP_API_KEY")
	c.natsPassword = getenv("AVATARCAST_NATS_PASSWORD")
	var err error
	num := func(name, s string, p *int) {
		if err == nil {
			if _, e := fmt.Sscan(s, p); e != nil {
				err = fmt.Errorf("-%s %q: not a number", name, s)
			}
		}
	}
	num("http-retries", retries, &c.httpRetries)
	num("concurrency", conc, &c.concurrency)
	num("bitrate", bitrate, &c.bitrate)
	num("nats-replicas", replicas, &c.replicas)
	var mb int
	num("audio-max-bytes", maxBytes, &mb)
	c.maxBytes = int64(mb)
	for _, d := range []struct {
		name, s string
		p       *time.Duration
	}{{"http-timeout", timeout, &c.httpTimeout}, {"audio-max-age", maxAge, &c.maxAge}} {
		if err == nil {
			if *d.p, err = time.ParseDuration(d.s); err != nil {
				err = fmt.Errorf("-%s: %w", d.name, err)
			}
		}
	}
	if err == nil && c.natsURL == "" {
		err = errors.New("-nats-url (AVATARCAST_NATS_URL) is required")
	}
	return c, err
}

// synthesizer is the provider the flags choose.
func synthesizer(c config) (voice.Synthesizer, error) {
	switch c.provider {
	case "espeak":
		return espeak.New(espeak.Config{Bitrate: c.bitrate})
	case "http":
		return httptts.New(httptts.Config{URL: c.httpURL, Model: c.httpModel, Voice: c.httpVoice, APIKey: c.httpKey,
			Timeout: c.httpTimeout, Retries: c.httpRetries, PitchField: c.httpPitch})
	}
	return nil, fmt.Errorf("-provider %q: want espeak or http", c.provider)
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return fmt.Errorf("-log-level %q: %w", c.logLevel, err)
	}
	ec := zap.NewProductionEncoderConfig()
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	ec.EncodeLevel = zapcore.CapitalLevelEncoder
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(ec), zapcore.AddSync(stderr), lvl)).Named("voice")
	defer func() { _ = log.Sync() }()

	synth, err := synthesizer(c)
	if err != nil {
		return err
	}
	b, err := bus.Open(ctx, bus.Config{URL: c.natsURL, Name: "avatarcast-voice", Role: bus.RoleVoice, Auth: bus.Auth{CredsFile: c.creds, User: c.natsUser, Password: c.natsPassword}}, log)
	if err != nil {
		return err
	}
	w, err := newWorker(ctx, b, synth, c.concurrency, bus.AudioConfig{MaxAge: c.maxAge, MaxBytes: c.maxBytes, Replicas: c.replicas}, log)
	if err != nil {
		return errors.Join(err, b.Close())
	}
	fmt.Fprintf(stdout, "avatarcast-voice: rendering with %s\n", synth.ID())
	if c.metricsAddr != "" {
		ln, err := net.Listen("tcp", c.metricsAddr)
		if err != nil {
			return errors.Join(fmt.Errorf("listen: %w", err), b.Close())
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", promhttp.HandlerFor(w.reg, promhttp.HandlerOpts{}))
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		log.Info("metrics", zap.String("addr", ln.Addr().String()))
	}
	return errors.Join(w.run(ctx), b.Close())
}

// worker renders through a voice.Cache over the bus's audio store and
// answers render requests.
type worker struct {
	b     *bus.Bus
	cache *voice.Cache
	conc  int
	reg   *prometheus.Registry
	log   *zap.Logger
}

func newWorker(ctx context.Context, b *bus.Bus, synth voice.Synthesizer, conc int, ac bus.AudioConfig, log *zap.Logger) (*worker, error) {
	store, err := b.AudioStore(ctx, ac)
	if err != nil {
		return nil, err
	}
	w := &worker{b: b, cache: &voice.Cache{Synth: synth, Store: store}, conc: max(conc, 1), reg: prometheus.NewRegistry(), log: log}
	for _, o := range []struct {
		outcome string
		get     func(voice.Stats) uint64
	}{
		{"hit", func(s voice.Stats) uint64 { return s.Hits }},
		{"miss", func(s voice.Stats) uint64 { return s.Misses }},
		{"failure", func(s voice.Stats) uint64 { return s.Failures }},
	} {
		w.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "avatarcast_voice_renders_total",
			Help:        "Render requests by outcome: hit (served from the audio store), miss (synthesised now), failure.",
			ConstLabels: prometheus.Labels{"outcome": o.outcome},
		}, func() float64 { return float64(o.get(w.cache.Stats())) }))
	}
	return w, nil
}

func (w *worker) run(ctx context.Context) error {
	w.log.Info("voice worker ready", zap.String("synth", w.cache.Synth.ID()), zap.Int("concurrency", w.conc))
	err := w.b.ServeVoice(ctx, w.cache, w.conc, w.log)
	s := w.cache.Stats()
	w.log.Info("voice worker stopped", zap.Uint64("hits", s.Hits), zap.Uint64("misses", s.Misses), zap.Uint64("failures", s.Failures))
	return err
}
