package avatar_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestLookFromString reads an older personas file's plain look string as
// the look's image, and an object as its parts.
func TestLookFromString(t *testing.T) {
	var p avatar.Persona
	if err := json.Unmarshal([]byte(`{"id":"a","look":"/assets/avatars/a.svg"}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Look.Image != "/assets/avatars/a.svg" {
		t.Errorf("look from a string = %+v", p.Look)
	}
	if err := json.Unmarshal([]byte(`{"id":"a","look":{"face":"round","skin":"#ffeedd"}}`), &p); err != nil {
		t.Fatal(err)
	}
	if p.Look.Face != "round" || p.Look.Skin != "#ffeedd" || p.Look.Image != "" {
		t.Errorf("look from an object = %+v", p.Look)
	}
}

// TestLookCheck refuses looks a page could not draw, and says which field.
func TestLookCheck(t *testing.T) {
	for _, tt := range []struct {
		look avatar.Look
		want string // "" = accepted
	}{
		{avatar.Look{}, ""},
		{avatar.Look{Face: "heart", Hair: "bun", Skin: "#F6D5C0", Accent: "#123abc"}, ""},
		{avatar.Look{Image: "/assets/avatars/x.png"}, ""},
		{avatar.Look{Face: "square"}, "face"},
		{avatar.Look{Hair: "mohawk"}, "hair"},
		{avatar.Look{Skin: "red"}, "skin"},
		{avatar.Look{Outfit: "#12345"}, "outfit"},
		{avatar.Look{Accent: "url(#x)"}, "accent"},
		{avatar.Look{Image: "https://cdn.example/x.png"}, "image"},
		{avatar.Look{Image: "/assets/../etc/passwd"}, "image"},
	} {
		p := avatar.Persona{ID: "p", Look: tt.look, Disclosure: map[string]string{"en": "AI"}}
		err := p.Check("museum", time.Now())
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.look, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want one naming %s", tt.look, err, tt.want)
		}
	}
}

// TestSyntheticWithLikeness: a persona cannot say it is wholly synthetic
// and carry a real person's likeness.
func TestSyntheticWithLikeness(t *testing.T) {
	p := avatar.Persona{ID: "p", Synthetic: true, Disclosure: map[string]string{"en": "AI"}}
	if err := p.CheckSynthetic(); err != nil {
		t.Fatalf("synthetic persona: %v", err)
	}
	p.Likeness = &avatar.Likeness{Person: "Wang Jun", Face: true}
	if err := p.CheckSynthetic(); err == nil || !strings.Contains(err.Error(), "Wang Jun") {
		t.Errorf("synthetic with a likeness: %v, want an error naming the person", err)
	}
}
