package main

import (
	"context"
	"path/filepath"
	"testing"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/cmd/avatarcast-voice/espeak"
)

// BenchmarkLoopingShow renders every line of the demo sale, in its first
// language, over NATS through the worker, for three loops of the show:
// the first loop renders, the next two are served from the object store.
// It reports the hit rate and the time a cached line takes to answer.
func BenchmarkLoopingShow(b *testing.B) {
	s, err := espeak.New(espeak.Config{})
	if err != nil {
		b.Skip(err)
	}
	show, problems := script.ParseFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if show == nil {
		b.Fatal(problems)
	}
	lang := show.Languages[0]
	var reqs []voice.Request
	for _, seg := range show.Segments {
		for _, st := range seg.Steps {
			if st.Kind == script.StepSay && st.Line != nil {
				if u, ok := st.Line.Say[lang]; ok {
					reqs = append(reqs, voice.Request{Text: u.Text, Lang: lang})
				}
			}
		}
	}
	for b.Loop() {
		bb := bustest.Start(b)
		ctx, cancel := context.WithCancel(context.Background())
		w, err := newWorker(ctx, bb, s, 2, bus.AudioConfig{}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- w.run(ctx) }()
		c := bb.VoiceClient(0)
		for range 3 {
			for _, r := range reqs {
				var err error
				for try := 0; try == 0 || err != nil; try++ {
					if try == 1000 {
						b.Fatal(err)
					}
					// the worker may not be subscribed yet
					_, err = c.Render(context.Background(), r)
				}
			}
		}
		st := w.cache.Stats()
		cancel()
		<-done
		b.ReportMetric(float64(st.Hits)/float64(st.Hits+st.Misses), "hit-rate")
		b.ReportMetric(float64(len(reqs)), "lines/loop")
	}
}
