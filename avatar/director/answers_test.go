package director

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Unmatched questions (answers.go) as engine table tests: no NATS, no
// model; the driver's side is a MsgAnswered the test sends.

func question(viewer, name, text string) MsgInput {
	return MsgInput{Input: avatar.Input{Viewer: viewer, Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: text, Name: name}}}
}

// replies returns the reply events so far.
func (s *sim) replyEvents() []avatar.Reply {
	var rs []avatar.Reply
	for _, e := range s.events() {
		if r, ok := e.Data.(avatar.Reply); ok {
			rs = append(rs, r)
		}
	}
	return rs
}

func (s *sim) untilReplies(n int) []avatar.Reply {
	s.t.Helper()
	s.until(time.Minute, "reply", func([]timedOut) bool { return len(s.replyEvents()) >= n })
	return s.replyEvents()
}

func (s *sim) questions() []avatar.Question {
	var qs []avatar.Question
	for _, o := range s.outsOf(OutQuestion) {
		qs = append(qs, *o.Question)
	}
	return qs
}

// aiProgram is demo-live with the model turned on.
func aiProgram(t *testing.T) *Program {
	live := loadShow(t, "demo-live.yaml")
	show := *live.Show
	show.AI = &script.AI{Enabled: true, Endpoint: "default", Model: "qwen2.5:3b", Timeout: 6 * time.Second, OtherProducts: []string{"碧螺春"}}
	return Compile(&show, 2)
}

func TestUnmatchedQuestions(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	fb1 := live.Show.Line("fallback-1").Say["zh-CN"].Text
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"an unmatched question gets the fallback as a reply, and is recorded", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			if out := s.send(question("v1", "Amy", "is it organic?")); len(out) > 0 {
				t.Fatalf("mid-line, the question published %v", out)
			}
			rs := s.untilReplies(1)
			r := rs[0]
			if r.Source != avatar.ReplySourceFallback || r.Speech.LineID != "fallback-1" || r.Viewer != "v1" || r.Name != "Amy" {
				t.Errorf("reply %+v, want fallback-1 to v1 Amy, source fallback", r)
			}
			if want := "Amy，" + fb1; r.Speech.Text != want {
				t.Errorf("reply text %q, want %q", r.Speech.Text, want)
			}
			if r.Speech.Translations["en"] == "" || !strings.HasPrefix(r.Speech.Translations["en"], "Amy, ") {
				t.Errorf("translations %v, want the English fallback addressed to Amy", r.Speech.Translations)
			}
			qs := s.questions()
			if len(qs) != 1 || qs[0].Answered != avatar.AnsweredFallback || qs[0].Text != "is it organic?" ||
				!slices.Equal(qs[0].Spoken, []string{fb1}) || qs[0].Room != "r" || qs[0].Merchant != "m" || qs[0].Version != 1 {
				t.Errorf("records %+v, want one fallback record of the question", qs)
			}
			// The record keeps the catalog the answer went by.
			if cat := qs[0].Catalog; len(cat) != len(live.Show.Catalog) || cat[0].SKU != "tea-01" || cat[0].Price != "99.00" || cat[0].Stock <= 0 {
				t.Errorf("record's catalog %+v, want every product with its live price and stock", cat)
			}
			if len(s.outsOf(OutAsk)) != 0 {
				t.Errorf("the model is off, yet the engine asked it")
			}
		}},
		{"fallback variants rotate, never the same twice in a row", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			var ids []string
			for i, q := range []string{"is it organic?", "is the tea organic?", "is the tin recyclable?"} {
				s.send(question("v"+string(rune('1'+i)), "", q))
				rs := s.untilReplies(i + 1)
				ids = append(ids, rs[i].Speech.LineID)
			}
			if want := []string{"fallback-1", "fallback-2", "fallback-1"}; !slices.Equal(ids, want) {
				t.Errorf("fallbacks %v, want %v", ids, want)
			}
		}},
		{"a repeated question is answered once naming everyone who asked", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			s.send(question("v1", "Amy", "Is it organic?"))
			s.send(question("v2", "Bob", "is it  ORGANIC"))
			rs := s.untilReplies(1)
			if !strings.HasPrefix(rs[0].Speech.Text, "Amy、Bob") {
				t.Errorf("reply %q, want it addressed to Amy、Bob", rs[0].Speech.Text)
			}
			// Within the cooldown, repeats are held, then answered once.
			s.advance(time.Second)
			s.send(question("v3", "Cat", "is it organic?"))
			s.send(question("v4", "Dan", "is it organic??"))
			s.advance(5 * time.Second)
			if n := len(s.replyEvents()); n != 1 {
				t.Fatalf("%d replies within the cooldown, want the repeat held", n)
			}
			rs = s.untilReplies(2)
			if !strings.HasPrefix(rs[1].Speech.Text, "Cat、Dan") {
				t.Errorf("repeat answered %q, want once to @Cat @Dan", rs[1].Speech.Text)
			}
			s.advance(30 * time.Second)
			if n := len(s.replyEvents()); n != 2 {
				t.Errorf("%d replies, want two: one per cooldown", n)
			}
			if n := len(s.questions()); n != 2 {
				t.Errorf("%d question records, want one per answer", n)
			}
		}},
		{"an FAQ asked again within the cooldown is answered once after it, not dropped", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			s.send(question("v1", "Amy", "how much?"))
			s.untilReplies(1)
			s.send(question("v2", "Bob", "price?"))
			s.send(question("v3", "Cat", "how much is it"))
			rs := s.untilReplies(2)
			if rs[1].FAQ != "faq-price" || !strings.HasPrefix(rs[1].Speech.Text, "Bob and Cat, ") || rs[1].Source != avatar.ReplySourceFAQ {
				t.Errorf("second answer %+v, want faq-price to Bob and Cat", rs[1])
			}
			first, second := replyAt(s, 0), replyAt(s, 1)
			if second.Sub(first) < AnswerCooldown {
				t.Errorf("the repeat was answered %v after the first, want after the cooldown (%v)", second.Sub(first), AnswerCooldown)
			}
		}},
		{"an unmatched comment costs nothing and says nothing", func(t *testing.T) {
			s := newSim(t, aiProgram(t), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.e.model.on = true
			s.untilLine(time.Minute, "tea-taste")
			s.send(MsgInput{Input: avatar.Input{Viewer: "v1", Type: avatar.MsgComment, Data: avatar.MessageData{Text: "666"}}})
			s.untilLine(time.Minute, "tea-price")
			if len(s.replyEvents()) != 0 || len(s.questions()) != 0 || len(s.outsOf(OutAsk)) != 0 {
				t.Errorf("a comment got replies %v, records %v, asks %d", s.replyEvents(), s.questions(), len(s.outsOf(OutAsk)))
			}
		}},
		{"with the model on: ask, filler, then the answer from the model", func(t *testing.T) {
			s := newSim(t, aiProgram(t), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.e.model.on = true
			s.untilLine(time.Minute, "tea-taste")
			out := s.send(question("v1", "Amy", "is it organic?"))
			if len(out) != 1 || out[0].Kind != OutAsk {
				t.Fatalf("the question gave %v, want one OutAsk", out)
			}
			ask := out[0].Ask
			if ask.Request.Prompt.Question != "is it organic?" || ask.Request.Model != "qwen2.5:3b" || ask.Timeout != 6*time.Second ||
				ask.Question.Text != "is it organic?" || ask.Request.Prompt.Live.Prices["tea-01"] != 9900 {
				t.Errorf("ask %+v, want the question, model, timeout and live prices", ask)
			}
			evs := s.untilLine(time.Minute, "filler-1")
			if lines := outLines(eventsAfter(evs, "tea-taste")); len(lines) != 1 {
				t.Errorf("after tea-taste: %v, want the filler at the next boundary", lines)
			}
			s.advance(time.Second)
			q := ask.Question
			q.Answered, q.Model, q.Spoken = avatar.AnsweredModel, "qwen2.5:3b", []string{"明前西湖龙井是今年头采的绿茶。", "现在99元一罐。"}
			s.send(MsgAnswered{ID: ask.ID, Question: q})
			rs := s.untilReplies(1)
			r := rs[0]
			if r.Source != avatar.ReplySourceModel || r.Model != "qwen2.5:3b" || r.Speech.Text != "Amy，明前西湖龙井是今年头采的绿茶。现在99元一罐。" {
				t.Errorf("reply %+v, want the model's sentences to Amy, source model", r)
			}
			if r.AIGC == nil {
				t.Errorf("model reply without the AI-generated label")
			}
			qs := s.questions()
			if len(qs) != 1 || qs[0].Answered != avatar.AnsweredModel || len(qs[0].Spoken) != 2 || qs[0].Model != "qwen2.5:3b" {
				t.Errorf("records %+v, want the model's answer", qs)
			}
		}},
		{"a repeat of a model's answer within the cooldown is held and answered again, no second call", func(t *testing.T) {
			s := newSim(t, aiProgram(t), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.e.model.on = true
			s.untilLine(time.Minute, "tea-taste")
			ask := s.send(question("v1", "Amy", "is it organic?"))[0].Ask
			q := ask.Question
			q.Answered, q.Model, q.Spoken = avatar.AnsweredModel, "qwen2.5:3b", []string{"明前西湖龙井是今年头采的绿茶。"}
			s.send(MsgAnswered{ID: ask.ID, Question: q})
			s.untilReplies(1)
			s.send(question("v2", "Bob", "Is it organic"))
			s.send(question("v3", "Cat", "is it organic!"))
			rs := s.untilReplies(2)
			if r := rs[1]; r.Source != avatar.ReplySourceModel || r.Speech.Text != "Bob、Cat，明前西湖龙井是今年头采的绿茶。" {
				t.Errorf("repeat answered %+v, want the model's answer again to @Bob @Cat", r)
			}
			if n := len(s.outsOf(OutAsk)); n != 1 {
				t.Errorf("%d asks, want one: a repeat costs no call", n)
			}
			if first, second := replyAt(s, 0), replyAt(s, 1); second.Sub(first) < AnswerCooldown {
				t.Errorf("repeat %v after the answer, want after the cooldown", second.Sub(first))
			}
		}},
		{"a price the merchant changed while the model wrote is refused: fallback", func(t *testing.T) {
			s := newSim(t, aiProgram(t), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.e.model.on = true
			s.untilLine(time.Minute, "tea-taste")
			ask := s.send(question("v1", "Amy", "is it organic?"))[0].Ask
			said := "手工青瓷茶杯现在64.50元一套。"
			g := guard.New(guard.Config{})
			if rs := g.Check(said, guard.NewFacts(s.e.prog.Show, s.e.live(), "zh-CN", "")); rs != nil {
				t.Fatalf("before the price change %q is refused: %v", said, rs)
			}
			if r := s.control(avatar.Control{Type: avatar.CtlPrice, SKU: "cup-02", Price: "59.00"}); !r.OK {
				t.Fatalf("price control: %+v", r)
			}
			q := ask.Question
			q.Answered, q.Model, q.Spoken = avatar.AnsweredModel, "qwen2.5:3b", []string{"手工青瓷茶杯现在64.50元一套。"}
			s.send(MsgAnswered{ID: ask.ID, Question: q})
			rs := s.untilReplies(1)
			if rs[0].Source != avatar.ReplySourceFallback || !strings.HasPrefix(rs[0].Speech.LineID, "fallback-") {
				t.Errorf("reply %+v, want the fallback", rs[0])
			}
			qs := s.questions()
			if len(qs) != 1 || qs[0].Answered != avatar.AnsweredRefused || len(qs[0].Refused) != 1 ||
				qs[0].Refused[0].Reasons[0].Code != avatar.GuardPriceClaim || len(qs[0].Spoken) != 1 || strings.Contains(qs[0].Spoken[0], "64") {
				t.Errorf("records %+v, want refused with a price-claim, the fallback spoken", qs)
			}
		}},
		{"a late answer is dropped: the fallback was said at the deadline", func(t *testing.T) {
			s := newSim(t, aiProgram(t), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.e.model.on = true
			s.untilLine(time.Minute, "tea-taste")
			asked := s.now
			ask := s.send(question("v1", "Amy", "is it organic?"))[0].Ask
			rs := s.untilReplies(1)
			at := replyAt(s, 0)
			if rs[0].Source != avatar.ReplySourceFallback || at.Before(asked.Add(ask.Timeout+AskGrace)) {
				t.Errorf("reply %+v at %v after the question, want the fallback after the timeout and grace", rs[0], at.Sub(asked))
			}
			if qs := s.questions(); len(qs) != 1 || qs[0].Error == "" {
				t.Errorf("records %+v, want one saying the model did not answer in time", qs)
			}
			q := ask.Question
			q.Answered, q.Spoken = avatar.AnsweredModel, []string{"明前西湖龙井是绿茶。"}
			s.send(MsgAnswered{ID: ask.ID, Question: q})
			s.advance(time.Minute)
			if n := len(s.replyEvents()); n != 1 {
				t.Errorf("%d replies, want the late answer dropped", n)
			}
			// The next question is asked: the slot is free again.
			if out := s.send(question("v2", "", "is it vegan?")); !slices.ContainsFunc(out, func(o Out) bool { return o.Kind == OutAsk }) {
				t.Errorf("next question gave %v, want an ask", out)
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}

// replyAt is when reply event i went out.
func replyAt(s *sim, i int) time.Time {
	for _, e := range s.events() {
		if _, ok := e.Data.(avatar.Reply); ok {
			if i == 0 {
				return e.at
			}
			i--
		}
	}
	s.t.Fatalf("no reply %d", i)
	return time.Time{}
}
