package bus_test

import (
	"context"
	"errors"
	"testing"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

func TestScriptVersions(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	v1, err := b.PutScript(ctx, "m", "show", []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	if again, err := b.PutScript(ctx, "m", "show", []byte("one")); err != nil || again != v1 {
		t.Fatalf("PutScript(same) = %d, %v; want %d (no new version)", again, err, v1)
	}
	v2, err := b.PutScript(ctx, "m", "show", []byte("two"))
	if err != nil || v2 <= v1 {
		t.Fatalf("PutScript(new) = %d, %v; want a version after %d", v2, err, v1)
	}
	for _, tc := range []struct {
		ask, want uint64
		src       string
	}{{0, v2, "two"}, {v1, v1, "one"}, {v2, v2, "two"}} {
		src, v, err := b.GetScript(ctx, "m", "show", tc.ask)
		if err != nil || v != tc.want || string(src) != tc.src {
			t.Errorf("GetScript(version %d) = %q, %d, %v; want %q, %d", tc.ask, src, v, err, tc.src, tc.want)
		}
	}
	if _, _, err := b.GetScript(ctx, "other", "show", 0); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("GetScript(other merchant) err = %v, want ErrNotFound", err)
	}
}
