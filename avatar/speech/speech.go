package speech

import (
	"unicode"
	"unicode/utf8"
)

// Voice tunes timing for one persona. The zero value is a normal speaking rate.
type Voice struct {
	Rate float64 // 1.0 (or 0) = normal, 1.2 = 20% faster; clamped to [0.25, 4]
}

// Word is one word (Latin scripts) or one character group (CJK) of a line.
type Word struct {
	Text    string `json:"text"`
	Offset  int    `json:"offset"` // byte offset of Text in the line
	StartMS int    `json:"start_ms"`
	EndMS   int    `json:"end_ms"`
}

// Viseme is a mouth shape starting at AtMS and held until the next one.
type Viseme struct {
	V    string `json:"v"`
	AtMS int    `json:"at_ms"`
}

// Track is the timing of one spoken line.
type Track struct {
	DurationMS int      `json:"duration_ms"`
	Words      []Word   `json:"words"`
	Visemes    []Viseme `json:"visemes"`
}

// Base durations in ms at rate 1; see the package documentation.
const (
	hanMS    = 220 // a Han character, or a syllable of a number read in a CJK language
	kanaMS   = 130 // a kana mora
	hangulMS = 170 // a Hangul syllable block
	latinMS  = 210 // a syllable of a Latin-script word or of a number read in it
	commaMS  = 250 // a comma-like pause
	stopMS   = 450 // a sentence-final pause
	gapMS    = 50  // the closest two visemes of one Latin word
)

// Viseme codes; vNone means "no visible shape, keep the mouth as it was".
const (
	vNone uint8 = iota
	vRest
	vA
	vE
	vO
	vU
	vM
	vF
	vL
	vS
)

var visemeNames = [...]string{"", "rest", "A", "E", "O", "U", "M", "F", "L", "S"}

// runeShape is a character's mouth shape: onset<<4 | vowel.
type runeShape struct {
	r rune
	s uint8
}

// Time computes the track of text spoken in lang (BCP 47: "zh-CN", "en", "fr"...) by v.
// The tag's primary subtag picks the rules: zh, ja, ko (and yue, cmn...) read
// numbers the Chinese way; en and fr drop silent e; an empty tag means en.
// Words and Visemes are never nil and are new slices owned by the caller.
// Time is deterministic and safe for concurrent use.
func Time(text, lang string, v Voice) Track {
	var t timer
	t.text, t.lang, t.rate = text, langOf(lang), v.milli()
	t.run()
	return Track{DurationMS: t.ms(t.now), Words: t.words.slice(), Visemes: t.vis.slice()}
}

// OffsetMS returns the time in ms at which speech reaches byte offset off of the
// line (the start of the word containing or following off; DurationMS past the end).
func (t Track) OffsetMS(off int) int {
	lo, hi := 0, len(t.Words)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if w := t.Words[m]; w.Offset+len(w.Text) <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo == len(t.Words) {
		return t.DurationMS
	}
	return t.Words[lo].StartMS
}

// milli returns the rate in thousandths.
func (v Voice) milli() int64 {
	r := v.Rate
	if !(r > 0) { // zero, negative and NaN
		r = 1
	}
	r = min(max(r, 0.25), 4)
	return int64(r*1000 + 0.5)
}

// lang is what timing needs to know of a language tag.
type lang uint8

const (
	langOther lang = iota // Latin-script languages without silent-e rules (de, es, it...)
	langEN                // English, and the default for an empty or unknown tag
	langFR
	langCJK // zh, ja, ko, yue...: numbers read the Chinese way
)

func langOf(tag string) lang {
	base := tag
	for i := 0; i < len(tag); i++ {
		if tag[i] == '-' || tag[i] == '_' {
			base = tag[:i]
			break
		}
	}
	switch {
	case base == "", eq(base, "en"), eq(base, "und"):
		return langEN
	case eq(base, "fr"):
		return langFR
	case eq(base, "zh"), eq(base, "ja"), eq(base, "ko"), eq(base, "yue"), eq(base, "cmn"),
		eq(base, "wuu"), eq(base, "hak"), eq(base, "nan"), eq(base, "lzh"):
		return langCJK
	}
	// Other tags (de, es, it, ru...) get no silent-e rule and English number reading.
	return langOther
}

// eq reports whether s equals the lower-case ASCII word w, ignoring case.
func eq(s, w string) bool {
	if len(s) != len(w) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

// timer holds the state of one Time call. Times are base ms (rate 1) until ms scales them.
type timer struct {
	text  string
	lang  lang
	rate  int64 // thousandths
	now   int   // base ms
	pause int   // pending pause, base ms
	words buf[Word]
	vis   buf[Viseme]
	units [64]uint8 // scratch: the visemes of the current word
}

// buf collects a track's words or visemes in an array inside the timer,
// which lives on the stack, and moves them to the heap only for long lines,
// so that Time allocates just the two slices it returns.
type buf[T any] struct {
	n     int
	fixed [96]T
	more  []T // every element, once fixed has overflowed
}

func (b *buf[T]) len() int {
	if b.more != nil {
		return len(b.more)
	}
	return b.n
}

func (b *buf[T]) at(i int) T {
	if b.more != nil {
		return b.more[i]
	}
	return b.fixed[i]
}

func (b *buf[T]) truncate(n int) {
	if b.more != nil {
		b.more = b.more[:n]
	} else {
		b.n = n
	}
}

func (b *buf[T]) add(x T) {
	switch {
	case b.more != nil:
		b.more = append(b.more, x)
	case b.n < len(b.fixed):
		b.fixed[b.n] = x
		b.n++
	default:
		b.more = make([]T, b.n, 4*b.n)
		copy(b.more, b.fixed[:])
		b.more = append(b.more, x)
	}
}

// slice returns the elements in a new slice, empty rather than nil.
func (b *buf[T]) slice() []T {
	if b.more != nil {
		return b.more
	}
	out := make([]T, b.n) // no allocation when n is 0
	copy(out, b.fixed[:b.n])
	return out
}

// ms scales a base time by the rate. It is monotone, so order survives scaling.
func (t *timer) ms(base int) int {
	return int((int64(base)*1000 + t.rate/2) / t.rate)
}

// push appends viseme c at base time at, keeping the track strictly increasing
// in time and free of repeats.
func (t *timer) push(c uint8, at int) {
	if c == vNone {
		return
	}
	ms := t.ms(at)
	n := t.vis.len()
	if n > 0 && t.vis.at(n-1).AtMS >= ms {
		// Same instant after rounding: the later shape wins.
		n--
		t.vis.truncate(n)
	}
	if n > 0 && t.vis.at(n-1).V == visemeNames[c] {
		return
	}
	t.vis.add(Viseme{V: visemeNames[c], AtMS: ms})
}

// addPause records a pause of d base ms before the next word.
func (t *timer) addPause(d int) { t.pause = max(t.pause, d) }

// flushPause starts the pending pause, if any, with a rest.
func (t *timer) flushPause() {
	if t.pause == 0 {
		return
	}
	t.push(vRest, t.now)
	t.now += t.pause
	t.pause = 0
}

// word appends text[i:j] lasting d base ms and returns its start.
func (t *timer) word(i, j, d int) int {
	t.flushPause()
	start := t.now
	t.now += d
	t.words.add(Word{Text: t.text[i:j], Offset: i, StartMS: t.ms(start), EndMS: t.ms(t.now)})
	return start
}

// spread places units over [start, start+d), evenly, at most one per gapMS.
func (t *timer) spread(units []uint8, start, d int) {
	if len(units) == 0 {
		t.push(vE, start) // a word with no visible shape still opens the mouth a little
		return
	}
	n := len(units)
	keep := max(1, min(n, d/gapMS))
	for k := 0; k < keep; k++ {
		t.push(units[k*n/keep], start+k*d/keep)
	}
}

// syllable places one CJK syllable's onset, vowel and coda over [start, start+d).
func (t *timer) syllable(s uint8, coda uint8, start, d int) {
	on, vow := s>>4, s&0x0f
	at := start
	if on != vNone {
		t.push(on, at)
		at = start + d*3/10
	}
	t.push(vow, at)
	if coda != vNone {
		t.push(coda, start+d*3/4)
	}
}

func (t *timer) run() {
	s := t.text
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		switch c := classOf(r); c {
		case cSpace:
			i += size
		case cSilent:
			// " - " is a dash; a hyphen elsewhere is silent.
			if r == '-' && i > 0 && s[i-1] == ' ' && i+1 < len(s) && s[i+1] == ' ' {
				t.addPause(commaMS)
			}
			i += size
		case cComma:
			t.addPause(commaMS)
			i += size
		case cStop:
			// A dot inside "e.g." or "example.com" is not a full stop.
			if r == '.' && i+1 < len(s) && isWordStart(s[i+1:]) {
				i++
				continue
			}
			t.addPause(stopMS)
			i += size
		case cDigit:
			i = t.number(i)
		case cLetter:
			i = t.latin(i)
		case cMark:
			i += size // a mark with no letter before it is silent
		case cSymbol:
			t.symbol(r, i, i+size)
			i += size
		default:
			i = t.cjk(r, c, i, size)
		}
	}
	if n := t.vis.len(); t.pause > 0 || n == 0 || t.vis.at(n-1).V != "rest" {
		t.push(vRest, t.now)
	}
	t.now += t.pause
	t.pause = 0
}

// isWordStart reports whether s starts with a letter or a digit.
func isWordStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	c := classOf(r)
	return c == cLetter || c == cDigit
}

// class is how a rune takes part in speech.
type class uint8

const (
	cSilent class = iota // symbols, emoji, quotes, brackets, invalid UTF-8
	cSpace
	cComma
	cStop
	cDigit
	cLetter // letters of alphabetic scripts
	cMark   // combining marks, variation selectors
	cSymbol // symbols read aloud: % + & @ = ° and currency signs
	cHan
	cKana
	cKanaJoin // small kana, っ and ー, which join the kana before them
	cHangul
	cSyllabic // other CJK syllabaries: Bopomofo, Hangul jamo, Yi
)

func classOf(r rune) class {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return cLetter
		case '0' <= r && r <= '9':
			return cDigit
		case r == ' ' || r == '\t' || r == '\r':
			return cSpace
		}
		switch r {
		case ',', ';', ':', '\n':
			return cComma
		case '.', '!', '?':
			return cStop
		case '%', '+', '&', '@', '=', '$':
			return cSymbol
		}
		return cSilent
	}
	switch {
	case 0x4E00 <= r && r <= 0x9FFF:
		return cHan
	case 0xAC00 <= r && r <= 0xD7A3:
		return cHangul
	case 0x3041 <= r && r <= 0x30FF:
		return kanaClass(r)
	}
	switch r {
	case '，', '、', '；', '：', '—', '–', '،', '︐', '､':
		return cComma
	case '。', '！', '？', '…', '‥', '．', '｡', '؟', '।', '‼', '⁇', '⁈', '⁉':
		return cStop
	case '％', '＋', '＆', '＠', '＝', '°', '€', '£', '¥', '￥', '＄', '×', '₩':
		return cSymbol
	case '\u3000', '\u00a0':
		return cSpace
	}
	switch {
	case unicode.Is(unicode.Han, r):
		return cHan
	case unicode.In(r, unicode.Hiragana, unicode.Katakana):
		return cKana
	case unicode.In(r, unicode.Hangul, unicode.Bopomofo, unicode.Yi):
		return cSyllabic
	case unicode.IsLetter(r):
		return cLetter
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || unicode.Is(unicode.Mc, r):
		return cMark
	case unicode.IsDigit(r):
		return cDigit
	case unicode.IsSpace(r):
		return cSpace
	}
	return cSilent
}

func kanaClass(r rune) class {
	switch r {
	case 'ぁ', 'ぃ', 'ぅ', 'ぇ', 'ぉ', 'ゃ', 'ゅ', 'ょ', 'ゎ', 'ゕ', 'ゖ', 'っ',
		'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ヮ', 'ヵ', 'ヶ', 'ッ', 'ー':
		return cKanaJoin
	case '・', '゠':
		return cSilent
	case '゛', '゜', '\u3099', '\u309a':
		return cMark
	}
	return cKana
}

// kanaShape returns the mouth shape of a kana, hiragana or katakana.
func kanaShape(r rune) uint8 {
	if 0x30A1 <= r && r <= 0x30F6 {
		r -= 0x60
	}
	if 0x3041 <= r && r <= 0x3096 {
		return kanaShapes[r-0x3041]
	}
	return vA
}

// hanShape returns the mouth shape of a Han character: from the table for
// common ones, else A, E or O by code point.
func hanShape(r rune) uint8 {
	lo, hi := 0, len(hanShapes)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if hanShapes[m].r < r {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(hanShapes) && hanShapes[lo].r == r {
		return hanShapes[lo].s
	}
	return vA + uint8(r%3) // A, E or O
}

// Hangul syllable parts, in the order of Unicode's composition formula.
const (
	hangulOnsets = "..LLLLMMMSS.SSS.LM."          // 19 initial consonants
	hangulVowels = "AEAEAEAEOAEEOUOEEUEEE"        // 21 vowels
	hangulGlides = ".........UUU..UUU...."        // vowels starting with w
	hangulCodas  = "....LLLLLLLLLLLLMMMSS.SS.LM." // 28 finals, the first none
)

func code(b byte) uint8 {
	switch b {
	case 'A':
		return vA
	case 'E':
		return vE
	case 'O':
		return vO
	case 'U':
		return vU
	case 'M':
		return vM
	case 'F':
		return vF
	case 'L':
		return vL
	case 'S':
		return vS
	}
	return vNone
}

// hangulShape returns the shape and coda of a precomposed Hangul syllable.
func hangulShape(r rune) (shape, coda uint8) {
	n := int(r - 0xAC00)
	l, v, tl := n/588, n%588/28, n%28
	on := code(hangulOnsets[l])
	if on == vNone {
		on = code(hangulGlides[v])
	}
	return on<<4 | code(hangulVowels[v]), code(hangulCodas[tl])
}

// cjk times one Han character, kana group or Hangul syllable starting at i.
func (t *timer) cjk(r rune, c class, i, size int) int {
	j := i + size
	switch c {
	case cHan, cHangul, cSyllabic:
		j = t.skipMarks(j)
		d := hanMS
		if c != cHan {
			d = hangulMS
		}
		start := t.word(i, j, d)
		switch c {
		case cHan:
			t.syllable(hanShape(r), vNone, start, d)
		case cHangul:
			s, coda := hangulShape(r)
			t.syllable(s, coda, start, d)
		default:
			t.syllable(vA+uint8(r%3), vNone, start, d)
		}
		return j
	}
	// Kana: the kana at i and the small kana, sokuon and long marks joined to it.
	n := 0
	if c == cKana || r == 'っ' || r == 'ッ' || r == 'ー' {
		n = 1
	}
	units := t.units[:0]
	units = appendShape(units, kanaShape(r))
	for j < len(t.text) {
		r2, s2 := utf8.DecodeRuneInString(t.text[j:])
		c2 := classOf(r2)
		if c2 == cMark {
			j += s2
			continue
		}
		if c2 != cKanaJoin {
			break
		}
		if r2 == 'っ' || r2 == 'ッ' || r2 == 'ー' {
			n++
		} else if len(units) < cap(units)-2 {
			units = appendShape(units, kanaShape(r2))
		}
		j += s2
	}
	n = max(n, 1)
	d := n * kanaMS
	start := t.word(i, j, d)
	t.spread(units, start, d)
	return j
}

// appendShape appends a shape's onset and vowel to dst, skipping empty ones.
func appendShape(dst []uint8, s uint8) []uint8 {
	if on := s >> 4; on != vNone {
		dst = append(dst, on)
	}
	if vow := s & 0x0f; vow != vNone {
		dst = append(dst, vow)
	}
	return dst
}

// skipMarks returns the end of the combining marks starting at j.
func (t *timer) skipMarks(j int) int {
	for j < len(t.text) {
		r, size := utf8.DecodeRuneInString(t.text[j:])
		if classOf(r) != cMark {
			break
		}
		j += size
	}
	return j
}
