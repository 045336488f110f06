package bus

import (
	"context"
	"encoding/json"
	"fmt"

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

// SavedState is a room's state snapshot as the state bucket holds it, not
// yet decoded: a gateway receives every room's snapshots as they are saved
// but needs one only when a viewer joins (Decode).
type SavedState struct {
	Room avatar.RoomID
	data []byte
}

// Decode decodes the snapshot.
func (s *SavedState) Decode() (avatar.State, error) {
	var st avatar.State
	if err := json.Unmarshal(s.data, &st); err != nil {
		return avatar.State{}, fmt.Errorf("bus: decode state of room %s: %w", s.Room, err)
	}
	return st, nil
}

// WatchStates calls fn with every room's snapshot as it is now, then with
// each new one, until ctx ends, undecoded (see SavedState.Decode); a deleted
// snapshot comes as nil. A revision replaced before it could be delivered
// may be skipped, never the latest. ready, if not nil, is called once the
// current snapshots have been given. It returns nil when ctx ends.
func (b *Bus) WatchStates(ctx context.Context, fn func(avatar.RoomID, *SavedState), ready func()) error {
	return watch(ctx, b.state, func(key string, value []byte) {
		if value == nil {
			fn(avatar.RoomID(key), nil)
			return
		}
		// The value is the message's own copy: nothing else holds it.
		fn(avatar.RoomID(key), &SavedState{Room: avatar.RoomID(key), data: value})
	}, ready)
}
