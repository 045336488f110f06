package director

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// dailyRoom is a playing room on air every day from from to to, UTC.
func dailyRoom(from, to string) avatar.Room {
	room := liveRoom("r", avatar.KindLivestream)
	room.Persona = avatar.Persona{ID: "p", Disclosure: map[string]string{"zh-CN": "AI"},
		SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。"}}
	room.Schedule = &avatar.Schedule{Daily: []avatar.DailyWindow{{Start: from, End: to}}}
	return room
}

func lastType(evs []avatar.Envelope, typ avatar.EventType) func([]avatar.Envelope) bool {
	return func(evs []avatar.Envelope) bool { return len(evs) > 0 && evs[len(evs)-1].Type == typ }
}

// TestScheduleStartsAndStopsOnTime plays a room scheduled every day from
// 00:10 to 00:20 on the bubble's fake clock (it starts at midnight UTC):
// off air until 00:10, on air from exactly 00:10 with the disclosure
// first, ended at the first line boundary after 00:20 without cutting the
// line, and on air again the next day from the top.
func TestScheduleStartsAndStopsOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		day0 := time.Now()
		at := func(d time.Duration) time.Time { return day0.Add(d) }
		r := start(t, loadShow(t, "demo-live.yaml"), dailyRoom("00:10", "00:20"), &memSink{})

		// Off air: nothing published, the snapshot says when it starts.
		time.Sleep(10*time.Minute - time.Second)
		synctest.Wait()
		if evs := r.sink.all(); len(evs) != 0 {
			t.Fatalf("before the window: %s", summary(evs))
		}
		st := r.sink.snapshot()
		if st.Status != avatar.ShowEnded || st.NextStart == nil || !time.Time(*st.NextStart).Equal(at(10*time.Minute)) {
			t.Fatalf("snapshot before the window: %+v, want ended, next start 00:10", st)
		}

		// On air at 00:10 sharp, from the disclosure.
		evs := r.until(time.Minute, "two lines", func(evs []avatar.Envelope) bool { return len(spokenLines(evs)) >= 2 })
		if evs[0].Type != avatar.EventShowStart || !time.Time(evs[0].TS).Equal(at(10*time.Minute)) {
			t.Fatalf("first event %s at %v, want show.start at 00:10", evs[0].Type, time.Time(evs[0].TS).Sub(day0))
		}
		ss := decode[avatar.ShowStatus](t, evs[0])
		if ss.Reason != avatar.ReasonSchedule || ss.NextEnd == nil || !time.Time(*ss.NextEnd).Equal(at(20*time.Minute)) {
			t.Errorf("show.start %+v, want reason schedule, next end 00:20", ss)
		}
		if first := spokenLines(evs)[0]; first != avatar.DisclosureLineID {
			t.Errorf("first line %s, want the disclosure", first)
		}
		if r.sink.snapshot().NextStart != nil {
			t.Error("snapshot on air still has a next start")
		}

		// Off air at the first line boundary after 00:20.
		evs = r.until(11*time.Minute, "show.end", lastType(nil, avatar.EventShowEnd))
		end := evs[len(evs)-1]
		es := decode[avatar.ShowStatus](t, end)
		if es.Reason != avatar.ReasonSchedule || es.NextStart == nil || !time.Time(*es.NextStart).Equal(at(24*time.Hour+10*time.Minute)) {
			t.Errorf("show.end %+v, want reason schedule, next start tomorrow 00:10", es)
		}
		endAt := time.Time(end.TS)
		var last avatar.Envelope
		for _, e := range evs {
			if e.Type == avatar.EventSpeech {
				last = e
			}
		}
		sp := decode[avatar.Speech](t, last)
		spokeAt := time.Time(last.TS)
		lineEnd := spokeAt.Add(time.Duration(sp.DurationMS) * time.Millisecond)
		if !spokeAt.Before(at(20 * time.Minute)) {
			t.Errorf("line %s started at %v, after the window", sp.LineID, spokeAt.Sub(day0))
		}
		if endAt.Before(lineEnd) {
			t.Errorf("show.end at %v cuts line %s (ends %v)", endAt.Sub(day0), sp.LineID, lineEnd.Sub(day0))
		}
		if over := endAt.Sub(at(20 * time.Minute)); over > time.Duration(sp.DurationMS)*time.Millisecond+LineGap {
			t.Errorf("show.end %v after the window's end: more than the last line (%d ms) and its breath", over, sp.DurationMS)
		}
		n := len(evs)

		// Nothing until tomorrow's window, which starts from the top.
		time.Sleep(23*time.Hour + 45*time.Minute)
		synctest.Wait()
		if evs := r.sink.all(); len(evs) != n {
			t.Fatalf("between the windows: %s", summary(evs[n:]))
		}
		evs = r.until(20*time.Minute, "the second window's lines", func(evs []avatar.Envelope) bool { return len(spokenLines(evs[n:])) >= 2 })
		if evs[n].Type != avatar.EventShowStart || !time.Time(evs[n].TS).Equal(at(24*time.Hour+10*time.Minute)) {
			t.Errorf("second window opens with %s at %v", evs[n].Type, time.Time(evs[n].TS).Sub(day0))
		}
		if lines := spokenLines(evs[n:]); !slices.Equal(lines[:2], []string{avatar.DisclosureLineID, "greet-hello"}) {
			t.Errorf("second window's lines %v, want the disclosure then greet-hello", lines)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, r.sink.all())
	})
}

// TestScheduleWithStatus pins how a schedule combines with the status the
// merchant sets, on the engine with a clock the test moves (t0 is 12:00
// UTC; the window is 12:10-12:20 every day).
func TestScheduleWithStatus(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	ends := func(reason string) func([]timedOut) bool {
		return func(evs []timedOut) bool {
			e := evs[len(evs)-1]
			return e.Type == avatar.EventShowEnd && e.Data.(avatar.ShowStatus).Reason == reason
		}
	}
	count := func(evs []timedOut, typ avatar.EventType) int {
		n := 0
		for _, e := range evs {
			if e.Type == typ {
				n++
			}
		}
		return n
	}
	t.Run("a merchant's stop overrides the schedule", func(t *testing.T) {
		room := dailyRoom("12:10", "12:20")
		s := newSim(t, live, room, MsgRestore{})
		s.advance(11 * time.Minute)
		if count(s.events(), avatar.EventShowStart) != 1 {
			t.Fatalf("not on air in the window: %s", outSummary(s.events()))
		}
		room.Status = avatar.RoomStopped
		s.send(MsgRoom{Room: room})
		s.until(time.Minute, "show.end by the merchant", ends(avatar.ReasonMerchant))
		n := len(s.events())
		s.advance(48 * time.Hour)
		if evs := s.events(); len(evs) != n {
			t.Errorf("a stopped room went on air: %s", outSummary(evs[n:]))
		}
		if st := s.outsOf(OutState); st[len(st)-1].State.NextStart != nil {
			t.Error("a stopped room's snapshot says when it starts")
		}
	})
	t.Run("a paused show ends with its window and stays off", func(t *testing.T) {
		room := dailyRoom("12:10", "12:20")
		s := newSim(t, live, room, MsgRestore{})
		s.advance(11 * time.Minute)
		room.Status = avatar.RoomPaused
		s.send(MsgRoom{Room: room})
		s.until(time.Minute, "show.pause", func(evs []timedOut) bool { return evs[len(evs)-1].Type == avatar.EventShowPause })
		s.until(10*time.Minute, "show.end at the window's end", ends(avatar.ReasonSchedule))
		if got := s.events()[len(s.events())-1].at; !got.Equal(t0.Add(20 * time.Minute)) {
			t.Errorf("paused show ended at %v, want 12:20 (no line is being spoken)", got.Sub(t0))
		}
		n := len(s.events())
		s.advance(24 * time.Hour) // the next window passes: still paused
		if evs := s.events(); len(evs) != n {
			t.Fatalf("a paused room went on air: %s", outSummary(evs[n:]))
		}
		room.Status = avatar.RoomPlaying // resumed inside the window: a fresh show
		s.now = t0.Add(48*time.Hour + 15*time.Minute)
		s.send(MsgRoom{Room: room})
		if evs := s.events(); len(evs) <= n || evs[n].Type != avatar.EventShowStart {
			t.Fatalf("playing inside the window: %s, want show.start", outSummary(evs[n:]))
		}
	})
	t.Run("a schedule set on air ends the show, removed starts it", func(t *testing.T) {
		room := liveRoom("r", avatar.KindLivestream)
		s := newSim(t, live, room, MsgRestore{})
		s.untilLine(time.Minute, "greet-hello")
		room.Schedule = &avatar.Schedule{Daily: []avatar.DailyWindow{{Start: "18:00", End: "19:00"}}}
		s.send(MsgRoom{Room: room})
		evs := s.until(time.Minute, "show.end by the schedule", ends(avatar.ReasonSchedule))
		if ss := evs[len(evs)-1].Data.(avatar.ShowStatus); ss.NextStart == nil || !time.Time(*ss.NextStart).Equal(t0.Add(6*time.Hour)) {
			t.Errorf("show.end %+v, want next start 18:00", ss)
		}
		n := len(evs)
		room.Schedule = nil
		s.send(MsgRoom{Room: room})
		if evs := s.events(); len(evs) <= n || evs[n].Type != avatar.EventShowStart || evs[n].Data.(avatar.ShowStatus).Reason != "" {
			t.Fatalf("schedule removed: %s, want an unscheduled show.start at once", outSummary(evs[n:]))
		}
	})
	t.Run("a one-off window ends after the line being spoken", func(t *testing.T) {
		// The window ends 2 s into the show, during its first line.
		room := liveRoom("r", avatar.KindLivestream)
		room.Schedule = &avatar.Schedule{End: t0.Add(2 * time.Second).Format(time.RFC3339)}
		s := newSim(t, live, room, MsgRestore{})
		evs := s.until(time.Minute, "show.end", ends(avatar.ReasonSchedule))
		if lines := outLines(evs); len(lines) != 1 {
			t.Errorf("lines %v, want only the one spoken at the window's end", lines)
		}
		if ss := evs[len(evs)-1].Data.(avatar.ShowStatus); ss.NextStart != nil {
			t.Errorf("show.end %+v: no window to come, so no next start", ss)
		}
	})
}

// TestScheduleTakeover: a director that takes a scheduled room over
// restores its checkpoint and says no line twice: mid-window it goes on
// from the checkpoint, after the window's end it only ends the show, and
// between windows it stays off air until the next one.
func TestScheduleTakeover(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	room := dailyRoom("12:00", "12:10") // t0 is 12:00
	checkpoint := func(s *sim) MsgRestore {
		var m MsgRestore
		for _, o := range s.out {
			switch o.Kind {
			case OutEvent:
				m.Seq, m.Cursor = o.Seq, o.Cursor
			case OutState:
				m.State, m.Found = *o.State, true
			}
		}
		return m
	}
	a := newSim(t, live, room, MsgRestore{})
	a.untilLine(time.Minute, "greet-ask")
	cp := checkpoint(a)
	spoken := outLines(a.events())

	for _, tc := range []struct {
		name  string
		at    time.Duration
		check func(t *testing.T, evs []timedOut)
	}{
		{"mid-window", 2 * time.Minute, func(t *testing.T, evs []timedOut) {
			for _, e := range evs {
				if e.Type == avatar.EventShowStart {
					t.Errorf("the show started again: %s", outSummary(evs))
				}
			}
			if lines := outLines(evs); len(lines) == 0 || slices.Contains(spoken, lines[0]) {
				t.Errorf("after the takeover: lines %v, already spoken %v", lines, spoken)
			}
		}},
		{"after the window", 15 * time.Minute, func(t *testing.T, evs []timedOut) {
			if len(outLines(evs)) != 0 || len(evs) == 0 || evs[len(evs)-1].Type != avatar.EventShowEnd {
				t.Errorf("after the window: %s, want only the show's end", outSummary(evs))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &sim{t: t, e: NewEngine(room, live, nil), now: t0.Add(tc.at)}
			b.send(cp)
			b.advance(30 * time.Second)
			tc.check(t, b.events())
			for _, e := range b.events() {
				if e.Seq <= cp.Seq {
					t.Fatalf("event seq %d reused (checkpoint %d)", e.Seq, cp.Seq)
				}
			}
		})
	}

	// Between windows: the ended snapshot is restored, nothing is said
	// until the next window, which starts from the top.
	a.advance(11 * time.Minute)
	cp = checkpoint(a)
	if cp.State.Status != avatar.ShowEnded || cp.State.NextStart == nil {
		t.Fatalf("checkpoint between windows %+v, want ended with a next start", cp.State)
	}
	c := &sim{t: t, e: NewEngine(room, live, nil), now: t0.Add(time.Hour)}
	c.send(cp)
	c.advance(22 * time.Hour)
	if evs := c.events(); len(evs) != 0 {
		t.Fatalf("between windows: %s", outSummary(evs))
	}
	c.advance(2*time.Hour + time.Minute)
	if evs := c.events(); len(evs) == 0 || evs[0].Type != avatar.EventShowStart || !evs[0].at.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("next window: %s, want show.start at 12:00 tomorrow", outSummary(evs))
	}
}
