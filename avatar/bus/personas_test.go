package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestPersonaVersions: a merchant's persona comes back field for field
// (look, voice, likeness), versions count per persona and go on after a
// deletion, and a merchant lists and reads only its own.
func TestPersonaVersions(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	ps, err := b.OpenPersonas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p := avatar.Persona{ID: "jun", Name: "Jun", Disclosure: map[string]string{"en": "An AI likeness."},
		SpokenDisclosure: map[string]string{"en": "I am an AI likeness."},
		Look:             avatar.Look{Face: "round", Hair: "bun", HairColor: "#1a1a1a"}, Voice: avatar.Voice{ID: "v1", Rate: 1.1},
		Likeness: &avatar.Likeness{Person: "Wang Jun", Face: true, Voice: true, LicenceID: "wj"}}
	if _, _, err := ps.Put(ctx, "other", avatar.Persona{ID: "jun", Name: "Other's", Synthetic: true}); err != nil {
		t.Fatal(err)
	}
	v, changed, err := ps.Put(ctx, "m", p)
	if err != nil || !changed || v.Version != 1 || v.Merchant != "m" || v.Updated.IsZero() {
		t.Fatalf("first put = %+v, %v, %v; want version 1 of m, changed", v, changed, err)
	}
	if v, changed, _ := ps.Put(ctx, "m", p); changed || v.Version != 1 {
		t.Errorf("same persona again = version %d changed %v, want 1, unchanged", v.Version, changed)
	}
	got, err := ps.Get(ctx, "m", "jun")
	if err != nil || !reflect.DeepEqual(got.Persona, p) {
		t.Errorf("Get = %+v, %v; want %+v", got.Persona, err, p)
	}
	p.Name = "Jun 2"
	if v, _, _ := ps.Put(ctx, "m", p); v.Version != 2 {
		t.Errorf("renamed = version %d, want 2", v.Version)
	}
	if vs, err := ps.Versions(ctx, "m", "jun"); err != nil || len(vs) != 2 || vs[0].Name != "Jun" || vs[1].Name != "Jun 2" {
		t.Errorf("Versions = %+v, %v; want Jun then Jun 2", vs, err)
	}
	if list, err := ps.List(ctx, "m"); err != nil || len(list) != 1 || list[0].Name != "Jun 2" {
		t.Errorf("List(m) = %+v, %v; want m's Jun 2 only", list, err)
	}
	if got, _ := ps.Get(ctx, "other", "jun"); got.Name != "Other's" {
		t.Errorf("other's jun = %+v, want its own", got)
	}
	if _, err := ps.Get(ctx, "nobody", "jun"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("Get of another merchant: %v, want ErrNotFound", err)
	}
	if err := ps.Delete(ctx, "m", "jun"); err != nil {
		t.Fatal(err)
	}
	if _, err := ps.Versions(ctx, "m", "jun"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("Versions after delete: %v, want ErrNotFound", err)
	}
	if v, _, _ = ps.Put(ctx, "m", p); v.Version != 3 {
		t.Errorf("after a deletion = version %d, want 3", v.Version)
	}
	// The wire form is the persona's fields with merchant and version.
	data, _ := json.Marshal(v)
	var flat map[string]any
	if err := json.Unmarshal(data, &flat); err != nil || flat["id"] != "jun" || flat["merchant"] != "m" || flat["version"] != 3.0 {
		t.Errorf("JSON = %s, want flat fields with merchant and version", data)
	}
}
