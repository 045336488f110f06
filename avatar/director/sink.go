package director

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Sink is where a room's player puts what it produces. The bus implements it;
// tests under testing/synctest use an in-memory fake, as the bubble allows
// no network.
type Sink interface {
	// Last returns the room's last published seq, the sink's token for it
	// (a stream sequence) and the cursor stored with it; all zero for a new room.
	Last(ctx context.Context, r avatar.RoomID) (seq, token uint64, cursor string, err error)
	// Publish stores the encoded event seq of room r with the player's cursor
	// once it is out. expect is the token of the room's previous event; a sink
	// that has stored another writer's event since refuses with bus.ErrFenced.
	// It returns the token of this event.
	Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error)
	// SaveState stores the room's snapshot for late joiners.
	SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error
	// LoadState returns the room's last saved snapshot; ok is false if none.
	LoadState(ctx context.Context, r avatar.RoomID) (st avatar.State, ok bool, err error)
}

// BusSink is the Sink backed by NATS JetStream.
type BusSink struct{ B *bus.Bus }

// Last implements Sink.
func (s BusSink) Last(ctx context.Context, r avatar.RoomID) (uint64, uint64, string, error) {
	ev, ok, err := s.B.LastEvent(ctx, r)
	if err != nil || !ok {
		return 0, 0, "", err
	}
	return ev.Seq, ev.StreamSeq, ev.Cursor, nil
}

// Publish implements Sink.
func (s BusSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	return s.B.PublishEvent(ctx, r, seq, raw, cursor, expect)
}

// SaveState implements Sink.
func (s BusSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	return s.B.SaveState(ctx, r, st)
}

// Audit implements Auditor: it records action on room's merchant's audit
// subject, targeted at the room.
func (s BusSink) Audit(ctx context.Context, room avatar.Room, action string, detail any) error {
	b, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("director: encode audit %s: %w", action, err)
	}
	return s.B.RecordAudit(ctx, bus.AuditRecord{TS: time.Now().UTC(), Merchant: room.Merchant, Action: action, Target: string(room.ID), Detail: b})
}

// LoadState implements Sink.
func (s BusSink) LoadState(ctx context.Context, r avatar.RoomID) (avatar.State, bool, error) {
	return s.B.LoadState(ctx, r)
}

// savesRetried is a playing room's sink whose state saves are asked again,
// every apart, for up to within while the room's lease is held (a lost
// lease ends ctx): a save that goes unanswered while the state bucket
// elects a leader does not stop the room. A snapshot is whole, so saving
// it twice is harmless.
type savesRetried struct {
	*handoverSink
	within, every time.Duration
}

// SaveState implements Sink.
func (s savesRetried) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	end := time.Now().Add(s.within)
	for {
		actx, cancel := context.WithDeadline(ctx, end)
		err := s.handoverSink.SaveState(actx, r, st)
		cancel()
		if err == nil || ctx.Err() != nil || time.Until(end) <= s.every {
			return err
		}
		t := time.NewTimer(s.every)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}
