package speech

import (
	"strings"
	"unicode/utf8"
)

// number times the number starting at i: digits, with '.', ',' or ':' between
// digits ("3.5", "1,299", "10:30").
func (t *timer) number(i int) int {
	s := t.text
	j := i
	for j < len(s) {
		r, size := rune(s[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[j:])
		}
		if classOf(r) == cDigit {
			j += size
			continue
		}
		if (r == '.' || r == ',' || r == ':') && j+1 < len(s) {
			if r2, _ := utf8.DecodeRuneInString(s[j+1:]); classOf(r2) == cDigit {
				j++
				continue
			}
		}
		break
	}
	j = t.skipMarks(j)
	cjk := t.lang == langCJK
	year := cjk && strings.HasPrefix(s[j:], "年")
	d := numberSyllables(s[i:j], cjk, year)
	if cjk {
		d *= hanMS
	} else {
		d *= latinMS
	}
	start := t.word(i, j, d)
	units := t.units[:0]
	for _, r := range s[i:j] {
		if len(units) >= cap(units)-4 {
			break
		}
		units = latinUnits(units, digitName(r, cjk), false)
	}
	t.spread(units, start, d)
	return j
}

// digitName spells how a digit or separator is read: pinyin in Chinese-reading
// lines, rough English phonetics elsewhere.
func digitName(r rune, cjk bool) string {
	d := digitValue(r)
	switch {
	case d >= 0 && cjk:
		return zhDigits[d]
	case d >= 0:
		return enDigits[d]
	case r == '.' && cjk:
		return "dian"
	case r == '.':
		return "point"
	}
	return ""
}

var (
	zhDigits = [10]string{"ling", "yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu"}
	enDigits = [10]string{"zirou", "wun", "tu", "thri", "for", "faiv", "siks", "sevn", "eit", "nain"}
)

// digitValue returns the value of an ASCII or full-width digit, else -1.
func digitValue(r rune) int {
	switch {
	case '0' <= r && r <= '9':
		return int(r - '0')
	case '０' <= r && r <= '９':
		return int(r - '０')
	}
	return -1
}

// numberSyllables returns how many syllables reading the number s takes.
// A comma before exactly three digits groups thousands; another '.' or ','
// is a decimal point, after which digits are read one by one; ':' separates
// the parts of a time. cjk reads the Chinese way (九十九), else the English way
// (ninety-nine); year reads the integer digit by digit (二零二四年).
func numberSyllables(s string, cjk, year bool) int {
	syl := 0
	frac := false
	var g group
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if classOf(r) == cDigit {
			d := digitValue(r)
			one := 1
			if !cjk && (d == 0 || d == 7) {
				one = 2 // ze-ro, se-ven
			}
			if frac {
				syl += one
			} else {
				g.add(d, one)
			}
			i += size
			continue
		}
		if r == ',' && !frac && threeDigits(s[i+1:]) {
			i++
			continue
		}
		syl += g.syllables(cjk, year)
		g = group{}
		switch {
		case r == ':':
			frac = false
			if cjk {
				syl++ // 点
			}
		case r == '.' || r == ',':
			frac = true
			syl++ // point, 点, virgule
		}
		i += size
	}
	return max(1, syl+g.syllables(cjk, year))
}

// group is the integer part of a number being read.
type group struct {
	n       uint64
	digits  int
	lead0   bool // starts with 0: a code, read digit by digit
	unknown bool // has a digit whose value we do not know
	single  int  // syllables when read digit by digit
}

func (g *group) add(d, syl int) {
	if d < 0 {
		g.unknown = true
		d = 0
	}
	if g.digits == 0 && d == 0 {
		g.lead0 = true
	}
	if g.digits < 18 {
		g.n = g.n*10 + uint64(d)
	}
	g.digits++
	g.single += syl
}

func (g *group) syllables(cjk, year bool) int {
	switch {
	case g.digits == 0:
		return 0
	case g.digits > 9, g.unknown, g.lead0 && g.digits > 1, year && g.digits == 4:
		return g.single
	case cjk:
		return zhInt(g.n)
	}
	return enInt(g.n)
}

func threeDigits(s string) bool {
	if len(s) < 3 {
		return false
	}
	for k := 0; k < 3; k++ {
		if s[k] < '0' || s[k] > '9' {
			return false
		}
	}
	return len(s) == 3 || s[3] < '0' || s[3] > '9'
}

// zhInt returns the syllables of n < 10¹² read in Chinese: 九十九 is 3,
// 一百零五 4, 一万 2.
func zhInt(n uint64) int {
	if n == 0 {
		return 1 // 零
	}
	groups := [3]uint64{n / 1e8, n / 1e4 % 1e4, n % 1e4}
	syl := 0
	started, gap := false, false
	for k, g := range groups {
		if g == 0 {
			gap = gap || started
			continue
		}
		if started && (gap || g < 1000) {
			syl++ // 零
		}
		gap = false
		syl += zhGroup(g, !started)
		if k < 2 {
			syl++ // 亿, 万
		}
		started = true
	}
	return syl
}

// zhGroup returns the syllables of 0 < g < 10⁴ read in Chinese.
func zhGroup(g uint64, first bool) int {
	d := [4]uint64{g / 1000, g / 100 % 10, g / 10 % 10, g % 10}
	syl := 0
	started, zero := false, false
	for k, x := range d {
		if x == 0 {
			zero = zero || started
			continue
		}
		if zero {
			syl++ // 零
			zero = false
		}
		syl++ // the digit
		if k < 3 {
			syl++ // 千, 百, 十
		}
		started = true
	}
	if first && g >= 10 && g < 20 {
		syl-- // 十五, not 一十五
	}
	return syl
}

// enInt returns the syllables of n < 10¹² read in English: ninety-nine is 4.
func enInt(n uint64) int {
	if n == 0 {
		return 2 // ze-ro
	}
	syl := 0
	for _, scale := range [3]uint64{1e9, 1e6, 1e3} {
		if c := n / scale % 1000; c > 0 {
			syl += en1000(c) + 2 // bil-lion, mil-lion, thou-sand
		}
	}
	return syl + en1000(n%1000)
}

func en1000(n uint64) int {
	syl := 0
	if h := n / 100; h > 0 {
		syl += int(enOnes[h]) + 2 // hun-dred
	}
	n %= 100
	switch {
	case n < 10:
		return syl + int(enOnes[n])
	case n < 20:
		return syl + int(enTeens[n-10])
	}
	return syl + int(enTens[n/10]) + int(enOnes[n%10])
}

// Syllables of English number words: one..nine, ten..nineteen, twenty..ninety.
const (
	enOnes  = "\x00\x01\x01\x01\x01\x01\x01\x02\x01\x01"
	enTeens = "\x01\x03\x01\x02\x02\x02\x02\x03\x02\x02"
	enTens  = "\x00\x00\x02\x02\x02\x02\x02\x03\x02\x02"
)
