package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPersonaLooksChecked refuses a personas file with a look the pages
// could not draw, saying which persona and field, and reads the
// repository's file.
func TestPersonaLooksChecked(t *testing.T) {
	if _, err := loadPersonas(filepath.Join(repoRoot(t), "configs", "personas.yaml")); err != nil {
		t.Fatalf("repository personas: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "personas.yaml")
	src := "personas:\n  - id: odd\n    name: Odd\n    look: {face: square}\n    disclosure: {en: AI}\n"
	if err := os.WriteFile(bad, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := loadPersonas(bad)
	if err == nil || !strings.Contains(err.Error(), "persona odd") || !strings.Contains(err.Error(), "face") {
		t.Fatalf("bad look: %v, want an error naming persona odd and its face", err)
	}
}
