package bus

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// WatchLeases calls fn, one at a time, with every room's lease as it is
// now, then with each acquire or renewal (info) and each release (nil),
// until ctx ends. A lease that expires comes as nothing at all: it is gone
// LeaseTTL after info.Written unless renewed, and the caller times that.
// ready, if not nil, is called once the current leases have been given.
// It returns nil when ctx ends, and an error if the watch cannot start or
// stops.
//
// Directors watch the leases instead of asking for the rooms they do not
// hold: a lease write costs one message to each watcher, where asking
// costs a refused create and a read per room every few seconds.
func (b *Bus) WatchLeases(ctx context.Context, fn func(r avatar.RoomID, info *LeaseInfo), ready func()) error {
	return watchEntries(ctx, b.leases, func(e jetstream.KeyValueEntry) {
		r, err := avatar.ParseRoomID(e.Key())
		if err != nil {
			return // not a room's lease
		}
		if e.Operation() != jetstream.KeyValuePut {
			fn(r, nil)
			return
		}
		fn(r, &LeaseInfo{Owner: string(e.Value()), Written: e.Created()})
	}, ready)
}
