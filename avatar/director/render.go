package director

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// The voice, driver side: a Player with a voice.Provider renders the
// lines the engine says come next (Engine.Upcoming) while the current one
// is spoken, in goroutines, and keeps the results for its engine to look
// up (Voices). A line is never waited for: if its render is not back when
// it is due, the engine speaks it with estimated timings.

const (
	// LookAhead is how many upcoming lines a player renders ahead.
	LookAhead = 2
	// VoiceBackoff is how long a player speaks without asking the voice
	// after the provider said it has nothing to render with
	// (voice.ErrUnavailable: no worker runs).
	VoiceBackoff = 5 * time.Second
	// RenderTimeout bounds one render; a line's render that takes longer
	// is dropped (the line is estimated). espeak-ng needs well under 100 ms.
	RenderTimeout = 5 * time.Second
	// SayWait is how long a merchant's typed line waits for its render
	// before the engine takes it (estimated, if the render is not back).
	SayWait = 300 * time.Millisecond

	voiceLines    = 16 // rendered lines a room keeps, the oldest out first
	voiceInFlight = 2  // renders a room runs at once
)

// renderer is a player's rendered lines. Only the player's Run goroutine
// uses it (the render goroutines send their results to done), so it
// needs no lock, and the engine's lookups see a map that changes only
// between Updates.
type renderer struct {
	prov voice.Provider
	log  *zap.Logger
	done chan rendered
	wg   sync.WaitGroup

	lines map[lineKey]*lineVoice
	order []lineKey // keys in lines, oldest first
	busy  int       // renders in flight
	// skipUntil: the provider had nothing to render with; ask again after.
	skipUntil time.Time
	// renders and failures counted, for tests and logs.
	asked, failed int
}

// lineKey is a line as rendered: text, language, voice, rate, pitch and
// cue offsets.
type lineKey struct {
	text, lang, voice string
	rate, pitch       float64
	marks             string
}

type lineVoice struct {
	res   voice.Result
	ready bool
	// retry: its render failed; not asked again before then. Zero while
	// the render is under way.
	retry time.Time
}

type rendered struct {
	key lineKey
	res voice.Result
	err error
}

func newRenderer(prov voice.Provider, log *zap.Logger) *renderer {
	return &renderer{prov: prov, log: log, done: make(chan rendered, voiceInFlight), lines: map[lineKey]*lineVoice{}}
}

func keyOf(req voice.Request) lineKey {
	k := lineKey{text: req.Text, lang: req.Lang, voice: req.Voice, rate: req.RateOf(), pitch: req.PitchOf()}
	if len(req.Marks) > 0 {
		var b strings.Builder
		for _, m := range req.Marks {
			b.WriteString(strconv.Itoa(m.Offset))
			b.WriteByte(',')
		}
		k.marks = b.String()
	}
	return k
}

// Ready is the engine's lookup (Voices).
func (r *renderer) Ready(req voice.Request) (voice.Result, bool) {
	lv, ok := r.lines[keyOf(req)]
	if !ok || !lv.ready {
		return voice.Result{}, false
	}
	return lv.res, true
}

// ask starts rendering the lines of reqs not rendered or under way yet,
// at most voiceInFlight at a time, unless the provider is known to be
// unavailable. ctx ends the renders.
func (r *renderer) ask(ctx context.Context, now time.Time, reqs []voice.Request) {
	if now.Before(r.skipUntil) {
		return
	}
	for _, req := range reqs {
		if r.busy >= voiceInFlight {
			return
		}
		k := keyOf(req)
		if lv, ok := r.lines[k]; ok {
			if lv.ready || lv.retry.IsZero() || now.Before(lv.retry) {
				continue // rendered, under way, or failed a moment ago
			}
			r.drop(k)
		}
		if err := req.Validate(); err != nil {
			r.log.Debug("line not rendered", zap.Error(err))
			continue
		}
		r.put(k, &lineVoice{})
		r.busy++
		r.asked++
		r.wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, RenderTimeout)
			res, err := r.prov.Render(rctx, req)
			cancel()
			select {
			case r.done <- rendered{key: k, res: res, err: err}:
			case <-ctx.Done():
			}
		})
	}
}

// await asks for req if needed and reports whether its render is under
// way (false: ready, failed a moment ago, or no slot or voice now).
func (r *renderer) await(ctx context.Context, now time.Time, req voice.Request) (lineKey, bool) {
	r.ask(ctx, now, []voice.Request{req})
	k := keyOf(req)
	lv, ok := r.lines[k]
	return k, ok && !lv.ready && lv.retry.IsZero()
}

// put adds line k, dropping the oldest when there are too many.
func (r *renderer) put(k lineKey, lv *lineVoice) {
	r.lines[k] = lv
	r.order = append(r.order, k)
	for len(r.order) > voiceLines {
		old := r.order[0]
		r.order = r.order[1:]
		delete(r.lines, old)
	}
}

// take keeps a render that came back. A line that failed is asked again
// after VoiceBackoff at the earliest (when it comes up again), so a
// provider that fails at once is not asked in a loop; with no worker at
// all (voice.ErrUnavailable) no line is asked before then.
func (r *renderer) take(d rendered, now time.Time) {
	r.busy--
	lv, ok := r.lines[d.key]
	if d.err != nil {
		r.failed++
		if ok && !lv.ready {
			lv.retry = now.Add(VoiceBackoff)
		}
		if errors.Is(d.err, voice.ErrUnavailable) {
			if !now.Before(r.skipUntil.Add(time.Minute)) {
				r.log.Info("voice unavailable: lines are spoken without audio for now", zap.Error(d.err))
			}
			r.skipUntil = now.Add(VoiceBackoff)
			return
		}
		r.log.Warn("line not rendered", zap.Error(d.err))
		return
	}
	if ok {
		d.res.Phonemes = nil // not used by the speech event: keep less per room
		lv.res, lv.ready = d.res, true
	}
}

func (r *renderer) drop(k lineKey) {
	delete(r.lines, k)
	for i, o := range r.order {
		if o == k {
			r.order = append(r.order[:i], r.order[i+1:]...)
			break
		}
	}
}

// spoke reports whether out holds a line (a speech or reply event): the
// moment to render what comes after it.
func spoke(out []Out) bool {
	for i := range out {
		if out[i].Kind == OutEvent && (out[i].Type == avatar.EventSpeech || out[i].Type == avatar.EventReply) {
			return true
		}
	}
	return false
}
