package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// versioned is a bucket of merchants' records of one kind (licences,
// personas): one key per merchant and record, whose history keeps the last
// 64 versions. A stored value is the record's JSON object with the
// merchant and the version number added, so the record's own fields must
// not be named "merchant" or "version". Its methods are safe for
// concurrent use.
type versioned[T any] struct {
	kv   jetstream.KeyValue
	log  *zap.Logger
	what string                           // "licence", in errors and logs
	key  func(merchant, id string) string // the record's key
}

// stamped is one stored version of a record.
type stamped[T any] struct {
	Item     T
	Merchant string
	Version  uint64    // 1, 2, 3, ... per record, going on after a deletion
	Updated  time.Time // when this version was stored (the server's clock)
}

type stampMeta struct {
	Merchant string `json:"merchant"`
	Version  uint64 `json:"version"`
}

// openVersioned creates bucket, or updates it, with as many replicas as
// the rooms bucket.
func openVersioned[T any](ctx context.Context, b *Bus, bucket, description, what string, key func(string, string) string) (*versioned[T], error) {
	replicas := 1
	if st, err := b.rooms.Status(ctx); err == nil {
		if s, ok := st.(*jetstream.KeyValueBucketStatus); ok {
			replicas = max(s.StreamInfo().Config.Replicas, 1)
		}
	}
	var kv jetstream.KeyValue
	err := retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: bucket, Description: description,
			History: 64, Storage: jetstream.FileStorage, Replicas: replicas,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bus: create bucket %s: %w", bucket, err)
	}
	return &versioned[T]{kv: kv, log: b.log, what: what, key: key}, nil
}

// put stores item as the newest version of merchant's record id; storing
// what the newest version already says makes no new version (changed is
// false).
func (s *versioned[T]) put(ctx context.Context, merchant, id string, item T) (v stamped[T], changed bool, err error) {
	key := s.key(merchant, id)
	for range 8 {
		e, err := s.kv.Get(ctx, key)
		switch {
		case err == nil:
			old, derr := s.decode(e)
			if derr == nil && same(old.Item, item) {
				return old, false, nil
			}
			next := stamped[T]{Item: item, Merchant: merchant, Version: old.Version + 1}
			if _, err = s.kv.Update(ctx, key, s.encode(next), e.Revision()); err == nil {
				return s.stored(ctx, key, next)
			}
		case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
			var top uint64
			if top, err = s.topVersion(ctx, key); err != nil {
				return stamped[T]{}, false, err
			}
			next := stamped[T]{Item: item, Merchant: merchant, Version: top + 1}
			if _, err = s.kv.Create(ctx, key, s.encode(next)); err == nil {
				return s.stored(ctx, key, next)
			}
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return stamped[T]{}, false, fmt.Errorf("bus: store %s %s: %w", s.what, key, err)
		}
		// Another version came first: store after it.
	}
	return stamped[T]{}, false, fmt.Errorf("bus: store %s %s: %w", s.what, key, ErrChanged)
}

// stored returns v with the time the bucket stored it.
func (s *versioned[T]) stored(ctx context.Context, key string, v stamped[T]) (stamped[T], bool, error) {
	v.Updated = time.Now().UTC()
	if e, err := s.kv.Get(ctx, key); err == nil {
		if got, err := s.decode(e); err == nil && got.Version == v.Version {
			v.Updated = got.Updated
		}
	}
	return v, true, nil
}

func same[T any](a, b T) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// encode is v.Item's JSON object with "merchant" and "version" added.
func (s *versioned[T]) encode(v stamped[T]) []byte {
	item, _ := json.Marshal(v.Item)
	meta, _ := json.Marshal(stampMeta{Merchant: v.Merchant, Version: v.Version})
	if len(item) < 2 || item[0] != '{' {
		return meta
	}
	if string(item) == "{}" {
		return meta
	}
	out := append(item[:len(item)-1:len(item)-1], ',')
	return append(out, meta[1:]...)
}

func (s *versioned[T]) decode(e jetstream.KeyValueEntry) (stamped[T], error) {
	var v stamped[T]
	var meta stampMeta
	if err := json.Unmarshal(e.Value(), &meta); err != nil {
		return v, fmt.Errorf("bus: decode %s %s: %w", s.what, e.Key(), err)
	}
	if err := json.Unmarshal(e.Value(), &v.Item); err != nil {
		return v, fmt.Errorf("bus: decode %s %s: %w", s.what, e.Key(), err)
	}
	v.Merchant, v.Version, v.Updated = meta.Merchant, meta.Version, e.Created().UTC()
	return v, nil
}

// topVersion returns the highest version key's history still holds (0 for
// a new record), so numbers go on after a deletion.
func (s *versioned[T]) topVersion(ctx context.Context, key string) (uint64, error) {
	hist, err := s.kv.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bus: versions of %s %s: %w", s.what, key, err)
	}
	var top uint64
	for _, e := range hist {
		if e.Operation() == jetstream.KeyValuePut {
			if v, err := s.decode(e); err == nil {
				top = max(top, v.Version)
			}
		}
	}
	return top, nil
}

// get returns the newest version of merchant's record id; ErrNotFound if
// there is none or it was deleted.
func (s *versioned[T]) get(ctx context.Context, merchant, id string) (stamped[T], error) {
	key := s.key(merchant, id)
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return stamped[T]{}, fmt.Errorf("bus: %s %s: %w", s.what, key, ErrNotFound)
	}
	if err != nil {
		return stamped[T]{}, fmt.Errorf("bus: read %s %s: %w", s.what, key, err)
	}
	return s.decode(e)
}

// list returns the newest version of each of merchant's records, by key
// (so by ID), read in one pass over the merchant's keys only.
func (s *versioned[T]) list(ctx context.Context, merchant string) ([]stamped[T], error) {
	type keyed struct {
		key string
		v   stamped[T]
	}
	var all []keyed
	err := snapshot(ctx, s.kv, []string{s.key(merchant, "*")}, func(e jetstream.KeyValueEntry) {
		v, err := s.decode(e)
		if err != nil {
			s.log.Warn("skip "+s.what, zap.String("key", e.Key()), zap.Error(err))
			return
		}
		all = append(all, keyed{e.Key(), v})
	})
	if err != nil {
		return nil, fmt.Errorf("bus: list %ss of %s: %w", s.what, merchant, err)
	}
	slices.SortFunc(all, func(a, b keyed) int { return strings.Compare(a.key, b.key) })
	out := make([]stamped[T], len(all))
	for i, k := range all {
		out[i] = k.v
	}
	return out, nil
}

// versions returns the versions of merchant's record id the bucket still
// holds, oldest first, since its last deletion; ErrNotFound if none.
func (s *versioned[T]) versions(ctx context.Context, merchant, id string) ([]stamped[T], error) {
	key := s.key(merchant, id)
	hist, err := s.kv.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("bus: versions of %s %s: %w", s.what, key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bus: versions of %s %s: %w", s.what, key, err)
	}
	var out []stamped[T]
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			out = out[:0]
			continue
		}
		if v, err := s.decode(e); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bus: versions of %s %s: %w", s.what, key, ErrNotFound)
	}
	return out, nil
}

// delete deletes merchant's record id (its history stays, up to the
// bucket's limit, but is no longer served); ErrNotFound if there is none.
func (s *versioned[T]) delete(ctx context.Context, merchant, id string) error {
	if _, err := s.get(ctx, merchant, id); err != nil {
		return err
	}
	key := s.key(merchant, id)
	if err := s.kv.Delete(ctx, key); err != nil {
		return fmt.Errorf("bus: delete %s %s: %w", s.what, key, err)
	}
	return nil
}

// mapStamped converts each of vs with f.
func mapStamped[T, V any](vs []stamped[T], f func(stamped[T]) V) []V {
	if vs == nil {
		return nil
	}
	out := make([]V, len(vs))
	for i, v := range vs {
		out[i] = f(v)
	}
	return out
}
