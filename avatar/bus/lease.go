package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// Lease is a director's claim on a room in the leases bucket.
type Lease struct {
	Room     avatar.RoomID
	Owner    string
	Revision uint64 // KV revision of the last acquire or renew
}

// LeaseInfo says who holds a room's lease and when it was last written.
type LeaseInfo struct {
	Owner   string
	Written time.Time // server time of the last acquire or renew
}

// AcquireLease claims room r for owner. It returns ErrLeaseHeld (wrapped,
// with the holder in info) if a live lease exists. A lease lives for the
// bucket's TTL unless renewed.
func (b *Bus) AcquireLease(ctx context.Context, r avatar.RoomID, owner string) (Lease, LeaseInfo, error) {
	rev, err := b.leases.Create(ctx, string(r), []byte(owner))
	if err == nil {
		return Lease{Room: r, Owner: owner, Revision: rev}, LeaseInfo{Owner: owner, Written: time.Now()}, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return Lease{}, LeaseInfo{}, fmt.Errorf("bus: acquire lease of room %s: %w", r, err)
	}
	e, gerr := b.leases.Get(ctx, string(r))
	if gerr != nil {
		// Expired or released between the two calls: the next try may win.
		return Lease{}, LeaseInfo{}, fmt.Errorf("%w: acquire lease of room %s", ErrLeaseHeld, r)
	}
	return Lease{}, LeaseInfo{Owner: string(e.Value()), Written: e.Created()},
		fmt.Errorf("%w: acquire lease of room %s held by %s", ErrLeaseHeld, r, e.Value())
}

// RenewLease extends l for another TTL. It fails with ErrLeaseHeld if
// someone else wrote the lease since (it expired and was taken over).
func (b *Bus) RenewLease(ctx context.Context, l Lease) (Lease, error) {
	rev, err := b.leases.Update(ctx, string(l.Room), []byte(l.Owner), l.Revision)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return l, fmt.Errorf("%w: renew lease of room %s", ErrLeaseHeld, l.Room)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return l, fmt.Errorf("%w: renew lease of room %s", ErrLeaseHeld, l.Room)
	}
	if err != nil {
		return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, err)
	}
	l.Revision = rev
	return l, nil
}

// ReleaseLease gives l up at once, if it is still l's owner's, so another
// director can take the room without waiting for the TTL. A renewal whose
// answer was lost (its context ended as the server applied it) leaves l a
// revision behind: the lease is still the owner's, and is released at the
// revision it has.
func (b *Bus) ReleaseLease(ctx context.Context, l Lease) error {
	err := b.leases.Delete(ctx, string(l.Room), jetstream.LastRevision(l.Revision))
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		e, gerr := b.leases.Get(ctx, string(l.Room))
		if gerr == nil && string(e.Value()) == l.Owner {
			err = b.leases.Delete(ctx, string(l.Room), jetstream.LastRevision(e.Revision()))
		}
	}
	if err != nil {
		return fmt.Errorf("bus: release lease of room %s: %w", l.Room, err)
	}
	return nil
}

// LeaseHolder says who holds room r's lease now, or ok false if no one does.
func (b *Bus) LeaseHolder(ctx context.Context, r avatar.RoomID) (info LeaseInfo, ok bool, err error) {
	e, ok, err := getKey(ctx, b, b.leases, string(r))
	if err != nil {
		return LeaseInfo{}, false, fmt.Errorf("bus: lease of room %s: %w", r, err)
	}
	if !ok {
		return LeaseInfo{}, false, nil
	}
	return LeaseInfo{Owner: string(e.Value()), Written: e.Created()}, true, nil
}
