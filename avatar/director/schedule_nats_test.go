package director_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// TestScheduledRoomOverNATS plays a room whose schedule is a window two
// seconds from now, three seconds long, with a director over embedded
// NATS: the stored history is a show.start (reason schedule) no earlier
// than the window, lines, and a show.end (reason schedule) no earlier than
// its end, with no line begun after it. Orders, not speeds, are checked.
func TestScheduledRoomOverNATS(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	const room = "sched"
	rec := seed(t, b, room)
	from := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
	to := from.Add(3 * time.Second)
	rec.Schedule = &avatar.Schedule{Start: from.Format(time.RFC3339Nano), End: to.Format(time.RFC3339Nano)}
	putRoom(t, b, rec)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := director.New(director.Config{ID: "d", LeaseTTL: ttl}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	status := func(e avatar.Envelope) avatar.ShowStatus {
		var st avatar.ShowStatus
		if err := json.Unmarshal(e.Data, &st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor(t, 30*time.Second, "show.end", func() bool {
		evs := events(t, b, room)
		return len(evs) > 0 && evs[len(evs)-1].Type == avatar.EventShowEnd
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("director: %v", err)
	}
	evs := events(t, b, room)
	first, last := evs[0], evs[len(evs)-1]
	if first.Type != avatar.EventShowStart || status(first).Reason != avatar.ReasonSchedule {
		t.Fatalf("first event %s %s, want show.start reason schedule", first.Type, first.Data)
	}
	if time.Time(first.TS).Before(from) {
		t.Errorf("show.start at %v, before the window's start %v", time.Time(first.TS), from)
	}
	if st := status(last); st.Reason != avatar.ReasonSchedule || st.NextStart != nil {
		t.Errorf("show.end %s, want reason schedule and no next start", last.Data)
	}
	if time.Time(last.TS).Before(to) {
		t.Errorf("show.end at %v, before the window's end %v", time.Time(last.TS), to)
	}
	for _, e := range evs {
		if e.Type == avatar.EventSpeech && !time.Time(e.TS).Before(to) {
			t.Errorf("a line began at %v, after the window's end %v", time.Time(e.TS), to)
		}
	}
	if n := len(speeches(t, evs)); n == 0 {
		t.Error("nothing spoken in the window")
	}
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	st, _, err := b.LoadState(context.Background(), room)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != avatar.ShowEnded {
		t.Errorf("snapshot status %q, want ended", st.Status)
	}
}
