package avatar_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestVoiceSettings: a persona's synthesiser voice and pitch are read
// from its voice settings and checked with it; a name a synthesiser
// would not take, or a pitch out of bounds, makes the persona invalid
// and says which field.
func TestVoiceSettings(t *testing.T) {
	var p avatar.Persona
	if err := json.Unmarshal([]byte(`{"id":"p","disclosure":{"en":"AI"},"voice":{"id":"host","rate":1.1,"synth_voice":"en-gb-x-rp","pitch":1.3}}`), &p); err != nil {
		t.Fatal(err)
	}
	if want := (avatar.Voice{ID: "host", Rate: 1.1, SynthVoice: "en-gb-x-rp", Pitch: 1.3}); p.Voice != want {
		t.Fatalf("voice read as %+v, want %+v", p.Voice, want)
	}
	if err := p.CheckSynthetic(); err != nil {
		t.Fatalf("valid voice settings refused: %v", err)
	}
	for _, tt := range []struct {
		v    avatar.Voice
		want string // in the error; "" = valid
	}{
		{avatar.Voice{}, ""},
		{avatar.Voice{SynthVoice: "cmn-latn-pinyin", Pitch: 0.5}, ""},
		{avatar.Voice{Pitch: 2}, ""},
		{avatar.Voice{SynthVoice: "en us"}, "synth_voice"},
		{avatar.Voice{SynthVoice: "../x"}, "synth_voice"},
		{avatar.Voice{SynthVoice: "en+f3"}, ""},
		{avatar.Voice{SynthVoice: "a:b"}, "synth_voice"},
		{avatar.Voice{SynthVoice: strings.Repeat("a", 65)}, "synth_voice"},
		{avatar.Voice{Pitch: 0.4}, "pitch"},
		{avatar.Voice{Pitch: 2.5}, "pitch"},
		{avatar.Voice{Pitch: -1}, "pitch"},
		{avatar.Voice{Rate: -1}, "rate"},
	} {
		q := p
		q.Voice = tt.v
		err := q.CheckSynthetic()
		if tt.want == "" {
			if err != nil {
				t.Errorf("%+v refused: %v", tt.v, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "persona p") {
			t.Errorf("%+v: error %v, want one naming persona p and %s", tt.v, err, tt.want)
		}
	}
}

// TestRealPersonVoiceNeedsVoiceLicence: a persona whose synthesiser voice
// imitates a real person (its likeness covers the voice) is refused when
// its licence covers only that person's face, and accepted once the
// licence covers the voice too.
func TestRealPersonVoiceNeedsVoiceLicence(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	p := avatar.Persona{
		ID: "clone", Disclosure: map[string]string{"en": "AI"},
		Voice:    avatar.Voice{ID: "wang", SynthVoice: "wang-jun-clone"},
		Likeness: &avatar.Likeness{Person: "Wang Jun", Face: true, Voice: true},
	}
	faceOnly := avatar.Licence{ID: "F", Person: "Wang Jun", Covers: []string{avatar.UseFace, avatar.UseMuseum, avatar.UseLivestream, avatar.UseCommercial}}
	for _, kind := range []string{avatar.KindMuseum, avatar.KindLivestream} {
		_, err := p.CheckLicence(kind, now, []avatar.Licence{faceOnly})
		var le *avatar.LicenceError
		if !errors.As(err, &le) || le.Reason != avatar.LicenceWrongUse || le.Use != avatar.UseVoice || !errors.Is(err, avatar.ErrUnlicensed) {
			t.Errorf("%s: real-person voice under a face-only licence: %v, want refused for %q use", kind, err, avatar.UseVoice)
		}
		inline := p
		l := *p.Likeness
		l.Licence = &faceOnly
		inline.Likeness = &l
		if err := inline.Check(kind, now); !errors.Is(err, avatar.ErrUnlicensed) || !strings.Contains(err.Error(), `"voice"`) {
			t.Errorf("%s: Persona.Check with a face-only inline licence: %v, want the voice refused", kind, err)
		}
	}
	both := faceOnly
	both.Covers = append([]string{avatar.UseVoice}, faceOnly.Covers...)
	if id, err := p.CheckLicence(avatar.KindLivestream, now, []avatar.Licence{both}); err != nil || id != "F" {
		t.Errorf("voice licensed: CheckLicence = %q, %v; want F, nil", id, err)
	}
}
