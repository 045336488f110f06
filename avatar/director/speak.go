package director

import (
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Spoken lines: a line's utterance in the room's language with live
// placeholder values, its speech event and its cues, and the disclosure
// that opens every show.

// spoken is a line about to be spoken.
type spoken struct {
	line             *script.Line // nil for lines not in the script
	id, text, lang   string
	cues             []script.Cue
	emotion, gesture string
	cached           bool              // text is the line's own: its timing may be shared
	reply            *avatar.Reply     // sent as a reply event with the speech
	translations     map[string]string // the line in the script's other languages
	advance          bool              // a script step: move the cursor on with the speech
	kind             string            // LineScript…; "": told by the fields (lineKind)
	held             bool              // held once for its render already (Engine.hold)
	_                [0]func() bool    // not comparable
}

// sayLine speaks line l of the script in the room's language; advance says
// it is the step under the cursor.
func (e *Engine) sayLine(l *script.Line, advance bool) {
	u, lang := pick(l, e.cur.Lang, e.prog.Show.Languages)
	if e.skipFalseLine(l, u, lang, advance) {
		return
	}
	text, cues := e.fill(u)
	e.speak(spoken{
		line: l, id: l.ID, text: text, lang: lang, cues: cues, emotion: l.Emotion, gesture: l.Gesture,
		cached: text == u.Text, advance: advance, translations: e.lineTranslations(l, lang),
	})
}

// speak publishes a spoken line: expression and gesture, then the speech
// (or reply) event, then each cue at its word, then waits until the line
// and a breath are over, serving controls and input meanwhile.
//
// A line not rendered yet is first held for its render (Engine.hold, at
// most VoiceWait), then spoken from resume.
func (e *Engine) speak(s spoken) {
	res, voiced := e.rendered(&s)
	if !voiced && e.hold(&s) {
		return
	}
	if s.kind == LineSay && s.id == "" {
		// Named by its speech event's seq, known only now.
		s.id = "say-" + strconv.FormatUint(e.seq+1, 10)
	}
	tl := e.prog.time(s.line, s.text, s.lang, e.voice, s.cached)
	sp := avatar.Speech{
		LineID: s.id, Text: s.text, Lang: s.lang, Emotion: s.emotion,
		DurationMS: tl.tr.DurationMS, Words: tl.words, Visemes: tl.visemes, Translations: s.translations,
	}
	if voiced {
		// Rendered ahead by the driver: the audio's length, words,
		// visemes and cue marks (voice.go).
		res.Apply(&sp)
	}
	start := e.now
	// The checkpoint just before the line: a room handed over here
	// stores it, so the successor speaks the line (Out.Before).
	before, first := e.cursorString(), len(e.out)
	if s.emotion != "" {
		e.emit(avatar.EventExpression, avatar.Expression{Name: s.emotion})
	}
	if s.gesture != "" {
		e.emit(avatar.EventGesture, avatar.Gesture{Name: s.gesture})
	}
	if s.advance {
		e.advance()
	}
	// The line leaves the agenda with its speech event, as a script
	// line leaves the cursor.
	e.spokenNow()
	// The speech (or reply) event is the next one published, after the
	// expression and gesture above: its "room/seq" is the content id.
	sp.AIGC = avatar.MarkAI(avatar.EventContentID(e.room.ID, e.seq+1))
	e.state.LineID = s.id
	e.state.Lang = e.cur.Lang
	// A new slice every time: a saved snapshot shares the old one.
	keep := e.state.Recent[max(len(e.state.Recent)-(recentLines-1), 0):]
	recent := make([]avatar.Speech, 0, len(keep)+1)
	e.state.Recent = append(append(recent, keep...), sp)
	// The line's end and its cues go in the cursor with the speech, so a
	// director taking the room over mid-line lets the line end and fires
	// the cues this one did not: a line without cues too.
	ends := start.Add(time.Duration(sp.DurationMS) * time.Millisecond)
	l := &lineCues{ID: s.id, Ends: ends}
	for i, c := range s.cues {
		ms := tl.tr.OffsetMS(c.At)
		if voiced {
			ms = voiceCue(res, i, c.At)
		}
		l.Cues = append(l.Cues, cueAt{At: start.Add(time.Duration(ms) * time.Millisecond), Kind: c.Action.Kind, Ref: c.Action.Ref})
	}
	e.cur.Line, e.curStr = l, ""
	if s.reply != nil {
		r := *s.reply
		r.Speech, r.AIGC = sp, sp.AIGC
		e.emit(avatar.EventReply, r)
	} else {
		e.emit(avatar.EventSpeech, sp)
	}
	ev := &e.out[len(e.out)-1]
	ev.Line, ev.Voiced = lineKind(&s), voiced
	e.out[first].Before = before
	e.saveState()
	e.ends = ends
	e.finishLine()
}

// finishLine fires the cues left in the cursor's line at their times, then
// waits until the line (it ends at e.ends) and a breath are over, serving
// controls and input meanwhile. Called again after each wait, it goes on
// where it stopped.
//
// The cursor keeps the line (cursor.Line) until it and its breath are
// over, its cues leaving it as they fire, so that a successor taking the
// room over meanwhile lets the line end before the next one, cues or none.
func (e *Engine) finishLine() {
	e.speaking = true
	for e.cur.Line != nil && len(e.cur.Line.Cues) > 0 {
		l := e.cur.Line
		c := l.Cues[0]
		if e.wait(c.At, untilNone) {
			return
		}
		// Fired as soon as its first event is out: a successor does not
		// fire it again.
		l.Cues = l.Cues[1:]
		e.curStr = ""
		e.act(script.Action{Kind: c.Kind, Ref: c.Ref})
	}
	gap := LineGap
	if e.cut {
		gap = 0 // a typed line placed now follows at once
	}
	if e.wait(e.ends.Add(gap), untilNone) {
		return
	}
	if e.cur.Line != nil {
		e.cur.Line, e.curStr = nil, ""
	}
	e.speaking, e.cut = false, false
}

// resumeLine finishes, after a takeover, the line the last director was
// speaking: the cues it had not fired fire at their times (at once if
// already due) and the line is let end before the next one. A line already
// over is left alone and its cues are dropped: out of their line they
// would come out of context.
func (e *Engine) resumeLine() {
	l := e.cur.Line
	if l == nil {
		return
	}
	if !e.now.Before(l.Ends) {
		e.cur.Line, e.curStr = nil, ""
		return
	}
	e.log.Debug("finishing the last director's line", zap.String("line", l.ID), zap.Int("cues", len(l.Cues)))
	e.ends = l.Ends
	e.finishLine()
}

// pick returns l's utterance in lang, else in the show's first language
// that has it.
func pick(l *script.Line, lang string, langs []string) (script.Utterance, string) {
	if u, ok := l.Say[lang]; ok {
		return u, lang
	}
	for _, lg := range langs {
		if u, ok := l.Say[lg]; ok {
			return u, lg
		}
	}
	for lg, u := range l.Say {
		return u, lg
	}
	return script.Utterance{}, lang
}

// fill replaces placeholders ({price:SKU}, {list_price:SKU}, {stock:SKU},
// {title:SKU}, {sale_price:ID}, {sale_stock:ID}, {coupon:ID}) with live
// values and moves cue offsets to match.
func (e *Engine) fill(u script.Utterance) (string, []script.Cue) {
	return e.fillIn(u, e.cur.Lang)
}

// fillIn is fill for an utterance in lang ({title:SKU} in that language).
func (e *Engine) fillIn(u script.Utterance, lang string) (string, []script.Cue) {
	return u.Expand(func(kind, ref string) (string, bool) {
		v, ok := e.placeholderValue(kind, ref, lang)
		if ok && (strings.Contains(kind, "price") || kind == "coupon") {
			// Spoken, an amount has no trailing zeros: 99元, 64.5元, not 99.00元.
			v = spokenAmount(v)
		}
		return v, ok
	})
}

// spokenAmount drops the zeros after a decimal point and the point itself
// when nothing is left after it: "99.00" → "99", "64.50" → "64.5".
func spokenAmount(v string) string {
	if !strings.Contains(v, ".") {
		return v
	}
	return strings.TrimSuffix(strings.TrimRight(v, "0"), ".")
}

// placeholderValue is the live value of placeholder {kind:ref} in lang.
func (e *Engine) placeholderValue(kind, ref, lang string) (string, bool) {
	switch kind {
	case "sale_price", "sale_stock":
		sl := e.prog.Show.Sale(ref)
		if sl == nil {
			return "", false
		}
		if kind == "sale_price" {
			return sl.Price.String(), true
		}
		if e.sale != nil && e.sale.ev.ID == ref {
			return strconv.Itoa(e.sale.ev.Stock), true
		}
		return strconv.Itoa(min(sl.Stock, e.stockOf(sl.SKU))), true
	case "coupon":
		if c := e.prog.Show.Coupon(ref); c != nil {
			return c.Discount.String(), true
		}
		return "", false
	}
	pr := e.prog.Show.Product(ref)
	if pr == nil {
		return "", false
	}
	switch kind {
	case "price":
		if e.sale != nil && e.sale.ev.SKU == ref {
			return e.sale.ev.Price, true
		}
		return e.priceOf(pr).String(), true
	case "list_price":
		return pr.ListPrice.String(), true
	case "stock":
		return strconv.Itoa(e.stockOf(ref)), true
	case "title":
		return pr.Title.Get(lang, e.defaultLang()), true
	}
	return "", false
}

// discloseIfDue speaks the spoken disclosure if the show has just started.
// It reports whether it spoke.
func (e *Engine) discloseIfDue() bool {
	if !e.disclose {
		return false
	}
	e.disclose = false
	text := e.room.Persona.SpokenDisclosureFor(e.lang())
	if text == "" {
		return false
	}
	e.choose(chosen{disclose: true}) // until its speech is out (agenda.go)
	e.speakDisclosure(text)
	e.dropChosen()
	return true
}

// speakDisclosure speaks the persona's disclosure in the room's language,
// with the script's other languages as translations: the line that opens
// every show. It is the director's, not the script's, so no script can
// remove it.
func (e *Engine) speakDisclosure(text string) {
	per := e.room.Persona
	tr := e.otherLangs(e.lang(), func(lg string) (string, bool) {
		_, spoken := per.SpokenDisclosure[lg]
		_, label := per.Disclosure[lg]
		return per.SpokenDisclosureFor(lg), spoken || label
	})
	e.speak(spoken{id: avatar.DisclosureLineID, text: text, lang: e.lang(), translations: tr})
}

// lang is the language spoken now.
func (e *Engine) lang() string {
	if e.cur.Lang != "" {
		return e.cur.Lang
	}
	return e.defaultLang()
}
