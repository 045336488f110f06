package bus

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// PutScript stores src as the newest version of merchant's show script and
// returns its version; storing the newest version's source again makes no
// new version.
//
// A script's versions are its own count, 1, 2, 3, ... (stored with each
// value, see encodeScript), not the bucket's revisions: those are shared by
// every merchant's scripts, so they would tell one merchant how busy the
// others are. Numbers go on after a deletion, so an old number never names
// new text.
func (b *Bus) PutScript(ctx context.Context, merchant, show string, src []byte) (uint64, error) {
	key := avatar.ScriptKey(merchant, show)
	for range 8 {
		e, err := b.scripts.Get(ctx, key)
		switch {
		case err == nil:
			old, v := decodeScript(e)
			if bytes.Equal(old, src) {
				return v, nil
			}
			_, err = b.scripts.Update(ctx, key, encodeScript(v+1, src), e.Revision())
			if err == nil {
				return v + 1, nil
			}
		case errors.Is(err, jetstream.ErrKeyNotFound):
			var v uint64
			if v, err = b.nextScriptVersion(ctx, key); err != nil {
				return 0, err
			}
			if _, err = b.scripts.Create(ctx, key, encodeScript(v, src)); err == nil {
				return v, nil
			}
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return 0, fmt.Errorf("bus: store script %s: %w", key, err)
		}
		// Another version came first: store after it.
	}
	return 0, fmt.Errorf("%w: store script %s", ErrChanged, key)
}

// scriptMagic starts a stored script value that carries its version: then
// 8 bytes of version, big-endian, then the source. A value without it was
// stored before versions were counted per script; its version is its
// revision.
const scriptMagic = "\x00avatarcast-script-v1\x00"

func encodeScript(version uint64, src []byte) []byte {
	out := make([]byte, 0, len(scriptMagic)+8+len(src))
	out = append(out, scriptMagic...)
	out = binary.BigEndian.AppendUint64(out, version)
	return append(out, src...)
}

// decodeScript returns the source and version of a stored script value.
func decodeScript(e jetstream.KeyValueEntry) ([]byte, uint64) {
	v := e.Value()
	if len(v) >= len(scriptMagic)+8 && string(v[:len(scriptMagic)]) == scriptMagic {
		return v[len(scriptMagic)+8:], binary.BigEndian.Uint64(v[len(scriptMagic):])
	}
	return v, e.Revision()
}

// nextScriptVersion returns the version after the highest the key's history
// still holds (1 for a new script).
func (b *Bus) nextScriptVersion(ctx context.Context, key string) (uint64, error) {
	hist, err := b.scripts.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 1, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bus: versions of script %s: %w", key, err)
	}
	var top uint64
	for _, e := range hist {
		if e.Operation() == jetstream.KeyValuePut {
			_, v := decodeScript(e)
			top = max(top, v)
		}
	}
	return top + 1, nil
}

// GetScript returns version of merchant's show script (0: the newest) and
// the version it is. It returns ErrNotFound for a script or version that
// does not exist, or that was deleted.
func (b *Bus) GetScript(ctx context.Context, merchant, show string, version uint64) ([]byte, uint64, error) {
	if b.scripts == nil {
		return nil, 0, fmt.Errorf("%w: get script %s", ErrNoScripts, avatar.ScriptKey(merchant, show))
	}
	key := avatar.ScriptKey(merchant, show)
	e, err := b.scripts.Get(ctx, key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted):
		if version == 0 {
			return nil, 0, fmt.Errorf("%w: script %s version %d", ErrNotFound, key, version)
		}
	case err != nil:
		return nil, 0, fmt.Errorf("bus: read script %s version %d: %w", key, version, err)
	default:
		if src, v := decodeScript(e); version == 0 || v == version {
			return src, v, nil
		}
	}
	// An older version: look for it in the key's history.
	hist, err := b.scripts.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, 0, fmt.Errorf("%w: script %s version %d", ErrNotFound, key, version)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("bus: read script %s version %d: %w", key, version, err)
	}
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			continue
		}
		if src, v := decodeScript(e); v == version {
			return src, v, nil
		}
	}
	return nil, 0, fmt.Errorf("%w: script %s version %d", ErrNotFound, key, version)
}
