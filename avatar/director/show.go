package director

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// The show's course: restore, lifecycle, the show controls and
// interjections of a line boundary, and the script's steps. Every Engine
// method runs inside Update at e.now; one that may have to wait (see
// Engine.wait) leaves the engine waiting, and its caller returns at once
// (see Engine.blocked and Engine.then).

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
			e.cur.Q = nil // restored below, once the state is
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
	if m.Cursor != "" {
		if c, err := parseCursor(m.Cursor); err == nil {
			e.restoreAgenda(c.Q)
		}
	}
	e.lastCursor = m.Cursor
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
	pv := e.room.Provenance()
	pv.Show, pv.Version = e.prog.Show.ID, e.prog.Version
	return pv
}

// startStatus is showStatus with the show's provenance, for show.start and
// show.resume.
func (e *Engine) startStatus() avatar.ShowStatus {
	st := e.showStatus("")
	st.Provenance = e.provenance()
	return st
}

// stopReason is why the show ends when the room record says stopped: the
// record's own reason (a licence revoked or expired, avatar.Licence*) or
// the merchant's stop.
func (e *Engine) stopReason() string {
	if r := e.room.StopReason; r != "" {
		return r
	}
	return avatar.ReasonMerchant
}

// lifecycle moves the show to the status the room record wants.
func (e *Engine) lifecycle() {
	if e.offAir() {
		return
	}
	st := e.state.Status
	switch e.want {
	case avatar.RoomPaused:
		switch st {
		case avatar.ShowPlaying:
			e.state.Status = avatar.ShowPaused
			e.emitState(avatar.EventShowPause, e.showStatus(avatar.ReasonMerchant))
		case "":
			e.state.Status = avatar.ShowPaused
			e.saveState()
		}
	case avatar.RoomStopped:
		switch st {
		case avatar.ShowPlaying, avatar.ShowPaused:
			e.endShow(e.stopReason())
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
			e.emitState(avatar.EventShowStart, e.scheduledStart(e.startStatus()))
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
	st := e.showStatus(reason)
	if reason == avatar.ReasonSchedule {
		st.NextStart = e.state.NextStart
	}
	e.emitState(avatar.EventShowEnd, st)
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
	// What is taken off the agenda stays in the checkpoint until its
	// speech event is out (agenda.go).
	defer e.dropChosen()
	e.promoteQueued()
	if len(e.says) > 0 {
		c := e.says[0]
		e.says = e.says[1:]
		e.choose(chosen{say: &c})
		lang := c.Lang
		if lang == "" {
			lang = e.cur.Lang
		}
		e.speak(spoken{kind: LineSay, text: c.Text, lang: lang}) // its id is its speech event's seq
		return true
	}
	if len(e.soldOut) > 0 {
		sku, sale := strings.CutPrefix(e.soldOut[0], saleSoldOut)
		e.choose(chosen{soldOut: e.soldOut[0]})
		e.soldOut = e.soldOut[1:]
		e.soldOutSpoken()
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
	if e.capped() {
		return false
	}
	if e.interjectAnswer() {
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
		e.choose(chosen{tap: true})
		e.burst++
		e.sayLine(l, false)
		e.then(afterRefocus)
		return true
	}
	if e.thankDue {
		e.choose(chosen{like: &likeAt{Due: true, Name: e.thank, Last: ms(e.lastThank)}})
		e.burst++
		e.sayThanks()
		return true
	}
	if i, ok := e.thankYouDue(); ok {
		e.choose(chosen{thanks: i + 1, pend: e.thanks.pend[i], last: e.thanks.last[i]})
		e.burst++
		e.sayThankYou(i)
		return true
	}
	return false
}

// capped reports whether AnswerBurst answers, taps or thank-yous came in
// a row: none may pre-empt the script until it speaks a line (see step).
func (e *Engine) capped() bool {
	return e.burst >= AnswerBurst && e.scriptDue()
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

// step plays the step under the cursor and moves the cursor on. A step
// that speaks a line or waits for the show to go on (for stock, or the
// attract loop's quiet spell) ends a burst of interjections; a pause does
// not (capped, answers and taps do not cut it short either), nor one that
// takes no time (a segment's end, set, goto, an action). So at most
// AnswerBurst answers, taps or thank-yous come between two script lines.
func (e *Engine) step() {
	defer func() {
		if e.waiting && e.w.until != untilPause {
			e.burst = 0
		}
	}()
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
		e.wait(e.now.Add(st.Pause), untilPause)
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
func (e *Engine) order(seg *script.Segment) []int { return e.orderIn(seg, e.cur.Pass) }

// orderIn is the order of seg's steps in pass.
func (e *Engine) orderIn(seg *script.Segment, pass int) []int {
	n := len(seg.Steps)
	switch seg.Order {
	case script.OrderShuffle:
		cur := e.perm(seg, pass)
		if pass > 0 && n > 1 {
			prev := e.perm(seg, pass-1)
			if cur[0] == prev[n-1] {
				cur[0], cur[1] = cur[1], cur[0]
			}
		}
		return cur
	case script.OrderCycle:
		if n == 0 {
			return nil
		}
		return []int{pass % n}
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
