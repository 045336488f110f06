package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// watch calls fn with every key of kv and its value as it is now, then with
// each change, until ctx ends; deleted keys come with a nil value. ready is
// called once the initial values have been given. watch returns nil when
// ctx ends.
func watch(ctx context.Context, kv jetstream.KeyValue, fn func(key string, value []byte), ready func()) error {
	return watchEntries(ctx, kv, func(e jetstream.KeyValueEntry) {
		if e.Operation() != jetstream.KeyValuePut {
			fn(e.Key(), nil)
			return
		}
		fn(e.Key(), e.Value())
	}, ready)
}

// watchEntries is watch giving fn the entries themselves (a deletion or
// purge as its entry, Operation says which), for callers that need more
// than the key and value.
func watchEntries(ctx context.Context, kv jetstream.KeyValue, fn func(e jetstream.KeyValueEntry), ready func()) error {
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return fmt.Errorf("bus: watch %s: %w", kv.Bucket(), err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("bus: watch %s: watcher closed", kv.Bucket())
			}
			if e == nil {
				if ready != nil {
					ready()
					ready = nil
				}
				continue
			}
			fn(e)
		}
	}
}

// getKey reads key of kv, asking again if unanswered (a bucket whose leader
// just moved), and reports ok false if there is no such key.
func getKey(ctx context.Context, b *Bus, kv jetstream.KeyValue, key string) (e jetstream.KeyValueEntry, ok bool, err error) {
	err = retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		e, err = kv.Get(ctx, key)
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, false, nil
	}
	return e, err == nil, err
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

// getJSON reads key of kv decoded as a T, with its revision; what names
// it in errors ("room r1"). It returns ErrNotFound if there is no such key.
func getJSON[T any](ctx context.Context, kv jetstream.KeyValue, key, what string) (T, uint64, error) {
	var v T
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return v, 0, fmt.Errorf("%w: %s", ErrNotFound, what)
	}
	if err != nil {
		return v, 0, fmt.Errorf("bus: read %s: %w", what, err)
	}
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, 0, fmt.Errorf("bus: decode %s: %w", what, err)
	}
	return v, e.Revision(), nil
}

// revisionMismatch reports whether err is a KV write refused because the
// key is no longer at the revision given.
func revisionMismatch(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		(errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence)
}
