package bus_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
