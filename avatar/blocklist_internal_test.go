package avatar

import (
	"slices"
	"testing"
)

// The curation files stay true to the vendored lists: every removed word
// is in one (else the removal is stale), and no added word is (else it is
// needless); the default list holds neither a removed word nor a blank.
func TestDefaultBlockedWordsCuration(t *testing.T) {
	vendored := map[string]bool{}
	for _, f := range []string{"blockwords/ldnoobw-en.txt", "blockwords/ldnoobw-zh.txt"} {
		ws, err := readWords(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			vendored[w] = true
		}
	}
	removed, err := readWords("blockwords/removed.txt")
	if err != nil {
		t.Fatal(err)
	}
	added, err := readWords("blockwords/added.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(vendored) < 700 || len(removed) < 50 || len(added) < 30 {
		t.Fatalf("read %d vendored, %d removed, %d added words: too few", len(vendored), len(removed), len(added))
	}
	for _, w := range removed {
		if !vendored[w] {
			t.Errorf("removed.txt: %q is in no vendored list", w)
		}
	}
	for _, w := range added {
		if vendored[w] {
			t.Errorf("added.txt: %q is already in a vendored list", w)
		}
	}
	defaults := DefaultBlockedWords()
	bySound, err := readWords("blockwords/by-sound.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range bySound {
		if !slices.Contains(defaults, w) {
			t.Errorf("by-sound.txt: %q is not in the default list", w)
		}
		if BlockedAsWrittenOnly(w) {
			t.Errorf("BlockedAsWrittenOnly(%q) = true, want false (by-sound.txt)", w)
		}
	}
	if !BlockedAsWrittenOnly("情色") || !BlockedAsWrittenOnly("RAPE") || BlockedAsWrittenOnly("垃圾") {
		t.Error("BlockedAsWrittenOnly: want true for default words (情色, RAPE), false for others (垃圾)")
	}
	for _, w := range removed {
		if slices.Contains(defaults, w) {
			t.Errorf("default list holds removed word %q", w)
		}
	}
	for _, w := range defaults {
		if w == "" || w != fold(w) {
			t.Errorf("default list holds %q: want folded, non-blank words", w)
		}
	}
}
