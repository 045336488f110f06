package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// helloOf reads c's hello.
func helloOf(t *testing.T, c *conn) avatar.Hello {
	t.Helper()
	e := c.next()
	if e.Type != avatar.EventHello {
		t.Fatalf("first frame %s, want hello", e.Type)
	}
	var hello avatar.Hello
	if err := json.Unmarshal(e.Data, &hello); err != nil {
		t.Fatal(err)
	}
	return hello
}

// waitStatesIn waits until the gateway has received n state snapshots.
func (h *harness) waitStatesIn(n float64) {
	h.t.Helper()
	bustest.WaitFor(h.t, 10*time.Second, "the gateway received the snapshots", func() bool {
		return h.metric("avatarcast_gateway_states_in_total") >= n
	})
}

// A gateway receives every room's state snapshot but decodes one only when
// a viewer joins and needs it, once per revision however many join; a
// joiner still gets the latest. At 2,000 rooms decoding all of them on
// every save was 14% of the server's CPU.
func TestSnapshotsDecodedOnlyForJoiners(t *testing.T) {
	h := start(t, gateway.Config{})
	h.publish(3)
	// Rooms this gateway has no viewer of, one snapshot each (a watch of
	// the bucket, which keeps one revision a key, may skip a revision
	// replaced before it was delivered, so the count is known only for
	// distinct keys).
	for i := range 10 {
		id := avatar.RoomID(fmt.Sprintf("quiet-%d", i))
		if err := h.b.SaveState(context.Background(), id, avatar.State{Seq: 40, Status: avatar.ShowPlaying, Recent: []avatar.Speech{{Text: "hello"}}}); err != nil {
			t.Fatal(err)
		}
	}
	h.putState(avatar.State{Seq: 3, Status: avatar.ShowPlaying})
	h.waitStatesIn(11)
	if n := h.metric("avatarcast_gateway_state_decodes_total"); n != 0 {
		t.Fatalf("11 snapshots of rooms without a viewer here: %v decoded, want none", n)
	}

	for i := range 3 {
		hello := helloOf(t, h.dial("room=r"))
		if hello.State == nil || hello.State.Seq != 3 || hello.Seq != 3 {
			t.Fatalf("joiner %d: hello seq %d, state %+v; want the latest state, at 3", i, hello.Seq, hello.State)
		}
	}
	if n := h.metric("avatarcast_gateway_state_decodes_total"); n != 1 {
		t.Fatalf("three joiners of one revision: %v decodes, want 1", n)
	}

	// A new snapshot of a room with viewers is not decoded either until
	// someone joins: the viewers there have its events.
	h.putState(avatar.State{Seq: 3, Status: avatar.ShowPaused})
	h.waitStatesIn(12)
	if n := h.metric("avatarcast_gateway_state_decodes_total"); n != 1 {
		t.Fatalf("a new snapshot and no joiner: %v decodes, want still 1", n)
	}
	if hello := helloOf(t, h.dial("room=r")); hello.State == nil || hello.State.Status != avatar.ShowPaused {
		t.Fatalf("joiner after a new snapshot: state %+v, want the paused one", hello.State)
	}
	if n := h.metric("avatarcast_gateway_state_decodes_total"); n != 2 {
		t.Fatalf("a joiner after a new snapshot: %v decodes, want 2", n)
	}
}

// A snapshot that does not decode is not served: joiners get the room's
// last one decoded here (a room nobody joined since its last good one
// starts its joiners from now, as a room without a snapshot does).
func TestBadSnapshotKeepsTheLastGood(t *testing.T) {
	h := start(t, gateway.Config{})
	h.publish(3)
	h.putState(avatar.State{Seq: 2, Status: avatar.ShowPlaying})
	h.waitStatesIn(1)
	if hello := helloOf(t, h.dial("room=r")); hello.State == nil || hello.State.Seq != 2 {
		t.Fatalf("first joiner: state %+v, want the one at 2", hello.State)
	}
	bad := &nats.Msg{Subject: "$KV." + avatar.StateBucket + ".r", Data: []byte(`{"seq": "three"`)}
	if err := bustest.Publish(h.b, 5*time.Second, bad); err != nil {
		t.Fatal(err)
	}
	h.waitStatesIn(2)
	c := h.dial("room=r")
	if hello := helloOf(t, c); hello.State == nil || hello.State.Seq != 2 || hello.Seq != 2 {
		t.Fatalf("joiner after a bad snapshot: hello seq %d, state %+v; want the last good one, at 2", hello.Seq, hello.State)
	}
	c.expectSeqs(3, 3)
	h.putState(avatar.State{Seq: 3, Status: avatar.ShowPaused})
	h.waitStatesIn(3)
	if hello := helloOf(t, h.dial("room=r")); hello.State == nil || hello.State.Seq != 3 {
		t.Fatalf("joiner after a good snapshot again: state %+v, want the one at 3", hello.State)
	}
}

// Joiners arriving together after a new snapshot share one decode.
func TestConcurrentJoinersShareOneDecode(t *testing.T) {
	h := start(t, gateway.Config{})
	h.publish(2)
	h.putState(avatar.State{Seq: 2, Status: avatar.ShowPlaying})
	h.waitStatesIn(1)
	const n = 8
	got := make(chan *avatar.State, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			ws, _, err := websocket.DefaultDialer.Dial(h.url+"/ws?room=r", nil)
			if err != nil {
				t.Error(err)
				got <- nil
				return
			}
			defer ws.Close()
			_ = ws.SetReadDeadline(time.Now().Add(10 * time.Second))
			var e avatar.Envelope
			var hello avatar.Hello
			if err := ws.ReadJSON(&e); err != nil || json.Unmarshal(e.Data, &hello) != nil {
				t.Errorf("hello: %v", err)
			}
			got <- hello.State
		})
	}
	wg.Wait()
	close(got)
	for st := range got {
		if st == nil || st.Seq != 2 {
			t.Errorf("a joiner's hello state %+v, want the one at 2", st)
		}
	}
	if d := h.metric("avatarcast_gateway_state_decodes_total"); d != 1 {
		t.Errorf("%d joiners together: %v decodes, want 1", n, d)
	}
}
