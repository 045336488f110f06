package speech

import (
	"unicode"
	"unicode/utf8"
)

// latin times the alphabetic word starting at i: letters and marks, joined
// across an apostrophe or hyphen ("don't", "aujourd'hui", "well-known").
// Digits end the word, so "iPhone15" is a word and a number.
func (t *timer) latin(i int) int {
	s := t.text
	j := i
	for j < len(s) {
		r, size := rune(s[j]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[j:])
		}
		c := classOf(r)
		if c == cLetter || c == cMark {
			j += size
			continue
		}
		if r == '\'' || r == '’' || r == '-' || r == '‐' {
			if k := j + size; k < len(s) {
				if r2, _ := utf8.DecodeRuneInString(s[k:]); classOf(r2) == cLetter {
					j = k
					continue
				}
			}
		}
		break
	}
	w := s[i:j]
	var syl int
	units := t.units[:0]
	if n, ok := spelled(w); ok {
		syl = n
		for k := 0; k < len(w); k++ {
			units = latinUnits(units, letterNames[w[k]-'A'], false)
		}
	} else {
		syl = latinSyllables(w, t.lang)
		units = latinUnits(units, w, t.lang != langOther)
		if len(units) == 0 {
			// A script with no letter shapes here (Arabic, Thai...): move the
			// mouth once per syllable, with vowels picked by code point.
			r, _ := utf8.DecodeRuneInString(w)
			for k := 0; k < syl && len(units) < cap(units); k++ {
				units = append(units, vA+uint8((int(r)+k)%3))
			}
		}
	}
	d := syl * latinMS
	start := t.word(i, j, d)
	t.spread(units, start, d)
	return j
}

// letterNames spells the English names of the letters A to Z.
var letterNames = [26]string{"ei", "bi", "si", "di", "i", "ef", "ji", "eich", "ai", "jei",
	"kei", "el", "em", "en", "ou", "pi", "kiu", "ar", "es", "ti", "iu", "vi", "dabliu",
	"eks", "wai", "zi"}

// spelled reports whether w is an acronym read letter by letter ("TV", "USB",
// "HTML") and how many syllables that takes: all ASCII capitals, two or three
// letters, or up to five with no vowel.
func spelled(w string) (int, bool) {
	if len(w) < 2 || len(w) > 5 {
		return 0, false
	}
	vowels, syl := 0, 0
	for k := 0; k < len(w); k++ {
		c := w[k]
		if c < 'A' || c > 'Z' {
			return 0, false
		}
		switch c {
		case 'A', 'E', 'I', 'O', 'U', 'Y':
			vowels++
		}
		syl++
		if c == 'W' {
			syl += 2 // dou-ble-u
		}
	}
	if len(w) > 3 && vowels > 0 {
		return 0, false
	}
	return syl, true
}

// latinSyllables estimates the syllables of an alphabetic word as its vowel
// groups, less a silent final e in English and French. Letters of scripts
// without vowel letters here (Arabic, Hebrew, Devanagari...) count half a
// syllable each.
func latinSyllables(w string, l lang) int {
	groups, other := 0, 0
	inVowel := false
	for _, r := range w {
		if isVowel(r) {
			if !inVowel {
				groups++
			}
			inVowel = true
			continue
		}
		inVowel = false
		if r >= 0x250 && !(0x370 <= r && r <= 0x4FF) && !(0x1E00 <= r && r <= 0x1EFF) && unicode.IsLetter(r) {
			other++
		}
	}
	if groups > 1 && l != langOther {
		groups -= silentE(w, l)
	}
	return max(1, groups+(other+1)/2)
}

// silentE returns 1 if w ends in a silent e, es or ed, else 0.
func silentE(w string, l lang) int {
	n := len(w)
	if n < 3 {
		return 0
	}
	last, prev, pp := lower(w[n-1]), lower(w[n-2]), lower(w[n-3])
	switch {
	case last == 'e' && !isVowelByte(prev):
		if l != langFR && prev == 'l' && !isVowelByte(pp) {
			return 0 // ta-ble
		}
		return 1
	case (last == 's' || last == 'd') && prev == 'e' && !isVowelByte(pp):
		if l == langFR {
			if last == 's' {
				return 1
			}
			return 0
		}
		if last == 'd' && pp != 't' && pp != 'd' {
			return 1 // jumped, loved
		}
		if last == 's' && pp != 's' && pp != 'x' && pp != 'z' && pp != 'c' && pp != 'g' && pp != 'h' {
			return 1 // makes, loves
		}
	}
	return 0
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func isVowelByte(b byte) bool {
	switch lower(b) {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return b >= utf8.RuneSelf // part of an accented letter, most of them vowels
}

func isVowel(r rune) bool {
	if r < utf8.RuneSelf {
		return isVowelByte(byte(r))
	}
	switch letterShape(unicode.ToLower(r)) {
	case vA, vE, vO, vU:
		return r != 'й' && r != 'Й'
	}
	return false
}

// latinUnits appends the visemes of the spelling w to dst, a letter or a
// digraph at a time, and stops when dst is full. With silent, a final e after
// a consonant is skipped.
func latinUnits(dst []uint8, w string, silent bool) []uint8 {
	vowel := false // a vowel came before: "the" keeps its e, "make" loses it
	for i := 0; i < len(w) && len(dst) < cap(dst); {
		r, size := rune(w[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(w[i:])
		} else {
			r = rune(lower(byte(r)))
		}
		var nx, nx2 byte
		if i+size < len(w) {
			nx = lower(w[i+size])
		}
		if i+size+1 < len(w) {
			nx2 = lower(w[i+size+1])
		}
		adv := size
		u, u2 := vNone, vNone
		switch r {
		case 'a':
			switch nx {
			case 'u', 'w':
				u, adv = vO, 2
			case 'i', 'y':
				u, adv = vE, 2
			default:
				u = vA
			}
		case 'e':
			switch {
			case nx == 'a' && nx2 == 'u':
				u, adv = vO, 3
			case nx == 'e' || nx == 'a' || nx == 'i' || nx == 'y':
				u, adv = vE, 2
			case silent && vowel && i+1 == len(w) && !isVowelByte(w[i-1]):
				// silent final e
			default:
				u = vE
			}
		case 'i', 'y':
			u = vE
		case 'o':
			switch nx {
			case 'o', 'u':
				u, adv = vU, 2
			case 'i', 'y':
				u, u2, adv = vO, vE, 2
			case 'w':
				u, adv = vO, 2
			default:
				u = vO
			}
		case 'u':
			u = vU
		case 'w':
			u = vU
			if nx == 'h' {
				adv = 2
			}
		case 't':
			u = vL
			if nx == 'h' {
				adv = 2
			}
		case 's':
			u = vS
			if nx == 'h' {
				adv = 2
			}
		case 'c':
			switch nx {
			case 'h':
				u, adv = vS, 2
			case 'e', 'i', 'y':
				u = vS
			}
		case 'p':
			u = vM
			if nx == 'h' {
				u, adv = vF, 2
			}
		case 'q':
			if nx == 'u' {
				u, adv = vU, 2
			}
		case 'm', 'b':
			u = vM
		case 'f', 'v':
			u = vF
		case 'l', 'd', 'n', 'r':
			u = vL
		case 'z', 'j', 'x':
			u = vS
		case 'g', 'k', 'h':
		default:
			if r >= utf8.RuneSelf {
				u = letterShape(unicode.ToLower(r))
			}
		}
		if u != vNone {
			dst = append(dst, u)
		}
		if u2 != vNone && len(dst) < cap(dst) {
			dst = append(dst, u2)
		}
		vowel = vowel || isVowel(r)
		i += adv
	}
	return dst
}

// letterShape returns the viseme of a lower-case non-ASCII letter: accented
// Latin, Vietnamese, Greek and Cyrillic; vNone for others.
func letterShape(r rune) uint8 {
	switch {
	case 0x1EA0 <= r && r <= 0x1EB7:
		return vA
	case 0x1EB8 <= r && r <= 0x1ECB:
		return vE
	case 0x1ECC <= r && r <= 0x1EE3:
		return vO
	case 0x1EE4 <= r && r <= 0x1EF1:
		return vU
	case 0x1EF2 <= r && r <= 0x1EF9:
		return vE
	}
	switch r {
	case 'à', 'á', 'â', 'ã', 'ä', 'å', 'æ', 'ā', 'ă', 'ą', 'α', 'ά', 'а', 'я':
		return vA
	case 'è', 'é', 'ê', 'ë', 'ē', 'ė', 'ę', 'ě', 'ì', 'í', 'î', 'ï', 'ī', 'į', 'ı', 'ĩ',
		'ý', 'ÿ', 'ε', 'έ', 'η', 'ή', 'ι', 'ί', 'е', 'ё', 'э', 'и', 'ы', 'й':
		return vE
	case 'ò', 'ó', 'ô', 'õ', 'ö', 'ø', 'ō', 'ő', 'œ', 'ơ', 'ο', 'ό', 'ω', 'ώ', 'о':
		return vO
	case 'ù', 'ú', 'û', 'ü', 'ū', 'ů', 'ű', 'ų', 'ư', 'ũ', 'υ', 'ύ', 'у', 'ю':
		return vU
	case 'ç', 'ś', 'š', 'ž', 'ź', 'ż', 'ß', 'σ', 'ς', 'ζ', 'ξ', 'ψ', 'с', 'з', 'ш', 'щ', 'ж', 'ч', 'ц':
		return vS
	case 'ñ', 'ń', 'ł', 'ď', 'ť', 'ř', 'đ', 'ν', 'λ', 'τ', 'δ', 'θ', 'ρ', 'л', 'т', 'д', 'н', 'р':
		return vL
	case 'μ', 'β', 'π', 'м', 'б', 'п':
		return vM
	case 'φ', 'ф', 'в':
		return vF
	}
	return vNone
}

// symbol times a symbol read aloud, such as % or a currency sign.
func (t *timer) symbol(r rune, i, j int) {
	syl, reading := symbolReading(r, t.lang == langCJK)
	d := syl * latinMS
	if t.lang == langCJK {
		d = syl * hanMS
	}
	start := t.word(i, j, d)
	t.spread(latinUnits(t.units[:0], reading, false), start, d)
}

// symbolReading returns how a symbol is read, in syllables and in a rough
// phonetic spelling, in Chinese (pinyin) or in English.
func symbolReading(r rune, cjk bool) (int, string) {
	type reading struct {
		zhSyl int
		zh    string
		enSyl int
		en    string
	}
	var x reading
	switch r {
	case '%', '％':
		x = reading{3, "baifenzhi", 2, "persent"}
	case '+', '＋':
		x = reading{1, "jia", 1, "plus"}
	case '&', '＆':
		x = reading{1, "he", 1, "and"}
	case '@', '＠':
		x = reading{2, "aite", 1, "at"}
	case '=', '＝':
		x = reading{2, "dengyu", 2, "ikwalz"}
	case '°':
		x = reading{1, "du", 2, "digriz"}
	case '$', '＄':
		x = reading{2, "meiyuan", 2, "dolarz"}
	case '€':
		x = reading{2, "ouyuan", 2, "yuroz"}
	case '£':
		x = reading{2, "yingbang", 1, "paundz"}
	case '¥', '￥':
		x = reading{1, "yuan", 1, "yen"}
	case '×':
		x = reading{1, "cheng", 1, "taimz"}
	case '₩':
		x = reading{2, "hanyuan", 1, "won"}
	default:
		x = reading{1, "a", 1, "a"}
	}
	if cjk {
		return x.zhSyl, x.zh
	}
	return x.enSyl, x.en
}
