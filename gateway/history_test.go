package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// A publish the stream refuses never reaches a viewer: here a stale
// director's fenced publish of seq 3 (it expects the room's last stored
// event to be one it is not). The viewer sees the seq 3 the stream stores,
// identical to the record, and nothing else (issue 19).
func TestRefusedPublishNeverReachesViewer(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 16})
	h.publish(2)
	c := h.dial("room=r&since=0")
	c.expectSeqs(1, 2)

	ctx := context.Background()
	first, ok, err := h.b.LastEvent(ctx, "r")
	if err != nil || !ok {
		t.Fatalf("last event: %v %v", ok, err)
	}
	// The stale director believes the room's last stored event is the
	// one before the last: its publish is fenced, nothing is stored.
	rogue, _ := avatar.NewEnvelope("r", 3, time.Now(), avatar.EventNotice, avatar.Notice{Text: "never stored"})
	raw, _ := json.Marshal(rogue)
	if _, err := h.b.PublishEvent(ctx, "r", 3, raw, "", first.StreamSeq-1); !errors.Is(err, bus.ErrFenced) {
		t.Fatalf("stale publish: got %v, want ErrFenced", err)
	}
	h.publish(2) // the owner's seq 3 and 4, stored

	got := map[uint64]avatar.Envelope{}
	for len(got) < 2 {
		e := c.next()
		if e.Seq == 0 {
			continue
		}
		if _, dup := got[e.Seq]; dup {
			t.Fatalf("seq %d delivered twice", e.Seq)
		}
		got[e.Seq] = e
	}
	err = h.b.Replay(ctx, "r", 2, func(ev bus.StoredEvent) error {
		var want avatar.Envelope
		if err := json.Unmarshal(ev.Data, &want); err != nil {
			return err
		}
		e, ok := got[ev.Seq]
		if !ok {
			t.Errorf("stored seq %d never reached the viewer", ev.Seq)
			return nil
		}
		if e.ID != want.ID || e.Type != want.Type || string(e.Data) != string(want.Data) {
			t.Errorf("seq %d: viewer got %s %s %s, stream holds %s %s %s", ev.Seq, e.ID, e.Type, e.Data, want.ID, want.Type, want.Data)
		}
		delete(got, ev.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for s, e := range got {
		t.Errorf("viewer got seq %d %s that the stream does not hold", s, e.Data)
	}
}

// Events the stream stored but did not republish (as after a stream leader
// change: the new leader does not republish what the old one had not) are
// filled from the stream when the next republished event shows the gap.
func TestStoredButNotRepublishedFilledFromStream(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 16})
	h.publish(1)
	c := h.dial("room=r&since=0")
	c.expectSeqs(1, 1)

	resume := bustest.StopRepublish(t, h.b)
	h.publish(2) // seq 2 and 3: stored, not republished
	resume()
	h.publish(1) // seq 4 shows the gap
	c.expectSeqs(2, 4)
}
