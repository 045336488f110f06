package avatar

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Licence is the written permission to use a real person's face or voice.
// It is either a persona's own (inline in the personas file, the
// operator's, under Likeness.Licence) or a merchant's record, managed over
// the merchant API and kept per merchant in LicencesBucket; a merchant's
// licence names its Person and covers every persona with that person's
// likeness, for that merchant's rooms only.
type Licence struct {
	ID      string `json:"id"`
	Person  string `json:"person,omitempty"`  // whose face or voice; an inline licence's is its Likeness.Person
	Holder  string `json:"holder"`            // the rights holder who granted it
	Consent string `json:"consent,omitempty"` // reference of the person's separate consent (deep-synthesis rules)
	// Covers lists the uses granted: UseFace, UseVoice, UseLivestream,
	// UseMuseum, UseCommercial.
	Covers    []string  `json:"covers"`
	Territory []string  `json:"territory,omitempty"`   // where it applies (ISO 3166 codes), as recorded; not enforced
	ValidFrom time.Time `json:"valid_from,omitzero"`   // zero: from the start
	Expires   time.Time `json:"expires,omitzero"`      // valid until, exclusive; zero: no end
	RevokedAt time.Time `json:"revoked_at,omitzero"`   // set once revoked; a revoked licence covers nothing
	Revoked   string    `json:"revoked_why,omitempty"` // why, as the merchant wrote it
}

// Uses a persona can be licensed for.
const (
	UseFace       = "face"
	UseVoice      = "voice"
	UseLivestream = "livestream"
	UseMuseum     = "museum"
	UseCommercial = "commercial"
)

// LicenceUses lists every use a licence may cover.
var LicenceUses = []string{UseFace, UseVoice, UseLivestream, UseMuseum, UseCommercial}

// Why a persona may not present a room (LicenceError.Reason): wire values
// of the API's 409 problems, the audit records of a room stopped for its
// licence, and Room.StopReason.
const (
	LicenceMissing  = "licence_missing"       // no licence of the person at all
	LicenceRevoked  = "licence_revoked"       // the licence was revoked
	LicenceExpired  = "licence_expired"       // its Expires has passed
	LicenceNotYet   = "licence_not_yet_valid" // its ValidFrom is still ahead
	LicenceWrongUse = "licence_wrong_use"     // it does not cover a use the room needs
)

// LicenceError says why a persona may not present a room: which licence
// (none when Reason is LicenceMissing) and why. It wraps ErrUnlicensed.
type LicenceError struct {
	Persona string
	Person  string
	Licence string    // the licence considered, "" if none
	Reason  string    // LicenceMissing, LicenceRevoked, ...
	Use     string    // on LicenceWrongUse: the use not covered
	At      time.Time // when it was revoked, expired or starts
}

func (e *LicenceError) Error() string {
	switch e.Reason {
	case LicenceRevoked:
		return fmt.Sprintf("persona %s: licence %s for the likeness of %s was revoked on %s", e.Persona, e.Licence, e.Person, e.At.UTC().Format(time.RFC3339))
	case LicenceExpired:
		return fmt.Sprintf("persona %s: licence %s for the likeness of %s expired on %s", e.Persona, e.Licence, e.Person, e.At.UTC().Format(time.RFC3339))
	case LicenceNotYet:
		return fmt.Sprintf("persona %s: licence %s for the likeness of %s is valid only from %s", e.Persona, e.Licence, e.Person, e.At.UTC().Format(time.RFC3339))
	case LicenceWrongUse:
		return fmt.Sprintf("persona %s: licence %s for the likeness of %s does not cover %q use", e.Persona, e.Licence, e.Person, e.Use)
	}
	return fmt.Sprintf("persona %s: uses the likeness of %s with no licence", e.Persona, e.Person)
}

func (e *LicenceError) Unwrap() error { return ErrUnlicensed }

// LicenceNeeds returns the uses p's likeness needs licensed in a room of
// kind: face and/or voice, the kind, and commercial for a livestream sale.
// It returns nil for a wholly synthetic persona.
func (p Persona) LicenceNeeds(kind string) []string {
	l := p.Likeness
	if l == nil || (!l.Face && !l.Voice) {
		return nil
	}
	need := []string{kind}
	if l.Face {
		need = append(need, UseFace)
	}
	if l.Voice {
		need = append(need, UseVoice)
	}
	if kind == UseLivestream {
		need = append(need, UseCommercial)
	}
	return need
}

// SamePerson reports whether two names of a rights holder's person are
// the same: case and surrounding space aside.
func SamePerson(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// CheckLicence reports whether p may present a room of kind at now, and
// under which licence: its own inline licence or one of others (a
// merchant's licences; those of another person are ignored). It returns
// "" and nil for a wholly synthetic persona, and a *LicenceError when no
// licence covers the use: about the first of others that names the person
// (they are tried in order, the one Likeness.LicenceID names first), else
// the inline one.
func (p Persona) CheckLicence(kind string, now time.Time, others []Licence) (string, error) {
	need := p.LicenceNeeds(kind)
	if need == nil {
		return "", nil
	}
	person := p.Likeness.Person
	if id := p.Likeness.LicenceID; id != "" {
		if i := slices.IndexFunc(others, func(l Licence) bool { return l.ID == id }); i > 0 {
			others = slices.Concat(others[i:i+1], others[:i], others[i+1:])
		}
	}
	var first *LicenceError
	try := func(l Licence) bool {
		err := l.permits(need, now)
		if err == nil {
			return true
		}
		if first == nil {
			err.Persona, err.Person = p.ID, person
			first = err
		}
		return false
	}
	for _, l := range others {
		if SamePerson(l.Person, person) && try(l) {
			return l.ID, nil
		}
	}
	if p.Likeness.Licence != nil && try(*p.Likeness.Licence) {
		return p.Likeness.Licence.ID, nil
	}
	if first == nil {
		first = &LicenceError{Persona: p.ID, Person: person, Reason: LicenceMissing}
	}
	return "", first
}

// permits returns why l does not cover uses at now, or nil.
func (l Licence) permits(uses []string, now time.Time) *LicenceError {
	switch {
	case !l.RevokedAt.IsZero():
		return &LicenceError{Licence: l.ID, Reason: LicenceRevoked, At: l.RevokedAt}
	case !l.Expires.IsZero() && !now.Before(l.Expires):
		return &LicenceError{Licence: l.ID, Reason: LicenceExpired, At: l.Expires}
	case !l.ValidFrom.IsZero() && now.Before(l.ValidFrom):
		return &LicenceError{Licence: l.ID, Reason: LicenceNotYet, At: l.ValidFrom}
	}
	for _, u := range uses {
		if !slices.Contains(l.Covers, u) {
			return &LicenceError{Licence: l.ID, Reason: LicenceWrongUse, Use: u}
		}
	}
	return nil
}

// licenceEnded is the notice viewers get, per language, when a show ends
// because its presenter's licence no longer covers it.
var licenceEnded = map[string]string{
	"zh": "本场直播已结束：主播形象的授权已失效。",
	"en": "This show has ended: the licence for the presenter's likeness is no longer valid.",
	"fr": "Ce spectacle est terminé : la licence d'utilisation de l'image du présentateur n'est plus valable.",
}

// LicenceEndedNotice is the notice text shown to viewers when a show ends
// for its licence: in each of langs (BCP 47; by base language) that has
// one, joined by " / ", else in English.
func LicenceEndedNotice(langs []string) string {
	var out []string
	for _, l := range langs {
		base, _, _ := strings.Cut(strings.ToLower(l), "-")
		if s, ok := licenceEnded[base]; ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return licenceEnded["en"]
	}
	return strings.Join(out, " / ")
}

// NoticeRefLicence is the Ref of the notice of a show ended for its licence.
const NoticeRefLicence = "licence"
