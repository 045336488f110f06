package gateway

import (
	"strings"
	"unicode/utf8"
)

// wordFilter masks blocked words in viewer comments. It is read-only once
// built, so safe for concurrent use.
type wordFilter struct {
	words []string // lower case, non-empty
}

func newWordFilter(words []string) *wordFilter {
	f := &wordFilter{}
	for _, w := range words {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			f.words = append(f.words, w)
		}
	}
	return f
}

// mask returns text with every case-insensitive occurrence of a blocked
// word replaced by one '*' per character. Matching is by substring, so it
// also works in scripts written without spaces (Chinese, Japanese).
func (f *wordFilter) mask(text string) string {
	if len(f.words) == 0 {
		return text
	}
	var out []byte
	for i := 0; i < len(text); {
		n := f.match(text[i:])
		if n == 0 {
			_, size := utf8.DecodeRuneInString(text[i:])
			if out != nil {
				out = append(out, text[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(text)), text[:i]...)
		}
		for range utf8.RuneCountInString(text[i : i+n]) {
			out = append(out, '*')
		}
		i += n
	}
	if out == nil {
		return text
	}
	return string(out)
}

// match returns the byte length of the longest blocked word at the start
// of s, or 0.
func (f *wordFilter) match(s string) int {
	best := 0
	for _, w := range f.words {
		// Walk w and s rune by rune, folding case.
		i, j := 0, 0
		for i < len(w) && j < len(s) {
			rw, nw := utf8.DecodeRuneInString(w[i:])
			rs, ns := utf8.DecodeRuneInString(s[j:])
			if rw != rs && !strings.EqualFold(string(rw), string(rs)) {
				break
			}
			i, j = i+nw, j+ns
		}
		if i == len(w) && j > best {
			best = j
		}
	}
	return best
}
