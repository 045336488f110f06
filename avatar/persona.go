package avatar

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Persona is who presents a room: the avatar's look and voice, and the
// AI-generated-content disclosure that every viewer sees.
type Persona struct {
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Look       Look              `json:"look"`       // how the page draws the avatar
	Voice      Voice             `json:"voice"`      // synthetic voice
	Disclosure map[string]string `json:"disclosure"` // the AI label per language; never empty
	// SpokenDisclosure is the line the presenter opens every show with, per
	// language (DisclosureLineID); without one it speaks its Disclosure.
	SpokenDisclosure map[string]string `json:"spoken_disclosure,omitempty"`
	Likeness         *Likeness         `json:"likeness,omitempty"`
	// Synthetic says the persona is wholly synthetic: no real person's face
	// or voice. A merchant's persona (managed over the API) must say so, or
	// name the licence of its Likeness; in the personas file a persona with
	// no Likeness is synthetic either way.
	Synthetic bool `json:"synthetic,omitempty"`
}

// Look is how a page draws a persona's avatar: a 2D figure built from parts
// (face shape, hair style) in the persona's colours, or, when Image is set,
// a merchant-supplied picture under the gateway's assets (/assets/...) that
// the renderer shows instead of the drawn head. Empty fields take the
// renderer's defaults. In a personas file, a plain string is read as Image,
// so older files keep working.
type Look struct {
	Face      string `json:"face,omitempty"`       // "oval", "round" or "heart"
	Hair      string `json:"hair,omitempty"`       // "bob", "bun", "short" or "long"
	HairColor string `json:"hair_color,omitempty"` // #rrggbb
	Skin      string `json:"skin,omitempty"`       // #rrggbb
	Outfit    string `json:"outfit,omitempty"`     // #rrggbb
	Accent    string `json:"accent,omitempty"`     // #rrggbb: ribbon, tie, page accents
	Image     string `json:"image,omitempty"`      // /assets/... picture replacing the drawn head
}

// Look parts the renderer draws.
var (
	LookFaces = []string{"oval", "round", "heart"}
	LookHairs = []string{"bob", "bun", "short", "long"}
)

// UnmarshalJSON reads a Look object, or a string as its Image.
func (l *Look) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = Look{Image: s}
		return nil
	}
	type plain Look
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = Look(v)
	return nil
}

// Check reports the first field of l that a page could not draw.
func (l Look) Check() error {
	if l.Face != "" && !slices.Contains(LookFaces, l.Face) {
		return fmt.Errorf("look: face %q is not one of %s", l.Face, strings.Join(LookFaces, ", "))
	}
	if l.Hair != "" && !slices.Contains(LookHairs, l.Hair) {
		return fmt.Errorf("look: hair %q is not one of %s", l.Hair, strings.Join(LookHairs, ", "))
	}
	for _, c := range [][2]string{{"hair_color", l.HairColor}, {"skin", l.Skin}, {"outfit", l.Outfit}, {"accent", l.Accent}} {
		if c[1] != "" && !isHexColour(c[1]) {
			return fmt.Errorf("look: %s %q is not a colour such as #a0522d", c[0], c[1])
		}
	}
	if l.Image != "" && (!strings.HasPrefix(l.Image, "/assets/") || strings.Contains(l.Image, "..") || strings.ContainsAny(l.Image, "\"?#")) {
		return fmt.Errorf("look: image %q must be a path under /assets/", l.Image)
	}
	return nil
}

func isHexColour(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// Voice is the synthetic voice of a persona.
type Voice struct {
	ID   string  `json:"id"`
	Rate float64 `json:"rate,omitempty"` // speaking rate, 1 = normal
	// SynthVoice is the synthesiser's own voice name the lines are
	// rendered with ("en-gb-x-rp", "cmn-latn-pinyin" for espeak-ng,
	// "alloy" for an HTTP provider); empty: the provider's voice for the
	// line's language. A voice that imitates a real person must be
	// declared in the persona's Likeness (Voice) and licensed for it.
	SynthVoice string `json:"synth_voice,omitempty"`
	// Pitch scales the voice's pitch, 1 (or 0) normal, from MinVoicePitch
	// to MaxVoicePitch (as voice.Request.Pitch).
	Pitch float64 `json:"pitch,omitempty"`
}

// Bounds of a persona's Voice.Pitch (0 also means normal), and the
// longest Voice.SynthVoice.
const (
	MinVoicePitch = 0.5
	MaxVoicePitch = 2.0
	MaxSynthVoice = 64
)

// Check reports the first field of v a synthesiser could not take: a
// synth_voice that is not 1-64 of A-Z a-z 0-9 _ . + - (the voice
// request's own rule), a pitch out of bounds.
func (v Voice) Check() error {
	if v.SynthVoice != "" && !synthVoiceName(v.SynthVoice) {
		return fmt.Errorf("voice: synth_voice %q must be 1-%d of A-Z a-z 0-9 _ . + -", v.SynthVoice, MaxSynthVoice)
	}
	if v.Pitch != 0 && !(v.Pitch >= MinVoicePitch && v.Pitch <= MaxVoicePitch) {
		return fmt.Errorf("voice: pitch %g is not between %g and %g (1 is normal)", v.Pitch, MinVoicePitch, MaxVoicePitch)
	}
	if v.Rate != v.Rate || v.Rate < 0 {
		return fmt.Errorf("voice: rate %g is not a speaking rate (1 is normal)", v.Rate)
	}
	return nil
}

func synthVoiceName(s string) bool {
	if s == "" || len(s) > MaxSynthVoice {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// Likeness records that a persona's face or voice is a real person's, and the
// licence under which it is used. A persona with no Likeness is wholly
// synthetic.
type Likeness struct {
	Person  string   `json:"person"`
	Face    bool     `json:"face"`  // the avatar looks like Person
	Voice   bool     `json:"voice"` // the voice is a clone of Person's
	Licence *Licence `json:"licence,omitempty"`
	// LicenceID names the merchant's licence (LicencesBucket) of a
	// merchant's persona: one of the same Person covering its face and
	// voice. Checks still try every licence of the merchant for Person.
	LicenceID string `json:"licence_id,omitempty"`
}

// ErrUnlicensed is wrapped by Persona.Check and CheckLicence when a real
// person's likeness is used without a licence that covers the use.
var ErrUnlicensed = errors.New("likeness not licensed for this use")

// Check reports whether p may present a room of the given kind ("livestream"
// or "museum") at time now: it must carry an AI disclosure, and any real
// person's face or voice must be covered by its own (inline) licence for
// that use (see CheckLicence). A livestream sale is commercial use as well.
func (p Persona) Check(kind string, now time.Time) error {
	if err := p.CheckSynthetic(); err != nil {
		return err
	}
	if _, err := p.CheckLicence(kind, now, nil); err != nil {
		return err
	}
	return nil
}

// CheckSynthetic reports what is wrong with p other than its licences:
// an ID, a look a page can draw, voice settings a synthesiser takes, no likeness if it says it is synthetic,
// and an AI disclosure in every language.
func (p Persona) CheckSynthetic() error {
	if p.ID == "" {
		return errors.New("persona: missing id")
	}
	if err := p.Look.Check(); err != nil {
		return fmt.Errorf("persona %s: %w", p.ID, err)
	}
	if err := p.Voice.Check(); err != nil {
		return fmt.Errorf("persona %s: %w", p.ID, err)
	}
	if p.Synthetic && p.Likeness != nil {
		return fmt.Errorf("persona %s: says synthetic but has the likeness of %s", p.ID, p.Likeness.Person)
	}
	if len(p.Disclosure) == 0 {
		return fmt.Errorf("persona %s: missing AI disclosure text", p.ID)
	}
	for lang, s := range p.Disclosure {
		if s == "" {
			return fmt.Errorf("persona %s: empty AI disclosure for %s", p.ID, lang)
		}
	}
	return nil
}

// DisclosureFor returns the disclosure in lang, else in a language of the
// same base ("en-US" finds "en", "zh" finds "zh-CN"), else in the first
// language by name, so there is always a label to show.
func (p Persona) DisclosureFor(lang string) string { return textFor(p.Disclosure, lang) }

// SpokenDisclosureFor returns the line that opens every show in lang, found
// as DisclosureFor finds the label: SpokenDisclosure if the persona has
// one in lang or a language of its base, else its Disclosure label.
func (p Persona) SpokenDisclosureFor(lang string) string {
	if s, ok := p.SpokenDisclosure[lang]; ok && s != "" {
		return s
	}
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	keys := make([]string, 0, len(p.SpokenDisclosure))
	for k := range p.SpokenDisclosure {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if kb, _, _ := strings.Cut(strings.ToLower(k), "-"); kb == base && p.SpokenDisclosure[k] != "" {
			return p.SpokenDisclosure[k]
		}
	}
	return p.DisclosureFor(lang)
}

// DisclosureLineID is the line id of the spoken disclosure that opens every
// show: the director speaks it, no script can remove it.
const DisclosureLineID = "disclosure"

// textFor returns m's text in lang, else in a language of the same base,
// else in the first language by name, else "".
func textFor(m map[string]string, lang string) string {
	if s, ok := m[lang]; ok {
		return s
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	for _, k := range keys {
		if kb, _, _ := strings.Cut(strings.ToLower(k), "-"); kb == base {
			return m[k]
		}
	}
	if len(keys) == 0 {
		return ""
	}
	return m[keys[0]]
}
