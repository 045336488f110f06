package avatar_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestEnvelopeGolden decodes every golden event, its payload by type, and
// encodes both again: the result must equal the file, so the wire format of
// each event type is pinned.
func TestEnvelopeGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/events/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden events in testdata/events")
	}
	seen := map[avatar.EventType]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(want))
			dec.DisallowUnknownFields()
			var env avatar.Envelope
			if err := dec.Decode(&env); err != nil {
				t.Fatalf("decode envelope: %v", err)
			}
			p := avatar.NewPayload(env.Type)
			if p == nil {
				t.Fatalf("type %q has no payload", env.Type)
			}
			seen[env.Type] = true
			pd := json.NewDecoder(bytes.NewReader(env.Data))
			pd.DisallowUnknownFields()
			if err := pd.Decode(p); err != nil {
				t.Fatalf("decode %s payload: %v", env.Type, err)
			}
			env.Data, err = json.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(env, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if !bytes.Equal(normalize(t, got), normalize(t, want)) {
				t.Errorf("round trip of %s:\ngot  %s\nwant %s", f, got, want)
			}
		})
	}
	for _, typ := range []avatar.EventType{avatar.EventHello, avatar.EventSpeech, avatar.EventProductShow, avatar.EventExhibit, avatar.EventReply, avatar.EventSaleStart} {
		if !seen[typ] {
			t.Errorf("no golden file for event type %q", typ)
		}
	}
}

// normalize re-indents JSON so the comparison ignores layout but not content.
func normalize(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, bytes.TrimSpace(b), "", "  "); err != nil {
		t.Fatalf("indent: %v", err)
	}
	return buf.Bytes()
}

func TestTimeHasMilliseconds(t *testing.T) {
	ts := avatar.Time(time.Date(2026, 11, 29, 9, 5, 7, 123456789, time.FixedZone("CST", 8*3600)))
	b, err := json.Marshal(ts)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `"2026-11-29T01:05:07.123Z"`; got != want {
		t.Errorf("Marshal(%v) = %s, want %s", time.Time(ts), got, want)
	}
}

func TestParseRoomID(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"demo-live", true}, {"A_b-9", true}, {strings.Repeat("a", 64), true},
		{"", false}, {strings.Repeat("a", 65), false}, {"a.b", false}, {"a b", false}, {"a*", false}, {"房间", false},
	} {
		_, err := avatar.ParseRoomID(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseRoomID(%q): err %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

func TestPersonaCheck(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	label := map[string]string{"en": "AI-generated presenter"}
	lic := func(covers ...string) *avatar.Licence {
		return &avatar.Licence{ID: "L1", Holder: "Agency", Covers: covers, Expires: now.AddDate(1, 0, 0)}
	}
	for _, tc := range []struct {
		name string
		p    avatar.Persona
		kind string
		ok   bool
	}{
		{"synthetic", avatar.Persona{ID: "a", Disclosure: label}, "livestream", true},
		{"no disclosure", avatar.Persona{ID: "a"}, "museum", false},
		{"empty disclosure", avatar.Persona{ID: "a", Disclosure: map[string]string{"en": ""}}, "museum", false},
		{"voice clone no licence", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "A Singer", Voice: true}}, "museum", false},
		{"face licensed for museum only", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "P", Face: true, Licence: lic("face", "museum")}}, "livestream", false},
		{"face licensed for museum", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "P", Face: true, Licence: lic("face", "museum")}}, "museum", true},
		{"voice licence lacks voice", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "P", Voice: true, Licence: lic("face", "museum")}}, "museum", false},
		{"commercial full", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "P", Face: true, Voice: true, Licence: lic("face", "voice", "livestream", "commercial")}}, "livestream", true},
		{"expired", avatar.Persona{ID: "a", Disclosure: label, Likeness: &avatar.Likeness{Person: "P", Face: true, Licence: &avatar.Licence{ID: "L", Covers: []string{"face", "museum"}, Expires: now}}}, "museum", false},
	} {
		err := tc.p.Check(tc.kind, now)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Check(%q) = %v, want ok=%v", tc.name, tc.kind, err, tc.ok)
		}
	}
}

func TestDisclosureFor(t *testing.T) {
	p := avatar.Persona{Disclosure: map[string]string{"zh-CN": "AI生成", "en": "AI-generated", "fr": "généré par IA"}}
	for _, tc := range []struct{ lang, want string }{
		{"en", "AI-generated"}, {"en-US", "AI-generated"}, {"zh", "AI生成"}, {"zh-CN", "AI生成"}, {"FR-ca", "généré par IA"}, {"de", "AI-generated"}, {"", "AI-generated"},
	} {
		if got := p.DisclosureFor(tc.lang); got != tc.want {
			t.Errorf("DisclosureFor(%q) = %q, want %q", tc.lang, got, tc.want)
		}
	}
}
