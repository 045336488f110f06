package api_test

import (
	"fmt"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestMuteViewer: a merchant mutes and unmutes a viewer in its own room
// (the room record's list, which the gateways watch), audited; the list
// keeps the newest MaxMuted; another merchant's room is 404.
func TestMuteViewer(t *testing.T) {
	e := newEnv(t)
	e.startRoom("live1")
	mute := func(tok, op, body string) resp {
		return e.do(tok, "POST", "/api/v1/rooms/live1/"+op, "application/json", []byte(body))
	}
	e.want(mute(tokenA, "mute", `{"viewer":"a b"}`), 400, "bad viewer id")
	e.want(mute(tokenA, "mute", `{}`), 400, "no viewer")
	e.want(mute(tokenB, "mute", `{"viewer":"v-1"}`), 404, "another merchant's room")
	if m := e.want(mute(tokenA, "mute", `{"viewer":"v-1"}`), 200, "mute").json(t); fmt.Sprint(m["muted"]) != "[v-1]" {
		t.Errorf("muted = %v, want [v-1]", m["muted"])
	}
	e.want(mute(tokenA, "mute", `{"viewer":"v-1"}`), 200, "mute again")
	if rm := e.room("live1"); !rm.IsMuted("v-1") || len(rm.Muted) != 1 || rm.Status != avatar.RoomPlaying {
		t.Errorf("room record %+v, want v-1 muted once, still playing", rm)
	}
	for i := range avatar.MaxMuted {
		e.want(mute(tokenA, "mute", fmt.Sprintf(`{"viewer":"w-%d"}`, i)), 200, "mute many")
	}
	if rm := e.room("live1"); len(rm.Muted) != avatar.MaxMuted || rm.IsMuted("v-1") || !rm.IsMuted(fmt.Sprintf("w-%d", avatar.MaxMuted-1)) {
		t.Errorf("after %d more: %d muted, v-1 muted %v; want the newest %d", avatar.MaxMuted, len(rm.Muted), rm.IsMuted("v-1"), avatar.MaxMuted)
	}
	e.want(mute(tokenA, "unmute", `{"viewer":"w-7"}`), 200, "unmute")
	if rm := e.room("live1"); rm.IsMuted("w-7") || len(rm.Muted) != avatar.MaxMuted-1 {
		t.Errorf("after unmute: w-7 muted %v, %d muted", rm.IsMuted("w-7"), len(rm.Muted))
	}
	if n := len(e.auditDetails("room.mute")); n != avatar.MaxMuted+1 {
		t.Errorf("%d room.mute audit records, want %d", n, avatar.MaxMuted+1)
	}
	if un := e.auditDetails("room.unmute"); len(un) != 1 || un[0]["viewer"] != "w-7" {
		t.Errorf("room.unmute audit %v, want w-7", un)
	}
}
