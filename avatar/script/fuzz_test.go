package script

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that a show comes
// back exactly when there are no errors. The committed corpus is in
// testdata/fuzz/FuzzParse; the example and test scripts are added as seeds.
func FuzzParse(f *testing.F) {
	for _, pat := range []string{"testdata/*.yaml", "../../scripts/*.yaml"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		show, ps := Parse("fuzz.yaml", src)
		if (show == nil) != ps.HasErrors() {
			t.Fatalf("show nil = %v, HasErrors = %v:\n%s", show == nil, ps.HasErrors(), ps)
		}
		for _, p := range ps {
			if p.Code == "" || p.Msg == "" {
				t.Fatalf("problem without code or message: %#v", p)
			}
		}
	})
}

// FuzzText checks the text scanners on arbitrary text: every span they
// report lies inside the text and starts where they say.
func FuzzText(f *testing.F) {
	for _, s := range []string{"只要99元", "全网最低价，第一次", "The best tea, only $89!", "半价 八五折 30% off", "原价一百九十九，现价九块九", "only nine ninety-nine dollars", "19,90 € -30 %", "¥ 1.5", "[show:x]{price:y}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, c := range FindClaims(text) {
			if c.At < 0 || c.At+len(c.Phrase) > len(text) {
				t.Fatalf("FindClaims(%q): claim %q at %d out of range", text, c.Phrase, c.At)
			}
		}
		for _, m := range findAmounts(text) {
			if m.start < 0 || m.start >= m.end || m.end > len(text) || m.value < 0 {
				t.Fatalf("findAmounts(%q): %+v out of range", text, m)
			}
		}
		for _, d := range findDiscounts(text) {
			if d.start < 0 || d.start >= d.end || d.end > len(text) || text[d.start:d.end] != d.phrase || d.pct <= 0 || d.pct >= 100 {
				t.Fatalf("findDiscounts(%q): %+v out of range", text, d)
			}
		}
		offs, _, _ := breaths(text)
		for _, o := range offs {
			if o < 0 || o > len(text) {
				t.Fatalf("breaths(%q): offset %d out of range", text, o)
			}
		}
	})
}
