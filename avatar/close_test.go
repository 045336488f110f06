package avatar_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
)

var update = flag.Bool("update", false, "rewrite the golden close reasons in testdata/close")

// closeGoldens are the close frames the gateway sends, one golden reason
// file each in testdata/close: a change of the wire format shows in review
// as a change of these files.
var closeGoldens = []struct {
	file  string
	code  avatar.CloseCode
	in    avatar.CloseReason
	exact bool // ParseCloseReason gives in back (nothing was cut or replaced)
}{
	{"bye.txt", avatar.CloseNormal, avatar.CloseReason{Cause: avatar.CloseNormal.Cause(), RetryAfter: 1800 * time.Millisecond, Since: 99}, true},
	{"going_away.txt", avatar.CloseGoingAway, avatar.CloseReason{Cause: avatar.CloseGoingAway.Cause(), RetryAfter: 1234 * time.Millisecond, Since: 42}, true},
	{"bad_utf8.txt", avatar.CloseBadUTF8, avatar.CloseReason{Cause: avatar.CloseBadUTF8.Cause(), Detail: "text frame is not UTF-8 (byte 3)", RetryAfter: 800 * time.Millisecond, Since: 17}, true},
	{"too_large.txt", avatar.CloseTooLarge, avatar.CloseReason{Cause: avatar.CloseTooLarge.Cause(), Detail: "frame over 65536 bytes", RetryAfter: 2 * time.Second, Since: 17}, true},
	{"internal.txt", avatar.CloseInternal, avatar.CloseReason{Cause: avatar.CloseInternal.Cause(), Detail: "catch-up failed", RetryAfter: 500 * time.Millisecond}, true},
	{"slow_consumer.txt", avatar.CloseSlowConsumer, avatar.CloseReason{Cause: avatar.CloseSlowConsumer.Cause(), RetryAfter: 2417 * time.Millisecond, Since: 1042}, true},
	{"abuse.txt", avatar.CloseAbuse, avatar.CloseReason{Cause: avatar.CloseAbuse.Cause(), Detail: "too many bad frames", RetryAfter: 15 * time.Second, Since: 7}, true},
	// The longest: a detail cut at a character, the wait clamped, the
	// largest seq.
	{"longest.txt", avatar.CloseAbuse, avatar.CloseReason{Cause: avatar.CauseAbuse, Detail: strings.Repeat("太多无效消息；", 20), RetryAfter: time.Hour + 1500*time.Microsecond, Since: 1<<64 - 1}, false},
	// What the gateway never means to send still comes out parseable.
	{"garbled.txt", 0, avatar.CloseReason{Cause: "Room Gone!", Detail: " a;b\x00c\xffd\n ", RetryAfter: -time.Second}, false},
}

// TestCloseReasonGolden pins the close reason's wire format: each case
// formats to its golden file (go test ./avatar -update rewrites them; read
// the diff), the file parses, and formatting what it parses gives the file
// back.
func TestCloseReasonGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/close/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]bool{}
	for _, tc := range closeGoldens {
		cases[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", "close", tc.file)
			got := avatar.FormatCloseReason(tc.in)
			if *update {
				if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./avatar -update writes it)", err)
			}
			want := strings.TrimSuffix(string(b), "\n")
			if got != want {
				t.Errorf("FormatCloseReason(%+v):\ngot  %q\nwant %q", tc.in, got, want)
			}
			if len(want) > avatar.MaxCloseReason {
				t.Errorf("%s: %d bytes, over %d", tc.file, len(want), avatar.MaxCloseReason)
			}
			r, err := avatar.ParseCloseReason(want)
			if err != nil {
				t.Fatalf("ParseCloseReason(%q): %v", want, err)
			}
			if tc.exact && r != tc.in {
				t.Errorf("ParseCloseReason(%q) = %+v, want %+v", want, r, tc.in)
			}
			if again := avatar.FormatCloseReason(r); again != want {
				t.Errorf("FormatCloseReason(ParseCloseReason(%q)) = %q", want, again)
			}
			if tc.code != 0 && r.Cause != tc.code.Cause() {
				t.Errorf("%s: cause %q, want %q for close code %d", tc.file, r.Cause, tc.code.Cause(), tc.code)
			}
		})
	}
	for _, f := range files {
		if !cases[filepath.Base(f)] {
			t.Errorf("%s has no case in closeGoldens: remove it or add one", f)
		}
	}
}

// closeCase is one case of testdata/close/parse.json, which the pages'
// client.js is tested against too (cmd/avatarcast TestPageParsesCloseReasonsAsGo).
type closeCase struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	OK     bool   `json:"ok"`
	Want   struct {
		Cause        string `json:"cause"`
		Detail       string `json:"detail"`
		RetryAfterMS int64  `json:"retry_after_ms"`
		Since        uint64 `json:"since"`
	} `json:"want"`
}

func TestParseCloseReason(t *testing.T) {
	b, err := os.ReadFile("testdata/close/parse.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []closeCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatalf("parse.json: %v", err)
	}
	// Bytes that are not UTF-8 do not survive JSON: Go only.
	for _, s := range []string{"abuse: \xff; retry_after_ms=1; resume since=1", "abuse: a\xe5\xa4; retry_after_ms=1; resume since=1", "\xc0\xaf; retry_after_ms=1; resume since=1"} {
		cases = append(cases, closeCase{Name: "not UTF-8", Reason: s})
	}
	for _, tc := range cases {
		r, err := avatar.ParseCloseReason(tc.Reason)
		if (err == nil) != tc.OK {
			t.Errorf("%s: ParseCloseReason(%q): err %v, want ok=%v", tc.Name, tc.Reason, err, tc.OK)
			continue
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "avatar: close reason ") {
				t.Errorf("%s: error %q lacks the prefix", tc.Name, err)
			}
			continue
		}
		want := avatar.CloseReason{Cause: tc.Want.Cause, Detail: tc.Want.Detail, RetryAfter: time.Duration(tc.Want.RetryAfterMS) * time.Millisecond, Since: tc.Want.Since}
		if r != want {
			t.Errorf("%s: ParseCloseReason(%q) = %+v, want %+v", tc.Name, tc.Reason, r, want)
		}
	}
}

// FuzzParseCloseReason: whatever a peer sends as a reason, parsing never
// panics, and what it accepts is exactly what FormatCloseReason writes.
func FuzzParseCloseReason(f *testing.F) {
	for _, tc := range closeGoldens {
		f.Add(avatar.FormatCloseReason(tc.in))
	}
	f.Add("abuse: a\xffb; retry_after_ms=1; resume since=1")
	f.Add("x; retry_after_ms=01; resume since=1")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := avatar.ParseCloseReason(s)
		if err != nil {
			return
		}
		if got := avatar.FormatCloseReason(r); got != s {
			t.Errorf("ParseCloseReason(%q) = %+v, which formats as %q", s, r, got)
		}
	})
}

// FuzzFormatCloseReason: whatever the gateway puts in, the reason fits a
// close frame, parses, and keeps its seq; formatting it again changes nothing.
func FuzzFormatCloseReason(f *testing.F) {
	for _, tc := range closeGoldens {
		f.Add(tc.in.Cause, tc.in.Detail, int64(tc.in.RetryAfter), tc.in.Since)
	}
	f.Fuzz(func(t *testing.T, cause, detail string, retry int64, since uint64) {
		in := avatar.CloseReason{Cause: cause, Detail: detail, RetryAfter: time.Duration(retry), Since: since}
		s := avatar.FormatCloseReason(in)
		if len(s) > avatar.MaxCloseReason || !utf8.ValidString(s) {
			t.Fatalf("FormatCloseReason(%+v) = %q: %d bytes or not UTF-8", in, s, len(s))
		}
		r, err := avatar.ParseCloseReason(s)
		if err != nil {
			t.Fatalf("FormatCloseReason(%+v) = %q, which does not parse: %v", in, s, err)
		}
		if r.Since != since {
			t.Errorf("FormatCloseReason(%+v) = %q: since %d, want %d", in, s, r.Since, since)
		}
		if again := avatar.FormatCloseReason(r); again != s {
			t.Errorf("FormatCloseReason(%+v) = %q, but formatting what it parses gives %q", in, s, again)
		}
	})
}
