package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestLicenceVersions: a licence's versions count 1, 2, 3 per licence,
// the same content makes no version, a merchant lists only its own, and
// numbers go on after a deletion.
func TestLicenceVersions(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	ls, err := b.OpenLicences(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l := avatar.Licence{ID: "L1", Person: "Wang Jun", Holder: "Wang Jun", Covers: []string{"face", "museum"}}
	if _, _, err := ls.Put(ctx, "other", l); err != nil {
		t.Fatal(err)
	}
	v, changed, err := ls.Put(ctx, "m", l)
	if err != nil || !changed || v.Version != 1 || v.Updated.IsZero() {
		t.Fatalf("first put = %+v, %v, %v; want version 1, changed", v, changed, err)
	}
	if v, changed, _ := ls.Put(ctx, "m", l); changed || v.Version != 1 {
		t.Errorf("same licence again = version %d changed %v, want 1, unchanged", v.Version, changed)
	}
	l.RevokedAt = time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC)
	if v, _, _ := ls.Put(ctx, "m", l); v.Version != 2 {
		t.Errorf("revoked = version %d, want 2", v.Version)
	}
	got, err := ls.Get(ctx, "m", "L1")
	if err != nil || !got.RevokedAt.Equal(l.RevokedAt) || got.Merchant != "m" {
		t.Errorf("Get = %+v, %v; want the revoked version of m", got, err)
	}
	list, err := ls.List(ctx, "m")
	if err != nil || len(list) != 1 || list[0].Merchant != "m" {
		t.Errorf("List(m) = %+v, %v; want m's one licence", list, err)
	}
	if err := ls.Delete(ctx, "m", "L1"); err != nil {
		t.Fatal(err)
	}
	if _, err := ls.Get(ctx, "m", "L1"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("Get after delete: %v, want ErrNotFound", err)
	}
	if err := ls.Delete(ctx, "m", "L1"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("Delete twice: %v, want ErrNotFound", err)
	}
	if v, _, _ := ls.Put(ctx, "m", l); v.Version != 3 {
		t.Errorf("after a deletion = version %d, want 3", v.Version)
	}
	vs, err := ls.Versions(ctx, "m", "L1")
	if err != nil || len(vs) != 1 || vs[0].Version != 3 {
		t.Errorf("Versions after a deletion = %+v, %v; want only version 3", vs, err)
	}
	if o, err := ls.Get(ctx, "other", "L1"); err != nil || o.Version != 1 || !o.RevokedAt.IsZero() {
		t.Errorf("the other merchant's licence = %+v, %v; want untouched version 1", o, err)
	}
}

// TestAPIRoleOpensLicences: the api role of a listening server may create
// and use the licences bucket, and the viewer-only gateway role may not.
func TestAPIRoleOpensLicences(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	open := func(r bus.Role) *bus.Bus {
		return bustest.OpenAs(t, b, bus.Config{Role: r, RequestTimeout: time.Second})
	}
	ls, err := open(bus.RoleAPI).OpenLicences(ctx)
	if err != nil {
		t.Fatalf("api role: %v", err)
	}
	if _, _, err := ls.Put(ctx, "m", avatar.Licence{ID: "L1", Covers: []string{"face"}}); err != nil {
		t.Fatalf("api role put: %v", err)
	}
	if _, err := ls.List(ctx, "m"); err != nil {
		t.Fatalf("api role list: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := open(bus.RoleGateway).OpenLicences(short); err == nil {
		t.Errorf("gateway role opened the licences bucket, want refused")
	}
}
