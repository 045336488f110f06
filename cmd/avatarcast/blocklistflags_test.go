package main

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestBlocklistFlags: the default list is on unless turned off; the file's
// and -blocked-words' words are added, -unblocked-words are taken out; the
// gateway's flags (serve, gateway) and the director's build the same list.
func TestBlocklistFlags(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "words.txt")
	if err := os.WriteFile(file, []byte("# our words\n劣质货\n\n  knockoff  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	defaults := len(avatar.DefaultBlockedWords())
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		has  []string // in the list
		not  []string // not in it
		n    int      // its length
	}{
		{name: "defaults", has: []string{"傻逼", "fuck"}, n: defaults},
		{name: "added", args: []string{"-blocked-words", "scam, 假货", "-blocked-words-file", file},
			has: []string{"傻逼", "scam", "假货", "劣质货", "knockoff"}, n: defaults + 4},
		{name: "off", args: []string{"-default-blocklist=false", "-blocked-words", "scam"}, has: []string{"scam"}, not: []string{"傻逼"}, n: 1},
		{name: "off by env", env: map[string]string{"AVATARCAST_DEFAULT_BLOCKLIST": "false", "AVATARCAST_BLOCKED_WORDS_FILE": file},
			has: []string{"劣质货"}, not: []string{"fuck"}, n: 2},
		{name: "unblocked", args: []string{"-unblocked-words", "骗子,Bastard"}, has: []string{"傻逼"}, not: []string{"骗子", "bastard"}, n: defaults - 2},
	} {
		getenv := func(k string) string { return tc.env[k] }
		f := newFlags("gateway", getenv, io.Discard)
		gw := gatewayFlags(f)
		if err := f.parse(tc.args); err != nil {
			t.Fatalf("%s: gateway flags %q: %v", tc.name, tc.args, err)
		}
		got := gw.config().BlockedWords
		for _, w := range tc.has {
			if !slices.Contains(got, w) {
				t.Errorf("%s: gateway list lacks %q", tc.name, w)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("%s: gateway list holds %q", tc.name, w)
			}
		}
		if len(got) != tc.n {
			t.Errorf("%s: gateway list of %d words, want %d", tc.name, len(got), tc.n)
		}
		f = newFlags("director", getenv, io.Discard)
		d := blocklistFlags(f)
		if err := f.parse(tc.args); err != nil {
			t.Fatalf("%s: director flags %q: %v", tc.name, tc.args, err)
		}
		if dl := d.blockedWords(); !slices.Equal(dl, got) {
			t.Errorf("%s: director list of %d words differs from the gateway's %d", tc.name, len(dl), len(got))
		}
	}
}

// TestBlocklistFlagErrors: a missing file and a word to unblock that is
// not in the default list fail the parse with what and where.
func TestBlocklistFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"-blocked-words-file", "/nonexistent/words.txt"}, want: "/nonexistent/words.txt"},
		{env: map[string]string{"AVATARCAST_BLOCKED_WORDS_FILE": "/nonexistent/words.txt"}, want: "AVATARCAST_BLOCKED_WORDS_FILE"},
		{args: []string{"-unblocked-words", "hello"}, want: `"hello" is not in the default list`},
		{env: map[string]string{"AVATARCAST_DEFAULT_BLOCKLIST": "maybe"}, want: "AVATARCAST_DEFAULT_BLOCKLIST"},
	} {
		f := newFlags("director", func(k string) string { return tc.env[k] }, io.Discard)
		blocklistFlags(f)
		err := f.parse(tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("flags %q env %v: error %v, want one saying %q", tc.args, tc.env, err, tc.want)
		}
	}
}
