package director

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// The engine's rules as plain table tests: messages in, outs out. No NATS,
// no timers, no goroutines: the clock is a value the test moves.

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// sim drives an Engine as a Player does, with a clock that moves only when
// the test says so.
type sim struct {
	t       *testing.T
	e       *Engine
	now     time.Time
	wake    time.Time
	out     []timedOut // every out so far
	replies []avatar.ControlReply
	nextID  uint64

	// render, if set, answers the engine's OutRender as a driver would:
	// with res (nil: the render failed) after a while (negative: never).
	// A result is put in voices when it comes back.
	render  func(req voice.Request) (res *voice.Result, after time.Duration)
	voices  *readyVoices
	renders []simRender // not back yet, in order
}

type simRender struct {
	at  time.Time
	req voice.Request
	res *voice.Result
}

type timedOut struct {
	at time.Time
	Out
}

func newSim(t *testing.T, prog *Program, room avatar.Room, restore MsgRestore) *sim {
	t.Helper()
	s := &sim{t: t, e: NewEngine(room, prog, nil), now: t0}
	s.send(restore)
	return s
}

// send gives m to the engine at the current time.
func (s *sim) send(m Msg) []Out {
	s.t.Helper()
	out, wake, err := s.e.Update(s.now, m)
	if err != nil {
		s.t.Fatalf("Update(%T) at %v: %v", m, s.now.Sub(t0), err)
	}
	for _, o := range out {
		s.out = append(s.out, timedOut{at: s.now, Out: o})
		if o.Kind == OutReply {
			s.replies = append(s.replies, *o.Reply)
		}
	}
	if !wake.IsZero() && !wake.After(s.now) {
		s.t.Fatalf("Update(%T) at %v asks to wake at %v, not later", m, s.now.Sub(t0), wake.Sub(t0))
	}
	s.wake = wake
	for _, o := range out {
		if o.Kind == OutRender && s.render != nil {
			if res, after := s.render(*o.Render); after >= 0 {
				s.renders = append(s.renders, simRender{at: s.now.Add(after), req: *o.Render, res: res})
			}
		}
	}
	slices.SortStableFunc(s.renders, func(a, b simRender) int { return a.at.Compare(b.at) })
	if len(s.renders) > 0 && !s.renders[0].at.After(s.now) {
		s.deliver()
	}
	return out
}

// deliver gives the engine the first render back.
func (s *sim) deliver() {
	s.t.Helper()
	r := s.renders[0]
	s.renders = s.renders[1:]
	if r.res != nil {
		s.voices.lines[keyOf(r.req)] = *r.res
	}
	s.send(MsgRendered{Request: r.req})
}

// next returns when the next thing happens: a render comes back or the
// engine's wake-up (zero: nothing will).
func (s *sim) next() time.Time {
	if len(s.renders) > 0 && (s.wake.IsZero() || s.renders[0].at.Before(s.wake)) {
		return s.renders[0].at
	}
	return s.wake
}

// fire does what is due at s.now: a render back, else the wake-up.
func (s *sim) fire() {
	s.t.Helper()
	if len(s.renders) > 0 && !s.renders[0].at.After(s.now) {
		s.deliver()
		return
	}
	s.send(MsgTick{})
}

// control sends c and returns the engine's answer.
func (s *sim) control(c avatar.Control) avatar.ControlReply {
	s.t.Helper()
	s.nextID++
	for _, o := range s.send(MsgControl{ID: s.nextID, Control: c}) {
		if o.Kind == OutReply && o.ID == s.nextID {
			return *o.Reply
		}
	}
	s.t.Fatalf("control %s: no reply", c.Type)
	return avatar.ControlReply{}
}

// advance moves the clock on by d, ticking at every wake-up on the way.
func (s *sim) advance(d time.Duration) {
	s.t.Helper()
	end := s.now.Add(d)
	for n := s.next(); !n.IsZero() && !n.After(end); n = s.next() {
		s.now = n
		s.fire()
	}
	s.now = end
}

// until ticks from wake-up to wake-up until cond holds for the events so
// far, failing after limit.
func (s *sim) until(limit time.Duration, what string, cond func(evs []timedOut) bool) []timedOut {
	s.t.Helper()
	end := s.now.Add(limit)
	for !cond(s.events()) {
		n := s.next()
		if n.IsZero() || n.After(end) {
			s.t.Fatalf("after %v: %s never happened; events: %s", limit, what, outSummary(s.events()))
		}
		s.now = n
		s.fire()
	}
	return s.events()
}

func (s *sim) untilLine(limit time.Duration, id string) []timedOut {
	s.t.Helper()
	return s.until(limit, "line "+id, func(evs []timedOut) bool { return slices.Contains(outLines(evs), id) })
}

func (s *sim) events() []timedOut {
	var evs []timedOut
	for _, o := range s.out {
		if o.Kind == OutEvent {
			evs = append(evs, o)
		}
	}
	return evs
}

func (s *sim) outsOf(k OutKind) []timedOut {
	var out []timedOut
	for _, o := range s.out {
		if o.Kind == k {
			out = append(out, o)
		}
	}
	return out
}

// speechOf returns the speech of a speech or reply event.
func speechOf(o Out) (avatar.Speech, bool) {
	switch d := o.Data.(type) {
	case avatar.Speech:
		return d, true
	case avatar.Reply:
		return d.Speech, true
	}
	return avatar.Speech{}, false
}

func outLines(evs []timedOut) []string {
	var ids []string
	for _, e := range evs {
		if sp, ok := speechOf(e.Out); ok {
			ids = append(ids, sp.LineID)
		}
	}
	return ids
}

func outSummary(evs []timedOut) string {
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(string(e.Type))
		if sp, ok := speechOf(e.Out); ok {
			b.WriteString("(" + sp.LineID + ")")
		}
		b.WriteByte(' ')
	}
	return b.String()
}

// eventsAfter returns the events after the first speech of line id.
func eventsAfter(evs []timedOut, id string) []timedOut {
	for i, e := range evs {
		if sp, ok := speechOf(e.Out); ok && sp.LineID == id {
			return evs[i+1:]
		}
	}
	return nil
}

func lineEvent(t *testing.T, evs []timedOut, id string) (timedOut, avatar.Speech) {
	t.Helper()
	for _, e := range evs {
		if sp, ok := speechOf(e.Out); ok && sp.LineID == id {
			return e, sp
		}
	}
	t.Fatalf("no speech of line %s in %s", id, outSummary(evs))
	return timedOut{}, avatar.Speech{}
}

func lineEnd(e timedOut, sp avatar.Speech) time.Time {
	return e.at.Add(time.Duration(sp.DurationMS) * time.Millisecond)
}

func TestEngine(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	museum := loadShow(t, "demo-museum.yaml")
	cues, probs := script.Parse("cues.yaml", []byte(cuesScript))
	if cues == nil {
		t.Fatal(probs.Err())
	}
	cuesProg := Compile(cues, 1)
	persona := avatar.Persona{ID: "xiaoya",
		Disclosure:       map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。", "en": "An AI-generated presenter."},
		SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。", "en": "Hello, I am Xiaoya, an AI presenter."}}

	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"show starts with the spoken disclosure", func(t *testing.T) {
			room := liveRoom("r", avatar.KindLivestream)
			room.Persona = persona
			s := newSim(t, live, room, MsgRestore{})
			evs := s.events()
			if len(evs) == 0 || evs[0].Type != avatar.EventShowStart || evs[0].Seq != 1 {
				t.Fatalf("first events %s, want show.start with seq 1", outSummary(evs))
			}
			evs = s.untilLine(time.Minute, "greet-hello")
			lines := outLines(evs)
			if lines[0] != avatar.DisclosureLineID || lines[1] != "greet-hello" {
				t.Errorf("lines %v, want the disclosure then greet-hello", lines)
			}
			_, sp := lineEvent(t, evs, avatar.DisclosureLineID)
			if sp.Text != persona.SpokenDisclosure["zh-CN"] || sp.Translations["en"] != persona.SpokenDisclosure["en"] {
				t.Errorf("disclosure %q %v, want the persona's spoken text with its translation", sp.Text, sp.Translations)
			}
			for i, e := range evs {
				if e.Seq != uint64(i+1) {
					t.Fatalf("event %d has seq %d, want gap-free seqs from 1", i, e.Seq)
				}
			}
			if sts := s.outsOf(OutState); len(sts) == 0 || sts[len(sts)-1].State.Status != avatar.ShowPlaying {
				t.Errorf("no state saved as playing")
			}
		}},
		{"a line's cues fire at their words", func(t *testing.T) {
			s := newSim(t, cuesProg, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "next")
			e, sp := lineEvent(t, evs, "long")
			rest := eventsAfter(evs, "long")
			coupon, show := rest[0], rest[1]
			if coupon.Type != avatar.EventCoupon || show.Type != avatar.EventProductShow {
				t.Fatalf("after the line: %s, want coupon then product.show", outSummary(rest))
			}
			if !coupon.at.Equal(e.at) {
				t.Errorf("cue at the first word fired %v into the line, want at once", coupon.at.Sub(e.at))
			}
			if in := show.at.Sub(e.at); in <= time.Duration(sp.DurationMS)*time.Millisecond/2 || !show.at.Before(lineEnd(e, sp)) {
				t.Errorf("cue near the end fired %v into a %d ms line", in, sp.DurationMS)
			}
			next, _ := lineEvent(t, evs, "next")
			if want := lineEnd(e, sp).Add(LineGap); !next.at.Equal(want) {
				t.Errorf("next line at %v, want the line's end plus LineGap (%v)", next.at.Sub(t0), want.Sub(t0))
			}
			// The line is still spoken: the last cue's cursor holds it, with no
			// cue left, so a successor lets it end (TestTakeoverLetsTheLineEnd).
			if c := show.Cursor; !strings.Contains(c, `"line":{"id":"long",`) || strings.Contains(c, `"cues"`) {
				t.Errorf("cursor after the last cue %s, want line long with no cue left", c)
			}
		}},
		{"pause, resume and stop at line boundaries only", func(t *testing.T) {
			room := liveRoom("r", avatar.KindLivestream)
			s := newSim(t, live, room, MsgRestore{})
			evs := s.untilLine(time.Minute, "tea-intro")
			e, sp := lineEvent(t, evs, "tea-intro")
			s.advance(100 * time.Millisecond)
			room.Status = avatar.RoomPaused
			if out := s.send(MsgRoom{Room: room}); slices.ContainsFunc(out, func(o Out) bool { return o.Kind == OutEvent }) {
				t.Fatalf("mid-line, a room update published %v", out)
			}
			evs = s.until(time.Minute, "show.pause", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowPause })
			if at := evs[len(evs)-1].at; !at.Equal(lineEnd(e, sp).Add(LineGap)) {
				t.Errorf("paused at %v, want at the end of the line and its breath %v", at.Sub(t0), lineEnd(e, sp).Add(LineGap).Sub(t0))
			}
			if !s.wake.IsZero() {
				t.Errorf("paused, the engine asks to wake at %v; want only a message", s.wake.Sub(t0))
			}
			n := len(s.events())
			s.advance(10 * time.Minute)
			if len(s.events()) != n {
				t.Fatalf("paused, the show went on: %s", outSummary(s.events()[n:]))
			}
			room.Status = avatar.RoomPlaying
			s.send(MsgRoom{Room: room})
			evs = s.untilLine(time.Minute, "tea-taste")
			if resumed := evs[n]; resumed.Type != avatar.EventShowResume {
				t.Errorf("after the pause: %s, want show.resume first", outSummary(evs[n:]))
			}
			room.Status = avatar.RoomStopped
			s.send(MsgRoom{Room: room})
			evs = s.until(time.Minute, "show.end", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
			tail := eventsAfter(evs, "tea-taste")
			if got := outSummary(tail); got != "product.hide show.end " {
				t.Errorf("after the stop: %s, want product.hide show.end", got)
			}
		}},
		{"a question is answered at the next boundary, repeats merged", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			s.advance(200 * time.Millisecond)
			for _, in := range []avatar.Input{
				{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "how much?", Name: "Amy"}},
				{Viewer: "v2", Type: avatar.MsgComment, Data: avatar.MessageData{Text: "price please", Name: "Bob"}},
				{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "HOW MUCH", Name: "Amy"}},
			} {
				if out := s.send(MsgInput{Input: in}); len(out) > 0 {
					t.Fatalf("mid-line, input %q published %v", in.Data.Text, out)
				}
			}
			evs := s.untilLine(time.Minute, "tea-price")
			lines := outLines(eventsAfter(evs, "tea-taste"))
			if len(lines) != 2 || lines[0] != "faq-price-1" {
				t.Fatalf("after tea-taste: %v, want one answer then tea-price", lines)
			}
			for _, e := range evs {
				if r, ok := e.Data.(avatar.Reply); ok {
					if r.Viewer != "v1" || !strings.HasPrefix(r.Speech.Text, "Amy and Bob, ") || r.FAQ != "faq-price" {
						t.Errorf("reply to %s: %q (faq %s), want to v1 addressing Amy and Bob", r.Viewer, r.Speech.Text, r.FAQ)
					}
				}
			}
		}},
		{"a typed line is queued for the next boundary", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "greet-hello")
			seq := evs[len(evs)-1].Seq
			r := s.control(avatar.Control{Type: avatar.CtlSay, Text: "Welcome, everyone!"})
			if !r.OK || r.Seq != seq {
				t.Fatalf("say: %+v, want ok at seq %d (nothing published yet)", r, seq)
			}
			// Before the answer, a checkpoint event stores the line taken
			// (agenda.go): no event would carry it until the boundary.
			evs = s.events()
			if ck := evs[len(evs)-1]; ck.Type != avatar.EventCheckpoint || ck.Seq != seq+1 || !strings.Contains(ck.Cursor, `"say":[{"text":"Welcome, everyone!"}]`) {
				t.Fatalf("after the say: %s %d cursor %s, want a checkpoint at %d holding the line", ck.Type, ck.Seq, ck.Cursor, seq+1)
			}
			evs = s.untilLine(time.Minute, "greet-ask")
			if lines := outLines(eventsAfter(evs, "greet-hello")); len(lines) != 2 || lines[0] != "say-"+strconv.FormatUint(seq+2, 10) {
				t.Errorf("after greet-hello: %v, want the typed line, then greet-ask", lines)
			}
			// The contract's rules (avatar.Control.Check), as the API has them.
			for _, c := range []avatar.Control{
				{Type: avatar.CtlSay, Text: "  "},
				{Type: avatar.CtlSay, Text: "two\nlines"},
				{Type: avatar.CtlSay, Text: strings.Repeat("好", 167)},
				{Type: avatar.CtlNotice, Text: "ok", Ref: "a\u202eb"},
			} {
				if r := s.control(c); r.OK || r.Code != avatar.RefuseInvalid {
					t.Errorf("%s %q ref %q: %+v, want refused %s", c.Type, c.Text, c.Ref, r, avatar.RefuseInvalid)
				}
			}
			if r := s.control(avatar.Control{Type: "dance"}); r.Code != avatar.RefuseUnknown {
				t.Errorf("unknown control: %+v, want refused %s", r, avatar.RefuseUnknown)
			}
		}},
		{"stock control to zero: sold-out line", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "tea-taste")
			n := len(s.events())
			r := s.control(avatar.Control{Type: avatar.CtlStock, SKU: "tea-01", Stock: intPtr(0)})
			if !r.OK || r.Stock == nil || *r.Stock != 0 {
				t.Fatalf("stock: %+v, want ok with stock 0", r)
			}
			now := s.events()[n:]
			if got := outSummary(now); got != "stock product.show " {
				t.Errorf("at once: %s, want stock then product.show", got)
			}
			if card := now[1].Data.(*avatar.Product); card.Stock != 0 {
				t.Errorf("card stock %d, want 0", card.Stock)
			}
			evs := s.until(time.Minute, "two more lines", func(evs []timedOut) bool { return len(outLines(evs[n:])) >= 2 })
			if lines := outLines(evs[n:]); lines[0] != "sold-out-tea-01" {
				t.Errorf("lines after the stock control: %v, want the sold-out line first", lines)
			}
		}},
		{"a flash sale ends at its time, not at a boundary", func(t *testing.T) {
			s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.untilLine(time.Minute, "greet-hello")
			// Short enough to end before the script's own flash sale.
			r := s.control(avatar.Control{Type: avatar.CtlSale, SKU: "cup-02", Price: "50", Stock: intPtr(20), Duration: 12 * time.Second})
			if !r.OK {
				t.Fatalf("sale: %+v", r)
			}
			first := func(typ avatar.EventType) func(evs []timedOut) bool {
				return func(evs []timedOut) bool {
					return slices.ContainsFunc(evs, func(e timedOut) bool { return e.Type == typ })
				}
			}
			evs := s.until(time.Minute, "sale.start", first(avatar.EventSaleStart))
			start := evs[slices.IndexFunc(evs, func(e timedOut) bool { return e.Type == avatar.EventSaleStart })]
			e, sp := lineEvent(t, evs, "greet-hello")
			if want := lineEnd(e, sp).Add(LineGap); !start.at.Equal(want) {
				t.Errorf("sale started at %v, want at the end of the line %v", start.at.Sub(t0), want.Sub(t0))
			}
			evs = s.until(time.Minute, "sale.end", first(avatar.EventSaleEnd))
			end := evs[slices.IndexFunc(evs, func(e timedOut) bool { return e.Type == avatar.EventSaleEnd })]
			if sale := end.Data.(avatar.Sale); sale.Reason != avatar.SaleEndTime || sale.SKU != "cup-02" || !end.at.Equal(start.at.Add(12*time.Second)) {
				t.Errorf("sale of %s ended %v after its start for %q, want cup-02 after 12s for %q", sale.SKU, end.at.Sub(start.at), sale.Reason, avatar.SaleEndTime)
			}
			if mid := eventsAfter(evs, "greet-hello"); !slices.ContainsFunc(mid[:slices.IndexFunc(mid, func(e timedOut) bool { return e.Type == avatar.EventSaleEnd })], func(e timedOut) bool {
				sp, ok := speechOf(e.Out)
				return ok && e.at.Before(end.at) && lineEnd(e, sp).After(end.at)
			}) {
				t.Errorf("the sale did not end while a line was spoken: %s", outSummary(mid))
			}
		}},
		{"restore mid-line: the cues left fire", func(t *testing.T) {
			s := newSim(t, cuesProg, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "long")
			last := evs[len(evs)-1]
			for _, o := range evs {
				if o.Type == avatar.EventCoupon {
					last = o // the checkpoint: the first cue fired, the second not
				}
			}
			saved := s.outsOf(OutState)
			st := *saved[len(saved)-1].State
			next := &sim{t: t, e: NewEngine(liveRoom("r", avatar.KindLivestream), cuesProg, nil), now: s.now.Add(time.Second)}
			next.send(MsgRestore{Seq: last.Seq, Cursor: last.Cursor, State: st, Found: true})
			evs = next.untilLine(time.Minute, "next")
			if got := outSummary(evs); got != "product.show speech(next) " {
				t.Errorf("successor: %s, want the pending cue, then the next line", got)
			}
			if evs[0].Seq != last.Seq+1 {
				t.Errorf("successor's first seq %d, want %d", evs[0].Seq, last.Seq+1)
			}
		}},
		{"restore after the line: its cues are dropped", func(t *testing.T) {
			s := newSim(t, cuesProg, liveRoom("r", avatar.KindLivestream), MsgRestore{})
			evs := s.untilLine(time.Minute, "long")
			e, sp := lineEvent(t, evs, "long")
			last := s.events()[len(s.events())-1]
			saved := s.outsOf(OutState)
			next := &sim{t: t, e: NewEngine(liveRoom("r", avatar.KindLivestream), cuesProg, nil), now: lineEnd(e, sp).Add(time.Second)}
			next.send(MsgRestore{Seq: last.Seq, Cursor: last.Cursor, State: *saved[len(saved)-1].State, Found: true})
			evs = next.untilLine(time.Minute, "next")
			if got := outSummary(evs); got != "speech(next) " {
				t.Errorf("successor: %s, want the next line only", got)
			}
		}},
		{"a silent loop ends the show", func(t *testing.T) {
			s := newSim(t, Compile(spinShow(), 7), liveRoom("spin", avatar.KindLivestream), MsgRestore{})
			s.until(time.Minute, "show.end", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
			end := s.events()[len(s.events())-1]
			if st := end.Data.(avatar.ShowStatus); st.Reason != avatar.ReasonScriptLoop {
				t.Errorf("show.end for %q, want %q", st.Reason, avatar.ReasonScriptLoop)
			}
			if a := s.outsOf(OutAudit); len(a) != 1 || a[0].Action != avatar.AuditScriptLoop {
				t.Errorf("audits %v, want one %s", a, avatar.AuditScriptLoop)
			}
			if !s.wake.IsZero() {
				t.Errorf("ended, it asks to wake at %v; want only a message", s.wake.Sub(t0))
			}
			if r := s.control(avatar.Control{Type: avatar.CtlNotice, Text: "still here"}); !r.OK {
				t.Errorf("ended, a notice is refused: %+v", r)
			}
		}},
		{"museum: attract, a tap's narration, then back to the exhibit", func(t *testing.T) {
			s := newSim(t, museum, liveRoom("k", avatar.KindMuseum), MsgRestore{})
			evs := s.until(5*time.Minute, "an attract line", func(evs []timedOut) bool {
				return slices.ContainsFunc(evs, func(e timedOut) bool { return e.Type == avatar.EventIdle })
			})
			idle := evs[slices.IndexFunc(evs, func(e timedOut) bool { return e.Type == avatar.EventIdle })]
			_, end := lineEvent(t, evs, "tour-jade-end")
			if e, _ := lineEvent(t, evs, "tour-jade-end"); idle.at.Before(lineEnd(e, end).Add(AttractAfter)) {
				t.Errorf("attract line %v after the tour's end, want at least AttractAfter", idle.at.Sub(lineEnd(e, end)))
			}
			// Restart the tour; tap the jade while the ding is in focus.
			room := liveRoom("k", avatar.KindMuseum)
			room.Status = avatar.RoomStopped
			s.send(MsgRoom{Room: room})
			s.until(time.Minute, "show.end", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
			room.Status = avatar.RoomPlaying
			s.send(MsgRoom{Room: room})
			n := len(s.events())
			s.until(time.Minute, "tour-ding-intro", func(evs []timedOut) bool { return slices.Contains(outLines(evs[n:]), "tour-ding-intro") })
			n = len(s.events())
			s.send(MsgInput{Input: avatar.Input{Viewer: "kiosk", Type: avatar.MsgTap, Data: avatar.MessageData{Target: "jade-cong"}}})
			evs = s.until(time.Minute, "tour-ding-tap", func(evs []timedOut) bool { return slices.Contains(outLines(evs[n:]), "tour-ding-tap") })[n:]
			// The line spoken when the tap came goes on (its cue focuses the
			// ding); at its end the jade's narration, then back to the ding.
			want := "exhibit.focus exhibit.focus speech(cong-n1) speech(cong-n2) exhibit.focus speech(tour-ding-tap) "
			if got := outSummary(evs); got != want {
				t.Errorf("after the tap: %s, want %s", got, want)
			}
			var focus []string
			for _, e := range evs {
				if ex, ok := e.Data.(*avatar.Exhibit); ok {
					focus = append(focus, ex.ID)
				}
			}
			if !slices.Equal(focus, []string{"houmuwu-ding", "jade-cong", "houmuwu-ding"}) {
				t.Errorf("focus %v, want the jade for its narration, then back to the ding", focus)
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}

// TestEngineStopReason: a room stopped by its record's reason (a licence
// revoked mid-show) ends the show with that reason; the merchant's stop
// and pause say "merchant".
func TestEngineStopReason(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	for _, tc := range []struct{ stopReason, want string }{
		{"", avatar.ReasonMerchant},
		{avatar.LicenceRevoked, avatar.LicenceRevoked},
	} {
		room := liveRoom("r", avatar.KindLivestream)
		s := newSim(t, live, room, MsgRestore{})
		s.untilLine(time.Minute, "tea-intro")
		room.Status, room.StopReason = avatar.RoomStopped, tc.stopReason
		s.send(MsgRoom{Room: room})
		evs := s.until(time.Minute, "show.end", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
		st, ok := evs[len(evs)-1].Data.(avatar.ShowStatus)
		if !ok {
			t.Fatalf("show.end data %T, want avatar.ShowStatus", evs[len(evs)-1].Data)
		}
		if st.Reason != tc.want {
			t.Errorf("stopped with StopReason %q: show.end reason %q, want %q", tc.stopReason, st.Reason, tc.want)
		}
	}
}
