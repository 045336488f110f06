package director

import (
	"slices"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// Where a merchant's typed line goes (avatar.Control.Placement) and the
// clear control: see docs/director.md "Typed lines".

// queuedSay is a typed line placed at the end of the queue: it waits for
// the answers and sell-out announcements that were waiting when it came.
type queuedSay struct {
	c       avatar.Control
	answers []*pendingAnswer // answers ahead of it, until spoken or dropped
	soldOut int              // sell-out announcements ahead of it
}

// placeSay puts typed line c where its placement says. The caller has
// checked the queue has room.
func (e *Engine) placeSay(c avatar.Control) {
	switch c.Placement {
	case avatar.PlaceQueue:
		q := queuedSay{c: c, soldOut: len(e.soldOut)}
		for _, a := range e.answers {
			if !e.now.Before(a.notBefore) {
				q.answers = append(q.answers, a) // a repeat held by its cooldown is not ahead
			}
		}
		e.queued = append(e.queued, q)
	case avatar.PlaceNow:
		e.says = append([]avatar.Control{c}, e.says...)
		e.cutLine()
	default:
		e.says = append(e.says, c)
	}
}

// cutLine cuts the line being spoken at its first word that ends at or
// after now, so a typed line placed now follows at once: it publishes a
// speech.cut event saying where the line stops, drops the line's cues
// not fired yet and ends the line there with no breath. In the breath
// after a line, the breath is cut. The spoken disclosure is never cut:
// the typed line follows it. Nothing is cut when no line is being spoken
// (the typed line pre-empts a pause at once, see interjectionDue) or when
// the line has no word left to end (it is over but for its silence).
func (e *Engine) cutLine() {
	if !e.speaking || !e.waiting || e.state.LineID == avatar.DisclosureLineID {
		return
	}
	at := e.now
	if e.now.Before(e.ends) {
		n := len(e.state.Recent)
		if n == 0 || e.state.Recent[n-1].LineID != e.state.LineID {
			return
		}
		sp := e.state.Recent[n-1]
		start := e.ends.Add(-time.Duration(sp.DurationMS) * time.Millisecond)
		elapsed := int(e.now.Sub(start) / time.Millisecond)
		i := slices.IndexFunc(sp.Words, func(w avatar.Word) bool { return w.EndMS >= elapsed })
		if i < 0 {
			return
		}
		at = start.Add(time.Duration(sp.Words[i].EndMS) * time.Millisecond)
		e.cur.Line, e.curStr = nil, "" // the cut event's checkpoint has no cues left
		e.emit(avatar.EventSpeechCut, avatar.SpeechCut{LineID: sp.LineID, AtMS: sp.Words[i].EndMS, Word: i})
	}
	if e.cur.Line != nil {
		e.cur.Line, e.curStr = nil, ""
	}
	e.ends, e.cut = at, true
	e.w = waitFor{deadline: at}
}

// promoteQueued moves the first queued typed line to the typed lines to
// speak next once nothing it waits for is left.
func (e *Engine) promoteQueued() {
	if len(e.queued) == 0 {
		return
	}
	q := &e.queued[0]
	q.answers = slices.DeleteFunc(q.answers, func(a *pendingAnswer) bool { return !slices.Contains(e.answers, a) })
	if len(q.answers) > 0 || q.soldOut > 0 && len(e.soldOut) > 0 {
		return
	}
	e.says = append(e.says, q.c)
	e.queued = e.queued[1:]
}

// soldOutSpoken counts a sell-out announcement spoken for the queued
// typed lines waiting for it.
func (e *Engine) soldOutSpoken() {
	for i := range e.queued {
		if e.queued[i].soldOut > 0 {
			e.queued[i].soldOut--
		}
	}
}

// clearInterjections drops what waits for the next line boundary but
// sell-out announcements: typed lines, answers (not one the model is
// writing now: it comes back as a new answer), tapped narration and
// thank-yous (thanks.go: what waits to be thanked goes too). It reports
// how many it dropped.
func (e *Engine) clearInterjections() int {
	n := len(e.says) + len(e.queued) + len(e.answers) + len(e.interlude)
	if e.thankDue {
		n++
	}
	e.says, e.queued, e.answers, e.interlude, e.tapFocus = nil, nil, nil, nil, ""
	e.thankDue, e.thank = false, ""
	return n + e.clearThanks()
}
