package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxPendingBytes bounds what a Splitter holds without a sentence end: past
// it the text so far is given out as a sentence (which the guard then
// refuses as too long), so a model that never ends a sentence cannot grow
// memory without bound.
const MaxPendingBytes = 4 * MaxSentenceBytes

// A Splitter cuts streamed text (zh, en, fr) into sentences as the pieces
// arrive. A sentence ends at 。！？.!? (and the full-width ．！？｡), a
// run of them (?!, ……, ...), or a line break, together with the closing
// quotes and brackets that follow; it is given out only once the next
// character shows the sentence is over, so "99." then "9" stays one
// number. A full stop is no end between digits (99.9), inside a word
// (example.com), after a single capital (J. Smith) or after a common
// abbreviation (Mr., e.g., etc. before a lower-case word, M., Mme.).
// The zero Splitter is ready; it is not safe for concurrent use.
type Splitter struct {
	buf []byte
	// scan is how far buf has been looked at without finding an end.
	scan int
}

// Write adds a piece of streamed text and returns the sentences it
// completed, trimmed, in order (none may be empty). Invalid UTF-8 is kept
// as it is; the guard refuses it.
func (s *Splitter) Write(piece string) []string {
	s.buf = append(s.buf, piece...)
	var out []string
	for {
		end, ok := s.next(false)
		if !ok {
			break
		}
		out = appendSentence(out, string(s.buf[:end]))
		s.buf = s.buf[end:]
		s.scan = 0
	}
	for len(s.buf) > MaxPendingBytes {
		// Cut at the start of the rune that crosses the bound.
		cut := MaxPendingBytes
		for cut > 0 && !utf8.RuneStart(s.buf[cut]) {
			cut--
		}
		if cut == 0 {
			cut = MaxPendingBytes
		}
		out = appendSentence(out, string(s.buf[:cut]))
		s.buf = s.buf[cut:]
		s.scan = 0
	}
	return out
}

// Flush ends the stream: it returns the sentences left, the last one
// possibly without an end mark, and empties s.
func (s *Splitter) Flush() []string {
	var out []string
	for len(s.buf) > 0 {
		end, ok := s.next(true)
		if !ok {
			end = len(s.buf)
		}
		out = appendSentence(out, string(s.buf[:end]))
		s.buf = s.buf[end:]
		s.scan = 0
	}
	return out
}

func appendSentence(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

// next returns the end of the first complete sentence in buf. At the end
// of the stream (final) a sentence end needs nothing after it.
func (s *Splitter) next(final bool) (int, bool) {
	b := s.buf
	for i := s.scan; i < len(b); {
		if !final && !utf8.FullRune(b[i:]) {
			return 0, false // the rest of this rune comes with the next piece
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == '\n' {
			return i + n, true
		}
		if !isEnd(r) {
			i += n
			s.scan = i
			continue
		}
		// A run of end marks and closing marks.
		j := i + n
		for j < len(b) {
			if !final && !utf8.FullRune(b[j:]) {
				return 0, false
			}
			r2, n2 := utf8.DecodeRune(b[j:])
			if !isEnd(r2) && !isCloser(r2) {
				break
			}
			j += n2
		}
		if j == len(b) && !final {
			return 0, false // what follows decides; s.scan stays at i
		}
		if r == '.' && j == i+n && !fullStop(b, i, j, final) {
			i = j
			s.scan = i
			continue
		}
		return j, true
	}
	return 0, false
}

// fullStop reports whether the single '.' at b[i] ends a sentence; the
// next rune (if any) starts at j.
func fullStop(b []byte, i, j int, final bool) bool {
	var next rune = -1
	if j < len(b) {
		next, _ = utf8.DecodeRune(b[j:])
	}
	prev, _ := utf8.DecodeLastRune(b[:i])
	switch {
	case next == -1:
		return final
	case isDigit(prev) && isDigit(next):
		return false // 99.9
	case unicode.IsLetter(next) || isDigit(next):
		return isCJKRune(next) // example.com, v1.2; but 好的.谢谢
	}
	// The word before the dot.
	k := i
	for k > 0 {
		r, n := utf8.DecodeLastRune(b[:k])
		if !unicode.IsLetter(r) {
			break
		}
		k -= n
	}
	word := string(b[k:i])
	if word == "" {
		return true
	}
	if utf8.RuneCountInString(word) == 1 && unicode.IsUpper([]rune(word)[0]) {
		return false // an initial: J. Smith, M. Dupont
	}
	lw := strings.ToLower(word)
	if _, ok := abbrevs[lw]; ok {
		// "etc." and "approx." end a sentence when a capital follows.
		if _, soft := softAbbrevs[lw]; soft {
			return nextLetterUpper(b[j:])
		}
		return false
	}
	return true
}

func nextLetterUpper(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r) || isCJKRune(r)
		}
		if !unicode.IsSpace(r) && !isCloser(r) {
			return true
		}
		b = b[n:]
	}
	return false
}

// abbrevs are the words whose full stop ends no sentence (lower case).
var abbrevs = map[string]struct{}{
	"mr": {}, "mrs": {}, "ms": {}, "dr": {}, "st": {}, "prof": {}, "vs": {}, "jr": {}, "sr": {},
	"e.g": {}, "i.e": {}, "g": {}, "e": {}, "i": {}, "etc": {}, "approx": {}, "incl": {}, "ca": {},
	"mme": {}, "mlle": {}, "cf": {}, "env": {}, "av": {}, "bd": {}, "p": {}, "ex": {},
}

// softAbbrevs end a sentence when a capital follows.
var softAbbrevs = map[string]struct{}{"etc": {}, "approx": {}, "incl": {}, "env": {}}

func isEnd(r rune) bool {
	switch r {
	case '。', '！', '？', '.', '!', '?', '．', '｡', '…', '‼', '⁇', '⁈', '⁉':
		return true
	}
	return false
}

func isCloser(r rune) bool {
	switch r {
	case '"', '\'', ')', ']', '”', '’', '」', '』', '）', '】', '》', '»', '〉', '］':
		return true
	}
	return false
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

func isCJKRune(r rune) bool {
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}
