package director

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// The show's rules: lifecycle, the script's steps, lines and cues, sales.
// Every method here runs inside Engine.Update at e.now; one that may have
// to wait (see Engine.wait) leaves the engine waiting, and its caller
// returns at once when e.blocked().

// restore picks the room up where the last event left it: seq and cursor
// from the event, product card, sale, exhibit and recent lines from the
// state snapshot.
func (e *Engine) restore(m MsgRestore) {
	e.seq = m.Seq
	if m.Cursor != "" {
		c, err := parseCursor(m.Cursor)
		if err != nil {
			e.log.Warn("ignoring stored cursor", zap.Error(err))
		} else {
			e.cur = c
			if e.cur.Lang == "" || !e.hasLang(e.cur.Lang) {
				e.cur.Lang = e.defaultLang()
			}
			e.fitCursor(e.cur.Version)
		}
	}
	e.cur.Version = e.prog.Version
	if st := m.State; m.Found && m.Seq > 0 && st.Seq <= m.Seq {
		e.state = st
		e.state.Viewers = 0
		if st.Sale != nil {
			e.sale = &saleRun{ev: *st.Sale, ends: time.Time(st.Sale.Ends), updated: e.now}
		}
	}
	e.state.Seq = e.seq
	e.state.Lang = e.cur.Lang
	if e.state.Status != avatar.ShowPlaying && e.state.Status != avatar.ShowPaused && e.state.Status != avatar.ShowEnded {
		e.state.Status = ""
	}
	e.curStr = ""
	e.log.Debug("playing", zap.Uint64("seq", e.seq), zap.String("cursor", e.cursorString()))
}

// fitCursor makes the cursor point into the current program. A cursor of
// another script version goes to the segment of the same ID if it had not
// started it, else to the one after (a new version plays from the next
// segment, and no line is said twice).
func (e *Engine) fitCursor(version uint64) {
	segs := e.prog.Show.Segments
	if version != e.prog.Version && version != 0 && e.prog.Version != 0 {
		_, i := e.prog.Show.Segment(e.cur.SegID)
		switch {
		case i < 0:
			i = 0
		case e.cur.Step > 0:
			i++
		}
		e.cur.Segment, e.cur.Step = i, 0
	}
	if e.cur.Segment >= len(segs) {
		e.cur.Segment, e.cur.Step = 0, 0
		e.cur.Pass++
	}
	if len(segs) > 0 {
		e.cur.SegID = segs[e.cur.Segment].ID
	}
}

func (e *Engine) showStatus(reason string) avatar.ShowStatus {
	return avatar.ShowStatus{Show: e.prog.Show.ID, Title: e.prog.Show.Title.Get(e.cur.Lang, e.defaultLang()), Reason: reason}
}

// provenance is where the show played now comes from, for the record.
func (e *Engine) provenance() *avatar.Provenance {
	pv := &avatar.Provenance{Merchant: e.room.Merchant, Show: e.prog.Show.ID, Version: e.prog.Version,
		Persona: e.room.Persona.ID, Voice: e.room.Persona.Voice.ID}
	if l := e.room.Persona.Likeness; l != nil {
		pv.Person = l.Person
		if l.Licence != nil {
			pv.Licences = []string{l.Licence.ID}
		}
	}
	return pv
}

// startStatus is showStatus with the show's provenance, for show.start and
// show.resume.
func (e *Engine) startStatus() avatar.ShowStatus {
	st := e.showStatus("")
	st.Provenance = e.provenance()
	return st
}

// lifecycle moves the show to the status the room record wants.
func (e *Engine) lifecycle() {
	st := e.state.Status
	switch e.want {
	case avatar.RoomPaused:
		switch st {
		case avatar.ShowPlaying:
			e.state.Status = avatar.ShowPaused
			e.emitState(avatar.EventShowPause, e.showStatus("merchant"))
		case "":
			e.state.Status = avatar.ShowPaused
			e.saveState()
		}
	case avatar.RoomStopped:
		switch st {
		case avatar.ShowPlaying, avatar.ShowPaused:
			e.endShow("merchant")
		case "":
			e.state.Status = avatar.ShowEnded
			e.saveState()
		}
	default: // playing
		switch st {
		case avatar.ShowPaused:
			e.state.Status = avatar.ShowPlaying
			e.emitState(avatar.EventShowResume, e.startStatus())
		case avatar.ShowEnded, "":
			if st == avatar.ShowEnded {
				// A stopped show starts again from the top.
				e.cur.Pass, e.cur.Segment, e.cur.Step, e.cur.Attract = e.cur.Pass+1, 0, 0, false
				e.touch()
			}
			e.state.Status = avatar.ShowPlaying
			e.disclose = true // the show opens with the spoken disclosure
			e.emitState(avatar.EventShowStart, e.startStatus())
		}
	}
}

// endShow ends the show for reason: the sale stops, the card goes.
func (e *Engine) endShow(reason string) {
	e.endSale(avatar.SaleEndStopped)
	if card := e.state.Product; card != nil {
		e.state.Product = nil
		e.emit(avatar.EventProductHide, card)
	}
	e.state.Status = avatar.ShowEnded
	e.emitState(avatar.EventShowEnd, e.showStatus(reason))
}

// switchProgram makes prog the script played from here, the start of a
// segment: the segment of the same ID in prog, else prog's first.
func (e *Engine) switchProgram(prog *Program) {
	e.log.Info("new script version", zap.Uint64("version", prog.Version))
	oldID := ""
	if segs := e.prog.Show.Segments; e.cur.Segment < len(segs) {
		oldID = segs[e.cur.Segment].ID
	}
	e.prog, e.next = prog, nil
	_, i := prog.Show.Segment(oldID)
	e.cur.Segment, e.cur.Step = max(i, 0), 0
	e.cur.Version = prog.Version
	e.setSegID()
	e.answers, e.interlude, e.answered = nil, nil, nil // they index the old FAQ and exhibits
	for sku := range e.cur.Stock {
		if prog.Show.Product(sku) == nil {
			delete(e.cur.Stock, sku)
		}
	}
	for sku := range e.cur.Price {
		if prog.Show.Product(sku) == nil {
			delete(e.cur.Price, sku)
		}
	}
}

// applyShowControls applies the show controls that wait for a line
// boundary: language, skip, pitch, sale.
func (e *Engine) applyShowControls() {
	if e.relang {
		e.relang = false
		if card := e.state.Product; card != nil {
			e.act(script.Action{Kind: script.ActShowProduct, Ref: card.SKU})
		}
		if ex := e.state.Exhibit; ex != nil {
			e.act(script.Action{Kind: script.ActFocus, Ref: ex.ID})
		}
		e.state.Lang = e.cur.Lang
		e.saveState()
	}
	if e.skip {
		e.skip = false
		e.interlude = nil
		e.nextSegment()
	}
	if sku := e.pitch; sku != "" {
		e.pitch = ""
		if i := slices.IndexFunc(e.prog.Show.Segments, func(s script.Segment) bool { return s.Product == sku }); i >= 0 {
			e.jumpTo(i)
		} else {
			e.act(script.Action{Kind: script.ActShowProduct, Ref: sku})
		}
	}
	if s := e.saleNow; s != nil {
		e.saleNow = nil
		if e.state.Product == nil || e.state.Product.SKU != s.SKU {
			e.act(script.Action{Kind: script.ActShowProduct, Ref: s.SKU})
		}
		e.startSale(s)
	}
}

// interject speaks one line that pre-empts the script, if one is due:
// the merchant's typed line, a sell-out, an answer, a tapped exhibit's
// narration, a thank-you. It reports whether it took the turn.
func (e *Engine) interject() bool {
	if e.disclose {
		return false // the show's first line is the disclosure: see step
	}
	if len(e.says) > 0 {
		c := e.says[0]
		e.says = e.says[1:]
		lang := c.Lang
		if lang == "" {
			lang = e.cur.Lang
		}
		id := "say-" + strconv.FormatUint(e.seq+1, 10)
		e.speak(spoken{id: id, text: c.Text, lang: lang})
		return true
	}
	if len(e.soldOut) > 0 {
		sku, sale := strings.CutPrefix(e.soldOut[0], saleSoldOut)
		e.soldOut = e.soldOut[1:]
		pr := e.prog.Show.Product(sku)
		if pr == nil {
			return false
		}
		text, lang := soldOutLine(pr.Title.Get(e.cur.Lang, e.defaultLang()), e.cur.Lang, sale)
		tr := e.otherLangs(lang, func(lg string) (string, bool) {
			t, l := soldOutLine(pr.Title.Get(lg, e.defaultLang()), lg, sale)
			return t, l == lg
		})
		id := "sold-out-" + sku
		if sale {
			id = "sale-sold-out-" + sku
		}
		e.speak(spoken{id: id, text: text, lang: lang, emotion: "excited", translations: tr})
		return true
	}
	capped := e.burst >= AnswerBurst && e.scriptDue()
	if capped {
		return false
	}
	if len(e.answers) > 0 {
		a := e.answers[0]
		e.answers = e.answers[1:]
		e.burst++
		e.speakAnswer(a)
		return true
	}
	if len(e.interlude) > 0 {
		if f := e.tapFocus; f != "" {
			e.tapFocus = ""
			if e.state.Exhibit == nil || e.state.Exhibit.ID != f {
				e.act(script.Action{Kind: script.ActFocus, Ref: f})
			}
		}
		l := e.interlude[0]
		e.interlude = e.interlude[1:]
		e.burst++
		e.sayLine(l, false)
		e.then(afterRefocus)
		return true
	}
	if e.thankDue {
		e.burst++
		e.sayThanks()
		return true
	}
	return false
}

// scriptDue reports whether a scripted line is waiting (not the museum's
// attract loop, which never pre-empts a viewer).
func (e *Engine) scriptDue() bool {
	return !e.cur.Attract && len(e.prog.Show.Segments) > 0
}

// refocus turns back to the current segment's exhibit after a tapped one.
func (e *Engine) refocus() {
	segs := e.prog.Show.Segments
	if e.cur.Attract || e.cur.Step == 0 || e.cur.Segment >= len(segs) {
		return
	}
	if ex := segs[e.cur.Segment].Exhibit; ex != "" && (e.state.Exhibit == nil || e.state.Exhibit.ID != ex) {
		e.act(script.Action{Kind: script.ActFocus, Ref: ex})
	}
}

// step plays the step under the cursor and moves the cursor on.
func (e *Engine) step() {
	e.burst = 0
	if e.next != nil && (e.cur.Step == 0 || e.cur.Attract || len(e.prog.Show.Segments) == 0) {
		e.switchProgram(e.next)
	}
	segs := e.prog.Show.Segments
	if e.cur.Attract || len(segs) == 0 {
		if e.discloseIfDue() {
			e.then(afterAttract)
			return
		}
		e.attract()
		return
	}
	seg := &segs[e.cur.Segment]
	if e.guardStep(seg) {
		return
	}
	if e.skipSoldOut(seg) {
		return
	}
	if e.cur.Step == 0 {
		e.enterSegment(seg)
	}
	// Once in the first segment (its card shown or hidden), so that a
	// control applied while it is spoken is not undone by entering it.
	if e.discloseIfDue() {
		e.then(afterStep)
		return
	}
	e.playStep()
}

// playStep plays the step under the cursor of the segment entered.
func (e *Engine) playStep() {
	seg := &e.prog.Show.Segments[e.cur.Segment]
	order := e.order(seg)
	if e.cur.Step >= len(order) {
		e.nextSegment()
		return
	}
	st := &seg.Steps[order[e.cur.Step]]
	if st.Kind != script.StepSay {
		e.advance()
	}
	switch st.Kind {
	case script.StepSay:
		e.sayLine(st.Line, true)
	case script.StepPause:
		e.wait(e.now.Add(st.Pause), untilInterjection)
	case script.StepAction:
		e.act(*st.Action)
	default:
		e.flow(st)
	}
}

// flow plays an if, goto or set step (which take no time); other steps are
// left to the caller.
func (e *Engine) flow(st *script.Step) {
	switch st.Kind {
	case script.StepIf:
		if e.holds(st.If) {
			e.jump(st.Goto)
		}
	case script.StepGoto:
		e.jump(st.Goto)
	case script.StepSet:
		if e.cur.Vars == nil {
			e.cur.Vars = map[string]int64{}
		}
		if st.Set.Add {
			e.cur.Vars[st.Set.Var] = e.varValue(st.Set.Var) + st.Set.Value
		} else {
			e.cur.Vars[st.Set.Var] = st.Set.Value
		}
	}
}

func (e *Engine) advance() {
	e.cur.Step++
	e.curStr = ""
}

// attract plays the idle loop: an idle line when the kiosk has been quiet
// for AttractAfter, else a wait for a viewer.
func (e *Engine) attract() {
	idle := e.prog.Show.Idle
	quietUntil := e.lastTouch.Add(AttractAfter)
	if len(idle) == 0 || e.now.Before(quietUntil) {
		until := quietUntil
		if len(idle) == 0 || !e.now.Before(until) {
			until = e.now.Add(AttractAfter)
		}
		e.wait(until, untilInterjection)
		return
	}
	l := &idle[e.cur.Idle%len(idle)]
	e.cur.Idle = (e.cur.Idle + 1) % len(idle)
	e.curStr = ""
	e.emit(avatar.EventIdle, avatar.Idle{Reason: "attract"})
	e.sayLine(l, false)
	// The next attract line comes after another quiet spell.
	e.then(afterTouch)
}

func (e *Engine) touch() { e.lastTouch = e.now }

// nextSegment moves the cursor past the end of the current segment. A
// museum tour ends after its last segment and turns to the attract loop.
func (e *Engine) nextSegment() {
	e.cur.Segment++
	e.cur.Step = 0
	if e.cur.Segment >= len(e.prog.Show.Segments) {
		e.cur.Segment = 0
		e.cur.Pass++
		if e.prog.Show.Kind == script.KindMuseum {
			e.cur.Attract = true
			e.touch()
		}
	}
	e.setSegID()
}

func (e *Engine) setSegID() {
	if segs := e.prog.Show.Segments; e.cur.Segment < len(segs) {
		e.cur.SegID = segs[e.cur.Segment].ID
	}
	e.curStr = ""
}

// jump goes to segment id; a script that names no such segment (never a
// validated one) ends the engine with an error.
func (e *Engine) jump(id string) {
	_, i := e.prog.Show.Segment(id)
	if i < 0 {
		e.err = fmt.Errorf("director: room %s: jump to unknown segment %q", e.room.ID, id)
		return
	}
	e.jumpTo(i)
}

func (e *Engine) jumpTo(i int) {
	if i <= e.cur.Segment {
		e.cur.Pass++ // a jump back starts a new pass, so shuffles change
	}
	e.cur.Segment, e.cur.Step, e.cur.Attract = i, 0, false
	e.setSegID()
}

// order returns the order of seg's steps in the current pass. A shuffled
// segment gets a new order each pass, seeded by room, segment and pass, so a
// director taking the room over computes the same order; its first step is
// never the previous pass's last, so no line repeats back to back. A cycle
// segment plays one step per pass, going round.
func (e *Engine) order(seg *script.Segment) []int {
	n := len(seg.Steps)
	switch seg.Order {
	case script.OrderShuffle:
		cur := e.perm(seg, e.cur.Pass)
		if e.cur.Pass > 0 && n > 1 {
			prev := e.perm(seg, e.cur.Pass-1)
			if cur[0] == prev[n-1] {
				cur[0], cur[1] = cur[1], cur[0]
			}
		}
		return cur
	case script.OrderCycle:
		if n == 0 {
			return nil
		}
		return []int{e.cur.Pass % n}
	}
	return identity(n)
}

var identities = func() [][]int {
	out := make([][]int, 64)
	for n := range out {
		out[n] = make([]int, n)
		for i := range n {
			out[n][i] = i
		}
	}
	return out
}()

// identity returns 0..n-1; callers must not modify it.
func identity(n int) []int {
	if n < len(identities) {
		return identities[n]
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func (e *Engine) perm(seg *script.Segment, pass int) []int {
	h := fnv.New64a()
	h.Write([]byte(e.room.ID))
	h.Write([]byte{0})
	h.Write([]byte(seg.ID))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(pass)))
	return r.Perm(len(seg.Steps))
}

func (e *Engine) enterSegment(seg *script.Segment) {
	e.state.Segment = seg.ID
	e.setSegID()
	if seg.Product != "" {
		if e.state.Product == nil || e.state.Product.SKU != seg.Product {
			e.act(script.Action{Kind: script.ActShowProduct, Ref: seg.Product})
		}
	} else if e.state.Product != nil && e.prog.Show.Kind == script.KindLivestream {
		e.act(script.Action{Kind: script.ActHideProduct, Ref: e.state.Product.SKU})
	}
	if seg.Exhibit != "" && (e.state.Exhibit == nil || e.state.Exhibit.ID != seg.Exhibit) {
		e.act(script.Action{Kind: script.ActFocus, Ref: seg.Exhibit})
	}
}

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
func (e *Engine) speak(s spoken) {
	tl := e.prog.time(s.line, s.text, s.lang, e.voice, s.cached)
	sp := avatar.Speech{
		LineID: s.id, Text: s.text, Lang: s.lang, Emotion: s.emotion,
		DurationMS: tl.tr.DurationMS, Words: tl.words, Visemes: tl.visemes, Translations: s.translations,
	}
	start := e.now
	if s.emotion != "" {
		e.emit(avatar.EventExpression, avatar.Expression{Name: s.emotion})
	}
	if s.gesture != "" {
		e.emit(avatar.EventGesture, avatar.Gesture{Name: s.gesture})
	}
	if s.advance {
		e.advance()
	}
	// The speech (or reply) event is the next one published, after the
	// expression and gesture above: its "room/seq" is the content id.
	sp.AIGC = avatar.MarkAI(avatar.EventContentID(e.room.ID, e.seq+1))
	e.state.LineID = s.id
	e.state.Lang = e.cur.Lang
	// A new slice every time: a saved snapshot shares the old one.
	recent := e.state.Recent[max(len(e.state.Recent)-(recentLines-1), 0):]
	e.state.Recent = append(slices.Clip(slices.Clone(recent)), sp)
	// The cues go in the cursor with the speech, so a director taking the
	// room over mid-line can fire those this one did not.
	ends := start.Add(time.Duration(tl.tr.DurationMS) * time.Millisecond)
	e.cur.Line, e.curStr = nil, ""
	if len(s.cues) > 0 {
		l := &lineCues{ID: s.id, Ends: ends, Cues: make([]cueAt, len(s.cues))}
		for i, c := range s.cues {
			l.Cues[i] = cueAt{At: start.Add(time.Duration(tl.tr.OffsetMS(c.At)) * time.Millisecond), Kind: c.Action.Kind, Ref: c.Action.Ref}
		}
		e.cur.Line = l
	}
	if s.reply != nil {
		r := *s.reply
		r.Speech, r.AIGC = sp, sp.AIGC
		e.emitState(avatar.EventReply, r)
	} else {
		e.emitState(avatar.EventSpeech, sp)
	}
	e.ends = ends
	e.finishLine()
}

// finishLine fires the cues left in the cursor's line at their times, then
// waits until the line (it ends at e.ends) and a breath are over, serving
// controls and input meanwhile. Called again after each wait, it goes on
// where it stopped.
func (e *Engine) finishLine() {
	e.speaking = true
	for e.cur.Line != nil {
		l := e.cur.Line
		if len(l.Cues) == 0 {
			e.cur.Line, e.curStr = nil, ""
			break
		}
		c := l.Cues[0]
		if e.wait(c.At, untilNone) {
			return
		}
		// Fired as soon as its first event is out: a successor does not
		// fire it again.
		l.Cues = l.Cues[1:]
		if len(l.Cues) == 0 {
			e.cur.Line = nil
		}
		e.curStr = ""
		e.act(script.Action{Kind: c.Kind, Ref: c.Ref})
	}
	if e.wait(e.ends.Add(LineGap), untilNone) {
		return
	}
	e.speaking = false
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

func (e *Engine) defaultLang() string {
	if len(e.prog.Show.Languages) > 0 {
		return e.prog.Show.Languages[0]
	}
	return ""
}

func (e *Engine) hasLang(lang string) bool {
	return slices.Contains(e.prog.Show.Languages, lang)
}

// stockOf is SKU's live stock: the catalog's unless changed.
func (e *Engine) stockOf(sku string) int {
	if n, ok := e.cur.Stock[sku]; ok {
		return n
	}
	if pr := e.prog.Show.Product(sku); pr != nil {
		return pr.Stock
	}
	return 0
}

func (e *Engine) setStock(sku string, n int) {
	if e.cur.Stock == nil {
		e.cur.Stock = map[string]int{}
	}
	e.cur.Stock[sku] = n
	e.curStr = ""
}

func (e *Engine) priceOf(pr *script.Product) script.Money {
	if m, ok := e.cur.Price[pr.SKU]; ok {
		return m
	}
	return pr.Price
}

func (e *Engine) varValue(name string) int64 {
	if v, ok := e.cur.Vars[name]; ok {
		return v
	}
	for _, v := range e.prog.Show.Vars {
		if v.Name == name {
			return v.Value
		}
	}
	return 0
}

func (e *Engine) productCard(pr *script.Product) *avatar.Product {
	return &avatar.Product{
		SKU: pr.SKU, Title: pr.Title.Get(e.cur.Lang, e.defaultLang()),
		Price: e.priceOf(pr).String(), ListPrice: pr.ListPrice.String(),
		Currency: pr.Currency, Stock: e.stockOf(pr.SKU), Image: pr.Image,
		Points: pr.Points[e.cur.Lang], Wanted: e.wantedOf(pr.SKU),
	}
}

// act fires one scripted action as its event.
func (e *Engine) act(a script.Action) {
	switch a.Kind {
	case script.ActShowProduct:
		pr := e.prog.Show.Product(a.Ref)
		if pr == nil {
			return // validated scripts name known SKUs
		}
		card := e.productCard(pr)
		e.state.Product = card
		e.emitState(avatar.EventProductShow, card)
	case script.ActHideProduct:
		card := e.state.Product
		if card == nil || card.SKU != a.Ref {
			return
		}
		e.state.Product = nil
		e.emitState(avatar.EventProductHide, card)
	case script.ActSale:
		s := a.Sale
		if s == nil {
			s = e.prog.Show.Sale(a.Ref)
		}
		e.startSale(s)
	case script.ActCoupon:
		if c := e.prog.Show.Coupon(a.Ref); c != nil {
			cur := ""
			if len(e.prog.Show.Catalog) > 0 {
				cur = e.prog.Show.Catalog[0].Currency
			}
			e.emit(avatar.EventCoupon, avatar.Coupon{
				ID: c.ID, Title: c.Title.Get(e.cur.Lang, e.defaultLang()), Discount: c.Discount.String(),
				MinSpend: c.MinSpend.String(), Currency: cur, Count: c.Count,
			})
		}
	case script.ActFocus:
		x := e.prog.Show.Exhibit(a.Ref)
		if x == nil {
			return
		}
		ex := e.exhibitCard(x)
		e.state.Exhibit = ex
		e.emitState(avatar.EventExhibit, ex)
	case script.ActExpression:
		e.emit(avatar.EventExpression, avatar.Expression{Name: a.Ref})
	case script.ActGesture:
		e.emit(avatar.EventGesture, avatar.Gesture{Name: a.Ref})
	}
}

func (e *Engine) exhibitCard(x *script.Exhibit) *avatar.Exhibit {
	ex := &avatar.Exhibit{ID: x.ID, Title: x.Title.Get(e.cur.Lang, e.defaultLang()), Era: x.Era.Get(e.cur.Lang, e.defaultLang()), Image: x.Image}
	for _, o := range x.Options {
		ex.Options = append(ex.Options, avatar.Option{ID: o.ID, Label: o.Label.Get(e.cur.Lang, e.defaultLang())})
	}
	return ex
}

// startSale starts flash sale s, ending any running one. Its stock is the
// sale's, capped by the product's live stock; it ends at a wall-clock time.
func (e *Engine) startSale(s *script.Sale) {
	if s == nil {
		return
	}
	pr := e.prog.Show.Product(s.SKU)
	if pr == nil {
		return
	}
	id := saleID(s)
	if e.sale != nil && e.sale.ev.ID == id {
		return // already counting down: a looping pitch does not restart it
	}
	e.endSale(avatar.SaleEndStopped)
	stock := min(s.Stock, e.stockOf(s.SKU))
	if stock <= 0 {
		e.announceSoldOut(s.SKU)
		return
	}
	ends := e.now.Add(s.Duration)
	e.sale = &saleRun{ends: ends, updated: e.now, ev: avatar.Sale{
		ID: id, SKU: s.SKU, Price: s.Price.String(), Currency: pr.Currency, Stock: stock, Ends: avatar.Time(ends),
	}}
	ev := e.sale.ev
	e.state.Sale = &ev
	e.emitState(avatar.EventSaleStart, ev)
}

// endSale ends the running sale, if any, for reason.
func (e *Engine) endSale(reason string) {
	if e.sale == nil {
		return
	}
	ev := e.sale.ev
	ev.Reason = reason
	e.sale, e.state.Sale = nil, nil
	e.emitState(avatar.EventSaleEnd, ev)
}

// saleTick ends the sale at its end time and publishes stock changes from
// cart intents at most every SaleUpdateEvery. It returns when it next has
// something to do (zero: nothing).
func (e *Engine) saleTick() time.Time {
	s := e.sale
	if s == nil {
		return time.Time{}
	}
	if !e.now.Before(s.ends) {
		e.endSale(avatar.SaleEndTime)
		return time.Time{}
	}
	next := s.ends
	if s.dirty {
		at := s.updated.Add(SaleUpdateEvery)
		if e.now.Before(at) {
			next = at
		} else {
			e.publishSale()
		}
	}
	return next
}

func (e *Engine) publishSale() {
	s := e.sale
	s.dirty, s.updated = false, e.now
	ev := s.ev
	e.state.Sale = &ev
	e.emitState(avatar.EventSaleUpdate, ev)
	// Cart claims took units from the product too: keep its card true.
	if card := e.state.Product; card != nil && card.SKU == ev.SKU && card.Stock != e.stockOf(ev.SKU) {
		e.act(script.Action{Kind: script.ActShowProduct, Ref: ev.SKU})
	}
}

// stockChanged publishes what follows from SKU's live stock changing:
// the card on screen, the running sale's stock, and a sell-out.
func (e *Engine) stockChanged(sku string, atOnce bool) {
	n := e.stockOf(sku)
	if s := e.sale; s != nil && s.ev.SKU == sku && s.ev.Stock > n {
		s.ev.Stock = n
		s.dirty = true
		if n == 0 {
			e.endSale(avatar.SaleEndSoldOut)
		} else if atOnce {
			e.publishSale()
		}
	}
	if card := e.state.Product; card != nil && card.SKU == sku && (atOnce || n == 0) {
		e.act(script.Action{Kind: script.ActShowProduct, Ref: sku})
	}
	if n == 0 {
		e.announceSoldOut(sku)
	}
}

func (e *Engine) announceSoldOut(sku string) {
	if !slices.Contains(e.soldOut, sku) {
		e.soldOut = append(e.soldOut, sku)
	}
}

// holds reports whether condition c of an if step holds now.
func (e *Engine) holds(c *script.Cond) bool {
	var v int64
	switch {
	case strings.HasPrefix(c.Var, "stock(") && strings.HasSuffix(c.Var, ")"):
		v = int64(e.stockOf(c.Var[len("stock(") : len(c.Var)-1]))
	case c.Var == "viewers":
		e.state.Viewers = e.viewerCount()
		v = int64(e.state.Viewers)
	default:
		v = e.varValue(c.Var)
	}
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	case "==":
		return v == c.Value
	case "!=":
		return v != c.Value
	}
	return false
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
	e.speakDisclosure(text)
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
