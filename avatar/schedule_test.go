package avatar

import (
	"strings"
	"testing"
	"time"
)

func mustTime(t *testing.T, v string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestScheduleNext(t *testing.T) {
	daily := func(tz string, ws ...string) *Schedule {
		s := &Schedule{TZ: tz}
		for i := 0; i < len(ws); i += 2 {
			s.Daily = append(s.Daily, DailyWindow{Start: ws[i], End: ws[i+1]})
		}
		return s
	}
	for _, tc := range []struct {
		name   string
		s      *Schedule
		now    string
		on     bool
		change string // "" for never
	}{
		// One-off windows.
		{"one-off before", &Schedule{Start: "2026-12-24T19:00:00+08:00", End: "2026-12-24T21:00:00+08:00"},
			"2026-12-24T10:00:00Z", false, "2026-12-24T11:00:00Z"},
		{"one-off at start", &Schedule{Start: "2026-12-24T19:00:00+08:00", End: "2026-12-24T21:00:00+08:00"},
			"2026-12-24T11:00:00Z", true, "2026-12-24T13:00:00Z"},
		{"one-off at end", &Schedule{Start: "2026-12-24T19:00:00+08:00", End: "2026-12-24T21:00:00+08:00"},
			"2026-12-24T13:00:00Z", false, ""},
		{"start only", &Schedule{Start: "2026-12-24T19:00:00+08:00"}, "2026-12-25T00:00:00Z", true, ""},
		{"end only", &Schedule{End: "2026-12-24T19:00:00+08:00"}, "2026-12-01T00:00:00Z", true, "2026-12-24T11:00:00Z"},

		// Daily windows in a zone without DST (Shanghai is UTC+8).
		{"daily before", daily("Asia/Shanghai", "19:00", "21:00"), "2026-12-04T10:00:00Z", false, "2026-12-04T11:00:00Z"},
		{"daily inside", daily("Asia/Shanghai", "19:00", "21:00"), "2026-12-04T12:00:00Z", true, "2026-12-04T13:00:00Z"},
		{"daily after", daily("Asia/Shanghai", "19:00", "21:00"), "2026-12-04T13:00:00Z", false, "2026-12-05T11:00:00Z"},
		{"daily two windows", daily("Asia/Shanghai", "09:00", "10:00", "19:00", "21:00"), "2026-12-04T03:00:00Z", false, "2026-12-04T11:00:00Z"},
		{"adjacent windows merge", daily("Asia/Shanghai", "19:00", "20:00", "20:00", "21:00"), "2026-12-04T11:30:00Z", true, "2026-12-04T13:00:00Z"},
		{"end 24:00", daily("UTC", "22:00", "24:00"), "2026-12-04T23:00:00Z", true, "2026-12-05T00:00:00Z"},
		{"round the clock", daily("UTC", "00:00", "12:00", "12:00", "24:00"), "2026-12-04T23:00:00Z", true, ""},

		// Windows crossing midnight.
		{"midnight before", daily("Asia/Shanghai", "22:00", "02:00"), "2026-12-04T13:00:00Z", false, "2026-12-04T14:00:00Z"},
		{"midnight evening", daily("Asia/Shanghai", "22:00", "02:00"), "2026-12-04T15:00:00Z", true, "2026-12-04T18:00:00Z"},
		{"midnight morning", daily("Asia/Shanghai", "22:00", "02:00"), "2026-12-04T17:30:00Z", true, "2026-12-04T18:00:00Z"},
		{"midnight after", daily("Asia/Shanghai", "22:00", "02:00"), "2026-12-04T18:00:00Z", false, "2026-12-05T14:00:00Z"},

		// DST: New York springs forward on 8 March 2026 (02:00 EST ->
		// 03:00 EDT) and falls back on 1 November 2026.
		{"dst: before spring", daily("America/New_York", "19:00", "21:00"), "2026-03-07T23:00:00Z", false, "2026-03-08T00:00:00Z"},
		{"dst: evening after spring", daily("America/New_York", "19:00", "21:00"), "2026-03-08T20:00:00Z", false, "2026-03-08T23:00:00Z"},
		{"dst: night over spring", daily("America/New_York", "23:00", "04:00"), "2026-03-08T04:00:00Z", true, "2026-03-08T08:00:00Z"},
		{"dst: window in the skipped hour", daily("America/New_York", "02:30", "05:00"), "2026-03-08T05:00:00Z", false, "2026-03-08T07:30:00Z"},
		{"dst: night over fall", daily("America/New_York", "23:00", "04:00"), "2026-11-01T04:00:00Z", true, "2026-11-01T09:00:00Z"},
		{"dst: evening after fall", daily("America/New_York", "19:00", "21:00"), "2026-11-01T20:00:00Z", false, "2026-11-02T00:00:00Z"},
		{"dst: europe", daily("Europe/Berlin", "19:00", "21:00"), "2026-03-29T12:00:00Z", false, "2026-03-29T17:00:00Z"},

		// Daily windows within a period.
		{"period to come", &Schedule{Start: "2026-12-20T00:00:00+08:00", End: "2026-12-26T00:00:00+08:00", TZ: "Asia/Shanghai",
			Daily: []DailyWindow{{"19:00", "21:00"}}}, "2026-12-04T12:00:00Z", false, "2026-12-20T11:00:00Z"},
		{"period starts inside a window", &Schedule{Start: "2026-12-20T20:00:00+08:00", TZ: "Asia/Shanghai",
			Daily: []DailyWindow{{"19:00", "21:00"}}}, "2026-12-04T12:00:00Z", false, "2026-12-20T12:00:00Z"},
		{"period ends inside a window", &Schedule{End: "2026-12-20T20:00:00+08:00", TZ: "Asia/Shanghai",
			Daily: []DailyWindow{{"19:00", "21:00"}}}, "2026-12-20T11:30:00Z", true, "2026-12-20T12:00:00Z"},
		{"period over", &Schedule{End: "2026-12-20T20:00:00+08:00", TZ: "Asia/Shanghai",
			Daily: []DailyWindow{{"19:00", "21:00"}}}, "2026-12-20T13:30:00Z", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			on, change := tc.s.Next(mustTime(t, tc.now))
			var want time.Time
			if tc.change != "" {
				want = mustTime(t, tc.change)
			}
			if on != tc.on || !change.Equal(want) {
				t.Errorf("Next(%s) = %v, %v; want %v, %v", tc.now, on, change.UTC(), tc.on, want.UTC())
			}
		})
	}
}

func TestScheduleCheck(t *testing.T) {
	now := mustTime(t, "2026-12-04T10:00:00Z")
	for _, tc := range []struct {
		name  string
		s     Schedule
		field string // "" for no problem
		code  string
	}{
		{"ok daily", Schedule{TZ: "Asia/Shanghai", Daily: []DailyWindow{{"19:00", "21:00"}, {"22:00", "02:00"}}}, "", ""},
		{"ok one-off", Schedule{Start: "2026-12-24T19:00:00+08:00", End: "2026-12-24T21:00:00+08:00"}, "", ""},
		{"empty", Schedule{}, "schedule", "empty-schedule"},
		{"bad start", Schedule{Start: "tomorrow"}, "schedule.start", "bad-time"},
		{"no zone", Schedule{Start: "2026-12-24T19:00:00"}, "schedule.start", "bad-time"},
		{"end before start", Schedule{Start: "2026-12-24T21:00:00+08:00", End: "2026-12-24T19:00:00+08:00"}, "schedule.end", "end-before-start"},
		{"end past", Schedule{End: "2026-12-01T19:00:00+08:00"}, "schedule.end", "end-past"},
		{"unknown zone", Schedule{TZ: "Mars/Olympus", Daily: []DailyWindow{{"19:00", "21:00"}}}, "schedule.tz", "unknown-zone"},
		{"local zone", Schedule{TZ: "Local", Daily: []DailyWindow{{"19:00", "21:00"}}}, "schedule.tz", "unknown-zone"},
		{"bad clock", Schedule{Daily: []DailyWindow{{"19:00", "21:00"}, {"7pm", "21:00"}}}, "schedule.daily[1].start", "bad-clock"},
		{"24:00 start", Schedule{Daily: []DailyWindow{{"24:00", "01:00"}}}, "schedule.daily[0].start", "bad-clock"},
		{"25:00 end", Schedule{Daily: []DailyWindow{{"19:00", "25:00"}}}, "schedule.daily[0].end", "bad-clock"},
		{"empty window", Schedule{Daily: []DailyWindow{{"19:00", "19:00"}}}, "schedule.daily[0].end", "empty-window"},
		{"overlap", Schedule{Daily: []DailyWindow{{"19:00", "21:00"}, {"20:00", "22:00"}}}, "schedule.daily[1]", "overlapping-windows"},
		{"overlap over midnight", Schedule{Daily: []DailyWindow{{"23:00", "02:00"}, {"01:00", "03:00"}}}, "schedule.daily[1]", "overlapping-windows"},
		{"too many", Schedule{Daily: make([]DailyWindow, MaxDailyWindows+1)}, "schedule.daily", "too-many-windows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.s.Check(now)
			if tc.field == "" {
				if len(ps) > 0 {
					t.Fatalf("problems: %+v", ps)
				}
				return
			}
			if len(ps) == 0 {
				t.Fatalf("no problem; want %s %s", tc.field, tc.code)
			}
			if ps[0].Field != tc.field || ps[0].Code != tc.code || !strings.HasPrefix(ps[0].Message, tc.field+": ") {
				t.Errorf("problem %+v; want field %s code %s", ps[0], tc.field, tc.code)
			}
		})
	}
}

// BenchmarkScheduleNext is the cost of the question a director asks a
// scheduled room's schedule at every line boundary.
func BenchmarkScheduleNext(b *testing.B) {
	s := &Schedule{TZ: "Asia/Shanghai", Daily: []DailyWindow{{"09:00", "10:00"}, {"19:00", "21:00"}, {"22:00", "02:00"}}}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	loc := s.Zone() // the engine keeps it
	b.ReportAllocs()
	for b.Loop() {
		s.NextIn(now, loc)
	}
}
