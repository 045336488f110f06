package bus

import (
	"context"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// PersonaVersion is one stored version of a merchant's persona.
type PersonaVersion struct {
	avatar.Persona
	Merchant string    `json:"merchant"`
	Version  uint64    `json:"version"` // 1, 2, 3, ... per persona, going on after a deletion
	Updated  time.Time `json:"updated"` // when this version was stored (the server's clock)
}

func personaVersion(v stamped[avatar.Persona]) PersonaVersion {
	return PersonaVersion{Persona: v.Item, Merchant: v.Merchant, Version: v.Version, Updated: v.Updated}
}

// Personas is the merchants' persona records (avatar.PersonasBucket): one
// key per merchant and persona, whose history keeps the last 64 versions.
// Its methods are safe for concurrent use.
type Personas struct {
	s *versioned[avatar.Persona]
}

// OpenPersonas creates the personas bucket, or updates it, with as many
// replicas as the rooms bucket, and returns it. The merchant API calls it
// once at start; it needs the permission to provision the bucket (roles
// admin and api).
func (b *Bus) OpenPersonas(ctx context.Context) (*Personas, error) {
	s, err := openVersioned[avatar.Persona](ctx, b, avatar.PersonasBucket,
		"merchants' personas (look, voice, disclosure, likeness); history holds versions", "persona", avatar.PersonaKey)
	if err != nil {
		return nil, err
	}
	return &Personas{s: s}, nil
}

// Put stores p as the newest version of merchant's persona p.ID and returns
// it; storing what the newest version already says makes no new version
// (changed is false). Versions are counted per persona, as scripts' are.
// The personas file (configs/personas.yaml) is not in it: it is the seed
// every merchant may name; a merchant's persona of the same ID shadows it
// for that merchant only.
func (s *Personas) Put(ctx context.Context, merchant string, p avatar.Persona) (PersonaVersion, bool, error) {
	v, changed, err := s.s.put(ctx, merchant, p.ID, p)
	return personaVersion(v), changed, err
}

// Get returns the newest version of merchant's persona id; ErrNotFound if
// there is none or it was deleted.
func (s *Personas) Get(ctx context.Context, merchant, id string) (PersonaVersion, error) {
	v, err := s.s.get(ctx, merchant, id)
	return personaVersion(v), err
}

// List returns the newest version of each of merchant's personas, by ID,
// read in one pass over the merchant's keys only.
func (s *Personas) List(ctx context.Context, merchant string) ([]PersonaVersion, error) {
	vs, err := s.s.list(ctx, merchant)
	return mapStamped(vs, personaVersion), err
}

// Versions returns the versions of merchant's persona id the bucket still
// holds, oldest first, since its last deletion; ErrNotFound if none.
func (s *Personas) Versions(ctx context.Context, merchant, id string) ([]PersonaVersion, error) {
	vs, err := s.s.versions(ctx, merchant, id)
	return mapStamped(vs, personaVersion), err
}

// Delete deletes merchant's persona id (its history stays, up to the
// bucket's limit, but is no longer served); ErrNotFound if there is none.
func (s *Personas) Delete(ctx context.Context, merchant, id string) error {
	return s.s.delete(ctx, merchant, id)
}
