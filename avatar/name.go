package avatar

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes is the longest display name a viewer may choose, in
// characters (runes).
const MaxNameRunes = 24

// ErrBadName is wrapped by the errors of ParseName.
var ErrBadName = errors.New("bad display name")

// ParseName checks a viewer's display name (MessageData.Name) and returns
// it trimmed of surrounding white space. A name has 1 to MaxNameRunes
// characters, is valid UTF-8 and holds no control, format (bidi overrides,
// zero-width joiners…) or separator characters other than the ASCII space
// (no line or paragraph separators, no-break or ideographic spaces), so
// it cannot reorder, hide or break the text around it. The empty name ""
// means "no name" and is returned as is; a name of only white space is
// refused. Blocked words are not ParseName's business (see Blocklist).
func ParseName(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%w: not valid UTF-8", ErrBadName)
	}
	t := strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(t); {
	case n == 0:
		return "", fmt.Errorf("%w: only white space", ErrBadName)
	case n > MaxNameRunes:
		return "", fmt.Errorf("%w: %d characters, at most %d", ErrBadName, n, MaxNameRunes)
	}
	for i, r := range t {
		switch {
		case r == ' ':
		case r == utf8.RuneError:
			return "", fmt.Errorf("%w: U+FFFD at byte %d", ErrBadName, i)
		case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Z, unicode.Co, unicode.Cs),
			r >= 0xFFF9 && r <= 0xFFFB,   // interlinear annotation marks
			r >= 0xE0000 && r <= 0xE007F: // tag characters
			return "", fmt.Errorf("%w: control, format or separator character %U at byte %d", ErrBadName, r, i)
		}
	}
	return t, nil
}
