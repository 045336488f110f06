package voice

import (
	"strings"
	"unicode"

	"github.com/avatarcast/avatarcast/avatar/speech"
)

// The mouth shapes of avatar/speech (docs/speech-timing.md), which the
// pages' renderers draw.
const (
	vRest = "rest"
	vKeep = "" // the mouth stays as it was (k, g, h, ŋ, ʁ...)
)

// baseShapes maps IPA phonemes, as espeak-ng reports them with
// espeakINITIALIZE_PHONEME_IPA, to mouth shapes. A phoneme not here is
// looked up without its length and stress marks and diacritics, then by its
// first symbol.
var baseShapes = map[string]string{
	// lips
	"p": "M", "b": "M", "m": "M",
	"f": "F", "v": "F", "ɱ": "F",
	// tongue up
	"t": "L", "d": "L", "n": "L", "l": "L", "ɫ": "L", "r": "L", "ɹ": "L", "ɾ": "L", "θ": "L", "ð": "L", "ɬ": "L", "ɲ": "L",
	// teeth together
	"s": "S", "z": "S", "ʃ": "S", "ʒ": "S", "tʃ": "S", "dʒ": "S", "ts": "S", "dz": "S", "ç": "S",
	"ɕ": "S", "ʑ": "S", "ʂ": "S", "ʐ": "S", "tɕ": "S", "tʂ": "S", "dʑ": "S", "dʐ": "S",
	// the mouth stays
	"k": vKeep, "g": vKeep, "ɡ": vKeep, "h": vKeep, "x": vKeep, "ɣ": vKeep, "ŋ": vKeep, "ʔ": vKeep, "χ": vKeep, "q": vKeep, "ʁ": vKeep, "ɦ": vKeep,
	// glides
	"w": "U", "ʍ": "U", "ɥ": "U", "j": "E",
	// vowels
	"a": "A", "ɑ": "A", "ɐ": "A", "æ": "A", "ʌ": "A", "ä": "A",
	"e": "E", "ɛ": "E", "i": "E", "ɪ": "E", "ə": "E", "ɚ": "E", "ɜ": "E", "ɨ": "E", "ɤ": "E", "ɘ": "E", "ɵ": "O",
	"o": "O", "ɔ": "O", "ɒ": "O", "ø": "O", "œ": "O",
	"u": "U", "ʊ": "U", "y": "U", "ʏ": "U", "ɯ": "U",
}

// langShapes are each language's exceptions to baseShapes.
var langShapes = map[string]map[string]string{
	"zh": {
		"ɤ": "E", "ɹ̩": "S", "ɻ": "L", "ɻ̩": "S", "y": "U", "ɑu": "A", "əɜ": "E", "ɚ": "E",
		"i.": "S", // the apical vowel of zi, ci, si, zhi
	},
	"en": {
		"əʊ": "O", "oʊ": "O", "ɔɪ": "O", "ɜː": "E", "ɹ": "L", "aɪə": "A", "aʊə": "A",
	},
	"fr": {
		"ə": "O", "ɑ̃": "A", "ɛ̃": "E", "ɔ̃": "O", "œ̃": "O", "ʁ": vKeep, "y": "U", "ɥ": "U", "ø": "O", "œ": "O",
	},
}

// shapeLang is the table a language tag uses: zh, fr, else en.
func shapeLang(lang string) string {
	p := strings.ToLower(lang)
	if i := strings.IndexByte(p, '-'); i >= 0 {
		p = p[:i]
	}
	switch p {
	case "zh", "cmn", "yue", "wuu":
		return "zh"
	case "fr":
		return "fr"
	}
	return "en"
}

// Shape returns the mouth shape of IPA phoneme ph spoken in lang: one of
// rest, A, E, O, U, M, F, L, S, or "" when the mouth stays as it was. An
// empty ph (a pause) is rest.
func Shape(lang, ph string) string {
	if ph == "" || ph == "_" {
		return vRest
	}
	lt := langShapes[shapeLang(lang)]
	if v, ok := lt[ph]; ok {
		return v
	}
	if v, ok := baseShapes[ph]; ok {
		return v
	}
	bare := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) || strings.ContainsRune("ːˑˈˌ'-,;|", r) {
			return -1
		}
		return r
	}, ph)
	if bare == "" {
		return vRest
	}
	if v, ok := lt[bare]; ok {
		return v
	}
	if v, ok := baseShapes[bare]; ok {
		return v
	}
	// A diphthong or cluster looks like its first sound.
	for n := len(bare) - 1; n > 0; n-- {
		if !validCut(bare, n) {
			continue
		}
		if v, ok := lt[bare[:n]]; ok {
			return v
		}
		if v, ok := baseShapes[bare[:n]]; ok {
			return v
		}
	}
	return vKeep
}

// validCut reports whether n is a rune boundary of s.
func validCut(s string, n int) bool { return n < len(s) && (s[n]&0xc0 != 0x80) }

// Visemes turns the phonemes of a line spoken in lang into a mouth track
// of avatar/speech's shapes with its guarantees: strictly increasing times
// within [0, durationMS], no shape twice in a row, the first at 0 and the
// last rest.
func Visemes(lang string, phs []Phoneme, durationMS int) []speech.Viseme {
	out := []speech.Viseme{{V: vRest, AtMS: 0}}
	for _, p := range phs {
		v := Shape(lang, p.Ph)
		if v == vKeep {
			continue
		}
		at := min(max(p.AtMS, 0), durationMS)
		last := &out[len(out)-1]
		switch {
		case at < last.AtMS:
			continue // out of order: keep the track increasing
		case at == last.AtMS:
			last.V = v
			if len(out) > 1 && out[len(out)-2].V == v {
				out = out[:len(out)-1]
			}
		case v != last.V:
			out = append(out, speech.Viseme{V: v, AtMS: at})
		}
	}
	if last := &out[len(out)-1]; last.V != vRest {
		if last.AtMS == durationMS && len(out) > 1 {
			last.V = vRest
			if out[len(out)-2].V == vRest {
				out = out[:len(out)-1]
			}
		} else {
			out = append(out, speech.Viseme{V: vRest, AtMS: durationMS})
		}
	}
	return out
}
