package avatar_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

func TestParseName(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"  小明 ", "小明", true},
		{"Amy Lee", "Amy Lee", true},
		{strings.Repeat("长", 24), strings.Repeat("长", 24), true},
		{strings.Repeat("长", 25), "", false},
		{"   ", "", false},
		{"Official\u202eDEMO", "", false}, // right-to-left override
		{"a\u200db", "", false},           // zero-width joiner
		{"a\u2028b", "", false},           // line separator
		{"a\u00a0b", "", false},           // no-break space
		{"a\u3000b", "", false},           // ideographic space
		{"nul\x00", "", false},
		{"tab\tname", "", false},
		{"bad\xffutf8", "", false},
		{"\ufffd", "", false},
	} {
		got, err := avatar.ParseName(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("ParseName(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		if !tc.ok && (err == nil || !errors.Is(err, avatar.ErrBadName)) {
			t.Errorf("ParseName(%q) = %q, %v; want ErrBadName", tc.in, got, err)
		}
	}
}

func TestBlocklist(t *testing.T) {
	b := avatar.NewBlocklist([]string{"Spam", " 骗子 ", ""})
	if got, want := b.Mask("SPAM from 大骗子!"), "**** from 大**!"; got != want {
		t.Errorf("Mask = %q, want %q", got, want)
	}
	if !b.Blocks("xx spAm!") || b.Blocks("xxspamxx") || b.Blocks("sp am") || !b.Blocks("xx骗子xx") {
		t.Error("Blocks: want case-insensitive whole Latin words and Chinese substrings only")
	}
	var none *avatar.Blocklist
	if none.Blocks("spam") || none.Mask("spam") != "spam" {
		t.Error("nil Blocklist must block nothing")
	}
}
