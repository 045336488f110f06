package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// ErrLeaseHeld is returned by AcquireLease when another director holds the
// room's lease, and by RenewLease when the lease is no longer this one.
var ErrLeaseHeld = errors.New("bus: room lease held by another director")

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
	rev, err := b.Leases.Create(ctx, string(r), []byte(owner))
	if err == nil {
		return Lease{Room: r, Owner: owner, Revision: rev}, LeaseInfo{Owner: owner, Written: time.Now()}, nil
	}
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return Lease{}, LeaseInfo{}, fmt.Errorf("bus: acquire lease of room %s: %w", r, err)
	}
	e, gerr := b.Leases.Get(ctx, string(r))
	if gerr != nil {
		// Expired or released between the two calls: the next try may win.
		return Lease{}, LeaseInfo{}, fmt.Errorf("bus: acquire lease of room %s: %w", r, ErrLeaseHeld)
	}
	return Lease{}, LeaseInfo{Owner: string(e.Value()), Written: e.Created()},
		fmt.Errorf("bus: acquire lease of room %s held by %s: %w", r, e.Value(), ErrLeaseHeld)
}

// RenewLease extends l for another TTL. It fails with ErrLeaseHeld if
// someone else wrote the lease since (it expired and was taken over).
func (b *Bus) RenewLease(ctx context.Context, l Lease) (Lease, error) {
	rev, err := b.Leases.Update(ctx, string(l.Room), []byte(l.Owner), l.Revision)
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyNotFound) {
		return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, ErrLeaseHeld)
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
		return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, ErrLeaseHeld)
	}
	if err != nil {
		return l, fmt.Errorf("bus: renew lease of room %s: %w", l.Room, err)
	}
	l.Revision = rev
	return l, nil
}

// ReleaseLease gives l up at once, if it is still l, so another director
// can take the room without waiting for the TTL.
func (b *Bus) ReleaseLease(ctx context.Context, l Lease) error {
	if err := b.Leases.Delete(ctx, string(l.Room), jetstream.LastRevision(l.Revision)); err != nil {
		return fmt.Errorf("bus: release lease of room %s: %w", l.Room, err)
	}
	return nil
}

// LoadState returns room r's last saved state snapshot, or ok false if it
// has none.
func (b *Bus) LoadState(ctx context.Context, r avatar.RoomID) (st avatar.State, ok bool, err error) {
	var e jetstream.KeyValueEntry
	err = retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		e, err = b.State.Get(ctx, string(r))
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("bus: load state of room %s: %w", r, err)
	}
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return st, false, fmt.Errorf("bus: load state of room %s: %w", r, err)
	}
	return st, true, nil
}
