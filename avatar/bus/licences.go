package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// LicenceVersion is one stored version of a merchant's licence.
type LicenceVersion struct {
	avatar.Licence
	Merchant string    `json:"merchant"`
	Version  uint64    `json:"version"` // 1, 2, 3, ... per licence, going on after a deletion
	Updated  time.Time `json:"updated"` // when this version was stored (the server's clock)
}

// Licences is the merchants' licence records (avatar.LicencesBucket): one
// key per merchant and licence, whose history keeps the last 64 versions.
// Its methods are safe for concurrent use.
type Licences struct {
	kv  jetstream.KeyValue
	log *zap.Logger
}

// OpenLicences creates the licences bucket, or updates it, with as many
// replicas as the rooms bucket, and returns it. The merchant API calls it
// once at start; it needs the permission to provision the bucket (roles
// admin and api).
func (b *Bus) OpenLicences(ctx context.Context) (*Licences, error) {
	replicas := 1
	if st, err := b.rooms.Status(ctx); err == nil {
		if s, ok := st.(*jetstream.KeyValueBucketStatus); ok {
			replicas = max(s.StreamInfo().Config.Replicas, 1)
		}
	}
	var kv jetstream.KeyValue
	err := retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		kv, err = b.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: avatar.LicencesBucket, Description: "merchants' likeness and voice licences; history holds versions",
			History: 64, Storage: jetstream.FileStorage, Replicas: replicas,
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bus: create bucket %s: %w", avatar.LicencesBucket, err)
	}
	return &Licences{kv: kv, log: b.log}, nil
}

// Put stores l as the newest version of merchant's licence l.ID and returns
// it; storing what the newest version already says makes no new version
// (changed is false). Versions are counted per licence, as scripts' are.
func (s *Licences) Put(ctx context.Context, merchant string, l avatar.Licence) (v LicenceVersion, changed bool, err error) {
	key := avatar.LicenceKey(merchant, l.ID)
	for range 8 {
		e, err := s.kv.Get(ctx, key)
		switch {
		case err == nil:
			old, derr := decodeLicence(e)
			if derr == nil && sameLicence(old.Licence, l) {
				return old, false, nil
			}
			next := LicenceVersion{Licence: l, Merchant: merchant, Version: old.Version + 1}
			if _, err = s.kv.Update(ctx, key, encodeLicence(next), e.Revision()); err == nil {
				return s.stored(ctx, key, next)
			}
		case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
			var top uint64
			if top, err = s.topVersion(ctx, key); err != nil {
				return LicenceVersion{}, false, err
			}
			next := LicenceVersion{Licence: l, Merchant: merchant, Version: top + 1}
			if _, err = s.kv.Create(ctx, key, encodeLicence(next)); err == nil {
				return s.stored(ctx, key, next)
			}
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return LicenceVersion{}, false, fmt.Errorf("bus: store licence %s: %w", key, err)
		}
		// Another version came first: store after it.
	}
	return LicenceVersion{}, false, fmt.Errorf("bus: store licence %s: %w", key, ErrChanged)
}

// stored returns v with the time the bucket stored it.
func (s *Licences) stored(ctx context.Context, key string, v LicenceVersion) (LicenceVersion, bool, error) {
	v.Updated = time.Now().UTC()
	if e, err := s.kv.Get(ctx, key); err == nil {
		if got, err := decodeLicence(e); err == nil && got.Version == v.Version {
			v.Updated = got.Updated
		}
	}
	return v, true, nil
}

func sameLicence(a, b avatar.Licence) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func encodeLicence(v LicenceVersion) []byte {
	v.Updated = time.Time{} // the entry's own time says when
	data, _ := json.Marshal(v)
	return data
}

func decodeLicence(e jetstream.KeyValueEntry) (LicenceVersion, error) {
	var v LicenceVersion
	if err := json.Unmarshal(e.Value(), &v); err != nil {
		return v, fmt.Errorf("bus: decode licence %s: %w", e.Key(), err)
	}
	v.Updated = e.Created().UTC()
	return v, nil
}

// topVersion returns the highest version key's history still holds (0 for
// a new licence), so numbers go on after a deletion.
func (s *Licences) topVersion(ctx context.Context, key string) (uint64, error) {
	hist, err := s.kv.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bus: versions of licence %s: %w", key, err)
	}
	var top uint64
	for _, e := range hist {
		if e.Operation() == jetstream.KeyValuePut {
			if v, err := decodeLicence(e); err == nil {
				top = max(top, v.Version)
			}
		}
	}
	return top, nil
}

// Get returns the newest version of merchant's licence id; ErrNotFound if
// there is none or it was deleted.
func (s *Licences) Get(ctx context.Context, merchant, id string) (LicenceVersion, error) {
	key := avatar.LicenceKey(merchant, id)
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return LicenceVersion{}, fmt.Errorf("bus: licence %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return LicenceVersion{}, fmt.Errorf("bus: read licence %s: %w", key, err)
	}
	return decodeLicence(e)
}

// List returns the newest version of each of merchant's licences, by ID,
// read in one pass over the merchant's keys only.
func (s *Licences) List(ctx context.Context, merchant string) ([]LicenceVersion, error) {
	var out []LicenceVersion
	err := snapshot(ctx, s.kv, []string{avatar.LicenceKey(merchant, "*")}, func(e jetstream.KeyValueEntry) {
		v, err := decodeLicence(e)
		if err != nil {
			s.log.Warn("skip licence", zap.String("key", e.Key()), zap.Error(err))
			return
		}
		out = append(out, v)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: list licences of %s: %w", merchant, err)
	}
	slices.SortFunc(out, func(a, b LicenceVersion) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// Versions returns the versions of merchant's licence id the bucket still
// holds, oldest first, since its last deletion; ErrNotFound if none.
func (s *Licences) Versions(ctx context.Context, merchant, id string) ([]LicenceVersion, error) {
	key := avatar.LicenceKey(merchant, id)
	hist, err := s.kv.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("bus: versions of licence %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("bus: versions of licence %s: %w", key, err)
	}
	var out []LicenceVersion
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			out = out[:0]
			continue
		}
		if v, err := decodeLicence(e); err == nil {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("bus: versions of licence %s: %w", key, ErrNotFound)
	}
	return out, nil
}

// Delete deletes merchant's licence id (its history stays, up to the
// bucket's limit, but is no longer served); ErrNotFound if there is none.
func (s *Licences) Delete(ctx context.Context, merchant, id string) error {
	if _, err := s.Get(ctx, merchant, id); err != nil {
		return err
	}
	key := avatar.LicenceKey(merchant, id)
	if err := s.kv.Delete(ctx, key); err != nil {
		return fmt.Errorf("bus: delete licence %s: %w", key, err)
	}
	return nil
}
