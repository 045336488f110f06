package avatar_test

import (
	"errors"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestCheckLicence: a real person's face or voice is covered by the
// persona's own licence or a merchant's licence naming that person, valid
// now, not revoked, for every use the room needs; otherwise the error names
// the licence and the reason.
func TestCheckLicence(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	face := avatar.Persona{ID: "p", Disclosure: map[string]string{"en": "AI"}, Likeness: &avatar.Likeness{Person: "Wang Jun", Face: true}}
	inline := face
	inline.Likeness = &avatar.Likeness{Person: "Wang Jun", Face: true, Licence: &avatar.Licence{ID: "IN", Covers: []string{"face", "museum"}}}
	sale := []string{"face", "livestream", "commercial"}
	lic := func(id, person string, covers []string, change func(*avatar.Licence)) avatar.Licence {
		l := avatar.Licence{ID: id, Person: person, Covers: covers}
		if change != nil {
			change(&l)
		}
		return l
	}
	tests := []struct {
		name        string
		p           avatar.Persona
		kind        string
		others      []avatar.Licence
		wantLicence string
		wantReason  string // "" = covered
	}{
		{"synthetic", avatar.Persona{ID: "s"}, "livestream", nil, "", ""},
		{"no licence", face, "livestream", nil, "", avatar.LicenceMissing},
		{"another person's", face, "livestream", []avatar.Licence{lic("X", "Li Na", sale, nil)}, "", avatar.LicenceMissing},
		{"merchant's covers", face, "livestream", []avatar.Licence{lic("M", " wang jun ", sale, nil)}, "M", ""},
		{"not commercial", face, "livestream", []avatar.Licence{lic("M", "Wang Jun", []string{"face", "livestream"}, nil)}, "M", avatar.LicenceWrongUse},
		{"voice not covered", avatar.Persona{ID: "v", Likeness: &avatar.Likeness{Person: "Wang Jun", Voice: true}}, "museum", []avatar.Licence{lic("M", "Wang Jun", []string{"face", "museum"}, nil)}, "M", avatar.LicenceWrongUse},
		{"revoked", face, "livestream", []avatar.Licence{lic("M", "Wang Jun", sale, func(l *avatar.Licence) { l.RevokedAt = now.Add(-time.Hour) })}, "M", avatar.LicenceRevoked},
		{"expired now", face, "livestream", []avatar.Licence{lic("M", "Wang Jun", sale, func(l *avatar.Licence) { l.Expires = now })}, "M", avatar.LicenceExpired},
		{"not yet", face, "livestream", []avatar.Licence{lic("M", "Wang Jun", sale, func(l *avatar.Licence) { l.ValidFrom = now.Add(time.Second) })}, "M", avatar.LicenceNotYet},
		{"second covers", face, "livestream", []avatar.Licence{lic("A", "Wang Jun", sale, func(l *avatar.Licence) { l.Expires = now }), lic("B", "Wang Jun", sale, nil)}, "B", ""},
		{"inline covers museum", inline, "museum", nil, "IN", ""},
		{"inline not for sale", inline, "livestream", nil, "IN", avatar.LicenceWrongUse},
		{"merchant's before inline", inline, "livestream", []avatar.Licence{lic("M", "Wang Jun", sale, nil)}, "M", ""},
		{"merchant's reason first", inline, "livestream", []avatar.Licence{lic("M", "Wang Jun", sale, func(l *avatar.Licence) { l.Expires = now })}, "M", avatar.LicenceExpired},
	}
	for _, tt := range tests {
		id, err := tt.p.CheckLicence(tt.kind, now, tt.others)
		if tt.wantReason == "" {
			if err != nil || id != tt.wantLicence {
				t.Errorf("%s: CheckLicence = %q, %v; want %q, nil", tt.name, id, err, tt.wantLicence)
			}
			continue
		}
		var le *avatar.LicenceError
		if !errors.As(err, &le) || !errors.Is(err, avatar.ErrUnlicensed) {
			t.Errorf("%s: CheckLicence = %q, %v; want a LicenceError", tt.name, id, err)
			continue
		}
		if le.Reason != tt.wantReason || le.Licence != tt.wantLicence || le.Persona != tt.p.ID {
			t.Errorf("%s: %+v, want reason %s of licence %q", tt.name, le, tt.wantReason, tt.wantLicence)
		}
	}
}

// TestCheckLicenceNamedFirst: a persona naming its licence (a merchant's
// persona) is checked against that one first, so a refusal is about the
// licence it names, not another of the same person.
func TestCheckLicenceNamedFirst(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	p := avatar.Persona{ID: "jun", Likeness: &avatar.Likeness{Person: "Wang Jun", Face: true, LicenceID: "named"}}
	others := []avatar.Licence{
		{ID: "old", Person: "Wang Jun", Covers: []string{"face", "museum"}, Expires: now.Add(-time.Hour)},
		{ID: "named", Person: "Wang Jun", Covers: []string{"face", "museum"}, RevokedAt: now.Add(-time.Minute)},
	}
	_, err := p.CheckLicence("museum", now, others)
	var le *avatar.LicenceError
	if !errors.As(err, &le) || le.Licence != "named" || le.Reason != avatar.LicenceRevoked {
		t.Errorf("CheckLicence = %v, want named revoked", err)
	}
	if others[0].ID != "old" {
		t.Errorf("others reordered in place: %v", others)
	}
	others = append(others, avatar.Licence{ID: "good", Person: "wang jun", Covers: []string{"face", "museum"}})
	if id, err := p.CheckLicence("museum", now, others); err != nil || id != "good" {
		t.Errorf("with a covering licence: %q, %v; want good", id, err)
	}
}
