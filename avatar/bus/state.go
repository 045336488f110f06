package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// SaveState stores st as room r's snapshot for late joiners, replacing the
// last one.
func (b *Bus) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	data, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("bus: encode state of room %s: %w", r, err)
	}
	if _, err := b.state.Put(ctx, string(r), data); err != nil {
		return fmt.Errorf("bus: save state of room %s: %w", r, err)
	}
	return nil
}

// LoadState returns room r's last saved state snapshot, or ok false if it
// has none.
func (b *Bus) LoadState(ctx context.Context, r avatar.RoomID) (st avatar.State, ok bool, err error) {
	e, ok, err := getKey(ctx, b, b.state, string(r))
	if err != nil {
		return st, false, fmt.Errorf("bus: load state of room %s: %w", r, err)
	}
	if !ok {
		return st, false, nil
	}
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return st, false, fmt.Errorf("bus: load state of room %s: %w", r, err)
	}
	return st, true, nil
}

// WatchStates calls fn with every room's snapshot as it is now, then with
// each new one, until ctx ends; a deleted snapshot comes as nil. A snapshot
// that does not decode is logged and skipped. ready, if not nil, is called
// once the current snapshots have been given. It returns nil when ctx ends.
func (b *Bus) WatchStates(ctx context.Context, fn func(avatar.RoomID, *avatar.State), ready func()) error {
	return watch(ctx, b.state, func(key string, value []byte) {
		if value == nil {
			fn(avatar.RoomID(key), nil)
			return
		}
		var st avatar.State
		if err := json.Unmarshal(value, &st); err != nil {
			b.log.Error("bad room state", zap.String("room", key), zap.Error(err))
			return
		}
		fn(avatar.RoomID(key), &st)
	}, ready)
}
