package director

import (
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// The agenda is what waits in an engine's memory for a line boundary: the
// merchant's typed lines and the show controls accepted for the next
// boundary, sell-out announcements, answers (held repeats too) and the
// question the model is asked, a tapped exhibit's narration, thank-yous
// coalescing, the disclosure still to be spoken. It travels in the
// checkpoint (the cursor's "q", with every event while something waits),
// so a director taking the room over, or handed it, goes on with it. See
// docs/director.md, "What survives a takeover".
//
// An item leaves the agenda exactly when its speech (or reply) event is
// published, as a script line leaves the cursor: until then the line
// chosen (Engine.chosen, also while it is held for its render) is written
// back in its place. So a successor says it if its speech did not go out,
// and never says it again if it did.

// maxAskers bounds the viewers an answer remembers (to merge one viewer's
// repeats) and maxAddressed the speakable names it keeps: only that many
// are addressed (addressPrefix).
const (
	maxAskers    = 4
	maxAddressed = 3
)

// agenda is the checkpoint's form of what waits. Times are Unix
// milliseconds (0: none).
type agenda struct {
	Says     []sayAt          `json:"say,omitempty"`   // typed lines to speak next, in order
	Queued   []queuedAt       `json:"queue,omitempty"` // typed lines placed at the end of the queue
	SoldOut  []string         `json:"sold,omitempty"`  // sell-outs to announce (saleSoldOut prefix for a sale)
	Answers  []answerAt       `json:"ans,omitempty"`   // answers waiting, oldest first
	Ask      *answerAt        `json:"ask,omitempty"`   // the question the model was asked; asked again
	Answered map[string]int64 `json:"faq,omitempty"`   // FAQ entry ID → when answered, within AnswerCooldown
	Tap      *tapAt           `json:"tap,omitempty"`
	Like     *likeAt          `json:"like,omitempty"` // the built-in thank-you for likes
	Thanks   []thanksAt       `json:"thx,omitempty"`  // the script's thank-yous, per kind
	Skip     bool             `json:"skip,omitempty"`
	Pitch    string           `json:"pitch,omitempty"`
	Sale     *saleAt          `json:"sale,omitempty"`
	Relang   bool             `json:"relang,omitempty"`
	Disclose bool             `json:"disclose,omitempty"` // the spoken disclosure is still to come
	Burst    int              `json:"burst,omitempty"`
}

type sayAt struct {
	Text string `json:"text"`
	Lang string `json:"lang,omitempty"`
}

type queuedAt struct {
	sayAt
	Ahead   []int `json:"ahead,omitempty"` // indexes in agenda.Answers of the answers it waits for
	SoldOut int   `json:"sold,omitempty"`  // sell-out announcements it waits for
}

type answerAt struct {
	FAQ       string   `json:"faq,omitempty"` // the FAQ entry's ID; "" for an unmatched question
	Lang      string   `json:"lang,omitempty"`
	Viewers   []string `json:"v"`
	Names     []string `json:"n,omitempty"`
	Question  string   `json:"q"`
	NotBefore int64    `json:"nb,omitempty"`
	// Unmatched questions.
	Asked  int64    `json:"at,omitempty"`
	Source string   `json:"src,omitempty"`
	Spoken []string `json:"sp,omitempty"`
	Model  string   `json:"m,omitempty"`
}

type tapAt struct {
	Target string `json:"t"`           // the exhibit or option tapped
	Left   int    `json:"n"`           // its narration's lines not spoken yet (the last ones)
	Focus  string `json:"f,omitempty"` // exhibit to focus first
}

type likeAt struct {
	Due  bool   `json:"due,omitempty"`
	Name string `json:"n,omitempty"`
	Last int64  `json:"last,omitempty"`
}

type thanksAt struct {
	Kind   int      `json:"k"` // index in script.ThankKinds
	Since  int64    `json:"since,omitempty"`
	Events int64    `json:"e,omitempty"`
	Count  int64    `json:"c,omitempty"`
	Total  int64    `json:"t,omitempty"`
	Names  []nameAt `json:"n,omitempty"`
	More   bool     `json:"more,omitempty"`
	Gifts  []string `json:"g,omitempty"`
	Other  bool     `json:"other,omitempty"`
	Last   int64    `json:"last,omitempty"` // when the kind was last thanked, within its cooldown
}

type nameAt struct {
	Name  string `json:"n"`
	Worth int64  `json:"w,omitempty"`
}

type saleAt struct {
	ID       string `json:"id"`
	SKU      string `json:"sku,omitempty"`
	Price    string `json:"price,omitempty"`
	Stock    int    `json:"stock,omitempty"`
	Duration int64  `json:"ms,omitempty"`
}

// chosen is the interjection taken off the agenda to be spoken, kept
// until its speech event is published (or it turns out not to be spoken):
// a checkpoint written meanwhile puts it back in its place.
type chosen struct {
	say      *avatar.Control
	answer   *pendingAnswer
	soldOut  string
	tap      bool // a line of the tapped narration
	like     *likeAt
	thanks   int // kind index + 1 of a script thank-you
	pend     thankPending
	last     time.Time // the kind's last thank-you before this one
	disclose bool
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n)
}

// choose records c as the line being spoken (see chosen).
func (e *Engine) choose(c chosen) { e.chosen = &c }

// spokenNow is called as the speech (or reply) event of the chosen line
// is emitted: it has left the agenda.
func (e *Engine) spokenNow() { e.chosen = nil }

// dropChosen forgets the chosen line if it is not held for its render:
// it was spoken, or will not be.
func (e *Engine) dropChosen() {
	if e.held == nil {
		e.chosen = nil
	}
}

// agendaJSON is the agenda as the checkpoint carries it, "" when nothing
// waits. It is encoded afresh for each event while something waits: the
// agenda is small and bounded, and most rooms have nothing waiting most
// of the time (then this costs a few comparisons).
func (e *Engine) agendaJSON() string {
	a := e.agenda()
	if a == nil {
		return ""
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // a viewer's "<" costs one byte, not six
	_ = enc.Encode(a)
	return strings.TrimSuffix(b.String(), "\n")
}

// agenda collects what waits, the chosen line back in its place; nil if
// nothing does.
func (e *Engine) agenda() *agenda {
	c := e.chosen
	if c == nil && len(e.says) == 0 && len(e.queued) == 0 && len(e.soldOut) == 0 && len(e.answers) == 0 &&
		e.model.inflight == nil && !e.answeredLately() && len(e.interlude) == 0 && e.tapFocus == "" &&
		!e.thankDue && !e.likeCooling() && !e.thanksWait() && !e.skip && e.pitch == "" && e.saleNow == nil &&
		!e.relang && !e.disclose && e.burst == 0 {
		return nil
	}
	a := &agenda{Skip: e.skip, Pitch: e.pitch, Relang: e.relang, Disclose: e.disclose, Burst: e.burst}
	if c != nil && c.say != nil {
		a.Says = append(a.Says, sayAt{Text: c.say.Text, Lang: c.say.Lang})
	}
	for _, s := range e.says {
		a.Says = append(a.Says, sayAt{Text: s.Text, Lang: s.Lang})
	}
	if c != nil && c.soldOut != "" {
		a.SoldOut = append(a.SoldOut, c.soldOut)
	}
	a.SoldOut = append(a.SoldOut, e.soldOut...)
	answers := e.answers
	if c != nil && c.answer != nil {
		answers = append([]*pendingAnswer{c.answer}, answers...)
	}
	for _, p := range answers {
		if x, ok := e.answerAt(p); ok {
			a.Answers = append(a.Answers, x)
		}
	}
	for _, q := range e.queued {
		x := queuedAt{sayAt: sayAt{Text: q.c.Text, Lang: q.c.Lang}, SoldOut: q.soldOut}
		for _, p := range q.answers {
			if i := slices.Index(answers, p); i >= 0 {
				x.Ahead = append(x.Ahead, i)
			}
		}
		a.Queued = append(a.Queued, x)
	}
	if p := e.model.inflight; p != nil {
		if x, ok := e.answerAt(p); ok {
			a.Ask = &x
		}
	}
	for i, t := range e.answered {
		if i < len(e.prog.Show.FAQ) && e.now.Sub(t) < AnswerCooldown {
			if a.Answered == nil {
				a.Answered = map[string]int64{}
			}
			a.Answered[e.prog.Show.FAQ[i].ID] = ms(t)
		}
	}
	if n := len(e.interlude); n > 0 || e.tapFocus != "" || c != nil && c.tap {
		if c != nil && c.tap {
			n++
		}
		a.Tap = &tapAt{Target: e.tapTarget, Left: n, Focus: e.tapFocus}
	}
	if e.thankDue || e.likeCooling() {
		a.Like = &likeAt{Due: e.thankDue, Name: e.thank, Last: ms(e.lastThank)}
	}
	if c != nil && c.like != nil {
		a.Like = c.like
	}
	a.Thanks = e.thanksAt(c)
	if s := e.saleNow; s != nil {
		a.Sale = &saleAt{ID: s.ID, SKU: s.SKU, Price: s.Price.String(), Stock: s.Stock, Duration: s.Duration.Milliseconds()}
	}
	if c != nil && c.disclose {
		a.Disclose = true
	}
	return a
}

// answeredLately reports whether an FAQ entry was answered within
// AnswerCooldown (the map keeps older ones; it is as small as the FAQ).
func (e *Engine) answeredLately() bool {
	for _, t := range e.answered {
		if e.now.Sub(t) < AnswerCooldown {
			return true
		}
	}
	return false
}

// likeCooling reports whether the built-in thank-you for likes was said
// within ThankEvery.
func (e *Engine) likeCooling() bool {
	return !e.lastThank.IsZero() && e.now.Sub(e.lastThank) < ThankEvery
}

// answerAt is p as the checkpoint keeps it; false if its FAQ entry is
// gone (a new script version).
func (e *Engine) answerAt(p *pendingAnswer) (answerAt, bool) {
	x := answerAt{Lang: p.lang, Viewers: p.viewers[:min(len(p.viewers), maxAskers)], Names: p.names[:min(len(p.names), maxAddressed)],
		Question: p.question, NotBefore: ms(p.notBefore)}
	if p.faq >= 0 {
		if p.faq >= len(e.prog.Show.FAQ) {
			return x, false
		}
		x.FAQ = e.prog.Show.FAQ[p.faq].ID
		return x, true
	}
	// The key is found again from the (masked) question.
	x.Asked, x.Source, x.Spoken, x.Model = ms(p.asked), p.source, p.spoken, p.model
	if x.Source == "" {
		x.Source = "?" // unmatched: never "" (see pendingFrom)
	}
	return x, true
}

// thanksWait reports whether a script thank-you has anything to carry:
// something waits, or a kind's cooldown is running.
func (e *Engine) thanksWait() bool {
	for i := range e.thanks.pend {
		if e.thanks.pend[i].events > 0 || !e.thanks.last[i].IsZero() && e.thankCooling(i, e.thanks.last[i]) {
			return true
		}
	}
	return false
}

// thankCooling reports whether kind i thanked at last is still in its
// cooldown.
func (e *Engine) thankCooling(i int, last time.Time) bool {
	r := e.prog.Show.Thanks.Rule(script.ThankKinds[i])
	return r != nil && e.now.Sub(last) < r.Cooldown
}

// thanksAt is the script's thank-yous as the checkpoint keeps them, the
// chosen one (c) merged back into what came since.
func (e *Engine) thanksAt(c *chosen) []thanksAt {
	var out []thanksAt
	for i := range e.thanks.pend {
		p, last := e.thanks.pend[i], e.thanks.last[i]
		if c != nil && c.thanks == i+1 {
			p, last = mergePending(c.pend, p), c.last
		}
		if last.IsZero() || !e.thankCooling(i, last) {
			last = time.Time{}
		}
		if p.events == 0 && last.IsZero() {
			continue
		}
		x := thanksAt{Kind: i, Since: ms(p.since), Events: p.events, Count: p.count, Total: p.total, More: p.more,
			Gifts: p.gifts, Other: p.other, Last: ms(last)}
		for _, n := range p.names {
			x.Names = append(x.Names, nameAt{Name: n.name, Worth: n.worth})
		}
		out = append(out, x)
	}
	return out
}

// mergePending is what waited for a kind's thank-you (a) and what came
// since (b) as one, within the same bounds.
func mergePending(a, b thankPending) thankPending {
	if a.events == 0 {
		return b
	}
	m := a
	m.names = slices.Clone(a.names)
	m.gifts = slices.Clone(a.gifts)
	if b.events == 0 {
		return m
	}
	if m.since.IsZero() || !b.since.IsZero() && b.since.Before(m.since) {
		m.since = b.since
	}
	m.events, m.count, m.total = addSat(m.events, b.events), addSat(m.count, b.count), addSat(m.total, b.total)
	m.more, m.other = m.more || b.more, m.other || b.other
	for _, n := range b.names {
		if j := slices.IndexFunc(m.names, func(x thankName) bool { return x.name == n.name }); j >= 0 {
			m.names[j].worth = addSat(m.names[j].worth, n.worth)
		} else if len(m.names) < MaxThankNames {
			m.names = append(m.names, n)
		} else {
			m.more = true
		}
	}
	for _, g := range b.gifts {
		if !slices.Contains(m.gifts, g) {
			if len(m.gifts) < MaxThankGifts {
				m.gifts = append(m.gifts, g)
			} else {
				m.other = true
			}
		}
	}
	return m
}

// restoreAgenda takes back what waited in the last director, in the
// script played now: an answer whose FAQ entry, a tap whose exhibit or
// option, a sale that is no longer in the script is dropped. The
// question the model was asked is asked again (the answer went to the
// last director), or answered by the fallback if the model is off here.
func (e *Engine) restoreAgenda(a *agenda) {
	if a == nil {
		return
	}
	e.skip, e.pitch, e.relang, e.burst = a.Skip, a.Pitch, a.Relang, a.Burst
	e.disclose = e.disclose || a.Disclose
	if e.pitch != "" && e.prog.Show.Product(e.pitch) == nil {
		e.pitch = ""
	}
	for _, s := range a.Says[:min(len(a.Says), maxSays)] {
		e.says = append(e.says, avatar.Control{Type: avatar.CtlSay, Text: s.Text, Lang: s.Lang})
	}
	for _, s := range a.SoldOut {
		sku := strings.TrimPrefix(s, saleSoldOut)
		if e.prog.Show.Product(sku) != nil && !slices.Contains(e.soldOut, s) && len(e.soldOut) < len(e.prog.Show.Catalog)*2 {
			e.soldOut = append(e.soldOut, s)
		}
	}
	answers := make([]*pendingAnswer, len(a.Answers))
	for i := range a.Answers[:min(len(a.Answers), MaxAnswers)] {
		answers[i] = e.pendingFrom(&a.Answers[i])
		if answers[i] != nil {
			e.answers = append(e.answers, answers[i])
		}
	}
	for _, q := range a.Queued {
		if len(e.says)+len(e.queued) >= maxSays {
			break
		}
		qs := queuedSay{c: avatar.Control{Type: avatar.CtlSay, Text: q.Text, Lang: q.Lang, Placement: avatar.PlaceQueue}, soldOut: q.SoldOut}
		for _, i := range q.Ahead {
			if i >= 0 && i < len(answers) && answers[i] != nil {
				qs.answers = append(qs.answers, answers[i])
			}
		}
		e.queued = append(e.queued, qs)
	}
	if a.Ask != nil {
		if p := e.pendingFrom(a.Ask); p != nil {
			p.source = ""
			if e.modelEnabled() && e.model.inflight == nil {
				e.askModel(p) // the answer went to the last director: ask again, once
			} else {
				p.source = sourceFallback
				e.queueAnswer(p)
			}
		}
	}
	for id, t := range a.Answered {
		if _, i := e.faqByID(id); i >= 0 {
			if e.answered == nil {
				e.answered = map[int]time.Time{}
			}
			e.answered[i] = fromMS(t)
		}
	}
	if t := a.Tap; t != nil && t.Target != "" {
		e.tap(t.Target)
		if n := len(e.interlude); t.Left < n {
			e.interlude = e.interlude[n-max(t.Left, 0):]
		}
		if t.Focus == "" {
			e.tapFocus = ""
		}
	}
	if l := a.Like; l != nil {
		e.thankDue, e.lastThank = l.Due, fromMS(l.Last)
		if l.Due {
			e.thank = e.addressee(l.Name)
		}
	}
	for _, x := range a.Thanks {
		if x.Kind < 0 || x.Kind >= len(e.thanks.pend) || e.prog.Show.Thanks.Rule(script.ThankKinds[x.Kind]) == nil {
			continue
		}
		p := thankPending{since: fromMS(x.Since), events: x.Events, count: x.Count, total: x.Total, more: x.More, other: x.Other}
		for _, n := range x.Names[:min(len(x.Names), MaxThankNames)] {
			if e.thankSpeakable(n.Name) {
				p.names = append(p.names, thankName{name: n.Name, worth: n.Worth})
			}
		}
		for _, g := range x.Gifts[:min(len(x.Gifts), MaxThankGifts)] {
			if e.thankSpeakable(g) {
				p.gifts = append(p.gifts, g)
			}
		}
		e.thanks.pend[x.Kind] = mergePending(e.thanks.pend[x.Kind], p)
		e.thanks.last[x.Kind] = fromMS(x.Last)
	}
	if s := a.Sale; s != nil {
		if sl := e.prog.Show.Sale(s.ID); sl != nil {
			e.saleNow = sl
		} else if m, err := script.ParseMoney(s.Price); err == nil && m > 0 && e.prog.Show.Product(s.SKU) != nil {
			e.saleNow = &script.Sale{ID: s.ID, SKU: s.SKU, Price: m, Stock: s.Stock, Duration: time.Duration(s.Duration) * time.Millisecond}
		}
	}
}

// pendingFrom is the answer x describes in the script played now; nil if
// its FAQ entry is gone. Names are checked again here: this director's
// blocked words decide what it speaks.
func (e *Engine) pendingFrom(x *answerAt) *pendingAnswer {
	p := &pendingAnswer{faq: -1, lang: x.Lang, question: x.Question, notBefore: fromMS(x.NotBefore),
		asked: fromMS(x.Asked), source: x.Source, spoken: x.Spoken, model: x.Model}
	if x.FAQ != "" {
		if _, p.faq = e.faqByID(x.FAQ); p.faq < 0 {
			return nil
		}
		p.source = ""
	} else if p.key = questionKey(x.Question); p.key == "" || x.Source == "" {
		return nil
	}
	if p.source != sourceModel && p.source != sourceFallback {
		p.source = sourceFallback
	}
	if p.faq >= 0 {
		p.source = ""
	}
	if !e.hasLang(p.lang) {
		p.lang = e.cur.Lang
	}
	p.viewers = x.Viewers[:min(len(x.Viewers), maxAskers)]
	if len(p.viewers) == 0 {
		p.viewers = []string{""}
	}
	for _, n := range x.Names {
		if len(p.names) < maxAddressed && e.speakable(n) {
			p.names = append(p.names, n)
		}
	}
	return p
}

// faqByID returns the FAQ entry of id and its index, or -1.
func (e *Engine) faqByID(id string) (*script.FAQ, int) {
	for i := range e.prog.Show.FAQ {
		if e.prog.Show.FAQ[i].ID == id {
			return &e.prog.Show.FAQ[i], i
		}
	}
	return nil, -1
}
