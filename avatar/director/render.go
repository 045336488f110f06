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
// is spoken, and keeps the lines it may speak at any moment
// (Engine.Prepared: the disclosure, FAQ answers, fallback and filler
// lines) rendered, in goroutines, and keeps the results for its engine to
// look up (Voices). A line the engine holds for its render (OutRender) is
// rendered at once, before any other; the engine is told (MsgRendered)
// when it is back, or at once when it will not come. If it is not back
// within VoiceWait, the engine speaks it with estimated timings.

const (
	// LookAhead is how many upcoming lines a player renders ahead.
	LookAhead = 2
	// PreparedLines is how many lines known from the persona and the
	// script (Engine.Prepared) a player keeps rendered.
	PreparedLines = 12
	// VoiceBackoff is how long a player speaks without asking the voice
	// after the provider said it has nothing to render with
	// (voice.ErrUnavailable: no worker runs), and how long it holds no
	// line for its render after one came too late.
	VoiceBackoff = 5 * time.Second
	// RenderTimeout bounds one render; a line's render that takes longer
	// is dropped (the line is estimated). espeak-ng needs well under 100 ms.
	RenderTimeout = 5 * time.Second

	voiceLines    = 16 // rendered lines a room keeps besides the prepared ones, the oldest out first
	voiceInFlight = 2  // renders a room runs at once (plus one the engine holds a line for)
)

// renderer is a player's rendered lines. Only the player's Run goroutine
// uses it (the render goroutines send their results to done), so it
// needs no lock, and the engine's lookups see a map that changes only
// between Updates.
type renderer struct {
	prov voice.Provider
	log  *zap.Logger
	met  *voiceMetrics // nil: not counted
	done chan rendered
	wg   sync.WaitGroup

	lines map[lineKey]*lineVoice
	order []lineKey // keys in lines not kept, oldest first
	busy  int       // renders in flight
	// awaited are the lines the engine held for their render (OutRender)
	// whose render is not back yet.
	awaited map[lineKey]awaited
	// skipUntil: the provider had nothing to render with; ask again after.
	skipUntil time.Time
	// slowUntil: a held line's render came too late; hold none before.
	slowUntil time.Time
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
	kept  bool // one of Engine.Prepared: not in order, not dropped for age
	// retry: its render failed; not asked again before then. Zero while
	// the render is under way.
	retry time.Time
}

// awaited is a line the engine holds for its render, since when.
type awaited struct {
	req   voice.Request
	since time.Time
}

type rendered struct {
	key  lineKey
	res  voice.Result
	err  error
	took time.Duration
}

func newRenderer(prov voice.Provider, log *zap.Logger, met *voiceMetrics) *renderer {
	return &renderer{prov: prov, log: log, met: met, done: make(chan rendered, voiceInFlight+1),
		lines: map[lineKey]*lineVoice{}, awaited: map[lineKey]awaited{}}
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
	for _, req := range reqs {
		if !r.start(ctx, now, req, voiceInFlight, false) && r.busy >= voiceInFlight {
			return
		}
	}
}

// start starts rendering req unless it is rendered or under way, failed
// a moment ago, the provider is unavailable or limit renders are in
// flight; kept marks it one of the prepared lines. It reports whether a
// render started.
func (r *renderer) start(ctx context.Context, now time.Time, req voice.Request, limit int, kept bool) bool {
	k := keyOf(req)
	if lv, ok := r.lines[k]; ok {
		if kept && !lv.kept {
			lv.kept = true
			r.unorder(k)
		}
		if lv.ready || lv.retry.IsZero() || now.Before(lv.retry) {
			return false // rendered, under way, or failed a moment ago
		}
		r.drop(k)
	}
	if now.Before(r.skipUntil) || r.busy >= limit {
		return false
	}
	if err := req.Validate(); err != nil {
		r.log.Debug("line not rendered", zap.Error(err))
		return false
	}
	r.put(k, &lineVoice{kept: kept})
	r.busy++
	r.asked++
	r.met.requested()
	r.wg.Go(func() {
		rctx, cancel := context.WithTimeout(ctx, RenderTimeout)
		t0 := time.Now()
		res, err := r.prov.Render(rctx, req)
		took := time.Since(t0)
		cancel()
		select {
		case r.done <- rendered{key: k, res: res, err: err, took: took}:
		case <-ctx.Done():
		}
	})
	return true
}

// prepare keeps the lines of reqs (Engine.Prepared, at most
// PreparedLines) rendered: it renders those not rendered yet, as slots
// allow, and lets the lines kept before that are not in reqs age out.
func (r *renderer) prepare(ctx context.Context, now time.Time, reqs []voice.Request) {
	reqs = reqs[:min(len(reqs), PreparedLines)]
	want := make(map[lineKey]bool, len(reqs))
	for _, req := range reqs {
		want[keyOf(req)] = true
	}
	for k, lv := range r.lines {
		if lv.kept && !want[k] {
			lv.kept = false
			r.order = append(r.order, k)
		}
	}
	r.trim()
	for _, req := range reqs {
		r.start(ctx, now, req, voiceInFlight, true)
	}
}

// await is the driver's side of OutRender: it renders req first of all
// (one slot above voiceInFlight is kept for it) and reports whether the
// engine should be told at once (MsgRendered) because the render is
// ready, or will not come in time: it failed a moment ago, the provider
// is unavailable, a held line's render came too late a moment ago.
// Otherwise the engine is told when the render is back (took).
func (r *renderer) await(ctx context.Context, now time.Time, req voice.Request) (answerNow bool) {
	k := keyOf(req)
	if lv, ok := r.lines[k]; ok && lv.ready {
		return true
	}
	if now.Before(r.slowUntil) {
		r.met.waited(waitSkipped, 0)
		return true
	}
	r.start(ctx, now, req, voiceInFlight+1, false)
	lv, ok := r.lines[k]
	if !ok || lv.ready || !lv.retry.IsZero() {
		r.met.waited(waitSkipped, 0)
		return true
	}
	r.awaited[k] = awaited{req: req, since: now}
	return false
}

// late is told that the engine stopped holding req without its render
// (VoiceWait passed): held lines are not waited for before VoiceBackoff.
func (r *renderer) late(now time.Time, req voice.Request) {
	k := keyOf(req)
	a, ok := r.awaited[k]
	if !ok {
		return
	}
	delete(r.awaited, k)
	r.met.waited(waitLate, now.Sub(a.since))
	if !now.Before(r.slowUntil.Add(time.Minute)) {
		r.log.Info("a line was not rendered in time: spoken estimated; held lines are not waited for a while",
			zap.Duration("wait", VoiceWait))
	}
	r.slowUntil = now.Add(VoiceBackoff)
}

// put adds line k, dropping the oldest line not kept when there are too
// many.
func (r *renderer) put(k lineKey, lv *lineVoice) {
	r.lines[k] = lv
	if !lv.kept {
		r.order = append(r.order, k)
	}
	r.trim()
}

func (r *renderer) trim() {
	for len(r.order) > voiceLines {
		old := r.order[0]
		r.order = r.order[1:]
		delete(r.lines, old)
	}
}

// take keeps a render that came back and returns the request of the line
// the engine holds for it, if it does (tell the engine: MsgRendered). A
// line that failed is asked again after VoiceBackoff at the earliest
// (when it comes up again), so a provider that fails at once is not
// asked in a loop; with no worker at all (voice.ErrUnavailable) no line
// is asked before then.
func (r *renderer) take(d rendered, now time.Time) (voice.Request, bool) {
	r.busy--
	a, held := r.awaited[d.key]
	req := a.req
	delete(r.awaited, d.key)
	if held {
		r.met.waited(waitInTime, now.Sub(a.since))
		r.log.Debug("a line held for its render", zap.Duration("wait", now.Sub(a.since)), zap.Error(d.err))
	}
	r.met.rendered(d)
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
			return req, held
		}
		r.log.Warn("line not rendered", zap.Error(d.err))
		return req, held
	}
	if ok {
		d.res.Phonemes = nil // not used by the speech event: keep less per room
		lv.res, lv.ready = d.res, true
	}
	return req, held
}

func (r *renderer) drop(k lineKey) {
	delete(r.lines, k)
	r.unorder(k)
}

func (r *renderer) unorder(k lineKey) {
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
