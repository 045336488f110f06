package guard_test

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar/guard"
)

// split feeds pieces to a Splitter and returns every sentence, Flush's
// included.
func split(pieces ...string) []string {
	var s guard.Splitter
	var out []string
	for _, p := range pieces {
		out = append(out, s.Write(p)...)
	}
	return append(out, s.Flush()...)
}

func TestSplitter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		pieces []string
		want   []string
	}{
		{"zh", []string{"这款茶很香。", "回甘明显！要买吗？"}, []string{"这款茶很香。", "回甘明显！", "要买吗？"}},
		{"zh tokens", []string{"这款", "茶很", "香", "。回", "甘明显", "！"}, []string{"这款茶很香。", "回甘明显！"}},
		{"en", []string{"It is green tea. It costs 99 yuan! Want one?"}, []string{"It is green tea.", "It costs 99 yuan!", "Want one?"}},
		{"decimal", []string{"It weighs 99.9 grams. Yes."}, []string{"It weighs 99.9 grams.", "Yes."}},
		{"decimal across pieces", []string{"It costs 99", ".", "9 euros. Yes."}, []string{"It costs 99.9 euros.", "Yes."}},
		{"abbreviation", []string{"Mr. Wang and Dr. Li picked it, e.g. in March. Fresh."}, []string{"Mr. Wang and Dr. Li picked it, e.g. in March.", "Fresh."}},
		{"initial", []string{"J. Smith likes it. So do I."}, []string{"J. Smith likes it.", "So do I."}},
		{"fr", []string{"M. Dupont l'aime. Il coûte 9,90 €. Vraiment ?"}, []string{"M. Dupont l'aime.", "Il coûte 9,90 €.", "Vraiment ?"}},
		{"etc then capital", []string{"Tea, cups etc. We ship fast."}, []string{"Tea, cups etc.", "We ship fast."}},
		{"domain", []string{"See example.com now."}, []string{"See example.com now."}},
		{"run of marks", []string{"真的吗？！太好了……好。"}, []string{"真的吗？！", "太好了……", "好。"}},
		{"ellipsis", []string{"Well... maybe. Yes"}, []string{"Well...", "maybe.", "Yes"}},
		{"closing quote", []string{"她说：“好喝。”然后走了。"}, []string{"她说：“好喝。”", "然后走了。"}},
		{"en closing quote", []string{`He said "fine." Then left.`}, []string{`He said "fine."`, "Then left."}},
		{"full-width marks", []string{"好的．谢谢！再见？"}, []string{"好的．", "谢谢！", "再见？"}},
		{"newline", []string{"first line\nsecond line"}, []string{"first line", "second line"}},
		{"no end", []string{"没有句号"}, []string{"没有句号"}},
		{"blank", []string{"  ", "\n", " "}, nil},
		{"zh dot between han", []string{"好的.谢谢"}, []string{"好的.", "谢谢"}},
		{"split rune", []string{"好\xe5", "\xa5\xbd。"}, []string{"好好。"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := split(tc.pieces...); !slices.Equal(got, tc.want) {
				t.Errorf("split(%q) = %q, want %q", tc.pieces, got, tc.want)
			}
		})
	}
}

// TestSplitterWaits: a sentence end is given out only once the next
// character shows it is one.
func TestSplitterWaits(t *testing.T) {
	var s guard.Splitter
	if got := s.Write("It costs 99."); got != nil {
		t.Errorf(`Write("It costs 99.") = %q, want nothing yet`, got)
	}
	if got := s.Write(" Yes"); !slices.Equal(got, []string{"It costs 99."}) {
		t.Errorf(`then Write(" Yes") = %q`, got)
	}
	if got := s.Flush(); !slices.Equal(got, []string{"Yes"}) {
		t.Errorf("Flush = %q", got)
	}
}

// TestSplitterBounded: text that never ends a sentence is given out in
// bounded pieces, each valid UTF-8.
func TestSplitterBounded(t *testing.T) {
	var s guard.Splitter
	var got []string
	for range 2000 {
		got = append(got, s.Write("很好喝")...)
	}
	if len(got) == 0 {
		t.Fatal("18,000 bytes without a sentence end gave no sentence")
	}
	for _, g := range got {
		if len(g) > guard.MaxPendingBytes+8 || !utf8.ValidString(g) {
			t.Fatalf("piece of %d bytes (valid %v), want at most %d and valid", len(g), utf8.ValidString(g), guard.MaxPendingBytes)
		}
	}
}

// TestSplitterBoundedOnePiece: one piece far longer than MaxPendingBytes
// is given out in pieces of at most that.
func TestSplitterBoundedOnePiece(t *testing.T) {
	var s guard.Splitter
	got := s.Write(strings.Repeat("好", 5000)) // 15,000 bytes
	got = append(got, s.Flush()...)
	total := 0
	for _, g := range got {
		total += len(g)
		if len(g) > guard.MaxPendingBytes || !utf8.ValidString(g) {
			t.Fatalf("piece of %d bytes (valid %v), want at most %d", len(g), utf8.ValidString(g), guard.MaxPendingBytes)
		}
	}
	if total != 15000 {
		t.Errorf("pieces hold %d bytes, want 15000", total)
	}
}

func FuzzSplitter(f *testing.F) {
	for _, s := range []string{"这款茶很香。回甘明显！", "It costs 99.9 euros. Mr. Li", "真的吗？！……", "a.b.c. D", "\xe5\xa5"} {
		f.Add(s, uint8(3))
	}
	f.Fuzz(func(t *testing.T, text string, cut uint8) {
		// Whatever the pieces, the sentences hold the same non-space
		// bytes in the same order, and the same ones as in one piece.
		n := int(cut%16) + 1
		var pieces []string
		for i := 0; i < len(text); i += n {
			pieces = append(pieces, text[i:min(i+n, len(text))])
		}
		got := split(pieces...)
		// strip drops white space and keeps every other byte as it is
		// (strings.Map would turn invalid bytes into U+FFFD).
		strip := func(s string) string {
			var b []byte
			for i := 0; i < len(s); {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !(r != utf8.RuneError && unicode.IsSpace(r)) {
					b = append(b, s[i:i+n]...)
				}
				i += n
			}
			return string(b)
		}
		var joined strings.Builder
		for _, g := range got {
			joined.WriteString(strip(g))
		}
		if a, b := joined.String(), strip(text); a != b {
			t.Fatalf("split(%q) lost or changed text: %q vs %q", pieces, a, b)
		}
		if whole := split(text); len(text) <= guard.MaxPendingBytes && !slices.Equal(whole, got) {
			t.Fatalf("split in pieces of %d = %q, in one = %q", n, got, whole)
		}
		for _, s := range got {
			if s == "" {
				t.Fatal("empty sentence")
			}
		}
	})
}
