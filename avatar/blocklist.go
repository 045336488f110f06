package avatar

import (
	"bufio"
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Blocklist is the one moderation rule for viewer text: the gateway masks
// its words in comments, questions and display names, and the director
// refuses to speak a name that holds one. Both build it from the same
// configured list: the shipped default list (DefaultBlockedWords) unless
// the operator turns it off, plus -blocked-words and -blocked-words-file.
// A Blocklist is read-only once built, so safe for concurrent use; the nil
// or empty Blocklist blocks nothing.
//
// Matching folds case and full-width forms (ＦＵＣＫ is fuck) and ignores
// invisible format characters (zero-width spaces, soft hyphens) inside a
// word. A word's Latin ends match on word boundaries: a blocked "ass" masks
// "ass" and "ASS!" but not "class" or "assistant"; a letter or digit
// next to it continues the word, a Chinese character or a symbol does not,
// nor a change from small letter to capital or between letter and digit
// (SpamKing, fuck123: names are glued so).
// Chinese, Japanese and Korean characters match anywhere (their text has
// no spaces between words), and up to three spaces or symbols between two
// of a word's characters are matched too (傻 逼, 傻*逼), but not sentence
// punctuation (，。！？；：、) or a new line.
type Blocklist struct {
	ascii [utf8.RuneSelf][]blockWord // by folded first rune
	other map[rune][]blockWord       // by folded first rune
	n     int
}

// blockWord is one blocked word, folded.
type blockWord struct {
	runes      []rune
	start, end bool // its first (last) rune is a word rune: needs a boundary
}

// NewBlocklist returns the blocklist of words (case-insensitive; blank
// words are dropped). It holds only words: pass DefaultBlockedWords among
// them for the shipped list. words is only read.
func NewBlocklist(words []string) *Blocklist {
	f := &Blocklist{other: map[rune][]blockWord{}}
	seen := map[string]bool{}
	for _, w := range words {
		w = fold(strings.TrimSpace(w))
		if w == "" || seen[w] {
			continue
		}
		seen[w] = true
		rs := []rune(w)
		bw := blockWord{runes: rs, start: isWordRune(rs[0]), end: isWordRune(rs[len(rs)-1])}
		if r := rs[0]; r < utf8.RuneSelf {
			f.ascii[r] = append(f.ascii[r], bw)
		} else {
			f.other[r] = append(f.other[r], bw)
		}
		f.n++
	}
	// Longest first, so the first match at a place is the longest.
	longest := func(a, b blockWord) int { return len(b.runes) - len(a.runes) }
	for i := range f.ascii {
		slices.SortStableFunc(f.ascii[i], longest)
	}
	for r := range f.other {
		slices.SortStableFunc(f.other[r], longest)
	}
	return f
}

// Len returns the number of distinct words in f.
func (f *Blocklist) Len() int {
	if f == nil {
		return 0
	}
	return f.n
}

// Mask returns text with every blocked word replaced by one '*' per
// character (the characters between a word's, if any, too).
func (f *Blocklist) Mask(text string) string {
	if f == nil || f.n == 0 {
		return text
	}
	var out []byte
	copied := 0      // text[:copied] is in out
	prev := rune(-1) // the last visible rune before i, as written
	for i := 0; i < len(text); {
		raw, size := utf8.DecodeRuneInString(text[i:])
		r := foldRune(raw)
		if n := f.match(text[i:], r, joined(prev, raw)); n > 0 {
			if out == nil {
				out = make([]byte, 0, len(text))
			}
			out = append(out, text[copied:i]...)
			for range utf8.RuneCountInString(text[i : i+n]) {
				out = append(out, '*')
			}
			i += n
			copied = i
			prev = -1 // a word's end is a boundary
			continue
		}
		if !ignorable(r) {
			prev = raw
		}
		i += size
	}
	if out == nil {
		return text
	}
	return string(append(out, text[copied:]...))
}

// Blocks reports whether text holds a blocked word.
func (f *Blocklist) Blocks(text string) bool {
	if f == nil || f.n == 0 {
		return false
	}
	prev := rune(-1)
	for i := 0; i < len(text); {
		raw, size := utf8.DecodeRuneInString(text[i:])
		r := foldRune(raw)
		if f.match(text[i:], r, joined(prev, raw)) > 0 {
			return true
		}
		if !ignorable(r) {
			prev = raw
		}
		i += size
	}
	return false
}

// match returns the byte length of the longest blocked word at the start
// of s, or 0. r is s's first rune, folded; inWord says whether s starts
// inside a word (so a word whose first rune is a word rune cannot start
// here).
func (f *Blocklist) match(s string, r rune, inWord bool) int {
	var cands []blockWord
	if r < utf8.RuneSelf {
		cands = f.ascii[r]
	} else {
		cands = f.other[r]
	}
	for _, w := range cands {
		if w.start && inWord {
			return 0 // every candidate starts with r, a word rune
		}
		if n := w.matchAt(s); n > 0 {
			return n
		}
	}
	return 0
}

// maxGap is how many spaces or symbols may stand between two characters
// of a Chinese (Japanese, Korean) word.
const maxGap = 3

// matchAt returns the byte length of w at the start of s, or 0.
func (w blockWord) matchAt(s string) int {
	j := 0
	for k, want := range w.runes {
		if j >= len(s) {
			return 0
		}
		r, n := utf8.DecodeRuneInString(s[j:])
		if k > 0 && foldRune(r) != want && want != ' ' {
			// Between two of the word's runes: skip what hides a word.
			if j = skipBetween(s, j, w.runes[k-1], want); j >= len(s) {
				return 0
			}
			r, n = utf8.DecodeRuneInString(s[j:])
		}
		if want == ' ' {
			// A space in a phrase matches any run of white space.
			if !unicode.IsSpace(r) {
				return 0
			}
			for j += n; j < len(s); j += n {
				if r, n = utf8.DecodeRuneInString(s[j:]); !unicode.IsSpace(r) {
					break
				}
			}
			continue
		}
		if foldRune(r) != want {
			return 0
		}
		j += n
	}
	if w.end {
		// The word must end here: the next visible rune does not continue
		// the last one's word.
		last := rune(-1)
		for k := 0; k < j; {
			r, n := utf8.DecodeRuneInString(s[k:])
			if !ignorable(r) {
				last = r
			}
			k += n
		}
		for k := j; k < len(s); {
			r, n := utf8.DecodeRuneInString(s[k:])
			if ignorable(r) {
				k += n
				continue
			}
			if joined(last, r) {
				return 0
			}
			break
		}
	}
	return j
}

// joined reports whether a and b, as written and next to each other, are
// of one word: both word runes, and no change from a lower-case to an
// upper-case letter (SpamKing is Spam King) nor between letter and digit
// (fuck123, 4u) between them.
func joined(a, b rune) bool {
	if a < 0 || !isWordRune(a) || !isWordRune(b) {
		return false
	}
	if unicode.IsDigit(a) != unicode.IsDigit(b) {
		return false
	}
	return !(unicode.IsLower(foldWidth(a)) && unicode.IsUpper(foldWidth(b)))
}

// skipBetween returns the offset in s after the runes from j that may
// stand between a word's runes prev and next: invisible format characters
// always, and up to maxGap spaces or symbols between two CJK runes.
func skipBetween(s string, j int, prev, next rune) int {
	cjk := isCJK(prev) && isCJK(next)
	gap := 0
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		switch {
		case ignorable(r):
		case cjk && gap < maxGap && isGap(r):
			gap++
		default:
			return j
		}
		j += n
	}
	return j
}

// isGap reports whether r may stand between a CJK word's characters: a
// space or a symbol, but not a new line or sentence punctuation.
func isGap(r rune) bool {
	if r == '\n' || r == '\r' || strings.ContainsRune("，。！？；：、,!?;:", r) {
		return false
	}
	return unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r)
}

// ignorable reports whether r is an invisible format character (zero-width
// space and joiners, soft hyphen, byte order mark): skipped inside a word.
func ignorable(r rune) bool {
	return r >= 0xAD && (r < 0x3000 || r >= 0xA000) && unicode.Is(unicode.Cf, r)
}

// isWordRune reports whether r continues a Latin (Cyrillic, Greek…) word:
// a letter, digit or combining mark that is not CJK.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	if r >= 0x3000 && r < 0xA000 { // CJK symbols, kana, Han
		return false
	}
	return (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)) && !isCJK(r)
}

// isCJK reports whether r is written without spaces between words.
func isCJK(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF { // the common Han block, first
		return true
	}
	return r >= 0x2E80 && unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Bopomofo)
}

// foldRune folds r's full-width form (ＡＢＣ１２３) to ASCII and its case
// to lower.
func foldRune(r rune) rune {
	r = foldWidth(r)
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	if r >= 0x3000 && r < 0xA000 { // CJK symbols, kana, Han: no case
		return r
	}
	return unicode.ToLower(r)
}

// foldWidth folds r's full-width form to ASCII.
func foldWidth(r rune) rune {
	if r >= 0xFF01 && r <= 0xFF5E {
		return r - (0xFF01 - 0x21)
	}
	return r
}

// fold returns s with every rune folded (foldRune).
func fold(s string) string {
	return strings.Map(foldRune, s)
}

// The shipped default list: the LDNOOBW lists ("List of Dirty, Naughty,
// Obscene, and Otherwise Bad Words", CC BY 4.0) for English and Chinese,
// less the words removed.txt names (they would mask ordinary talk), plus
// added.txt. See blockwords/README.md.
//
//go:embed blockwords/*.txt
var blockwords embed.FS

var defaultBlocked = sync.OnceValue(func() []string {
	var out []string
	removed := map[string]bool{}
	ws, err := readWords("blockwords/removed.txt")
	if err != nil {
		panic(err) // embedded: a test reads every file
	}
	for _, w := range ws {
		removed[w] = true
	}
	seen := map[string]bool{}
	for _, name := range []string{"blockwords/ldnoobw-en.txt", "blockwords/ldnoobw-zh.txt", "blockwords/added.txt"} {
		ws, err := readWords(name)
		if err != nil {
			panic(err)
		}
		for _, w := range ws {
			if !removed[w] && !seen[w] {
				seen[w] = true
				out = append(out, w)
			}
		}
	}
	return out
})

var defaultBlockedSet = sync.OnceValues(func() (all, bySound map[string]bool) {
	all, bySound = map[string]bool{}, map[string]bool{}
	for _, w := range defaultBlocked() {
		all[w] = true
	}
	ws, err := readWords("blockwords/by-sound.txt")
	if err != nil {
		panic(err)
	}
	for _, w := range ws {
		bySound[w] = true
	}
	return all, bySound
})

// BlockedAsWrittenOnly reports whether w is a word of the default list
// that is matched only as written: the model answers' guard does not look
// for it by sound or spelled out, since most default words would refuse
// ordinary sentences so (青色 sounds as 情色, "grapefruit" holds rape). A
// few strong ones are looked for so too (blockwords/by-sound.txt: 傻逼,
// 操你妈, 骗子, fuck…), and so is every word the operator adds that is not
// a default word.
func BlockedAsWrittenOnly(w string) bool {
	all, bySound := defaultBlockedSet()
	w = fold(strings.TrimSpace(w))
	return all[w] && !bySound[w]
}

// DefaultBlockedWords returns the shipped default list of blocked words:
// profanity, slurs, insults and sexual terms in English and Chinese, folded
// (lower case). The caller owns the returned slice.
func DefaultBlockedWords() []string {
	return slices.Clone(defaultBlocked())
}

// readWords reads an embedded word file: one word a line; blank lines and
// lines starting with '#' are skipped, and " # " starts a comment.
func readWords(name string) ([]string, error) {
	b, err := blockwords.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("blocklist: read %s: %w", name, err)
	}
	var out []string
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		line, _, _ = strings.Cut(line, " # ")
		if w := fold(strings.TrimSpace(line)); w != "" {
			out = append(out, w)
		}
	}
	return out, sc.Err()
}
