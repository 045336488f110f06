package avatar

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// DisplayTextError says which character makes a display string unfit.
type DisplayTextError struct {
	Rune rune // utf8.RuneError for invalid UTF-8
	Col  int  // 1-based character position in the string
}

func (e *DisplayTextError) Error() string {
	if e.Rune == utf8.RuneError {
		return fmt.Sprintf("invalid UTF-8 at character %d", e.Col)
	}
	return fmt.Sprintf("character %d is U+%04X, a control, format or bidi character, which is not allowed", e.Col, e.Rune)
}

// CheckDisplayText checks a one-line string a merchant gives for others to
// see (a room title, a notice's ref, a name shown on a page): it must be
// valid UTF-8 without control characters (Cc, line breaks and tabs
// included), format characters (Cf: bidi overrides and isolates such as
// U+202E, marks, invisible operators, BOM) or line and paragraph separators
// (U+2028, U+2029). The zero-width joiner and non-joiner (U+200D, U+200C)
// are allowed: emoji sequences and several scripts need them and they
// reorder nothing. It returns a *DisplayTextError naming the first bad
// character, or nil.
func CheckDisplayText(s string) error {
	return checkDisplay(s, false)
}

// CheckDisplayLines is CheckDisplayText for text that may span lines: it
// allows line feeds too (a script's spoken line).
func CheckDisplayLines(s string) error {
	return checkDisplay(s, true)
}

func checkDisplay(s string, lines bool) error {
	col := 0
	for i, r := range s {
		col++
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return &DisplayTextError{Rune: utf8.RuneError, Col: col}
			}
		case r == '\n' && lines:
		case r == '\u200c' || r == '\u200d':
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
			return &DisplayTextError{Rune: r, Col: col}
		}
	}
	return nil
}
