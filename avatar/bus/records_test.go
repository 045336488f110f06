package bus_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// publishAt publishes event seq of room r with its own time now, and
// returns that time as the envelope carries it (milliseconds).
func publishAt(t *testing.T, b *bus.Bus, r avatar.RoomID, seq uint64) {
	t.Helper()
	env, err := avatar.NewEnvelope(r, seq, time.Now(), avatar.EventIdle, avatar.Idle{Reason: fmt.Sprint(seq)})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(env)
	if _, err := b.PublishEvent(context.Background(), r, seq, raw, "", 0); err != nil {
		t.Fatal(err)
	}
}

// mark returns a time after every event published so far and at or before
// every event published after it returns: the next millisecond, waited for,
// since envelopes carry milliseconds.
func mark() time.Time {
	m := time.Now().Truncate(time.Millisecond).Add(time.Millisecond)
	for time.Now().Before(m) {
		time.Sleep(100 * time.Microsecond)
	}
	return m
}

func readSeqs(t *testing.T, b *bus.Bus, r avatar.RoomID, from, to time.Time) []uint64 {
	t.Helper()
	var got []uint64
	err := b.ReadRecord(context.Background(), r, from, to, func(ev bus.RecordedEvent) error {
		var env avatar.Envelope
		if err := json.Unmarshal(ev.Data, &env); err != nil {
			t.Fatalf("recorded event: %v", err)
		}
		if env.Room != r || env.Seq != ev.Seq || !time.Time(env.TS).Equal(ev.TS) {
			t.Errorf("recorded event %+v: envelope room %s seq %d ts %v", ev, env.Room, env.Seq, time.Time(env.TS))
		}
		got = append(got, ev.Seq)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadRecord(%s): %v", r, err)
	}
	return got
}

func seqRange(a, b uint64) []uint64 {
	var s []uint64
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

// TestRecordWindow publishes three batches of two rooms' events and reads
// the record between the batches: exactly the room's events of the window
// come back, in order, and the record keeps them after the resume window
// (the events stream) has lost them.
func TestRecordWindow(t *testing.T) {
	b := bustest.Start(t)
	seq := map[avatar.RoomID]uint64{}
	batch := func(n int) {
		for range n {
			for _, r := range []avatar.RoomID{"a", "b"} {
				seq[r]++
				publishAt(t, b, r, seq[r])
			}
		}
	}
	t0 := mark()
	batch(5) // a: 1-5
	t1 := mark()
	batch(7) // a: 6-12
	t2 := mark()
	batch(3) // a: 13-15
	t3 := mark()
	bustest.WaitRecorded(t, b, 30)

	// Only the record has them now.
	if err := b.RawEvents().Purge(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		from, to time.Time
		want     []uint64
	}{
		{t1, t2, seqRange(6, 12)},
		{t0, t3, seqRange(1, 15)},
		{t0, t1, seqRange(1, 5)},
		{t2, t3.Add(time.Hour), seqRange(13, 15)},
		{t3, t3.Add(time.Hour), nil},
		{t0.Add(-time.Hour), t0, nil},
		{t2, t1, nil},
	} {
		if got := readSeqs(t, b, "a", tc.from, tc.to); !slices.Equal(got, tc.want) {
			t.Errorf("record of a from %v to %v: %v, want %v", tc.from.Format(time.StampMilli), tc.to.Format(time.StampMilli), got, tc.want)
		}
	}
	if got := readSeqs(t, b, "nobody", t0, t3); got != nil {
		t.Errorf("record of a room without events: %v", got)
	}
}

// TestRecordSurvivesRestart stops the server and reads its data directory
// again, as serve would and as export -data does (read-only).
func TestRecordSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{DataDir: dir}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	from := mark()
	for s := uint64(1); s <= 20; s++ {
		publishAt(t, b, "r", s)
	}
	to := mark()
	bustest.WaitRecorded(t, b, 20)
	if err := b.RecordAudit(ctx, bus.AuditRecord{TS: from.Add(-time.Minute), Merchant: "m", Action: "room.start", Target: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := b.RecordAudit(ctx, bus.AuditRecord{TS: from.Add(time.Millisecond), Merchant: "m", Action: "control.say", Target: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := b.RecordAudit(ctx, bus.AuditRecord{TS: from.Add(time.Millisecond), Merchant: "m", Action: "room.start", Target: "other"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	for _, ro := range []bool{false, true} {
		b, err := bus.Open(ctx, bus.Config{DataDir: dir, ReadOnly: ro}, zaptest.NewLogger(t))
		if err != nil {
			t.Fatalf("reopen (read-only %v): %v", ro, err)
		}
		if got := readSeqs(t, b, "r", from, to); !slices.Equal(got, seqRange(1, 20)) {
			t.Errorf("after restart (read-only %v): %v, want 1-20", ro, got)
		}
		recs, err := b.RoomAudit(ctx, "m", "r", from, to)
		if err != nil {
			t.Fatal(err)
		}
		var acts []string
		for _, r := range recs {
			acts = append(acts, r.Action+" "+r.Target)
		}
		if want := []string{"room.start r", "control.say r"}; !slices.Equal(acts, want) {
			t.Errorf("room audit (read-only %v): %v, want %v", ro, acts, want)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecordsConfig checks the record's retention, bounds and compression,
// and the audit trail's retention.
func TestRecordsConfig(t *testing.T) {
	ctx := context.Background()
	b := bustest.Start(t)
	info, err := b.RawRecords().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := info.Config
	if c.MaxAge != bus.DefaultRecordsMaxAge || c.MaxBytes != bus.DefaultRecordsMaxBytes || c.Compression != jetstream.S2Compression ||
		len(c.Sources) != 1 || c.Sources[0].Name != avatar.EventsStream || len(c.Subjects) != 0 {
		t.Errorf("records stream config %+v", c)
	}
	if c.MaxAge < 3*365*24*time.Hour {
		t.Errorf("records kept %v, want three years at least", c.MaxAge)
	}
	ai, err := b.RawAudit().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ai.Config.MaxAge != bus.DefaultRecordsMaxAge {
		t.Errorf("audit kept %v, want %v", ai.Config.MaxAge, bus.DefaultRecordsMaxAge)
	}
	b2 := bustest.StartConfig(t, bus.Config{RecordsMaxAge: 48 * time.Hour, RecordsMaxBytes: 1 << 20, AuditMaxAge: 72 * time.Hour, RecordsUncompressed: true})
	info, err = b2.RawRecords().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.MaxAge != 48*time.Hour || info.Config.MaxBytes != 1<<20 || info.Config.Compression != jetstream.NoCompression {
		t.Errorf("configured records stream %+v", info.Config)
	}
	if ai, _ := b2.RawAudit().Info(ctx); ai.Config.MaxAge != 72*time.Hour {
		t.Errorf("configured audit kept %v", ai.Config.MaxAge)
	}
}
