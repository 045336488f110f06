package avatar

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	// The zone database is embedded so that a schedule's zone loads in a
	// minimal container without /usr/share/zoneinfo (about 450 KB).
	_ "time/tzdata"
)

// Schedule is when a room is on air (docs/api.md "Scheduled shows"). It
// has a period, from Start to End (RFC 3339 instants with their zone;
// either may be absent: open), and optionally daily windows in zone TZ.
// Without daily windows the period is one window: the show is on air from
// Start until End. With daily windows the show is on air inside a daily
// window that falls within the period: "every day from 19:00 to 21:00
// Shanghai time, from 1 December until Christmas".
//
// A schedule combines with the room's status (what the merchant set):
// playing means on air inside the schedule's windows and off air (the show
// ended with reason ReasonSchedule, viewers told when it starts next)
// outside them; paused pauses a show inside a window and it ends at the
// window's end like a playing one; stopped is off air whatever the
// schedule says. A room without a schedule plays whenever it is playing.
type Schedule struct {
	Start string `json:"start,omitempty"` // RFC 3339, e.g. "2026-12-24T19:00:00+08:00"
	End   string `json:"end,omitempty"`   // RFC 3339, after Start
	// Daily windows, in TZ's wall-clock time, at most MaxDailyWindows, not
	// overlapping. A window whose end is not after its start crosses
	// midnight ("22:00"-"02:00").
	Daily []DailyWindow `json:"daily,omitempty"`
	// TZ is the IANA zone of the daily windows ("Asia/Shanghai"); empty
	// means UTC.
	TZ string `json:"tz,omitempty"`
}

// DailyWindow is one daily window: from Start to End, "HH:MM" wall-clock
// times in the schedule's zone; End may be "24:00".
type DailyWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// MaxDailyWindows bounds Schedule.Daily.
const MaxDailyWindows = 8

// ReasonSchedule is the reason of the show.end a director publishes when a
// schedule's window is over (and of the show.start when one begins).
const ReasonSchedule = "schedule"

// ScheduleProblem is one thing wrong with a schedule: Field names it
// ("schedule.daily[1].end"), Code says what in a word.
type ScheduleProblem struct {
	Field   string
	Code    string
	Message string
}

// Check returns what is wrong with s at time now: times that do not parse,
// an end not after its start, an end already past, an unknown zone,
// overlapping or too many daily windows, or nothing at all set.
func (s *Schedule) Check(now time.Time) []ScheduleProblem {
	var ps []ScheduleProblem
	add := func(field, code, format string, args ...any) {
		ps = append(ps, ScheduleProblem{Field: "schedule" + field, Code: code, Message: "schedule" + field + ": " + fmt.Sprintf(format, args...)})
	}
	if s.Start == "" && s.End == "" && len(s.Daily) == 0 {
		add("", "empty-schedule", "give start, end or daily windows (send null to remove the schedule)")
		return ps
	}
	start, errS := parseInstant(s.Start)
	if errS != nil {
		add(".start", "bad-time", "%q is not an RFC 3339 time with its zone, like 2026-12-24T19:00:00+08:00", s.Start)
	}
	end, errE := parseInstant(s.End)
	if errE != nil {
		add(".end", "bad-time", "%q is not an RFC 3339 time with its zone, like 2026-12-24T21:00:00+08:00", s.End)
	}
	if errS == nil && errE == nil && !start.IsZero() && !end.IsZero() && !end.After(start) {
		add(".end", "end-before-start", "end %s is not after start %s", s.End, s.Start)
	} else if errE == nil && !end.IsZero() && !end.After(now) {
		add(".end", "end-past", "end %s is already past", s.End)
	}
	if s.TZ != "" {
		if _, err := loadZone(s.TZ); err != nil {
			add(".tz", "unknown-zone", "%q is not a known IANA time zone, like Asia/Shanghai", s.TZ)
		}
	}
	if len(s.Daily) > MaxDailyWindows {
		add(".daily", "too-many-windows", "at most %d daily windows, not %d", MaxDailyWindows, len(s.Daily))
		return ps
	}
	type span struct{ from, to, i int } // minutes of the day, to <= 1440
	var spans []span
	for i, w := range s.Daily {
		f := ".daily[" + strconv.Itoa(i) + "]"
		a, okA := clockMinutes(w.Start, false)
		b, okB := clockMinutes(w.End, true)
		if !okA {
			add(f+".start", "bad-clock", "%q is not a time of day HH:MM (00:00 to 23:59)", w.Start)
		}
		if !okB {
			add(f+".end", "bad-clock", "%q is not a time of day HH:MM (00:00 to 24:00)", w.End)
		}
		if !okA || !okB {
			continue
		}
		if a == b%1440 {
			add(f+".end", "empty-window", "end %s is the window's start: a window lasts less than a day", w.End)
			continue
		}
		if b > a {
			spans = append(spans, span{a, b, i})
		} else { // crosses midnight
			spans = append(spans, span{a, 1440, i}, span{0, b, i})
		}
	}
	slices.SortFunc(spans, func(x, y span) int { return x.from - y.from })
	for k := 1; k < len(spans); k++ {
		if p, q := spans[k-1], spans[k]; q.from < p.to && p.i != q.i {
			i, j := min(p.i, q.i), max(p.i, q.i)
			add(".daily["+strconv.Itoa(j)+"]", "overlapping-windows", "window %s-%s overlaps window %d (%s-%s)",
				s.Daily[j].Start, s.Daily[j].End, i, s.Daily[i].Start, s.Daily[i].End)
		}
	}
	return ps
}

// Next reports whether the show is on air at now under s, and when that
// next changes (zero: never). Half-open windows: on air from a window's
// start, off air from its end. Wall-clock times that a DST change skips
// are read as after the change (02:30 on a night that jumps from 02:00
// to 03:00 is 03:30).
// Parts of s that Check would refuse are ignored (a bad zone is UTC).
func (s *Schedule) Next(now time.Time) (on bool, change time.Time) {
	return s.NextIn(now, s.Zone())
}

// Zone is the location of s's daily windows: TZ loaded (about 20 µs, so a
// caller asking often keeps it), UTC if empty or unknown.
func (s *Schedule) Zone() *time.Location {
	loc, err := loadZone(s.TZ)
	if err != nil {
		return time.UTC
	}
	return loc
}

// NextIn is Next with s's zone already loaded (Zone).
func (s *Schedule) NextIn(now time.Time, loc *time.Location) (on bool, change time.Time) {
	start, _ := parseInstant(s.Start)
	end, _ := parseInstant(s.End)
	type window struct{ a, b int } // minutes; b > a, b may pass 1440
	var ws []window
	for _, w := range s.Daily {
		a, okA := clockMinutes(w.Start, false)
		b, okB := clockMinutes(w.End, true)
		if !okA || !okB || a == b%1440 {
			continue
		}
		if b <= a {
			b += 1440
		}
		ws = append(ws, window{a, b})
	}
	at := func(y int, m time.Month, d, min int) time.Time { return wallTime(y, m, d, min, loc) }
	onAt := func(t time.Time) bool {
		if !start.IsZero() && t.Before(start) || !end.IsZero() && !t.Before(end) {
			return false
		}
		if len(s.Daily) == 0 {
			return true
		}
		y, m, d := t.In(loc).Date()
		for _, day := range []int{d - 1, d} {
			for _, w := range ws {
				if !t.Before(at(y, m, day, w.a)) && t.Before(at(y, m, day, w.b)) {
					return true
				}
			}
		}
		return false
	}
	on = onAt(now)
	// The candidates for a change: the period's ends and the daily
	// windows' ends on the days around now, or around the period's start
	// when it is to come. A daily pattern changes within a day and a bit
	// if it changes at all; one that never does (windows round the clock)
	// changes at the period's end.
	cands := []time.Time{start, end}
	base := now
	if start.After(now) {
		base = start
	}
	y, m, d := base.In(loc).Date()
	for day := d - 1; day <= d+3; day++ {
		for _, w := range ws {
			cands = append(cands, at(y, m, day, w.a), at(y, m, day, w.b))
		}
	}
	slices.SortFunc(cands, func(a, b time.Time) int { return a.Compare(b) })
	for _, c := range cands {
		if c.After(now) && onAt(c) != on {
			return on, c
		}
	}
	return on, time.Time{}
}

// NextStart is when the show next goes on air under s after now, if it
// is off air now and ever will be (zero otherwise).
func (s *Schedule) NextStart(now time.Time) time.Time {
	if on, t := s.Next(now); !on {
		return t
	}
	return time.Time{}
}

// wallTime is the instant when the wall clock of loc reads min minutes
// after midnight of day d (min and d may overflow, as in time.Date). A
// time a DST change skips is read as that time after the change: 02:30 on
// a night that jumps from 02:00 to 03:00 is 03:30 (time.Date alone gives
// 01:30 of the old offset, before the jump).
func wallTime(y int, m time.Month, d, min int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, min, 0, 0, loc)
	want := time.Date(y, m, d, 0, min, 0, 0, time.UTC)
	wy, wm, wd := t.Date()
	got := time.Date(wy, wm, wd, t.Hour(), t.Minute(), 0, 0, time.UTC)
	if diff := want.Sub(got); diff > 0 {
		t = t.Add(diff)
	}
	return t
}

func parseInstant(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339, v)
}

// loadZone loads an IANA zone; "" is UTC and "Local" (the machine's, which
// differs between machines) is refused.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	if name == "Local" {
		return nil, fmt.Errorf("zone Local is the machine's: name one")
	}
	return time.LoadLocation(name)
}

// clockMinutes parses "HH:MM" as minutes after midnight; "24:00" only if
// end.
func clockMinutes(v string, end bool) (int, bool) {
	if len(v) != 5 || v[2] != ':' {
		return 0, false
	}
	h, err1 := strconv.Atoi(v[:2])
	m, err2 := strconv.Atoi(v[3:])
	if err1 != nil || err2 != nil || v[0] == '+' || v[0] == '-' || v[3] == '+' || v[3] == '-' || m < 0 || m > 59 || h < 0 {
		return 0, false
	}
	if h == 24 && m == 0 && end {
		return 1440, true
	}
	if h > 23 {
		return 0, false
	}
	return h*60 + m, true
}
