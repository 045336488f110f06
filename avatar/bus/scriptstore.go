package bus

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// ScriptVersion is one stored version of a show script.
type ScriptVersion struct {
	Show    string    `json:"id"`
	Version uint64    `json:"version"`
	Created time.Time `json:"created"`
	Size    int       `json:"size"`
}

// ScriptVersions returns the versions of merchant's show script that the
// bucket still holds (it keeps the last 64), oldest first. Versions before
// the script's last deletion are not listed. It returns ErrNotFound when the
// script does not exist or was deleted.
func (b *Bus) ScriptVersions(ctx context.Context, merchant, show string) ([]ScriptVersion, error) {
	key := avatar.ScriptKey(merchant, show)
	hist, err := b.scripts.History(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, fmt.Errorf("%w: versions of script %s", ErrNotFound, key)
	}
	if err != nil {
		return nil, fmt.Errorf("bus: versions of script %s: %w", key, err)
	}
	var out []ScriptVersion
	for _, e := range hist {
		if e.Operation() != jetstream.KeyValuePut {
			out = out[:0] // a delete or purge ends the versions before it
			continue
		}
		src, v := decodeScript(e)
		out = append(out, ScriptVersion{Show: show, Version: v, Created: e.Created(), Size: len(src)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: versions of script %s", ErrNotFound, key)
	}
	return out, nil
}

// LatestScripts returns the newest version of each of merchant's show
// scripts, by show ID. It reads them in one pass.
func (b *Bus) LatestScripts(ctx context.Context, merchant string) ([]ScriptVersion, error) {
	var out []ScriptVersion
	err := snapshot(ctx, b.scripts, []string{avatar.ScriptKey(merchant, "*")}, func(e jetstream.KeyValueEntry) {
		show := strings.TrimPrefix(e.Key(), merchant+".")
		src, v := decodeScript(e)
		out = append(out, ScriptVersion{Show: show, Version: v, Created: e.Created(), Size: len(src)})
	})
	if err != nil {
		return nil, fmt.Errorf("bus: list scripts of %s: %w", merchant, err)
	}
	slices.SortFunc(out, func(a, b ScriptVersion) int { return strings.Compare(a.Show, b.Show) })
	return out, nil
}

// DeleteScript deletes merchant's show script. Its history stays in the
// bucket (up to its limit) for the record but is no longer served. It
// returns ErrNotFound when there is no such script.
func (b *Bus) DeleteScript(ctx context.Context, merchant, show string) error {
	key := avatar.ScriptKey(merchant, show)
	if _, _, err := b.GetScript(ctx, merchant, show, 0); err != nil {
		return err
	}
	if err := b.scripts.Delete(ctx, key); err != nil {
		return fmt.Errorf("bus: delete script %s: %w", key, err)
	}
	return nil
}

// PutScriptAt stores src as the newest version of merchant's show script
// only if the newest version is still expect (0: only if there is none), and
// returns the new version; ErrChanged if another version came first. Unlike
// PutScript it always stores a version.
func (b *Bus) PutScriptAt(ctx context.Context, merchant, show string, src []byte, expect uint64) (uint64, error) {
	key := avatar.ScriptKey(merchant, show)
	changed := fmt.Errorf("%w: store script %s after version %d", ErrChanged, key, expect)
	var v uint64
	var err error
	if expect == 0 {
		if v, err = b.nextScriptVersion(ctx, key); err != nil {
			return 0, err
		}
		_, err = b.scripts.Create(ctx, key, encodeScript(v, src))
	} else {
		e, gerr := b.scripts.Get(ctx, key)
		if errors.Is(gerr, jetstream.ErrKeyNotFound) {
			return 0, changed
		}
		if gerr != nil {
			return 0, fmt.Errorf("bus: read script %s: %w", key, gerr)
		}
		if _, cur := decodeScript(e); cur != expect {
			return 0, changed
		}
		v = expect + 1
		_, err = b.scripts.Update(ctx, key, encodeScript(v, src), e.Revision())
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return 0, changed
	}
	if err != nil {
		return 0, fmt.Errorf("bus: store script %s: %w", key, err)
	}
	return v, nil
}
