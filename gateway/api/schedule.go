package api

import (
	"errors"
	"net/http"
	"reflect"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// scheduleView is a room's schedule as the API shows it, with what it
// means now: whether the show is on air by it, and the current or next
// window's start and end (absent: none to come, or open-ended).
type scheduleView struct {
	Room      avatar.RoomID    `json:"room"`
	Schedule  *avatar.Schedule `json:"schedule"`
	OnAir     bool             `json:"on_air"` // by the schedule; the room's status still applies
	NextStart *time.Time       `json:"next_start,omitempty"`
	NextEnd   *time.Time       `json:"next_end,omitempty"`
}

// viewSchedule is rm's schedule at now. A room without one is on air
// whenever it plays.
func viewSchedule(rm avatar.Room, now time.Time) scheduleView {
	v := scheduleView{Room: rm.ID, Schedule: rm.Schedule, OnAir: true}
	s := rm.Schedule
	if s == nil {
		return v
	}
	at := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.UTC()
		return &t
	}
	on, c := s.Next(now)
	v.OnAir = on
	if c.IsZero() {
		return v
	}
	_, after := s.Next(c)
	if on {
		v.NextEnd, v.NextStart = at(c), at(after)
	} else {
		v.NextStart, v.NextEnd = at(c), at(after)
	}
	return v
}

func (a *API) getSchedule(w http.ResponseWriter, r *http.Request) {
	if rm, _, ok := a.ownRoom(w, r); ok {
		a.writeJSON(w, http.StatusOK, viewSchedule(rm, a.cfg.Now()))
	}
}

func (a *API) deleteSchedule(w http.ResponseWriter, r *http.Request) { a.setSchedule(w, r, nil) }

// putSchedule sets a room's schedule: PUT /api/v1/rooms/{room}/schedule
// with an avatar.Schedule, or null to remove it. Bad schedules are 400
// with a problem per field; the directors take the new schedule at the
// room's next line boundary.
func (a *API) putSchedule(w http.ResponseWriter, r *http.Request) {
	var s *avatar.Schedule
	if !a.decodeJSON(w, r, &s) {
		return
	}
	if ps := scheduleProblems(s, a.cfg.Now()); len(ps) > 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", ps[0].Message, ps...)
		return
	}
	a.setSchedule(w, r, s)
}

// scheduleProblems are what is wrong with schedule s (nil: nothing) at
// now, each naming its field (schedule.daily[1]…).
func scheduleProblems(s *avatar.Schedule, now time.Time) []Problem {
	if s == nil {
		return nil
	}
	var out []Problem
	for _, p := range s.Check(now) {
		out = append(out, fieldProblem(p.Field, p.Code, "%s", p.Message))
	}
	return out
}

func (a *API) setSchedule(w http.ResponseWriter, r *http.Request, s *avatar.Schedule) {
	for range 5 {
		rm, rev, ok := a.ownRoom(w, r)
		if !ok {
			return
		}
		if rm.Preview != nil && s != nil {
			p := fieldProblem("schedule", "preview-room", "room %s is a preview: it plays while you preview it, not on a schedule", rm.ID)
			a.fail(w, r, http.StatusConflict, "bad_state", p.Message, p)
			return
		}
		if reflect.DeepEqual(rm.Schedule, s) {
			a.writeJSON(w, http.StatusOK, viewSchedule(rm, a.cfg.Now())) // nothing to change
			return
		}
		before := rm.Schedule
		rm.Schedule = s
		_, err := a.bus.UpdateRoomRecord(r.Context(), rm, rev)
		if errors.Is(err, bus.ErrChanged) {
			continue
		}
		if err != nil {
			a.internal(w, r, err)
			return
		}
		a.record(r, "room.schedule", string(rm.ID), map[string]any{"schedule": s, "previous": before, "status": rm.Status})
		a.writeJSON(w, http.StatusOK, viewSchedule(rm, a.cfg.Now()))
		return
	}
	a.fail(w, r, http.StatusConflict, "busy", "the room kept changing under this request; try again")
}
