package script

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestAIBlock parses the ai block and the faq mapping as docs/scripts.md
// shows them.
func TestAIBlock(t *testing.T) {
	src, err := os.ReadFile("../../scripts/demo-live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), "  timeout: 6s\n", "  timeout: 6s\n  model: qwen2.5:3b\n", 1))
	s, probs := Parse("live.yaml", src)
	if s == nil || probs.Err() != nil {
		t.Fatalf("parse: %v", probs.Err())
	}
	a := s.AI
	if a == nil || !a.Enabled || a.Endpoint != "default" || a.Model != "qwen2.5:3b" || a.Timeout != 6*time.Second ||
		a.CallsPerMinute != 6 || a.TokensPerHour != 100000 || !slices.Equal(a.OtherProducts, []string{"碧螺春"}) {
		t.Errorf("ai = %+v", a)
	}
	if len(s.Fallback) != 2 || s.Fallback[0].ID != "fallback-1" || len(s.Filler) != 1 || len(s.FAQ) != 3 {
		t.Errorf("fallback %d, filler %d, faq %d; want 2, 1, 3", len(s.Fallback), len(s.Filler), len(s.FAQ))
	}
	if s.Line("filler-1") == nil {
		t.Errorf("Line(filler-1) not found")
	}

	// ai on without a fallback line: an error at the ai block.
	bare := `id: x
kind: livestream
title: {en: X}
persona: xiaoya
languages: [en]
segments:
  - id: a
    steps:
      - {id: a1, say: {en: Hello.}}
faq:
  - id: f
    match: {en: [price]}
    answer: [{id: f1, say: {en: Cheap.}}]
ai: {enabled: true}
`
	_, probs = Parse("bare.yaml", []byte(bare))
	if got := probs.String(); !strings.Contains(got, "bare.yaml:14:5: error: missing-fallback") {
		t.Errorf("problems:\n%s\nwant missing-fallback at the ai block", got)
	}
}
