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

// ErrExists is returned when creating a record whose key is taken.
var ErrExists = errors.New("already exists")

// ErrChanged is returned when updating a record that changed since it was
// read; read it again and retry.
var ErrChanged = errors.New("changed since read")

// RoomRecord returns room id's record and its revision, for UpdateRoomRecord.
// It returns ErrNotFound when there is none.
func (b *Bus) RoomRecord(ctx context.Context, id avatar.RoomID) (avatar.Room, uint64, error) {
	e, err := b.Rooms.Get(ctx, string(id))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return avatar.Room{}, 0, fmt.Errorf("bus: room %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return avatar.Room{}, 0, fmt.Errorf("bus: read room %s: %w", id, err)
	}
	var r avatar.Room
	if err := json.Unmarshal(e.Value(), &r); err != nil {
		return avatar.Room{}, 0, fmt.Errorf("bus: decode room %s: %w", id, err)
	}
	return r, e.Revision(), nil
}

// CreateRoomRecord stores r as a new room; ErrExists if its ID is taken.
func (b *Bus) CreateRoomRecord(ctx context.Context, r avatar.Room) (uint64, error) {
	data, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("bus: encode room %s: %w", r.ID, err)
	}
	rev, err := b.Rooms.Create(ctx, string(r.ID), data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("bus: create room %s: %w", r.ID, ErrExists)
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
	n, err := b.Rooms.Update(ctx, string(r.ID), data, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, fmt.Errorf("bus: update room %s: %w", r.ID, ErrChanged)
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
	err := snapshot(ctx, b.Rooms, nil, func(e jetstream.KeyValueEntry) {
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

// snapshot calls fn with the current entry of every key of kv (matching
// filters, if any), skipping deleted keys, and returns once all are given.
func snapshot(ctx context.Context, kv jetstream.KeyValue, filters []string, fn func(jetstream.KeyValueEntry)) error {
	var w jetstream.KeyWatcher
	var err error
	if len(filters) > 0 {
		w, err = kv.WatchFiltered(ctx, filters, jetstream.IgnoreDeletes())
	} else {
		w, err = kv.WatchAll(ctx, jetstream.IgnoreDeletes())
	}
	if err != nil {
		return err
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("watcher closed")
			}
			if e == nil {
				return nil // the initial values are all given
			}
			fn(e)
		}
	}
}
