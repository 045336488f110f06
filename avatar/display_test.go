package avatar

import (
	"errors"
	"testing"
)

func TestCheckDisplayText(t *testing.T) {
	for _, c := range []struct {
		in  string
		col int // 0: accepted
	}{
		{"Official DEMO", 0},
		{"龙井茶 · 春季上新", 0},
		{"Chef 👩\u200d🍳 live", 0},
		{"Official \u202eDEMO", 10},
		{"a\x00b", 2},
		{"tab\there", 4},
		{"line\nbreak", 5},
		{"\u2066isolate\u2069", 1},
		{"mark\u200e", 5},
		{"bom\ufeff", 4},
		{"para\u2029", 5},
		{"bad \xff utf8", 5},
	} {
		err := CheckDisplayText(c.in)
		var de *DisplayTextError
		switch {
		case c.col == 0 && err != nil:
			t.Errorf("CheckDisplayText(%q) = %v, want nil", c.in, err)
		case c.col != 0 && (!errors.As(err, &de) || de.Col != c.col):
			t.Errorf("CheckDisplayText(%q) = %v, want an error at character %d", c.in, err, c.col)
		}
	}
	if err := CheckDisplayLines("two\nlines"); err != nil {
		t.Errorf("CheckDisplayLines with a line feed = %v", err)
	}
	if err := CheckDisplayLines("two\r\nlines"); err == nil {
		t.Errorf("CheckDisplayLines with a carriage return = nil, want an error")
	}
}
