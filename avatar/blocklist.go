package avatar

import (
	"strings"
	"unicode/utf8"
)

// Blocklist is the one moderation rule for viewer text: the gateway masks
// its words in comments, questions and display names, and the director
// refuses to speak a name that holds one. Both build it from the same
// configured list (-blocked-words). A Blocklist is read-only once built,
// so safe for concurrent use; the nil or empty Blocklist blocks nothing.
type Blocklist struct {
	words []string // lower case, non-empty
}

// NewBlocklist returns the blocklist of words (case-insensitive; blank
// words are dropped).
func NewBlocklist(words []string) *Blocklist {
	f := &Blocklist{}
	for _, w := range words {
		if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
			f.words = append(f.words, w)
		}
	}
	return f
}

// Mask returns text with every case-insensitive occurrence of a blocked
// word replaced by one '*' per character. Matching is by substring, so it
// also works in scripts written without spaces (Chinese, Japanese).
func (f *Blocklist) Mask(text string) string {
	if f == nil || len(f.words) == 0 {
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

// Blocks reports whether text holds a blocked word.
func (f *Blocklist) Blocks(text string) bool {
	if f == nil {
		return false
	}
	for i := 0; i < len(text); {
		if f.match(text[i:]) > 0 {
			return true
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return false
}

// match returns the byte length of the longest blocked word at the start
// of s, or 0.
func (f *Blocklist) match(s string) int {
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
