package director

import (
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// The voice, engine side. The engine never renders: the driver renders
// lines ahead of time (Engine.Upcoming and Engine.Prepared say which) and
// the engine looks up, when it speaks a line, whether the driver has that
// line's audio ready (Voices). A line with audio is timed by it; one
// without is timed by the estimate, as before.
//
// A line that is not ready when the engine chooses it (an answer, a
// thank-you, a typed line, the disclosure, a script line the look-ahead
// missed) is held, whatever its kind, in one place (speak): the engine
// asks the driver for it (OutRender) and waits until the driver says the
// render is there or will not come (MsgRendered), or VoiceWait has
// passed, and then speaks it, with its audio if it is ready by then,
// estimated if not. Nothing else changes: an estimated line is exactly
// what a voiceless engine says.

// Voices is what the engine knows of rendered lines: Ready returns the
// rendered result of req, and whether there is one now. It must be a
// pure lookup (no I/O, no wait): the driver fills it between Updates.
type Voices interface {
	Ready(req voice.Request) (voice.Result, bool)
}

// SetVoices makes the engine look rendered lines up in v (nil: no
// voice, every line estimated, none held). Call it between Updates.
func (e *Engine) SetVoices(v Voices) { e.voices = v }

// VoiceWait is the longest a line not rendered ahead waits for its
// render once the engine has chosen it; after that it is spoken with
// estimated timings. espeak-ng renders a line in well under 100 ms.
const VoiceWait = 300 * time.Millisecond

// MsgRendered tells the engine the driver has the render of Request
// ready in Voices, or that it will not have it in time (failed, no
// worker, too slow of late): a line held for it is spoken now.
type MsgRendered struct{ Request voice.Request }

func (MsgRendered) isMsg() {}

// The kinds of spoken line (Out.Line), for the driver's metrics.
const (
	LineScript     = "script"     // a line of the script (segments, idle, tapped narration, filler)
	LineReply      = "reply"      // an answer to a viewer: FAQ, fallback or model
	LineSay        = "say"        // the merchant's typed line
	LineThanks     = "thanks"     // a thank-you
	LineDisclosure = "disclosure" // the spoken AI disclosure that opens a show
	LineNotice     = "notice"     // the director's own announcements (sold out)
)

// lineKind is the kind of line s is.
func lineKind(s *spoken) string {
	switch {
	case s.kind != "":
		return s.kind
	case s.reply != nil:
		return LineReply
	case s.id == avatar.DisclosureLineID:
		return LineDisclosure
	case strings.HasPrefix(s.id, "thanks"):
		return LineThanks
	case s.line != nil:
		return LineScript
	}
	return LineNotice
}

// hold holds line s, not rendered, for its render: it asks the driver
// for it and waits (see MsgRendered). It reports whether it holds; false:
// there is no voice, or s was held already.
func (e *Engine) hold(s *spoken) bool {
	if e.voices == nil || s.held {
		return false
	}
	s.held = true
	req := e.lineRequest(s.text, s.lang, s.cues)
	held := *s
	e.held, e.heldReq, e.heldDone = &held, req, false
	e.out = append(e.out, Out{Kind: OutRender, Render: &req})
	if e.wait(e.now.Add(VoiceWait), untilRendered) {
		return true
	}
	e.held = nil
	return false
}

// renderedMsg takes the driver's answer for a line held for its render.
func (e *Engine) renderedMsg(m MsgRendered) {
	if e.held != nil && keyOf(m.Request) == keyOf(e.heldReq) {
		e.heldDone = true
	}
}

// Holding returns the line the engine holds for its render now, if any.
func (e *Engine) Holding() (voice.Request, bool) {
	if e.held == nil {
		return voice.Request{}, false
	}
	return e.heldReq, true
}

// speakHeld speaks the line held for its render, ready or not. It
// reports whether there was one.
func (e *Engine) speakHeld() bool {
	if e.held == nil {
		return false
	}
	s := *e.held
	e.held, e.heldDone = nil, false
	e.speak(s)
	return true
}

// DisclosureRequest is what the driver renders for the spoken disclosure
// in the room's language (false: the persona has none).
func (e *Engine) DisclosureRequest() (voice.Request, bool) {
	text := e.room.Persona.SpokenDisclosureFor(e.lang())
	if text == "" {
		return voice.Request{}, false
	}
	return e.lineRequest(text, e.lang(), nil), true
}

// Prepared returns at most n lines the engine may speak at any moment
// that are known before: the spoken disclosure (every show start), then
// each FAQ entry's answer, each fallback line and each filler line, in
// the room's language and addressed to no viewer by name (as a viewer
// whose name is not spoken hears them), with today's values in their
// placeholders. The driver keeps them rendered, so the common answer
// never waits. A line whose text has changed since (a price) is simply a
// new line to render.
func (e *Engine) Prepared(n int) []voice.Request {
	var out []voice.Request
	if req, ok := e.DisclosureRequest(); ok && n > 0 {
		out = append(out, req)
	}
	lang := e.lang()
	for i := range e.prog.Show.FAQ {
		if len(out) >= n {
			return out
		}
		f := &e.prog.Show.FAQ[i]
		if len(f.Answer) == 0 {
			continue
		}
		lg := lang
		if _, ok := f.Answer[0].Say[lg]; !ok {
			continue // answered in another language only when asked in it
		}
		text, cues := e.replyText(&pendingAnswer{faq: i}, lg)
		out = append(out, e.lineRequest(text, lg, cues))
	}
	none := &pendingAnswer{}
	for i := range e.prog.Show.Fallback {
		if len(out) >= n {
			return out
		}
		l := &e.prog.Show.Fallback[i]
		if _, ok := l.Say[lang]; !ok {
			continue
		}
		text, cues := e.unmatchedText(none, l, lang)
		out = append(out, e.lineRequest(text, lang, cues))
	}
	for i := range e.prog.Show.Filler {
		if len(out) >= n {
			return out
		}
		u, lg := pick(&e.prog.Show.Filler[i], lang, e.prog.Show.Languages)
		text, cues := e.fill(u)
		out = append(out, e.lineRequest(text, lg, cues))
	}
	return out
}

// lineRequest is what the driver renders for text spoken in lang with
// cues: the persona's rate, synthesiser voice and pitch, and a mark per
// cue (voice.CueMark(i)).
func (e *Engine) lineRequest(text, lang string, cues []script.Cue) voice.Request {
	var at []int
	if len(cues) > 0 {
		at = make([]int, len(cues))
		for i, c := range cues {
			at[i] = c.At
		}
	}
	r := voice.LineRequest(text, lang, e.voice.Rate, at)
	r.Voice, r.Pitch = e.room.Persona.Voice.SynthVoice, e.room.Persona.Voice.Pitch
	return r
}

// SayRequest is what the driver renders for the merchant's typed line c,
// as interject will speak it.
func (e *Engine) SayRequest(c avatar.Control) voice.Request {
	lang := c.Lang
	if lang == "" {
		lang = e.cur.Lang
	}
	return e.lineRequest(c.Text, lang, nil)
}

// rendered returns the audio of line s if the driver has it ready.
func (e *Engine) rendered(s *spoken) (voice.Result, bool) {
	if e.voices == nil {
		return voice.Result{}, false
	}
	res, ok := e.voices.Ready(e.lineRequest(s.text, s.lang, s.cues))
	if !ok || res.DurationMS <= 0 || !voice.ValidKey(res.Key) {
		return voice.Result{}, false
	}
	return res, true
}

// answerRequest is what the driver renders for answer a, as speakAnswer
// or speakUnmatched would say it now, addressed to its viewers by name;
// false: not known yet (the model is still writing it) or none.
func (e *Engine) answerRequest(a *pendingAnswer) (voice.Request, bool) {
	if a.faq >= 0 {
		if a.faq >= len(e.prog.Show.FAQ) || len(e.prog.Show.FAQ[a.faq].Answer) == 0 {
			return voice.Request{}, false
		}
		lang := a.lang
		if _, ok := e.prog.Show.FAQ[a.faq].Answer[0].Say[lang]; !ok {
			lang = e.cur.Lang
		}
		text, cues := e.replyText(a, lang)
		return e.lineRequest(text, lang, cues), true
	}
	if a.source == sourceModel {
		if len(a.spoken) == 0 {
			return voice.Request{}, false
		}
		text, _ := e.unmatchedText(a, nil, a.lang)
		return e.lineRequest(text, a.lang, nil), true
	}
	fb := e.prog.Show.Fallback
	if len(fb) == 0 {
		return voice.Request{}, false
	}
	l := &fb[e.model.lastFallback%len(fb)] // the one rotate gives next
	lang := a.lang
	if _, ok := l.Say[lang]; !ok {
		lang = e.cur.Lang
	}
	if _, ok := l.Say[lang]; !ok {
		_, lang = pick(l, lang, e.prog.Show.Languages)
	}
	text, cues := e.unmatchedText(a, l, lang)
	return e.lineRequest(text, lang, cues), true
}

// voiceCue returns when cue i of a line rendered as res fires, in ms from
// the line's start: at its mark, or (a provider that reports no marks) at
// the word of the audio's track at the cue's byte offset at.
func voiceCue(res voice.Result, i, at int) int {
	if ms, ok := res.MarkMS(voice.CueMark(i)); ok {
		return min(max(ms, 0), res.DurationMS)
	}
	return res.OffsetMS(at)
}

// Upcoming returns the next n lines the show will most likely speak, as
// requests to render: merchant lines waiting, answers to viewers waiting
// (as they would be said now), then the script's next lines from the
// cursor (an `if` taken as it would be now, but for the
// viewer count, where it stops), or the next attract line. A guess is enough: a line rendered for
// nothing costs one render, a line not rendered is estimated. The driver
// calls it after a line starts, when the voice is on.
func (e *Engine) Upcoming(n int) []voice.Request {
	var out []voice.Request
	for _, c := range e.says {
		if len(out) == n {
			return out
		}
		out = append(out, e.SayRequest(c))
	}
	for _, a := range e.answers {
		if len(out) == n {
			return out
		}
		if e.now.Before(a.notBefore) {
			continue
		}
		if req, ok := e.answerRequest(a); ok {
			out = append(out, req)
		}
	}
	add := func(l *script.Line) {
		// As sayLine will say it, so the render is found by the same key.
		u, lang := pick(l, e.cur.Lang, e.prog.Show.Languages)
		text, cues := e.fill(u)
		out = append(out, e.lineRequest(text, lang, cues))
	}
	segs := e.prog.Show.Segments
	idle := func() {
		if idle := e.prog.Show.Idle; len(idle) > 0 && len(out) < n {
			add(&idle[e.cur.Idle%len(idle)])
		}
	}
	if e.cur.Attract || len(segs) == 0 {
		idle()
		return out
	}
	seg, step, pass := e.cur.Segment, e.cur.Step, e.cur.Pass
	for range 64 { // steps looked at, so a script of actions only costs little
		if len(out) >= n || seg >= len(segs) {
			return out
		}
		s := &segs[seg]
		order := e.orderIn(s, pass)
		if step >= len(order) {
			seg, step = seg+1, 0
			if seg >= len(segs) {
				if e.prog.Show.Kind == script.KindMuseum {
					idle()
					return out
				}
				seg, pass = 0, pass+1
			}
			continue
		}
		st := &s.Steps[order[step]]
		step++
		switch st.Kind {
		case script.StepSay:
			add(st.Line)
		case script.StepIf, script.StepGoto:
			if st.Kind == script.StepIf {
				// Stock and variables as they are now (a `set` passed on
				// the way is not applied: a guess); the viewer count
				// changes too often to guess.
				if st.If.Var == "viewers" {
					return out
				}
				if !e.holds(st.If) {
					continue
				}
			}
			_, i := e.prog.Show.Segment(st.Goto)
			if i < 0 {
				return out
			}
			if i <= seg {
				pass++
			}
			seg, step = i, 0
		}
	}
	return out
}
