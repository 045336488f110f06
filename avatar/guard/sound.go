package guard

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar/script"
	pinyin "github.com/mozillazg/go-pinyin"
)

// The pinyin pass. Chinese text dodges a word list by writing a word with
// other characters of the same sound (草 for 操), with spaces or symbols
// between its characters, or in pinyin letters. The readings come from
// go-pinyin's dictionary (PinyinDict: every reading of 41,000 characters,
// tone marks included); this file reads the dictionary directly, since its
// per-character converter runs regular expressions.

// reading returns the readings of r, tone-marked (zuì), or nil for a rune
// the dictionary does not know (not Han).
func readings(r rune) []string {
	if !isCJKRune(r) {
		return nil
	}
	v, ok := pinyin.PinyinDict[int(r)]
	if !ok || v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// primary returns r's first (most common) reading, tone-marked, or "".
func primary(r rune) string {
	if !isCJKRune(r) {
		return ""
	}
	v := pinyin.PinyinDict[int(r)]
	v, _, _ = strings.Cut(v, ",")
	return v
}

// toneless strips tone marks: zuì → zui, lǜ → lv.
func toneless(p string) string {
	if !strings.ContainsFunc(p, func(r rune) bool { return r >= 0x80 }) {
		return p
	}
	var b strings.Builder
	for _, r := range p {
		if m, ok := plainVowel[r]; ok {
			b.WriteRune(m)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var plainVowel = func() map[rune]rune {
	m := map[rune]rune{}
	for plain, marked := range map[rune]string{
		'a': "āáǎà", 'e': "ēéěèê", 'i': "īíǐì", 'o': "ōóǒò", 'u': "ūúǔù", 'v': "üǖǘǚǜ", 'm': "ḿ", 'n': "ńňǹ",
	} {
		for _, r := range marked {
			m[r] = plain
		}
	}
	return m
}()

// blockedSound is a blocked Chinese word by sound: its syllables without
// tones (zui hao), as the dictionary reads each character first.
type blockedSound struct {
	word  string
	sylls []string
}

// soundOf returns w's syllables if w is Chinese of at least two
// characters: a one-character word by sound would refuse every one of its
// many homophones (si: 四, 思, 丝).
func soundOf(w string) (blockedSound, bool) {
	s := blockedSound{word: w}
	for _, r := range w {
		p := primary(r)
		if p == "" {
			return blockedSound{}, false
		}
		s.sylls = append(s.sylls, toneless(p))
	}
	return s, len(s.sylls) >= 2
}

// A unit is one thing the sound pass compares: a Han character (by every
// reading, toneless) or a run of Latin letters (pinyin, lower case).
type unit struct {
	start, end int
	han        []string
	latin      string
}

// units cuts text into units, skipping everything else (spaces, digits,
// punctuation, symbols), so 傻 * 逼 and sha bi read as two syllables.
func units(text string) []unit {
	var out []unit
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case isCJKRune(r):
			if rs := readings(r); rs != nil {
				u := unit{start: i, end: i + n}
				for _, p := range rs {
					u.han = append(u.han, toneless(p))
				}
				out = append(out, u)
			}
			i += n
		case r < 0x80 && unicode.IsLetter(r):
			j := i
			for j < len(text) && text[j] < 0x80 && unicode.IsLetter(rune(text[j])) {
				j++
			}
			out = append(out, unit{start: i, end: j, latin: strings.ToLower(text[i:j])})
			i = j
		default:
			i += n
		}
	}
	return out
}

// blockedBySound returns the words of text that sound like a blocked
// Chinese word or spell it out, and whether there is one. A plain
// occurrence is Blocks' business; this pass finds the others.
func (g *Guard) blockedBySound(text string) (string, bool) {
	if len(g.sounds) == 0 && len(g.latin) == 0 {
		return "", false
	}
	if len(g.sounds) > 0 {
		us := units(text)
		for i := range us {
			for _, w := range g.sounds {
				if end, ok := matchSound(us[i:], w.sylls); ok {
					return text[us[i].start:us[i+end-1].end], true
				}
			}
		}
	}
	if len(g.latin) > 0 {
		// Letters with anything but letters between them: f.u.c.k, f u c k.
		var letters strings.Builder
		for _, r := range strings.ToLower(text) {
			if unicode.IsLetter(r) && !isCJKRune(r) {
				letters.WriteRune(r)
			} else if isCJKRune(r) {
				letters.WriteByte('|')
			}
		}
		squeezed := letters.String()
		for _, w := range g.latin {
			if strings.Contains(squeezed, w) {
				return w, true
			}
		}
	}
	return "", false
}

// matchSound reports whether us starts with the syllables sylls, and how
// many units they took. A Han unit takes one syllable (any reading); a
// Latin unit one or more, spelt together (shabi, sha bi).
func matchSound(us []unit, sylls []string) (int, bool) {
	k := 0
	for j := 0; j < len(sylls); {
		if k >= len(us) {
			return 0, false
		}
		u := us[k]
		if u.latin == "" {
			found := false
			for _, p := range u.han {
				if p == sylls[j] {
					found = true
					break
				}
			}
			if !found {
				return 0, false
			}
			j++
			k++
			continue
		}
		rest := u.latin
		for rest != "" && j < len(sylls) && strings.HasPrefix(rest, sylls[j]) {
			rest = rest[len(sylls[j]):]
			j++
		}
		if rest != "" {
			return 0, false
		}
		k++
	}
	return k, true
}

// claimChars are the characters of the Chinese absolute and medical claims
// most often dodged by writing a homophone (醉好 for 最好, 弟一 for 第一,
// 顶及 for 顶级). A character of the same tone-marked first reading is read
// as the claim's own before the claim checker runs again.
const claimChars = "最好佳优低强棒第一首选顶级极致独家绝对永久万能冠军王牌唯根治愈疗效"

// ordinaryChars are frequent characters that share a claim character's
// reading and, next to another claim character, make ordinary words: 土地一直
// (地一, not 第一), 手选 (not 首选), 感觉对 (not 绝对), 更加 . They are never
// read as the claim's. Writing a claim with one of them is not caught.
const ordinaryChars = "地手觉加"

// homophoneOf maps a tone-marked reading to the claim characters read so.
var homophoneOf = func() map[string][]rune {
	m := map[string][]rune{}
	for _, r := range claimChars {
		p := primary(r)
		m[p] = append(m[p], r)
	}
	return m
}()

type soundClaim struct {
	script.Claim
	Norm string // the claim as its own characters write it
}

// homophoneClaims returns the claims that text makes with homophones of a
// claim's characters: text read with claimChars in their place holds a
// claim at a place where text itself holds none (seen), made of at least
// one replaced character and at least one character written as the claim
// writes it. The last condition keeps ordinary words whose every
// character happens to sound like a claim's (地衣 for 第一) out; a claim
// written wholly in homophones is not caught.
func homophoneClaims(text, lang string, seen map[int]bool) []soundClaim {
	var out []soundClaim
	// Each variant picks one of the claim characters that share a reading
	// (级 and 极 are both jí); two cover every such pair in claimChars.
	for variant := range 2 {
		var b []byte
		var replaced []int // byte offsets of replaced characters
		for i, r := range text {
			p := primary(r)
			cs := homophoneOf[p]
			if len(cs) == 0 || strings.ContainsRune(claimChars, r) || strings.ContainsRune(ordinaryChars, r) || utf8.RuneLen(r) != utf8.RuneLen(cs[0]) {
				continue
			}
			if b == nil {
				b = []byte(text)
			}
			c := cs[variant%len(cs)]
			utf8.EncodeRune(b[i:], c)
			replaced = append(replaced, i)
		}
		if b == nil {
			return out
		}
		norm := string(b)
		for _, c := range script.FindClaimsIn(norm, lang) {
			end := c.At + len(c.Phrase)
			if seen[c.At] || !hasIn(replaced, c.At, end) || !ownIn(text, c.At, end) {
				continue
			}
			seen[c.At] = true
			out = append(out, soundClaim{Claim: script.Claim{At: c.At, Phrase: text[c.At:end], Code: c.Code, Reason: c.Reason, Rule: c.Rule}, Norm: c.Phrase})
		}
	}
	return out
}

func hasIn(offs []int, start, end int) bool {
	for _, o := range offs {
		if o >= start && o < end {
			return true
		}
	}
	return false
}

// ownIn reports whether text[start:end] holds a claim character as itself.
func ownIn(text string, start, end int) bool {
	if start < 0 || end > len(text) || start > end {
		return false
	}
	return strings.ContainsFunc(text[start:end], func(r rune) bool { return strings.ContainsRune(claimChars, r) })
}
