package gateway_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// TestHelloSaysWhenScheduledShowStarts: hello to a playing room that its
// schedule keeps off air carries next_start, the next window's start; a
// stopped room's does not (it will not start by itself).
func TestHelloSaysWhenScheduledShowStarts(t *testing.T) {
	h := start(t, gateway.Config{})
	from := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Hour)
	to := from.Add(time.Hour).Format("15:04")
	if to == "00:00" {
		to = "24:00"
	}
	rec := avatar.Room{ID: "r", Kind: "livestream", Title: "Test", Status: avatar.RoomPlaying,
		Persona:  avatar.Persona{ID: "p", Name: "P", Disclosure: map[string]string{"en": "AI-generated"}},
		Schedule: &avatar.Schedule{Daily: []avatar.DailyWindow{{Start: from.Format("15:04"), End: to}}}}
	bustest.PutRoom(t, h.b, rec)
	h.restart(gateway.Config{})
	hello := func() avatar.Hello {
		var hl avatar.Hello
		if err := json.Unmarshal(h.dial("room=r").next().Data, &hl); err != nil {
			t.Fatal(err)
		}
		return hl
	}
	if hl := hello(); hl.NextStart == nil || !time.Time(*hl.NextStart).Equal(from) {
		t.Errorf("hello next_start %v, want %v", hl.NextStart, from)
	}
	rec.Status = avatar.RoomStopped
	bustest.PutRoom(t, h.b, rec)
	h.restart(gateway.Config{})
	if hl := hello(); hl.NextStart != nil {
		t.Errorf("hello to a stopped room: next_start %v, want none", time.Time(*hl.NextStart))
	}
}
