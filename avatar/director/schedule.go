package director

import (
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// Scheduled shows (docs/director.md "Scheduled shows"). A room with a
// schedule (avatar.Schedule) that the merchant set playing or paused is on
// air only inside its windows. The engine asks the schedule at every line
// boundary whether the show is on air now and when that changes next, and
// asks the driver to wake it then (no timer of its own): at a window's
// start the show starts from the top, the spoken disclosure first, as
// every start; at a window's end it ends with show.end reason
// avatar.ReasonSchedule at the next line boundary: the line being spoken
// finishes (never cut mid-word), a scripted pause or an attract spell is
// cut short, so the show overruns its window by at most one line and its
// breath.

// schedClock is what the engine keeps of the room's schedule.
type schedClock struct {
	// change is when the schedule next turns the show on or off air, as
	// of the last line boundary; zero: never, or no schedule.
	change time.Time
	// tz and loc are the schedule's zone, loaded once.
	tz  string
	loc *time.Location
	// of and on: schedule of said on (on air) until change, so the
	// schedule is asked again only once change has come or the record
	// changed (about 10 µs a question).
	of *avatar.Schedule
	on bool
}

// offAir keeps the show off air if the room's schedule says so now,
// ending a show that plays or is paused; it reports whether it did, and
// remembers when the schedule changes next (see scheduleDue).
func (e *Engine) offAir() bool {
	s := e.room.Schedule
	if s == nil || e.want == avatar.RoomStopped {
		e.sched.change, e.sched.of = time.Time{}, nil
		if e.state.NextStart != nil { // stopped or unscheduled: no next start to show
			e.state.NextStart = nil
			if e.state.Status == avatar.ShowEnded {
				e.saveState()
			}
		}
		return false
	}
	on, change := e.sched.on, e.sched.change
	if e.sched.of != s || !change.IsZero() && !e.now.Before(change) {
		if e.sched.loc == nil || e.sched.tz != s.TZ {
			e.sched.tz, e.sched.loc = s.TZ, s.Zone()
		}
		on, change = s.NextIn(e.now, e.sched.loc)
		e.sched.of, e.sched.on = s, on
	}
	e.sched.change = change
	if on {
		if e.state.NextStart != nil && e.want != avatar.RoomPlaying {
			e.state.NextStart = nil // a paused room stays off air: no start to show
			e.saveState()
		}
		return false
	}
	var next *avatar.Time
	if !change.IsZero() {
		t := avatar.Time(change)
		next = &t
	}
	switch e.state.Status {
	case avatar.ShowPlaying, avatar.ShowPaused:
		e.state.NextStart = next
		e.endShow(avatar.ReasonSchedule)
	default: // not started yet, or ended: say when it starts next
		if e.state.Status != avatar.ShowEnded || !sameTime(e.state.NextStart, next) {
			e.state.Status = avatar.ShowEnded
			e.state.NextStart = next
			e.saveState()
		}
	}
	return true
}

// scheduledStart completes st, a show.start's payload, for a scheduled
// room: reason schedule and when its window ends.
func (e *Engine) scheduledStart(st avatar.ShowStatus) avatar.ShowStatus {
	e.state.NextStart = nil
	if e.room.Schedule == nil {
		return st
	}
	st.Reason = avatar.ReasonSchedule
	if c := e.sched.change; !c.IsZero() {
		t := avatar.Time(c)
		st.NextEnd = &t
	}
	return st
}

// scheduleDue reports whether the schedule changed since the last line
// boundary: a wait for anything but the line being spoken is over.
func (e *Engine) scheduleDue() bool {
	return !e.sched.change.IsZero() && !e.now.Before(e.sched.change)
}

// scheduleTick is next, or the schedule's next change if that is sooner.
func (e *Engine) scheduleTick(next time.Time) time.Time {
	c := e.sched.change
	if c.IsZero() || !c.After(e.now) || !next.IsZero() && !c.Before(next) {
		return next
	}
	return c
}

func sameTime(a, b *avatar.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return time.Time(*a).Equal(time.Time(*b))
}
