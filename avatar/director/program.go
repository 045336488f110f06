package director

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/speech"
)

// Program is a show prepared for playing: the parsed script (whose own
// lookups find its products, sales, exhibits and segments), folded FAQ
// keywords and a cache of timed lines. It is read-only
// once made, so one Program is shared by every room playing the show; its
// methods are safe for concurrent use.
type Program struct {
	Show    *script.Show
	Version uint64 // the script version it was parsed from, 0 if unknown

	faq   []faqKey
	timed sync.Map // timedKey → timedLine, for lines without placeholders
}

// timedLine is a line's speech timing in the event's form. Its slices are
// shared and must not be modified.
type timedLine struct {
	tr      speech.Track
	words   []avatar.Word
	visemes []avatar.Viseme
}

// faqKey is one folded keyword of one FAQ entry.
type faqKey struct {
	faq   int    // index in Show.FAQ
	lang  string // language the keyword belongs to
	kw    string // folded
	words bool   // match whole words only (no CJK in the keyword)
	runes int
}

type timedKey struct {
	line *script.Line
	lang string
	rate float64
}

// Compile prepares show (which must be valid, as script.Parse returns it)
// for playing. version is recorded in cursors.
func Compile(show *script.Show, version uint64) *Program {
	p := &Program{Show: show, Version: version}
	for i, f := range show.FAQ {
		// Languages in the script's order, so ties resolve the same way
		// every time.
		langs := slices.Clone(show.Languages)
		for _, lang := range slices.Sorted(maps.Keys(f.Match)) {
			if !slices.Contains(langs, lang) {
				langs = append(langs, lang)
			}
		}
		for _, lang := range langs {
			for _, kw := range f.Match[lang] {
				k := fold(kw)
				if k == "" {
					continue
				}
				p.faq = append(p.faq, faqKey{faq: i, lang: lang, kw: k, words: !hasCJK(k), runes: len([]rune(k))})
			}
		}
	}
	return p
}

// time returns the timing of text, spoken from line l in lang. Lines
// without placeholders are timed once per program and shared by all rooms.
func (p *Program) time(l *script.Line, text, lang string, v speech.Voice, cacheable bool) timedLine {
	if !cacheable || l == nil {
		return timeLine(text, lang, v)
	}
	k := timedKey{line: l, lang: lang, rate: v.Rate}
	if tl, ok := p.timed.Load(k); ok {
		return tl.(timedLine)
	}
	tl := timeLine(text, lang, v)
	p.timed.Store(k, tl)
	return tl
}

func timeLine(text, lang string, v speech.Voice) timedLine {
	tr := speech.Time(text, lang, v)
	tl := timedLine{tr: tr, words: make([]avatar.Word, len(tr.Words)), visemes: make([]avatar.Viseme, len(tr.Visemes))}
	for i, w := range tr.Words {
		tl.words[i] = avatar.Word(w)
	}
	for i, v := range tr.Visemes {
		tl.visemes[i] = avatar.Viseme(v)
	}
	return tl
}

// match finds the FAQ entry a viewer's text asks about: the one with the
// longest keyword found in it (the most specific), the first in the script
// on a tie. It returns the entry's index and the keyword's language, or -1.
// A keyword shared by several languages ("photo") counts as the room's
// language lang if that is one of them.
func (p *Program) match(text, lang string) (int, string) {
	t := fold(text)
	best, bestLang, bestLen := -1, "", 0
	for _, k := range p.faq {
		better := best < 0 || k.runes > bestLen ||
			k.runes == bestLen && (k.faq < best || k.faq == best && k.lang == lang && bestLang != lang)
		if better && contains(t, k.kw, k.words) {
			best, bestLang, bestLen = k.faq, k.lang, k.runes
		}
	}
	return best, bestLang
}

// contains reports whether kw occurs in t; with words, only where it is not
// part of a longer word (so "ship" does not match "relationship").
func contains(t, kw string, words bool) bool {
	for from := 0; from <= len(t); {
		i := strings.Index(t[from:], kw)
		if i < 0 {
			return false
		}
		i += from
		if !words || (wordEdge(t, i, true) && wordEdge(t, i+len(kw), false)) {
			return true
		}
		from = i + 1
	}
	return false
}

// wordEdge reports whether byte offset i of t is not inside a word: the
// rune before it (before) or at it is no letter or digit, or is CJK.
func wordEdge(t string, i int, before bool) bool {
	var r rune
	if before {
		if i == 0 {
			return true
		}
		r = lastRune(t[:i])
	} else {
		if i >= len(t) {
			return true
		}
		for _, c := range t[i:] {
			r = c
			break
		}
	}
	return !(unicode.IsLetter(r) || unicode.IsDigit(r)) || script.IsCJK(r)
}

func lastRune(s string) rune {
	var r rune
	for _, c := range s {
		r = c
	}
	return r
}

// fold makes text comparable the way viewers type it: full-width ASCII and
// the ideographic space become their ASCII forms (the part of Unicode NFKC
// that viewers' input methods produce), letters are lower-cased, and runs
// of white space become one space. Done by hand to avoid a dependency for
// one table; golang.org/x/text/width would also fold half-width katakana,
// which no script here matches on.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading space
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		if unicode.IsSpace(r) {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(unicode.ToLower(r))
	}
	return strings.TrimRight(b.String(), " ")
}

func hasCJK(s string) bool { return strings.ContainsFunc(s, script.IsCJK) }
