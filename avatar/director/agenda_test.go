package director

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// typedText is the merchant's typed line the agenda tests follow.
const typedText = "Now 20% off for the next 5 minutes!"

// countSaid counts the spoken lines (speech or reply events) whose text
// contains text.
func countSaid(evs []avatar.Envelope, text string) int {
	n := 0
	for _, e := range evs {
		var t string
		switch e.Type {
		case avatar.EventSpeech:
			t = decodeSpeech(e).Text
		case avatar.EventReply:
			var r avatar.Reply
			_ = json.Unmarshal(e.Data, &r)
			t = r.Speech.Text
		}
		if strings.Contains(t, text) {
			n++
		}
	}
	return n
}

func decodeSpeech(e avatar.Envelope) avatar.Speech {
	var sp avatar.Speech
	_ = json.Unmarshal(e.Data, &sp)
	return sp
}

// replies returns the FAQ IDs of the reply events.
func replies(evs []avatar.Envelope) []string {
	var out []string
	for _, e := range evs {
		if e.Type == avatar.EventReply {
			var r avatar.Reply
			_ = json.Unmarshal(e.Data, &r)
			out = append(out, r.FAQ)
		}
	}
	return out
}

// TestAgendaSurvivesTakeover: a merchant's typed line and a viewer's
// question wait in director A, mid-line, when A dies (no hand-over:
// nothing more is stored). The typed line was answered ok, so it is
// stored at once (a checkpoint event, with the question waiting before
// it); director B, taking the room over from the stored events, answers
// the question and says the typed line, each once, with no seq skipped.
// Had A said the line already, B does not say it again.
func TestAgendaSurvivesTakeover(t *testing.T) {
	for _, tc := range []struct {
		name     string
		saidByA  bool // A lives until it has said the typed line
		wantByB  int
		wantAnsB int
	}{
		{"before the line is said", false, 1, 1},
		{"after the line is said", true, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				prog := loadShow(t, "demo-live.yaml")
				sink := &memSink{}
				a := start(t, prog, liveRoom("r", "livestream"), sink)
				a.untilSpeech(time.Minute, "greet-hello")
				if !a.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: "Amy", Text: "how much is the tea?"}}) {
					t.Fatal("input dropped")
				}
				if rep := a.control(avatar.Control{Type: avatar.CtlSay, Text: typedText, Placement: avatar.PlaceQueue}); !rep.OK {
					t.Fatalf("say: %+v", rep)
				}
				if tc.saidByA {
					a.until(time.Minute, "the typed line", func(evs []avatar.Envelope) bool { return countSaid(evs, typedText) == 1 })
				}
				if err := a.stop(); err != nil { // a crash: nothing more is stored
					t.Fatal(err)
				}
				n := len(sink.all())

				b := start(t, prog, liveRoom("r", "livestream"), sink)
				evs := b.until(time.Minute, "two more script lines", func(evs []avatar.Envelope) bool {
					return len(spokenLines(evs[n:])) >= 2+tc.wantByB
				})
				if err := b.stop(); err != nil {
					t.Fatal(err)
				}
				checkSeqs(t, evs)
				if got := countSaid(evs[n:], typedText); got != tc.wantByB {
					t.Errorf("B said the typed line %d times, want %d:%s", got, tc.wantByB, summary(evs[n:]))
				}
				if got := countSaid(evs, typedText); got != 1 {
					t.Errorf("the typed line was said %d times in all, want once", got)
				}
				if got := replies(evs[n:]); len(got) != tc.wantAnsB {
					t.Errorf("B answered %v, want %d answer", got, tc.wantAnsB)
				}
				if got := replies(evs); len(got) != 1 || got[0] != "faq-price" {
					t.Errorf("answers in all: %v, want faq-price once", got)
				}
				// Queued: the answer that waited before it comes first.
				if tc.wantByB == 1 {
					i := slices.IndexFunc(evs[n:], func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })
					j := slices.IndexFunc(evs[n:], func(e avatar.Envelope) bool { return countSaid([]avatar.Envelope{e}, typedText) > 0 })
					if i < 0 || j < i {
						t.Errorf("B: reply at %d, typed line at %d, want the answer first (placement queue)", i, j)
					}
				}
			})
		})
	}
}

// TestAgendaSurvivesHandOver: a question and thank-worthy likes reach
// director A, and a typed line is placed next, mid-line; A is asked to
// hand the room over. It finishes the line, refuses the next line's
// first event, stores a last checkpoint and stops; B goes on with the
// typed line, the answer and the thank-you, each once, no seq skipped.
// Without the typed line (nothing is stored at the ack), the question
// and the like come through the last checkpoint alone.
func TestAgendaSurvivesHandOver(t *testing.T) {
	for _, withSay := range []bool{true, false} {
		t.Run(fmt.Sprintf("say=%v", withSay), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				prog := loadShow(t, "demo-live.yaml")
				mem := &memSink{}
				gate := newHandoverSink(mem)
				a := startSink(t, prog, liveRoom("r", "livestream"), gate, mem)
				a.untilSpeech(time.Minute, "greet-hello")
				a.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: "Amy", Text: "how much is the tea?"}})
				a.p.Input(avatar.Input{Viewer: "v2", Type: avatar.MsgLike, Data: avatar.MessageData{Name: "Bob"}})
				synctest.Wait()
				if withSay {
					if rep := a.control(avatar.Control{Type: avatar.CtlSay, Text: typedText}); !rep.OK {
						t.Fatalf("say: %+v", rep)
					}
				}
				done := gate.ask()
				for {
					synctest.Wait()
					select {
					case <-done:
					default:
						time.Sleep(50 * time.Millisecond)
						continue
					}
					break
				}
				err := a.stop()
				if err != nil && !strings.Contains(err.Error(), errHandedOver.Error()) {
					t.Fatal(err)
				}
				if err := a.p.FinalCheckpoint(context.Background()); err != nil {
					t.Fatal(err)
				}
				evs := mem.all()
				n := len(evs)
				if last := evs[n-1]; last.Type != avatar.EventCheckpoint {
					t.Fatalf("A's last event: %s, want its checkpoint:%s", last.Type, summary(evs))
				}
				if countSaid(evs, typedText) != 0 || len(replies(evs)) != 0 {
					t.Fatalf("A spoke what waited before the hand-over:%s", summary(evs))
				}

				b := start(t, prog, liveRoom("r", "livestream"), mem)
				evs = b.until(time.Minute, "a script line after the answer and thanks", func(evs []avatar.Envelope) bool {
					return len(replies(evs)) > 0 && len(spokenLines(after(evs[n:], func(e avatar.Envelope) bool { return e.Type == avatar.EventReply }))) >= 2
				})
				if err := b.stop(); err != nil {
					t.Fatal(err)
				}
				checkSeqs(t, evs)
				want := 0
				if withSay {
					want = 1
				}
				if got := countSaid(evs, typedText); got != want {
					t.Errorf("typed line said %d times, want %d:%s", got, want, summary(evs[n:]))
				}
				if got := replies(evs); len(got) != 1 || got[0] != "faq-price" {
					t.Errorf("answers: %v, want faq-price once", got)
				}
				if got := countSaid(evs, "谢谢Bob的点赞"); got != 1 {
					t.Errorf("thank-you for likes said %d times, want once:%s", got, summary(evs[n:]))
				}
			})
		})
	}
}

// TestAgendaChosenLine: a typed line leaves the checkpoint exactly with
// its speech event. A director restored from the checkpoint just before
// the line (Out.Before, what a hand-over stores when it refuses the
// line's first event) says it; one restored from the speech's own
// checkpoint does not say it again.
func TestAgendaChosenLine(t *testing.T) {
	prog := loadShow(t, "demo-live.yaml")
	room := liveRoom("r", avatar.KindLivestream)
	a := newSim(t, prog, room, MsgRestore{})
	a.untilLine(time.Minute, "greet-hello")
	if r := a.control(avatar.Control{Type: avatar.CtlSay, Text: typedText}); !r.OK {
		t.Fatalf("say: %+v", r)
	}
	evs := a.until(time.Minute, "the typed line", func(evs []timedOut) bool {
		return slices.ContainsFunc(evs, func(e timedOut) bool { sp, ok := speechOf(e.Out); return ok && sp.Text == typedText })
	})
	sp := evs[len(evs)-1]
	if sp.Before == "" || !strings.Contains(sp.Before, typedText) || strings.Contains(sp.Cursor, typedText) {
		t.Fatalf("typed line's speech: before %s, cursor %s; want the line in the first only", sp.Before, sp.Cursor)
	}
	var st avatar.State
	for _, o := range a.outsOf(OutState) {
		if o.State.Seq < sp.Seq {
			st = *o.State
		}
	}
	for _, tc := range []struct {
		name   string
		cursor string
		want   int
	}{
		{"handed over before the line", sp.Before, 1},
		{"after the line", sp.Cursor, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newSim(t, prog, room, MsgRestore{Seq: sp.Seq, Cursor: tc.cursor, State: st, Found: true})
			b.advance(30 * time.Second)
			n := 0
			for _, e := range b.events() {
				if s, ok := speechOf(e.Out); ok && s.Text == typedText {
					n++
				}
			}
			if n != tc.want {
				t.Errorf("successor said the typed line %d times, want %d: %s", n, tc.want, outSummary(b.events()))
			}
		})
	}
}

// TestAgendaBounded: hostile viewers flood a room with long questions,
// repeats under new names and ids, likes and gifts, and the merchant
// fills the typed-line queue. What waits stays within its bounds, and so
// does the checkpoint every event carries.
func TestAgendaBounded(t *testing.T) {
	prog := loadShow(t, "demo-live.yaml")
	s := newSim(t, prog, liveRoom("r", avatar.KindLivestream), MsgRestore{})
	s.untilLine(time.Minute, "greet-hello")
	long := strings.Repeat("这<茶>", 280/4) // 280 runes, as the gateway allows
	for i := range 2000 {
		name := fmt.Sprintf("观众%c%c", 'A'+rune(i%26), 'a'+rune(i/26%26))
		text := fmt.Sprintf("%s%d?", long[:len(long)-8], i) // unmatched, each different
		if i%2 == 0 {
			text = long + " how much"
		}
		s.send(MsgInput{Input: avatar.Input{Viewer: fmt.Sprintf("viewer-%0128d", i), Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: name, Text: text}}})
		s.send(MsgInput{Input: avatar.Input{Viewer: "v", Type: avatar.MsgLike, Data: avatar.MessageData{Name: name}}})
		s.send(MsgInput{Input: avatar.Input{Viewer: "v", Platform: "douyin", Type: avatar.MsgGift,
			Data: avatar.MessageData{Name: name, Gift: &avatar.Gift{Name: fmt.Sprintf("礼物%d", i), Count: 1, Value: int64(i)}}}})
	}
	for range maxSays {
		if r := s.control(avatar.Control{Type: avatar.CtlSay, Text: strings.Repeat("好", avatar.MaxSayBytes/3), Placement: avatar.PlaceQueue}); !r.OK {
			t.Fatalf("say: %+v", r)
		}
	}
	if len(s.e.answers) > MaxAnswers {
		t.Errorf("%d answers wait, want at most %d", len(s.e.answers), MaxAnswers)
	}
	for _, a := range s.e.answers {
		if len(a.viewers) > maxAskers || len(a.names) > maxAddressed {
			t.Errorf("an answer keeps %d viewers and %d names, want at most %d and %d", len(a.viewers), len(a.names), maxAskers, maxAddressed)
		}
	}
	c := s.e.cursorString()
	// 8 typed lines of 500 bytes, 8 answers of a 280-rune question with
	// 4 ids of 135 bytes and 3 names, the thank-yous' 8 names and 3 gifts.
	const bound = 20 << 10
	if len(c) > bound {
		t.Errorf("checkpoint of %d bytes, want at most %d", len(c), bound)
	}
	t.Logf("checkpoint with everything full: %d bytes", len(c))
	if _, err := parseCursor(c); err != nil {
		t.Fatal(err)
	}
}

// TestAgendaModelAskedAgain: the question the model was asked when the
// last director went is asked again by the next one (the answer went to
// the last), or answered by the fallback where the model is off.
func TestAgendaModelAskedAgain(t *testing.T) {
	prog := loadShow(t, "demo-live.yaml")
	room := liveRoom("r", avatar.KindLivestream)
	a := newSim(t, prog, room, MsgRestore{})
	a.e.model.on = true
	a.untilLine(time.Minute, "greet-hello")
	a.send(MsgInput{Input: avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: "Amy", Text: "is it organic?"}}})
	if len(a.outsOf(OutAsk)) != 1 {
		t.Fatalf("asks: %d, want 1", len(a.outsOf(OutAsk)))
	}
	cur := a.e.cursorString()
	if !strings.Contains(cur, `"ask":{`) {
		t.Fatalf("checkpoint %s: no question in flight", cur)
	}
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("model=%v", on), func(t *testing.T) {
			b := &sim{t: t, e: NewEngine(room, prog, nil), now: a.now}
			b.e.model.on = on
			b.send(MsgRestore{Seq: a.e.seq, Cursor: cur})
			asks := b.outsOf(OutAsk)
			if on {
				if len(asks) != 1 || asks[0].Ask.Question.Text != "is it organic?" {
					t.Fatalf("asks after the takeover: %v, want the question asked again", asks)
				}
				return
			}
			if len(asks) != 0 {
				t.Fatalf("asked the model %d times with the model off", len(asks))
			}
			evs := b.until(time.Minute, "the fallback answer", func(evs []timedOut) bool {
				return slices.ContainsFunc(evs, func(e timedOut) bool { return e.Type == avatar.EventReply })
			})
			r := evs[len(evs)-1].Data.(avatar.Reply)
			if r.Source != avatar.ReplySourceFallback || r.Question != "is it organic?" || r.Name != "Amy" {
				t.Errorf("reply %+v, want the fallback to Amy's question", r)
			}
		})
	}
}

// TestAgendaEmptyAddsNothing: once what waited is said and its cooldowns
// are over, the checkpoint is the cursor alone again.
func TestAgendaEmptyAddsNothing(t *testing.T) {
	s := newSim(t, loadShow(t, "demo-live.yaml"), liveRoom("r", avatar.KindLivestream), MsgRestore{})
	s.untilLine(time.Minute, "greet-hello")
	s.send(MsgInput{Input: avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "how much?"}}})
	s.send(MsgInput{Input: avatar.Input{Viewer: "v1", Type: avatar.MsgLike}})
	if c := s.e.cursorString(); !strings.Contains(c, `"q":`) {
		t.Fatalf("checkpoint %s: nothing waits", c)
	}
	s.advance(2 * time.Minute)
	if c := s.e.cursorString(); strings.Contains(c, `"q":`) {
		t.Errorf("checkpoint %s long after: want no agenda", c)
	}
}

// BenchmarkCheckpoint is the cost of an event's checkpoint with nothing
// waiting (most events) and with a busy room's agenda (a typed line,
// three answers, likes to thank).
func BenchmarkCheckpoint(b *testing.B) {
	prog := loadShow(b, "demo-live.yaml")
	for _, busy := range []bool{false, true} {
		b.Run(fmt.Sprintf("busy=%v", busy), func(b *testing.B) {
			e := NewEngine(liveRoom("r", avatar.KindLivestream), prog, nil)
			now := t0
			_, _, _ = e.Update(now, MsgRestore{})
			if busy {
				for i, q := range []string{"how much is it?", "do you ship to Shanghai?", "is it organic?"} {
					_, _, _ = e.Update(now, MsgInput{Input: avatar.Input{Viewer: fmt.Sprint("v", i), Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: "Amy", Text: q}}})
				}
				_, _, _ = e.Update(now, MsgInput{Input: avatar.Input{Viewer: "v9", Type: avatar.MsgLike, Data: avatar.MessageData{Name: "Bob"}}})
				_, _, _ = e.Update(now, MsgControl{ID: 1, Control: avatar.Control{Type: avatar.CtlSay, Text: typedText, Placement: avatar.PlaceQueue}})
			}
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				e.curStr = "" // as after a step: the position is encoded again
				n = len(e.cursorString())
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

// TestAgendaDisclosureTakenOver: a director that dies between show.start
// and the spoken disclosure leaves it in the checkpoint; the next speaks
// it first, once (it used to be lost: a show without its disclosure).
func TestAgendaDisclosureTakenOver(t *testing.T) {
	prog := loadShow(t, "demo-live.yaml")
	room := liveRoom("r", avatar.KindLivestream)
	room.Persona = avatar.Persona{ID: "xiaoya", SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。"}}
	a := newSim(t, prog, room, MsgRestore{})
	evs := a.events()
	if len(evs) < 2 || evs[0].Type != avatar.EventShowStart {
		t.Fatalf("first events: %s", outSummary(evs))
	}
	start := evs[0]
	var st avatar.State
	for _, o := range a.outsOf(OutState) {
		if o.State.Seq == start.Seq {
			st = *o.State
		}
	}
	b := newSim(t, prog, room, MsgRestore{Seq: start.Seq, Cursor: start.Cursor, State: st, Found: true})
	b.advance(20 * time.Second)
	lines := outLines(b.events())
	if len(lines) < 2 || lines[0] != avatar.DisclosureLineID || slices.Contains(lines[1:], avatar.DisclosureLineID) {
		t.Errorf("successor's lines %v, want the disclosure first, once", lines)
	}
	// From the disclosure's own checkpoint, it is not said again.
	var after timedOut
	for _, e := range a.events() {
		if s, ok := speechOf(e.Out); ok && s.LineID == avatar.DisclosureLineID {
			after = e
		}
	}
	c := newSim(t, prog, room, MsgRestore{Seq: after.Seq, Cursor: after.Cursor, State: st, Found: true})
	c.advance(20 * time.Second)
	if slices.Contains(outLines(c.events()), avatar.DisclosureLineID) {
		t.Errorf("disclosure said again after it was out: %v", outLines(c.events()))
	}
}
