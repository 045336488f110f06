package bus

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// Presence is what a live director says of itself in the directors bucket
// (avatar.DirectorsBucket): the rooms it holds. Its entry expires after
// the bucket's TTL (Config.LeaseTTL) unless put again, so a director that
// died drops out of the count as its leases expire.
type Presence struct {
	Rooms int `json:"rooms"`
}

// PutPresence says director id is alive, holding p.Rooms rooms. Put it
// every LeaseTTL/3 or so.
func (b *Bus) PutPresence(ctx context.Context, id string, p Presence) error {
	data, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("bus: encode presence of director %s: %w", id, err)
	}
	if _, err := b.directors.Put(ctx, id, data); err != nil {
		return fmt.Errorf("bus: put presence of director %s: %w", id, err)
	}
	return nil
}

// RemovePresence says director id is leaving (draining or gone): the
// others stop counting it at once.
func (b *Bus) RemovePresence(ctx context.Context, id string) error {
	if err := b.directors.Delete(ctx, id); err != nil {
		return fmt.Errorf("bus: remove presence of director %s: %w", id, err)
	}
	return nil
}

// WatchPresence calls fn, one at a time, with every director's presence as
// it is now, then with each put, until ctx ends; a director that left comes
// as nil. An entry that expires comes as nothing at all: the caller ages
// what it heard (a director puts its presence every LeaseTTL/3). ready, if
// not nil, is called once the current entries have been given. It returns
// nil when ctx ends.
func (b *Bus) WatchPresence(ctx context.Context, fn func(id string, p *Presence), ready func()) error {
	return watch(ctx, b.directors, func(key string, value []byte) {
		if value == nil {
			fn(key, nil)
			return
		}
		var p Presence
		if err := json.Unmarshal(value, &p); err != nil {
			b.log.Warn("bad director presence", zap.String("director", key), zap.Error(err))
			return
		}
		fn(key, &p)
	}, ready)
}

// PublishReleased tells the other directors that room r's lease has just
// been let go (core NATS), so one of them takes the room at once.
func (b *Bus) PublishReleased(r avatar.RoomID) error {
	if err := b.nc.Publish(avatar.LeaseReleasedSubject(), []byte(r)); err != nil {
		return fmt.Errorf("bus: publish release of room %s: %w", r, err)
	}
	return nil
}

// SubscribeReleased calls fn, one at a time, with each room whose lease a
// director has just released (PublishReleased). A body that is not a room
// ID is dropped.
func (b *Bus) SubscribeReleased(fn func(avatar.RoomID)) (*Subscription, error) {
	sub, err := b.nc.Subscribe(avatar.LeaseReleasedSubject(), func(m *nats.Msg) {
		r, err := avatar.ParseRoomID(string(m.Data))
		if err != nil {
			b.log.Warn("dropped bad lease release", zap.Error(err))
			return
		}
		fn(r)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", avatar.LeaseReleasedSubject(), err)
	}
	return &Subscription{sub: sub}, nil
}
