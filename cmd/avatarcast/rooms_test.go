package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestReseedSkipsBadScripts: the demo rooms come from the scripts that
// script.LoadFiles keeps, with their sources as read; a script with errors,
// one reusing another's show id and one that cannot be read are reported
// and left out, and the others still play.
func TestReseedSkipsBadScripts(t *testing.T) {
	ps, err := loadPersonas("../../configs/personas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	live, err := os.ReadFile("../../scripts/demo-live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	museum, err := os.ReadFile("../../scripts/demo-museum.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, src := range map[string][]byte{
		"a.yaml": live, "b.yml": museum, "c.yaml": []byte("id: [\n"), "d.yaml": live, "notes.txt": []byte("not a script"),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("missing.yaml", filepath.Join(dir, "e.yaml")); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.ErrorLevel)
	rooms, sources, err := loadRooms(dir, ps, time.Now(), zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range rooms {
		ids = append(ids, string(a.Room.ID))
	}
	if !slices.Equal(ids, []string{"demo-live", "demo-museum"}) {
		t.Errorf("rooms %v, want demo-live and demo-museum", ids)
	}
	if string(sources["demo-live"]) != string(live) || string(sources["demo-museum"]) != string(museum) {
		t.Error("sources are not the files as read")
	}
	var skipped []string
	for _, e := range logs.FilterMessageSnippet("not played").All() {
		skipped = append(skipped, filepath.Base(e.ContextMap()["script"].(string)))
	}
	if !slices.Equal(skipped, []string{"c.yaml", "d.yaml", "e.yaml"}) {
		t.Errorf("not played: %v, want c.yaml (errors), d.yaml (a second demo-live), e.yaml (unreadable)\n%v", skipped, logs.All())
	}
	if _, _, err := loadRooms(filepath.Join(dir, "nope"), ps, time.Now(), zap.NewNop()); err == nil {
		t.Error("loadRooms of a missing directory: no error")
	}
}
