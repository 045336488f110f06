package api_test

import (
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// TestRoomSchedule: a merchant sets, reads and removes a room's schedule;
// GET says whether it is on air and the next window's start and end;
// changes are audited; bad schedules are 400 with a problem naming the
// field; another merchant's room is 404.
func TestRoomSchedule(t *testing.T) {
	// 2026-12-04 18:00 in Shanghai.
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.Now = func() time.Time { return now } })
	e.startRoom("live1")
	put := func(tok, body string) resp {
		return e.do(tok, "PUT", "/api/v1/rooms/live1/schedule", "application/json", []byte(body))
	}
	for _, tc := range []struct{ body, field, code string }{
		{`{"daily":[{"start":"19:00","end":"21:00"},{"start":"20:30","end":"22:00"}],"tz":"Asia/Shanghai"}`, "schedule.daily[1]", "overlapping-windows"},
		{`{"daily":[{"start":"19:00","end":"21:00"}],"tz":"Asia/Nowhere"}`, "schedule.tz", "unknown-zone"},
		{`{"daily":[{"start":"7pm","end":"21:00"}]}`, "schedule.daily[0].start", "bad-clock"},
		{`{"start":"2026-12-24T21:00:00+08:00","end":"2026-12-24T19:00:00+08:00"}`, "schedule.end", "end-before-start"},
		{`{"start":"2026-12-24 19:00"}`, "schedule.start", "bad-time"},
		{`{"end":"2026-12-01T19:00:00+08:00"}`, "schedule.end", "end-past"},
		{`{}`, "schedule", "empty-schedule"},
		{`{"daily":[{"start":"19:00","end":"21:00"}],"repeat":"weekly"}`, "repeat", "unknown-field"},
	} {
		m := e.want(put(tokenA, tc.body), 400, tc.body).json(t)
		ps, _ := m["problems"].([]any)
		if len(ps) == 0 {
			t.Errorf("%s: no problems in %v", tc.body, m)
			continue
		}
		if p := ps[0].(map[string]any); p["field"] != tc.field || p["code"] != tc.code {
			t.Errorf("%s: problem %v, want field %s code %s", tc.body, p, tc.field, tc.code)
		}
	}
	if rm := e.room("live1"); rm.Schedule != nil {
		t.Fatalf("a refused schedule was stored: %+v", rm.Schedule)
	}
	e.want(put(tokenB, `{"daily":[{"start":"19:00","end":"21:00"}]}`), 404, "another merchant's room")

	good := `{"daily":[{"start":"19:00","end":"21:00"},{"start":"22:00","end":"01:00"}],"tz":"Asia/Shanghai"}`
	m := e.want(put(tokenA, good), 200, "good schedule").json(t)
	if m["on_air"] != false || m["next_start"] != "2026-12-04T11:00:00Z" || m["next_end"] != "2026-12-04T13:00:00Z" {
		t.Errorf("schedule view %v, want off air, next window 11:00-13:00 UTC", m)
	}
	rm := e.room("live1")
	if s := rm.Schedule; s == nil || s.TZ != "Asia/Shanghai" || len(s.Daily) != 2 || rm.Status != avatar.RoomPlaying {
		t.Fatalf("room record %+v, want the schedule stored, still playing", rm)
	}
	now = time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai
	m = e.want(e.do(tokenA, "GET", "/api/v1/rooms/live1/schedule", "", nil), 200, "get").json(t)
	if m["on_air"] != true || m["next_end"] != "2026-12-04T17:00:00Z" || m["next_start"] != "2026-12-05T11:00:00Z" {
		t.Errorf("schedule view at 23:00 %v, want on air until 17:00 UTC, next from 11:00 UTC tomorrow", m)
	}
	if m := e.want(e.do(tokenA, "GET", "/api/v1/rooms/live1", "", nil), 200, "get room").json(t); m["schedule"] == nil {
		t.Errorf("room %v without its schedule", m)
	}
	e.want(put(tokenA, good), 200, "same again")
	e.want(e.do(tokenA, "DELETE", "/api/v1/rooms/live1/schedule", "", nil), 200, "remove")
	if rm := e.room("live1"); rm.Schedule != nil {
		t.Errorf("schedule not removed: %+v", rm.Schedule)
	}
	e.want(put(tokenA, `null`), 200, "remove again")
	recs := e.auditDetails("room.schedule")
	if len(recs) != 2 || recs[1]["schedule"] == nil || recs[0]["schedule"] != nil || recs[0]["previous"] == nil {
		t.Errorf("room.schedule audit %v, want the removal and the set, newest first", recs)
	}
}

// TestCreateRoomWithSchedule: a room can be created with its schedule;
// a bad one refuses the room with the same problems as PUT …/schedule.
func TestCreateRoomWithSchedule(t *testing.T) {
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.Now = func() time.Time { return now } })
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", listedTea(t)), 201, "script")
	create := func(id, schedule string) resp {
		return e.do(tokenA, "POST", "/api/v1/rooms", "application/json",
			[]byte(`{"id":"`+id+`","kind":"livestream","script":"tea","schedule":`+schedule+`}`))
	}
	m := e.want(create("bad1", `{"daily":[{"start":"19:00","end":"21:00"}],"tz":"Asia/Nowhere"}`), 400, "bad schedule").json(t)
	if ps, _ := m["problems"].([]any); len(ps) == 0 || ps[0].(map[string]any)["field"] != "schedule.tz" {
		t.Errorf("problems %v, want schedule.tz first", m["problems"])
	}
	e.want(e.do(tokenA, "GET", "/api/v1/rooms/bad1", "", nil), 404, "refused room not created")
	e.want(create("evening", `{"daily":[{"start":"19:00","end":"21:00"}],"tz":"Asia/Shanghai"}`), 201, "room with schedule")
	if rm := e.room("evening"); rm.Schedule == nil || rm.Schedule.TZ != "Asia/Shanghai" || len(rm.Schedule.Daily) != 1 {
		t.Errorf("room record %+v, want its schedule", rm)
	}
	if recs := e.auditDetails("room.create"); len(recs) != 1 || recs[0]["schedule"] == nil {
		t.Errorf("room.create audit %v, want the schedule in it", recs)
	}
}
