package bus

import (
	"context"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// LicenceVersion is one stored version of a merchant's licence.
type LicenceVersion struct {
	avatar.Licence
	Merchant string    `json:"merchant"`
	Version  uint64    `json:"version"` // 1, 2, 3, ... per licence, going on after a deletion
	Updated  time.Time `json:"updated"` // when this version was stored (the server's clock)
}

func licenceVersion(v stamped[avatar.Licence]) LicenceVersion {
	return LicenceVersion{Licence: v.Item, Merchant: v.Merchant, Version: v.Version, Updated: v.Updated}
}

// Licences is the merchants' licence records (avatar.LicencesBucket): one
// key per merchant and licence, whose history keeps the last 64 versions.
// Its methods are safe for concurrent use.
type Licences struct {
	s *versioned[avatar.Licence]
}

// OpenLicences creates the licences bucket, or updates it, with as many
// replicas as the rooms bucket, and returns it. The merchant API calls it
// once at start; it needs the permission to provision the bucket (roles
// admin and api).
func (b *Bus) OpenLicences(ctx context.Context) (*Licences, error) {
	s, err := openVersioned[avatar.Licence](ctx, b, avatar.LicencesBucket,
		"merchants' likeness and voice licences; history holds versions", "licence", avatar.LicenceKey)
	if err != nil {
		return nil, err
	}
	return &Licences{s: s}, nil
}

// Put stores l as the newest version of merchant's licence l.ID and returns
// it; storing what the newest version already says makes no new version
// (changed is false). Versions are counted per licence, as scripts' are.
func (s *Licences) Put(ctx context.Context, merchant string, l avatar.Licence) (LicenceVersion, bool, error) {
	v, changed, err := s.s.put(ctx, merchant, l.ID, l)
	return licenceVersion(v), changed, err
}

// Get returns the newest version of merchant's licence id; ErrNotFound if
// there is none or it was deleted.
func (s *Licences) Get(ctx context.Context, merchant, id string) (LicenceVersion, error) {
	v, err := s.s.get(ctx, merchant, id)
	return licenceVersion(v), err
}

// List returns the newest version of each of merchant's licences, by ID,
// read in one pass over the merchant's keys only.
func (s *Licences) List(ctx context.Context, merchant string) ([]LicenceVersion, error) {
	vs, err := s.s.list(ctx, merchant)
	return mapStamped(vs, licenceVersion), err
}

// Versions returns the versions of merchant's licence id the bucket still
// holds, oldest first, since its last deletion; ErrNotFound if none.
func (s *Licences) Versions(ctx context.Context, merchant, id string) ([]LicenceVersion, error) {
	vs, err := s.s.versions(ctx, merchant, id)
	return mapStamped(vs, licenceVersion), err
}

// Delete deletes merchant's licence id (its history stays, up to the
// bucket's limit, but is no longer served); ErrNotFound if there is none.
func (s *Licences) Delete(ctx context.Context, merchant, id string) error {
	return s.s.delete(ctx, merchant, id)
}
