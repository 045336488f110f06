package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// ErrNotFound is returned when a script or version does not exist.
var ErrNotFound = errors.New("not found")

// PutScript stores src as the newest version of merchant's show script and
// returns its version. If the newest version already holds exactly src, it
// stores nothing and returns that version.
func (b *Bus) PutScript(ctx context.Context, merchant, show string, src []byte) (uint64, error) {
	key := avatar.ScriptKey(merchant, show)
	e, err := b.Scripts.Get(ctx, key)
	switch {
	case err == nil && bytes.Equal(e.Value(), src):
		return e.Revision(), nil
	case err != nil && !errors.Is(err, jetstream.ErrKeyNotFound):
		return 0, fmt.Errorf("bus: read script %s: %w", key, err)
	}
	rev, err := b.Scripts.Put(ctx, key, src)
	if err != nil {
		return 0, fmt.Errorf("bus: store script %s: %w", key, err)
	}
	return rev, nil
}

// GetScript returns version of merchant's show script (0: the newest) and
// the version it is. It returns ErrNotFound for a script or version that
// does not exist, or that was deleted.
func (b *Bus) GetScript(ctx context.Context, merchant, show string, version uint64) ([]byte, uint64, error) {
	key := avatar.ScriptKey(merchant, show)
	var e jetstream.KeyValueEntry
	var err error
	if version == 0 {
		e, err = b.Scripts.Get(ctx, key)
	} else {
		e, err = b.Scripts.GetRevision(ctx, key, version)
	}
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		return nil, 0, fmt.Errorf("bus: script %s version %d: %w", key, version, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("bus: read script %s version %d: %w", key, version, err)
	}
	if e.Operation() != jetstream.KeyValuePut {
		return nil, 0, fmt.Errorf("bus: script %s version %d: %w", key, version, ErrNotFound)
	}
	return e.Value(), e.Revision(), nil
}
