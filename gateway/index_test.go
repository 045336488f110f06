package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// TestIndexListsLiveRoomsOnly: the public index shows rooms that are
// playing or paused, not stopped ones.
func TestIndexListsLiveRoomsOnly(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 8})
	for id, status := range map[string]string{"on-air": avatar.RoomPlaying, "on-break": avatar.RoomPaused, "closed": avatar.RoomStopped} {
		bustest.PutRoom(t, h.b, avatar.Room{ID: avatar.RoomID(id), Kind: "livestream", Title: "Title of " + id, Status: status,
			Persona: avatar.Persona{ID: "p", Name: "P"}})
	}
	h.restart(gateway.Config{RingSize: 8}) // ready once the rooms are loaded
	res, err := http.Get("http" + strings.TrimPrefix(h.url, "ws") + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	page := string(body)
	if !strings.Contains(page, "Title of on-air") || !strings.Contains(page, "Title of on-break") {
		t.Errorf("index lacks the playing or the paused room:\n%s", page)
	}
	if strings.Contains(page, "closed") {
		t.Errorf("index lists the stopped room:\n%s", page)
	}
}
