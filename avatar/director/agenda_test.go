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
