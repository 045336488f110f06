package director

import (
	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// The voice, engine side. The engine never renders and never waits for a
// render: the driver renders lines ahead of time (Engine.Upcoming says
// which) and the engine only looks up, while it speaks a line, whether
// the driver has that line's audio ready (Voices). A line with audio is
// timed by it; one without is timed by the estimate, as before.

// Voices is what the engine knows of rendered lines: Ready returns the
// rendered result of req, and whether there is one now. It must be a
// pure lookup (no I/O, no wait): the driver fills it between Updates.
type Voices interface {
	Ready(req voice.Request) (voice.Result, bool)
}

// SetVoices makes the engine look rendered lines up in v (nil: no
// voice, every line estimated). Call it between Updates.
func (e *Engine) SetVoices(v Voices) { e.voices = v }

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
// requests to render: merchant lines waiting, then the script's next
// lines from the cursor (an `if` taken as it would be now, but for the
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
