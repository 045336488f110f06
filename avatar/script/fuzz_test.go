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
