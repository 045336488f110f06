package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// TestMetricsNameTheTopRooms: /metrics names rooms by room only for the
// MetricsRooms rooms with the most viewers here, with their viewers and
// what was delivered to them; the others are left out, so the labels stay
// bounded however many rooms a gateway serves.
func TestMetricsNameTheTopRooms(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 64, MetricsRooms: 2, ViewersEvery: time.Hour})
	for _, id := range []avatar.RoomID{"a", "b", "c"} {
		bustest.PutRoom(t, h.b, avatar.Room{ID: id, Kind: "livestream", Title: "T", Persona: avatar.Persona{ID: "p", Name: "P"}})
	}
	h.restart(gateway.Config{RingSize: 64, MetricsRooms: 2, ViewersEvery: time.Hour})
	for id, n := range map[string]int{"r": 3, "a": 2, "b": 1, "c": 1} {
		for range n {
			c := h.dial("room=" + id)
			c.next() // hello: the viewer is in the room
		}
	}
	h.publish(4) // to room r
	metrics := func() string {
		resp, err := http.Get(h.httpURL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	var page string
	// Three hellos and four events to each of three viewers (what is
	// delivered counts as the gateway-wide events_out_total does).
	bustest.WaitFor(t, 10*time.Second, "room r's four events delivered to its three viewers", func() bool {
		page = metrics()
		return strings.Contains(page, `avatarcast_gateway_room_events_out_total{room="r"} 15`+"\n")
	})
	for _, want := range []string{
		`avatarcast_gateway_room_viewers{room="r"} 3`,
		`avatarcast_gateway_room_viewers{room="a"} 2`,
		`avatarcast_gateway_room_last_seq{room="r"} 4`,
		`avatarcast_gateway_room_events_out_total{room="a"} 2`,
	} {
		if !strings.Contains(page, want+"\n") {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, room := range []string{`room="b"`, `room="c"`} {
		if strings.Contains(page, room) {
			t.Errorf("/metrics names %s, outside the top 2 rooms", room)
		}
	}
}
