package director

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/answer"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Questions no FAQ entry matched (issue 16; see docs/answers.md): the
// engine answers each with the script's fallback line, or, when the
// script turns the model on and the operator configured one, asks the
// driver for a model's answer (OutAsk), says a filler line while it
// waits, re-checks what comes back (MsgAnswered) against the live
// catalog and speaks it, or the fallback. Every unmatched question is
// recorded (OutQuestion). Comments never cost a call nor a word.

// AskGrace is how long past the model's timeout the engine waits for the
// driver's answer before it gives up and speaks the fallback: the driver's
// own timeout answers first, this is the backstop that keeps the show
// from ever waiting on a lost answer.
const AskGrace = 2 * time.Second

// maxRecentQuestions bounds the unmatched questions remembered for the
// repeat cooldown.
const maxRecentQuestions = 64

// Where an answer's words come from (avatar.Reply.Source).
const (
	sourceFAQ      = avatar.ReplySourceFAQ
	sourceFallback = avatar.ReplySourceFallback
	sourceModel    = avatar.ReplySourceModel
)

// MsgAnswered is the driver's result for OutAsk ID: the question's record
// as answer.Resolve completed it. A result for an ask the engine already
// gave up on is dropped.
type MsgAnswered struct {
	ID       uint64
	Question avatar.Question
}

func (MsgAnswered) isMsg() {}

// Ask is what an OutAsk asks the driver: run Request through the model
// (answer.Resolve, off the engine, within Timeout) and send MsgAnswered
// with ID and the completed Question.
type Ask struct {
	ID       uint64
	Request  answer.Request
	Question avatar.Question
	Timeout  time.Duration
}

// modelState is the engine's side of the model: whether the driver has a
// client, the one ask in flight, fallback and filler rotation, and the
// unmatched questions answered lately.
type modelState struct {
	on      bool          // the driver has a client (SetAnswers)
	timeout time.Duration // the client's timeout
	guard   *guard.Guard

	nextID   uint64
	inflight *pendingAnswer
	deadline time.Time // give up on inflight then
	filler   bool      // a filler line is due while inflight waits

	lastFallback, lastFiller int // index+1 of the last said; 0: none yet
	recent                   map[string]recentAnswer
}

// recentAnswer is how an unmatched question was last answered: a repeat
// within AnswerCooldown is held, then answered the same way.
type recentAnswer struct {
	at     time.Time
	spoken []string // the model's sentences; nil: the fallback
	model  string
}

// questionKey is a question's text normalised for spotting repeats:
// folded (case, width), letters and digits only.
func questionKey(text string) string {
	t := fold(text)
	var b strings.Builder
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// modelEnabled reports whether an unmatched question goes to the model.
func (e *Engine) modelEnabled() bool {
	ai := e.prog.Show.AI
	return e.model.on && ai != nil && ai.Enabled
}

// unmatched takes a viewer's question no FAQ entry matched.
func (e *Engine) unmatched(in *avatar.Input) {
	key := questionKey(in.Data.Text)
	if key == "" {
		return
	}
	e.touch()
	viewer, name := in.Viewer, e.addressee(in.Data.Name)
	if a := e.model.inflight; a != nil && a.key == key {
		a.merge(viewer, name)
		return
	}
	for _, a := range e.answers {
		if a.faq < 0 && a.key == key {
			a.merge(viewer, name)
			return
		}
	}
	a := &pendingAnswer{faq: -1, key: key, lang: e.cur.Lang, viewers: []string{viewer}, question: e.block.Mask(in.Data.Text), asked: e.now}
	if name != "" {
		a.names = []string{name}
	}
	if r, ok := e.model.recent[key]; ok && e.now.Sub(r.at) < AnswerCooldown {
		// Answered lately: answered again the same way (the model's
		// sentences checked again) once the cooldown is over, naming
		// everyone who asked meanwhile; no second call.
		a.notBefore = r.at.Add(AnswerCooldown)
		a.source = sourceFallback
		if len(r.spoken) > 0 {
			a.source, a.spoken, a.model = sourceModel, r.spoken, r.model
		}
		e.queueAnswer(a)
		return
	}
	if e.modelEnabled() && e.model.inflight == nil {
		e.askModel(a)
		return
	}
	a.source = sourceFallback
	e.queueAnswer(a)
}

// merge adds viewer (and speakable name) to those a answers. It keeps
// at most maxAskers viewers and maxAddressed names (only that many are
// addressed), so a crowd asking the same thing costs nothing more.
func (a *pendingAnswer) merge(viewer, name string) {
	for _, v := range a.viewers {
		if v == viewer {
			return
		}
	}
	if len(a.viewers) < maxAskers {
		a.viewers = append(a.viewers, viewer)
	}
	if name != "" && len(a.names) < maxAddressed && !slices.Contains(a.names, name) {
		a.names = append(a.names, name)
	}
}

func (e *Engine) queueAnswer(a *pendingAnswer) {
	if len(e.answers) >= MaxAnswers {
		e.answers = e.answers[1:]
	}
	e.answers = append(e.answers, a)
}

// live is the room's catalog as it is now, for the prompt and the guard.
func (e *Engine) live() guard.Live {
	show := e.prog.Show
	l := guard.Live{Prices: map[string]script.Money{}, Stock: map[string]int{}}
	for i := range show.Catalog {
		pr := &show.Catalog[i]
		l.Prices[pr.SKU] = e.priceOf(pr)
		l.Stock[pr.SKU] = e.stockOf(pr.SKU)
	}
	if s := e.sale; s != nil {
		if m, err := script.ParseMoney(s.ev.Price); err == nil {
			l.Sales = append(l.Sales, script.Sale{ID: s.ev.ID, SKU: s.ev.SKU, Price: m, Stock: s.ev.Stock})
		}
	}
	if ai := show.AI; ai != nil {
		l.Others = ai.OtherProducts
	}
	return l
}

// askModel asks the driver for a model's answer to a.
func (e *Engine) askModel(a *pendingAnswer) {
	ai := e.prog.Show.AI
	e.model.nextID++
	a.id, a.source = e.model.nextID, sourceModel
	timeout := ai.Timeout
	if timeout <= 0 {
		timeout = e.model.timeout
	}
	if timeout <= 0 {
		timeout = answer.DefaultTimeout
	}
	e.model.inflight, e.model.deadline = a, e.now.Add(timeout+AskGrace)
	e.model.filler = len(e.prog.Show.Filler) > 0
	req := answer.Request{
		Room:   e.room.ID,
		Budget: answer.Budget{CallsPerMinute: ai.CallsPerMinute, TokensPerHour: ai.TokensPerHour},
		Model:  ai.Model,
		Prompt: answer.Prompt{Persona: e.room.Persona, Lang: a.lang, Show: e.prog.Show, Live: e.live(), Question: a.question},
	}
	e.out = append(e.out, Out{Kind: OutAsk, Ask: &Ask{ID: a.id, Request: req, Question: e.questionRecord(a), Timeout: timeout}})
}

// questionRecord is the record of unmatched question a, to be completed.
func (e *Engine) questionRecord(a *pendingAnswer) avatar.Question {
	q := avatar.Question{Room: e.room.ID, Merchant: e.room.Merchant, Lang: a.lang, Text: a.question, Asked: a.asked, Version: e.prog.Version}
	// The catalog as it stands now: what the prompt and the guard go by.
	cat := e.prog.Show.Catalog
	for i := range cat[:min(len(cat), avatar.MaxQuestionCatalog)] {
		pr := &cat[i]
		q.Catalog = append(q.Catalog, avatar.CatalogEntry{SKU: pr.SKU, Price: e.priceOf(pr).String(), Stock: e.stockOf(pr.SKU)})
	}
	if s := e.sale; s != nil {
		sale := s.ev
		q.Sale = &sale
	}
	return q
}

// expireAsk gives up on the ask in flight once its deadline passed: the
// fallback is said instead, and a late answer is dropped.
func (e *Engine) expireAsk() {
	a := e.model.inflight
	if a == nil || e.now.Before(e.model.deadline) {
		return
	}
	e.model.inflight, e.model.filler = nil, false
	q := e.questionRecord(a)
	q.Answered, q.Error = avatar.AnsweredFallback, "director: no answer from the model within its timeout"
	if ai := e.prog.Show.AI; ai != nil {
		q.Model = ai.Model
	}
	a.rec, a.source = &q, sourceFallback
	e.queueAnswer(a)
}

// onAnswered takes the driver's result: sentences the client's guard
// passed are checked again against the catalog as it is now (a price may
// have changed while the model wrote), and what passes is said at the
// next line boundary; if nothing does, the fallback is.
func (e *Engine) onAnswered(m MsgAnswered) {
	a := e.model.inflight
	if a == nil || a.id != m.ID {
		e.log.Debug("late model answer dropped", zap.Uint64("ask", m.ID))
		return
	}
	e.model.inflight, e.model.filler = nil, false
	q := m.Question
	var passed []string
	if q.Answered == avatar.AnsweredModel {
		var refused []avatar.RefusedSentence
		passed, refused = e.recheck(q.Spoken, a.lang)
		q.Refused = append(q.Refused, refused...)
	}
	a.rec = &q
	if len(passed) > 0 {
		q.Answered, q.Spoken = avatar.AnsweredModel, passed
		a.source, a.spoken, a.model = sourceModel, passed, q.Model
	} else {
		if q.Answered == avatar.AnsweredModel || len(q.Refused) > 0 {
			q.Answered = avatar.AnsweredRefused
		} else {
			q.Answered = avatar.AnsweredFallback
		}
		q.Spoken = nil
		a.source = sourceFallback
	}
	a.notBefore = time.Time{}
	e.queueAnswer(a)
}

// recheck checks a model's sentences, which the client's guard passed,
// again against the catalog as it is now, up to the first refused one.
func (e *Engine) recheck(sentences []string, lang string) (passed []string, refused []avatar.RefusedSentence) {
	if e.model.guard == nil {
		e.model.guard = guard.New(guard.Config{})
	}
	facts := guard.NewFacts(e.prog.Show, e.live(), lang, e.room.Persona.Name)
	for _, s := range sentences {
		if rs := e.model.guard.Check(s, facts); len(rs) > 0 {
			refused = append(refused, avatar.RefusedSentence{Text: s, Reasons: rs})
			break // what follows a refused sentence often leans on it
		}
		passed = append(passed, s)
	}
	return passed, refused
}

// answerDue reports whether an answer (or a filler) waits for the next
// line boundary.
func (e *Engine) answerDue() bool {
	if e.model.filler {
		return true
	}
	for _, a := range e.answers {
		if !e.now.Before(a.notBefore) {
			return true
		}
	}
	return false
}

// answersTick is when an answer held for its cooldown, or the ask in
// flight, next needs the engine, if before next (zero: none).
func (e *Engine) answersTick(next time.Time) time.Time {
	earlier := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, a := range e.answers {
		if e.now.Before(a.notBefore) {
			earlier(a.notBefore)
		}
	}
	if e.model.inflight != nil {
		earlier(e.model.deadline)
	}
	return next
}

// interjectAnswer speaks the first due answer, or the filler while the
// model thinks. It reports whether it spoke.
func (e *Engine) interjectAnswer() bool {
	for i, a := range e.answers {
		if e.now.Before(a.notBefore) {
			continue
		}
		e.answers = append(e.answers[:i:i], e.answers[i+1:]...)
		e.choose(chosen{answer: a})
		e.burst++
		if a.faq >= 0 {
			e.speakAnswer(a)
		} else {
			e.speakUnmatched(a)
		}
		return true
	}
	if e.model.filler {
		e.model.filler = false
		fs := e.prog.Show.Filler
		if e.model.inflight == nil || len(fs) == 0 {
			return false
		}
		e.burst++
		e.sayLine(&fs[rotate(&e.model.lastFiller, len(fs))], false)
		return true
	}
	return false
}

// rotate returns the index of the next of n variants after *last
// (index+1 of the last said), never the same twice in a row when n > 1.
func rotate(last *int, n int) int {
	i := *last % n // *last is the index after the last said
	*last = i + 1
	return i
}

// unmatchedText composes the answer to a in lang: the address, then the
// model's sentences or fallback line l's text; cues move with the text.
func (e *Engine) unmatchedText(a *pendingAnswer, l *script.Line, lang string) (string, []script.Cue) {
	prefix := addressPrefix(a.names, lang)
	if l == nil {
		sep := " "
		if strings.HasPrefix(lang, "zh") || strings.HasPrefix(lang, "ja") {
			sep = ""
		}
		return prefix + strings.Join(a.spoken, sep), nil
	}
	u, _ := pick(l, lang, e.prog.Show.Languages)
	t, cues := e.fillIn(u, lang)
	for i := range cues {
		cues[i].At += len(prefix)
	}
	return prefix + t, cues
}

// speakUnmatched speaks the answer to an unmatched question, and records
// the question for the merchant.
func (e *Engine) speakUnmatched(a *pendingAnswer) {
	q := e.questionRecord(a)
	if a.rec != nil {
		q = *a.rec
	} else {
		q.Answered = avatar.AnsweredFallback
	}
	if a.rec == nil && a.source == sourceModel {
		// A held repeat of a model's answer: checked again now.
		var refused []avatar.RefusedSentence
		a.spoken, refused = e.recheck(a.spoken, a.lang)
		q.Answered, q.Model, q.Refused = avatar.AnsweredModel, a.model, refused
		if len(a.spoken) == 0 {
			q.Answered, a.source = avatar.AnsweredRefused, sourceFallback
		}
	}
	if e.model.recent == nil || len(e.model.recent) >= maxRecentQuestions {
		e.model.recent = map[string]recentAnswer{} // bounded: forget the lot
	}
	r := recentAnswer{at: e.now}
	if a.source == sourceModel {
		r.spoken, r.model = a.spoken, a.model
	}
	e.model.recent[a.key] = r
	name := ""
	if len(a.names) > 0 {
		name = a.names[0]
	}
	reply := &avatar.Reply{Viewer: a.viewers[0], Name: name, Question: a.question, Source: a.source}
	if a.source == sourceModel && len(a.spoken) > 0 {
		text, _ := e.unmatchedText(a, nil, a.lang)
		reply.Model = a.model
		q.Spoken = a.spoken
		e.recordQuestion(q)
		e.speak(spoken{id: "answer-model", text: text, lang: a.lang, reply: reply})
		return
	}
	fb := e.prog.Show.Fallback
	if len(fb) == 0 {
		e.recordQuestion(q)
		return
	}
	l := &fb[rotate(&e.model.lastFallback, len(fb))]
	lang := a.lang
	if _, ok := l.Say[lang]; !ok {
		lang = e.cur.Lang
	}
	if _, ok := l.Say[lang]; !ok {
		_, lang = pick(l, lang, e.prog.Show.Languages)
	}
	text, cues := e.unmatchedText(a, l, lang)
	u, _ := pick(l, lang, e.prog.Show.Languages)
	q.Spoken = []string{u.Text}
	e.recordQuestion(q)
	tr := e.otherLangs(lang, func(lg string) (string, bool) {
		if _, ok := l.Say[lg]; !ok {
			return "", false
		}
		t, _ := e.unmatchedText(a, l, lg)
		return t, true
	})
	reply.Source = sourceFallback
	e.speak(spoken{id: l.ID, text: text, lang: lang, cues: cues, emotion: l.Emotion, translations: tr, reply: reply})
}

// recordQuestion asks the driver to record unmatched question q.
func (e *Engine) recordQuestion(q avatar.Question) {
	e.out = append(e.out, Out{Kind: OutQuestion, Question: &q})
}

// The driver's side.

// asker runs a player's model asks: one at a time per room (an ask while
// one runs is answered at once with no model answer: the fallback).
type asker struct {
	client *answer.Client
	slot   chan struct{}
	done   chan Msg
}

// SetAnswers gives the player a model client and the guard its answers
// are re-checked with (nil: one with no blocked words); timeout 0 takes
// the client's. Call before Run. A nil client leaves the model off
// (fallback lines only).
func (p *Player) SetAnswers(c *answer.Client, g *guard.Guard, timeout time.Duration) {
	if c == nil {
		return
	}
	p.ask = &asker{client: c, slot: make(chan struct{}, 1), done: make(chan Msg, 4)}
	p.answered = p.ask.done
	if timeout <= 0 {
		timeout = c.Timeout()
	}
	p.eng.model.on, p.eng.model.guard, p.eng.model.timeout = true, g, timeout
}

// runAsk performs an OutAsk off the engine; its result comes back as a
// MsgAnswered through p.answered.
func (p *Player) runAsk(ctx context.Context, k *Ask) {
	a := p.ask
	send := func(m Msg) {
		select {
		case a.done <- m:
		case <-ctx.Done():
		}
	}
	if a == nil {
		return
	}
	select {
	case a.slot <- struct{}{}:
	default:
		q := k.Question
		q.Answered, q.Error = avatar.AnsweredFallback, "director: the room's previous model answer is still running"
		go send(MsgAnswered{ID: k.ID, Question: q})
		return
	}
	go func() {
		defer func() { <-a.slot }()
		actx, cancel := context.WithTimeout(ctx, k.Timeout)
		defer cancel()
		q := answer.Resolve(actx, a.client, k.Request, k.Question, "")
		send(MsgAnswered{ID: k.ID, Question: q})
	}()
}

// QuestionRecorder is a Sink that also keeps the room's unmatched
// questions for the merchant; BusSink is one.
type QuestionRecorder interface {
	RecordQuestion(ctx context.Context, q avatar.Question) error
}

// RecordQuestion implements QuestionRecorder.
func (s BusSink) RecordQuestion(ctx context.Context, q avatar.Question) error {
	return s.B.RecordQuestion(ctx, q)
}

// recordQuestion performs an OutQuestion; a failed record is logged, and
// the show goes on.
func (p *Player) recordQuestion(ctx context.Context, q *avatar.Question) {
	r, ok := p.sink.(QuestionRecorder)
	if !ok {
		return
	}
	if err := r.RecordQuestion(ctx, *q); err != nil {
		p.log.Warn("question record lost", zap.Error(err))
	}
}
