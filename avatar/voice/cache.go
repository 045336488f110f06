package voice

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/avatarcast/avatarcast/avatar/speech"
)

// Store keeps rendered audio and its Result by key. The JetStream object
// store (avatar/bus) is the one every gateway reads; Get of a missing key
// returns ok false and no error.
type Store interface {
	Get(ctx context.Context, key string) (res Result, ok bool, err error)
	Put(ctx context.Context, res Result, audio []byte) error
}

// Cache is a Provider that renders each line once with its Synthesizer
// into its Store and serves it from there after. Audio that does not carry
// its own timings gets the estimate of avatar/speech, scaled to the
// audio's real duration. Render is safe for concurrent use; concurrent
// renders of one line synthesise it once.
type Cache struct {
	Synth Synthesizer
	Store Store

	hits, misses, fails atomic.Uint64
	mu                  sync.Mutex
	inflight            map[string]*flight
}

type flight struct {
	done chan struct{}
	res  Result
	err  error
}

// Stats counts Render's outcomes since the Cache was made.
type Stats struct{ Hits, Misses, Failures uint64 }

// Stats returns the counts so far.
func (c *Cache) Stats() Stats {
	return Stats{Hits: c.hits.Load(), Misses: c.misses.Load(), Failures: c.fails.Load()}
}

// Render returns req's audio: from the store if it was rendered before
// (Result.Cached, a hit), else synthesised, checked and stored.
func (c *Cache) Render(ctx context.Context, req Request) (Result, error) {
	if err := req.Validate(); err != nil {
		c.fails.Add(1)
		return Result{}, err
	}
	key := c.key(req)
	if res, ok, err := c.Store.Get(ctx, key); err != nil {
		c.fails.Add(1)
		return Result{}, fmt.Errorf("voice: read cache %s: %w", key, err)
	} else if ok {
		c.hits.Add(1)
		res.Cached = true
		return res, nil
	}
	c.mu.Lock()
	if f, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-f.done:
			if f.err == nil {
				c.hits.Add(1)
				r := f.res
				r.Cached = true
				return r, nil
			}
			c.fails.Add(1)
			return Result{}, f.err
		case <-ctx.Done():
			c.fails.Add(1)
			return Result{}, ctx.Err()
		}
	}
	if c.inflight == nil {
		c.inflight = map[string]*flight{}
	}
	f := &flight{done: make(chan struct{})}
	c.inflight[key] = f
	c.mu.Unlock()
	f.res, f.err = c.render(ctx, key, req)
	c.mu.Lock()
	delete(c.inflight, key)
	c.mu.Unlock()
	close(f.done)
	if f.err != nil {
		c.fails.Add(1)
		return Result{}, f.err
	}
	c.misses.Add(1)
	return f.res, nil
}

func (c *Cache) render(ctx context.Context, key string, req Request) (Result, error) {
	a, err := c.Synth.Synthesize(ctx, req)
	if err != nil {
		return Result{}, fmt.Errorf("voice: synthesize with %s: %w", c.Synth.ID(), err)
	}
	res, err := Check(req, a)
	if err != nil {
		return Result{}, fmt.Errorf("voice: audio from %s: %w", c.Synth.ID(), err)
	}
	res.Key = key
	if err := c.Store.Put(ctx, res, a.Data); err != nil {
		return Result{}, fmt.Errorf("voice: store %s: %w", key, err)
	}
	return res, nil
}

// Check validates a synthesizer's audio and makes its Result: the
// duration is the audio's own (from its container); an untimed audio gets
// the text's estimated words, visemes and marks scaled to that duration;
// a timed one keeps its tracks, clamped to it.
func Check(req Request, a Audio) (Result, error) {
	if a.Format != FormatOggOpus {
		return Result{}, fmt.Errorf("format %q, want %q", a.Format, FormatOggOpus)
	}
	o, err := ParseOggOpus(a.Data)
	if err != nil {
		return Result{}, err
	}
	res := Result{Format: a.Format, Bytes: len(a.Data), Timed: a.Timed, Phonemes: a.Phonemes}
	if !a.Timed {
		tr := speech.Time(req.Text, req.Lang, speech.Voice{Rate: req.RateOf()})
		res.Track = Scale(tr, o.DurationMS)
		for _, m := range req.Marks {
			res.Marks = append(res.Marks, Mark{Name: m.Name, Offset: m.Offset, AtMS: res.OffsetMS(m.Offset)})
		}
		return res, nil
	}
	res.Track = a.Track
	res.DurationMS = o.DurationMS
	res.Marks = a.Marks
	clampTrack(&res)
	return res, nil
}

// Scale stretches an estimated track to last durationMS (docs/speech-timing.md,
// "audio duration only"): every time t becomes round(t*k); order survives.
func Scale(tr speech.Track, durationMS int) speech.Track {
	if tr.DurationMS <= 0 {
		return speech.Track{DurationMS: durationMS, Words: []speech.Word{}, Visemes: []speech.Viseme{{V: vRest, AtMS: 0}}}
	}
	k := func(t int) int {
		return int((int64(t)*int64(durationMS) + int64(tr.DurationMS)/2) / int64(tr.DurationMS))
	}
	out := speech.Track{DurationMS: durationMS, Words: make([]speech.Word, len(tr.Words)), Visemes: make([]speech.Viseme, 0, len(tr.Visemes))}
	for i, w := range tr.Words {
		w.StartMS, w.EndMS = k(w.StartMS), k(w.EndMS)
		out.Words[i] = w
	}
	for _, v := range tr.Visemes {
		v.AtMS = k(v.AtMS)
		if n := len(out.Visemes); n > 0 && out.Visemes[n-1].AtMS >= v.AtMS {
			out.Visemes[n-1].V = v.V // squeezed together: the later shape wins
			if n > 1 && out.Visemes[n-2].V == v.V {
				out.Visemes = out.Visemes[:n-1]
			}
			continue
		}
		out.Visemes = append(out.Visemes, v)
	}
	return out
}

// clampTrack keeps every time of res within [0, DurationMS].
func clampTrack(res *Result) {
	d := res.DurationMS
	for i := range res.Words {
		w := &res.Words[i]
		w.StartMS, w.EndMS = min(max(w.StartMS, 0), d), min(max(w.EndMS, 0), d)
	}
	for i := range res.Visemes {
		res.Visemes[i].AtMS = min(max(res.Visemes[i].AtMS, 0), d)
	}
	for i := range res.Marks {
		res.Marks[i].AtMS = min(max(res.Marks[i].AtMS, 0), d)
	}
}

// key is req's content address: of req as the synthesiser renders it
// (Hearer), so settings it ignores are not in it.
func (c *Cache) key(req Request) string {
	if h, ok := c.Synth.(Hearer); ok {
		req = h.Hears(req)
	}
	return Key(c.Synth.ID(), req)
}
