package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// CreateOrder stores o as the record of room r's order whose idempotency
// key has digest (avatar.OrderKey), and returns its revision; ErrExists if
// the order has a record.
func (b *Bus) CreateOrder(ctx context.Context, r avatar.RoomID, digest string, o avatar.Order) (uint64, error) {
	key := avatar.OrderKey(r, digest)
	data, err := json.Marshal(o)
	if err != nil {
		return 0, fmt.Errorf("bus: encode order %s: %w", key, err)
	}
	rev, err := b.orders.Create(ctx, key, data)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: create order %s", ErrExists, key)
	}
	if err != nil {
		return 0, fmt.Errorf("bus: create order %s: %w", key, err)
	}
	return rev, nil
}

// Order returns the record of room r's order with digest and its revision,
// or ErrNotFound.
func (b *Bus) Order(ctx context.Context, r avatar.RoomID, digest string) (avatar.Order, uint64, error) {
	key := avatar.OrderKey(r, digest)
	return getJSON[avatar.Order](ctx, b.orders, key, "order "+key)
}

// UpdateOrder replaces the record of room r's order with digest if it is
// still at revision rev, and returns the new revision; ErrChanged if
// someone else wrote it.
func (b *Bus) UpdateOrder(ctx context.Context, r avatar.RoomID, digest string, o avatar.Order, rev uint64) (uint64, error) {
	key := avatar.OrderKey(r, digest)
	data, err := json.Marshal(o)
	if err != nil {
		return 0, fmt.Errorf("bus: encode order %s: %w", key, err)
	}
	n, err := b.orders.Update(ctx, key, data, rev)
	if revisionMismatch(err) {
		return 0, fmt.Errorf("%w: update order %s", ErrChanged, key)
	}
	if err != nil {
		return 0, fmt.Errorf("bus: update order %s: %w", key, err)
	}
	return n, nil
}

// DeleteOrder forgets the record of room r's order with digest if it is
// still at revision rev (ErrChanged if not), so the key is free again.
func (b *Bus) DeleteOrder(ctx context.Context, r avatar.RoomID, digest string, rev uint64) error {
	key := avatar.OrderKey(r, digest)
	err := b.orders.Delete(ctx, key, jetstream.LastRevision(rev))
	if revisionMismatch(err) {
		return fmt.Errorf("%w: delete order %s", ErrChanged, key)
	}
	if err != nil {
		return fmt.Errorf("bus: delete order %s: %w", key, err)
	}
	return nil
}
