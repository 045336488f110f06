package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/cmd/avatarcast-voice/espeak"
)

// startWorker runs a worker with the real espeak-ng on b until the
// returned stop is called (or the test ends); it skips without espeak-ng.
func startWorker(t *testing.T, b *bus.Bus) (*worker, func()) {
	t.Helper()
	s, err := espeak.New(espeak.Config{})
	if errors.Is(err, voice.ErrUnavailable) {
		t.Skip("espeak-ng not linked: go test -tags espeak (needs libespeak-ng-dev, libopusenc-dev)")
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w, err := newWorker(ctx, b, s, 2, bus.AudioConfig{}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.run(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("worker: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	// Ready once a render answers.
	c := b.VoiceClient(0)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.Render(context.Background(), voice.Request{Text: "ready", Lang: "en"})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("worker not answering after 30s: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return w, stop
}

// TestWorkerRendersOverNATSOnceAndCaches: through real NATS, a line in
// each of zh-CN, en and fr is rendered by the worker into the object
// store as Ogg Opus of the duration the result says, with timings from
// the synthesiser and its cue mark; the same line asked again is served
// from the store, and the hit is counted in the worker's metrics.
func TestWorkerRendersOverNATSOnceAndCaches(t *testing.T) {
	b := bustest.Start(t)
	w, _ := startWorker(t, b)
	c := b.VoiceClient(0)
	store, err := b.AudioStore(context.Background(), bus.AudioConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, l := range []struct{ lang, text, cue string }{
		{"zh-CN", "这款龙井只要99元，今天下单还送杯子。", "99元"},
		{"en", "This green tea is only 19 dollars today.", "19 dollars"},
		{"fr", "Ce vase date de la dynastie Song, regardez sa couleur.", "regardez"},
	} {
		req := voice.Request{Text: l.text, Lang: l.lang, Marks: []voice.Mark{{Name: "card", Offset: strings.Index(l.text, l.cue)}}}
		before := w.cache.Stats()
		res, err := c.Render(ctx, req)
		if err != nil {
			t.Fatalf("%s: %v", l.lang, err)
		}
		if res.Cached || !res.Timed || res.Timing() != avatar.TimingSynth {
			t.Errorf("%s: first render cached %v timed %v: want rendered now with the synthesiser's timings", l.lang, res.Cached, res.Timed)
		}
		audio, _, err := store.Audio(ctx, res.Key, res.Format)
		if err != nil {
			t.Fatalf("%s: audio %s not in the store: %v", l.lang, res.Key, err)
		}
		o, err := voice.ParseOggOpus(audio)
		if err != nil {
			t.Fatalf("%s: stored audio: %v", l.lang, err)
		}
		if o.DurationMS != res.DurationMS || len(audio) != res.Bytes {
			t.Errorf("%s: stored %d ms, %d bytes; result says %d ms, %d bytes", l.lang, o.DurationMS, len(audio), res.DurationMS, res.Bytes)
		}
		last := res.Words[len(res.Words)-1]
		if last.EndMS > res.DurationMS || res.Visemes[len(res.Visemes)-1].AtMS > res.DurationMS || last.EndMS < res.DurationMS/2 {
			t.Errorf("%s: tracks do not fit the audio: last word %+v, last viseme %+v, %d ms", l.lang, last, res.Visemes[len(res.Visemes)-1], res.DurationMS)
		}
		if at, ok := res.MarkMS("card"); !ok || at <= 0 || at >= res.DurationMS {
			t.Errorf("%s: cue mark at %d (%v), want inside the line", l.lang, at, ok)
		}
		again, err := c.Render(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Cached || again.Key != res.Key || again.DurationMS != res.DurationMS || len(again.Words) != len(res.Words) {
			t.Errorf("%s: second render cached %v key %s: want the stored result of %s", l.lang, again.Cached, again.Key, res.Key)
		}
		after := w.cache.Stats()
		if after.Misses-before.Misses != 1 || after.Hits-before.Hits != 1 {
			t.Errorf("%s: stats went from %+v to %+v, want one miss and one hit", l.lang, before, after)
		}
	}
	mfs, err := w.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	hits := -1.0
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if mf.GetName() == "avatarcast_voice_renders_total" && lp.GetValue() == "hit" {
					hits = m.GetCounter().GetValue()
				}
			}
		}
	}
	if hits != 3 {
		t.Errorf("avatarcast_voice_renders_total{outcome=hit} = %v, want 3", hits)
	}
}

// TestNoWorkerFailsFast: with the worker stopped, a render fails at once
// with voice.ErrUnavailable (NATS has no responders), not after the
// client's timeout, so the director speaks the line without audio.
func TestNoWorkerFailsFast(t *testing.T) {
	b := bustest.Start(t)
	_, stop := startWorker(t, b)
	stop()
	c := b.VoiceClient(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := c.Render(ctx, voice.Request{Text: "Anyone there?", Lang: "en"})
	if !errors.Is(err, voice.ErrUnavailable) || ctx.Err() != nil {
		t.Fatalf("render with no worker: %v (context %v), want voice.ErrUnavailable at once", err, ctx.Err())
	}
	if !strings.Contains(err.Error(), "no voice worker") {
		t.Errorf("error %q does not say no worker answers", err)
	}
}

// TestBadRequestAnswered: a request the worker refuses gets a clear error
// back, and the worker goes on.
func TestBadRequestAnswered(t *testing.T) {
	b := bustest.Start(t)
	startWorker(t, b)
	c := b.VoiceClient(0)
	if _, err := c.Render(context.Background(), voice.Request{Text: "hi", Lang: "en", Voice: "no-such-voice"}); err == nil || !strings.Contains(err.Error(), "no-such-voice") {
		t.Errorf("unknown voice: %v, want an error naming it", err)
	}
	if _, err := c.Render(context.Background(), voice.Request{Text: "still here", Lang: "en"}); err != nil {
		t.Errorf("after a bad request: %v", err)
	}
}
