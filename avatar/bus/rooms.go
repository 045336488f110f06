package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// RoomRecord returns room id's record and its revision, for UpdateRoomRecord.
// It returns ErrNotFound when there is none.
func (b *Bus) RoomRecord(ctx context.Context, id avatar.RoomID) (avatar.Room, uint64, error) {
	return getJSON[avatar.Room](ctx, b.rooms, string(id), "room "+string(id))
}

// CreateRoomRecord stores r as a new room; ErrExists if its ID is taken.
func (b *Bus) CreateRoomRecord(ctx context.Context, r avatar.Room) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("bus: encode room %s: %w", r.ID, err)
	}
	rev, err := b.rooms.Create(ctx, string(r.ID), data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: create room %s", ErrExists, r.ID)
	}
	if err != nil {
		return 0, fmt.Errorf("bus: create room %s: %w", r.ID, err)
	}
	return rev, nil
}

// UpdateRoomRecord replaces room r.ID's record if it is still at revision
// rev, and returns the new revision; ErrChanged if someone else wrote it.
func (b *Bus) UpdateRoomRecord(ctx context.Context, r avatar.Room, rev uint64) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("bus: encode room %s: %w", r.ID, err)
	}
	n, err := b.rooms.Update(ctx, string(r.ID), data, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("%w: update room %s", ErrChanged, r.ID)
	}
	if err != nil {
		return 0, fmt.Errorf("bus: update room %s: %w", r.ID, err)
	}
	return n, nil
}

// RoomRecords returns every room record, by ID. Records that do not decode
// are skipped. It reads the bucket in one pass, not one get per room.
func (b *Bus) RoomRecords(ctx context.Context) ([]avatar.Room, error) {
	var out []avatar.Room
	err := snapshot(ctx, b.rooms, nil, func(e jetstream.KeyValueEntry) {
		var r avatar.Room
		if err := json.Unmarshal(e.Value(), &r); err != nil {
			b.log.Warn("skip room record", zap.String("room", e.Key()), zap.Error(err))
			return
		}
		out = append(out, r)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: list rooms: %w", err)
	}
	slices.SortFunc(out, func(a, b avatar.Room) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return out, nil
}

// PutRoom stores r as room r.ID's record whatever it was, and returns the
// new revision. (The API reads and updates with a revision; the demo rooms
// and tests just put.)
func (b *Bus) PutRoom(ctx context.Context, r avatar.Room) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("bus: encode room %s: %w", r.ID, err)
	}
	rev, err := b.rooms.Put(ctx, string(r.ID), data)
	if err != nil {
		return 0, fmt.Errorf("bus: put room %s: %w", r.ID, err)
	}
	return rev, nil
}

// WatchRooms calls fn with every room record as it is now, then with each
// change, until ctx ends; a deleted room comes as nil. A record's ID is its
// key's. A key that is not a room ID, or a record that does not decode, is
// logged and skipped. ready, if not nil, is called once the current records
// have been given. It returns nil when ctx ends.
func (b *Bus) WatchRooms(ctx context.Context, fn func(avatar.RoomID, *avatar.Room), ready func()) error {
	return watch(ctx, b.rooms, func(key string, value []byte) {
		id, err := avatar.ParseRoomID(key)
		if err != nil {
			b.log.Error("bad room key", zap.String("room", key), zap.Error(err))
			return
		}
		if value == nil {
			fn(id, nil)
			return
		}
		var r avatar.Room
		if err := json.Unmarshal(value, &r); err != nil {
			b.log.Error("bad room record", zap.String("room", key), zap.Error(err))
			return
		}
		r.ID = id
		fn(id, &r)
	}, ready)
}

// DeleteRoomRecord deletes room id's record if it is still at revision rev
// (0: whatever it is): the directors stop playing it and the gateways
// forget it. ErrChanged if someone wrote it meanwhile.
func (b *Bus) DeleteRoomRecord(ctx context.Context, id avatar.RoomID, rev uint64) error {
	var opts []jetstream.KVDeleteOpt
	if rev != 0 {
		opts = append(opts, jetstream.LastRevision(rev))
	}
	err := b.rooms.Delete(ctx, string(id), opts...)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return fmt.Errorf("%w: delete room %s", ErrChanged, id)
	}
	if err != nil {
		return fmt.Errorf("bus: delete room %s: %w", id, err)
	}
	return nil
}
