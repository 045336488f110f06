package script

import "unicode"

// IsCJK reports whether r belongs to a script written without spaces
// between words (Han, kana, Hangul, Thai): such text is measured in
// characters, not words, and a keyword or term in it matches anywhere, not
// only between word boundaries. It is the one such rule for the linter and
// the director.
func IsCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul, unicode.Thai)
}
