package director

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Where a merchant's typed line goes (place.go), as engine table tests.
func TestPlacement(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	cues, probs := script.Parse("cues.yaml", []byte(cuesScript))
	if cues == nil {
		t.Fatal(probs.Err())
	}
	cuesProg := Compile(cues, 1)
	ask := func(s *sim, viewer, text string) {
		s.t.Helper()
		s.send(MsgInput{Input: avatar.Input{Viewer: viewer, Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: text}}})
	}
	say := func(s *sim, text string, p avatar.Placement) string {
		s.t.Helper()
		r := s.control(avatar.Control{Type: avatar.CtlSay, Text: text, Lang: "en", Placement: p})
		if !r.OK {
			s.t.Fatalf("say %q %s: %+v, want ok", text, p, r)
		}
		return text
	}
	texts := func(evs []timedOut) []string {
		var ts []string
		for _, e := range evs {
			if sp, ok := speechOf(e.Out); ok {
				ts = append(ts, sp.Text)
			}
		}
		return ts
	}

	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"now cuts the line at a word boundary, speaks the typed line, resumes after the cut line", func(t *testing.T) {
			s := newSim(t, cuesProg, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "long")
			e, sp := lineEvent(t, evs, "long")
			// Into the line, between two ticks: the coupon cue has fired,
			// the product cue near the end has not.
			mid := time.Duration(sp.DurationMS) * time.Millisecond * 2 / 5
			s.advance(e.at.Add(mid).Sub(s.now) + 7*time.Millisecond)
			elapsed := int(s.now.Sub(e.at) / time.Millisecond)
			n := len(s.events())
			say(s, "Flash news!", avatar.PlaceNow)
			now := s.events()[n:]
			if len(now) != 1 || now[0].Type != avatar.EventSpeechCut {
				t.Fatalf("at the control: %s, want one speech.cut", outSummary(now))
			}
			cut := now[0].Data.(avatar.SpeechCut)
			if cut.LineID != "long" || cut.Word < 0 || cut.Word >= len(sp.Words) {
				t.Fatalf("cut %+v of a %d-word line long", cut, len(sp.Words))
			}
			w := sp.Words[cut.Word]
			if cut.AtMS != w.EndMS || w.EndMS < elapsed || cut.Word > 0 && sp.Words[cut.Word-1].EndMS >= elapsed {
				t.Errorf("cut at %d ms (word %d ends %d ms) %d ms into the line, want the end of the first word ending at or after it", cut.AtMS, cut.Word, w.EndMS, elapsed)
			}
			if cut.AtMS >= sp.DurationMS {
				t.Errorf("cut at %d ms of a %d ms line: not cut", cut.AtMS, sp.DurationMS)
			}
			evs = s.untilLine(time.Minute, "next")
			rest := eventsAfter(evs, "long")
			if got := texts(rest); !slices.Equal(got, []string{"Flash news!", "Next line."}) {
				t.Fatalf("after the cut line: %q (%s), want the typed line then the step after", got, outSummary(rest))
			}
			typed, _ := lineEvent(t, rest, "say-"+strconv.FormatUint(now[0].Seq+1, 10))
			if want := e.at.Add(time.Duration(cut.AtMS) * time.Millisecond); !typed.at.Equal(want) {
				t.Errorf("typed line at %v, want at the cut %v, with no breath", typed.at.Sub(t0), want.Sub(t0))
			}
			for _, o := range rest {
				if o.Type == avatar.EventProductShow {
					t.Errorf("the cut line's product cue fired after the cut")
				}
			}
		}},
		{"now in a pause or between lines speaks at once, no cut", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "greet-hello")
			e, sp := lineEvent(t, evs, "greet-hello")
			s.advance(lineEnd(e, sp).Add(LineGap / 2).Sub(s.now)) // in the breath
			n, at := len(s.events()), s.now
			say(s, "Right now!", avatar.PlaceNow)
			evs = s.untilLine(time.Minute, "greet-ask")
			if slices.ContainsFunc(evs[n:], func(o timedOut) bool { return o.Type == avatar.EventSpeechCut }) {
				t.Errorf("a line already over was cut: %s", outSummary(evs[n:]))
			}
			if got := texts(evs[n:]); len(got) != 2 || got[0] != "Right now!" {
				t.Errorf("after the control: %q, want the typed line then greet-ask", got)
			}
			if typed, _ := lineEvent(t, evs[n:], "say-"+strconv.FormatUint(evs[n-1].Seq+1, 10)); !typed.at.Equal(at) {
				t.Errorf("typed line at %v, want at once, cutting the breath (%v)", typed.at.Sub(t0), at.Sub(t0))
			}
		}},
		{"queue goes after the answers waiting, next before them", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "tea-taste")
			s.advance(200 * time.Millisecond)
			n := len(evs)
			ask(s, "v1", "how much?")
			say(s, "Queued line.", avatar.PlaceQueue)
			say(s, "Next line!", avatar.PlaceNext)
			ask(s, "v2", "shipping?") // after the queued line: it came later
			evs = s.untilLine(2*time.Minute, "tea-price")
			got := texts(evs[n:])
			if len(got) < 4 || got[0] != "Next line!" || got[2] != "Queued line." {
				t.Fatalf("after the controls: %q, want the next line, the price answer, the queued line, then the shipping answer", got)
			}
			if lines := outLines(evs[n:]); lines[1] != "faq-price-1" || lines[3] != "faq-shipping-1" {
				t.Errorf("lines %v, want faq-price-1 before the queued line and faq-shipping-1 after it", lines)
			}
		}},
		{"clear drops the waiting typed lines and answers", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "tea-taste")
			s.advance(200 * time.Millisecond)
			n := len(evs)
			if r := s.control(avatar.Control{Type: avatar.CtlClear}); r.OK || r.Code != avatar.RefuseNoChange {
				t.Errorf("clear with nothing waiting: %+v, want refused %s", r, avatar.RefuseNoChange)
			}
			ask(s, "v1", "how much?")
			say(s, "Queued line.", avatar.PlaceQueue)
			say(s, "Next line!", avatar.PlaceNext)
			if r := s.control(avatar.Control{Type: avatar.CtlClear}); !r.OK {
				t.Fatalf("clear: %+v, want ok", r)
			}
			evs = s.untilLine(time.Minute, "tea-price")
			if lines := outLines(evs[n:]); !slices.Equal(lines, []string{"tea-price"}) {
				t.Errorf("after clear: %v, want the script's next line only", lines)
			}
		}},
		{"a bad placement is refused", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "greet-hello")
			n := len(s.events())
			for _, c := range []avatar.Control{
				{Type: avatar.CtlSay, Text: "Hi", Placement: "later"},
				{Type: avatar.CtlSkip, Placement: avatar.PlaceNow},
			} {
				if r := s.control(c); r.OK || r.Code != avatar.RefuseInvalid {
					t.Errorf("%s placement %q: %+v, want refused %s", c.Type, c.Placement, r, avatar.RefuseInvalid)
				}
			}
			if len(s.events()) != n {
				t.Errorf("a refused control published %s", outSummary(s.events()[n:]))
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}
