package bus_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

func TestReplayAfterEachSeq(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	rooms := []avatar.RoomID{"a", "b", "c"}
	const n = 40
	// Interleave rooms so a room's events are spread through the stream.
	for seq := uint64(1); seq <= n; seq++ {
		for _, r := range rooms {
			if _, err := b.PublishEvent(ctx, r, seq, fmt.Appendf(nil, `{"room":%q,"seq":%d}`, r, seq), "", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, after := range []uint64{0, 1, 7, 20, 39, 40, 41} {
		var got []uint64
		err := b.Replay(ctx, "b", after, func(ev bus.StoredEvent) error {
			if want := fmt.Sprintf(`{"room":"b","seq":%d}`, ev.Seq); string(ev.Data) != want {
				t.Errorf("Replay(b, %d): data %s, want %s", after, ev.Data, want)
			}
			got = append(got, ev.Seq)
			return nil
		})
		if err != nil {
			t.Fatalf("Replay(b, %d): %v", after, err)
		}
		wantLen := 0
		if after < n {
			wantLen = int(n - after)
		}
		if len(got) != wantLen {
			t.Fatalf("Replay(b, %d): got %d events %v, want %d", after, len(got), got, wantLen)
		}
		for i, s := range got {
			if s != after+1+uint64(i) {
				t.Fatalf("Replay(b, %d): event %d has seq %d, want %d", after, i, s, after+1+uint64(i))
			}
		}
	}
	if err := b.Replay(ctx, "nobody", 0, func(bus.StoredEvent) error { t.Error("event for empty room"); return nil }); err != nil {
		t.Fatal(err)
	}
}

func TestPublishFenced(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	s1, err := b.PublishEvent(ctx, "r", 1, []byte(`{}`), "c1", 0)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := b.PublishEvent(ctx, "r", 2, []byte(`{}`), "c2", s1)
	if err != nil {
		t.Fatalf("publish expecting last %d: %v", s1, err)
	}
	// A stale writer still believes s1 is the last event.
	if _, err := b.PublishEvent(ctx, "r", 2, []byte(`{"stale":true}`), "", s1); !errors.Is(err, bus.ErrFenced) {
		t.Fatalf("stale publish: err %v, want ErrFenced", err)
	}
	last, ok, err := b.LastEvent(ctx, "r")
	if err != nil || !ok || last.StreamSeq != s2 || last.Seq != 2 || last.Cursor != "c2" {
		t.Fatalf("LastEvent = %+v %v %v, want stream seq %d seq 2", last, ok, err, s2)
	}
}

// Replay reads a room's events in batches: a few requests for hundreds of
// events, not one per event.
func TestReplayReadsInBatches(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	const n = 3*bus.ReplayBatch + 7
	for seq := uint64(1); seq <= n; seq++ {
		for _, r := range []avatar.RoomID{"a", "b"} {
			if _, err := b.PublishEvent(ctx, r, seq, fmt.Appendf(nil, `{"seq":%d}`, seq), "", 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	var requests atomic.Int64
	sub, err := b.RawNC().Subscribe("$JS.API.DIRECT.GET."+avatar.EventsStream+".>", func(*nats.Msg) { requests.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	sub2, err := b.RawNC().Subscribe("$JS.API.DIRECT.GET."+avatar.EventsStream, func(*nats.Msg) { requests.Add(1) })
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Flush(); err != nil {
		t.Fatal(err)
	}
	want := uint64(1)
	err = b.Replay(ctx, "b", 0, func(ev bus.StoredEvent) error {
		if ev.Seq != want {
			t.Fatalf("event seq %d, want %d", ev.Seq, want)
		}
		want++
		return nil
	})
	if err != nil || want != n+1 {
		t.Fatalf("Replay: %v, got up to %d, want %d", err, want-1, n)
	}
	_ = b.Flush()
	_ = sub.Unsubscribe()
	_ = sub2.Unsubscribe()
	// One for the last event, a binary search over 2n stream sequences,
	// and n/ReplayBatch batches.
	if got := requests.Load(); got > 1+12+n/bus.ReplayBatch+2 {
		t.Fatalf("Replay of %d events made %d direct get requests", n, got)
	}
}

func TestReplayUpTo(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	for seq := uint64(1); seq <= 300; seq++ {
		if _, err := b.PublishEvent(ctx, "r", seq, []byte(`{}`), "", 0); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range [][2]uint64{{7, 20}, {0, 300}, {0, 1000}, {299, 300}, {10, 10}, {250, 290}} {
		var got []uint64
		if err := b.ReplayUpTo(ctx, "r", c[0], c[1], func(ev bus.StoredEvent) error { got = append(got, ev.Seq); return nil }); err != nil {
			t.Fatal(err)
		}
		end := min(c[1], 300)
		if len(got) != int(end-c[0]) || (len(got) > 0 && (got[0] != c[0]+1 || got[len(got)-1] != end)) {
			t.Errorf("ReplayUpTo(%d, %d) gave %d events %v..., want %d..%d", c[0], c[1], len(got), got[:min(len(got), 3)], c[0]+1, end)
		}
	}
}

// Issue 19: a director's publish of seq N timed out but the stream stored
// it late, after a successor found the room's last event below N (here: a
// new room, so the successor's publish carries no fence). The successor's
// own seq N has the same message ID (room:seq), and the stream answers it
// as a duplicate of the first director's event rather than refusing it:
// PublishEvent must report that as fenced, not as its own event stored.
// The same event sent again (a retry of a publish that was stored) is
// still answered with its stream sequence.
func TestPublishDuplicateOfAnotherEventIsFenced(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	late, err := b.PublishEvent(ctx, "r", 1, []byte(`{"seq":1,"by":"old"}`), "c-old", 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.PublishEvent(ctx, "r", 1, []byte(`{"seq":1,"by":"new"}`), "c-new", 0)
	if !errors.Is(err, bus.ErrFenced) {
		t.Fatalf("successor's seq 1 after the late store: stream seq %d, err %v; want ErrFenced", got, err)
	}
	again, err := b.PublishEvent(ctx, "r", 1, []byte(`{"seq":1,"by":"old"}`), "c-old", 0)
	if err != nil || again != late {
		t.Errorf("the stored event sent again: stream seq %d, err %v; want %d, nil", again, err, late)
	}
	last, _, err := b.LastEvent(ctx, "r")
	if err != nil || last.StreamSeq != late || string(last.Data) != `{"seq":1,"by":"old"}` || last.Cursor != "c-old" {
		t.Errorf("last event %+v, %v: want the first director's seq 1 at stream seq %d", last, err, late)
	}
}
