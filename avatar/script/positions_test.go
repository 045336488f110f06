package script

import (
	"strings"
	"testing"
)

// TestTextPos checks that a parsed Show places offsets of its spoken texts
// in the file by itself: past cue marks and "[[", in quoted and plain text,
// and at the text's start when the text is not written on one line.
func TestTextPos(t *testing.T) {
	src := `id: pos
kind: livestream
title: {en: Positions}
persona: p
languages: [en]
catalog:
  - {sku: tea, title: {en: Tea}, price: 9, stock: 1}
segments:
  - id: s
    steps:
      - id: plain
        say:
          en: see [show:tea] the tea
      - id: quoted
        say:
          en: "a [[b] c"
      - id: block
        say:
          en: |
            one [show:tea] two
`
	show, ps := Parse("pos.yaml", []byte(src))
	if show == nil {
		t.Fatalf("Parse: %v", ps)
	}
	for _, c := range []struct {
		line, word string
		want       string
	}{
		{"plain", "see", "pos.yaml:13:15"},
		{"plain", "the", "pos.yaml:13:30"}, // after "[show:tea] "
		{"quoted", "c", "pos.yaml:16:23"},  // after "[[" that stands for "["
		{"block", "two", "pos.yaml:19:15"}, // a block: where it starts (the |)
	} {
		text := show.Line(c.line).Say["en"].Text
		off := strings.Index(text, c.word)
		if got := show.TextPos(c.line, "en", off).String(); got != c.want {
			t.Errorf("TextPos(%s, en, %d) (%q in %q) = %s, want %s", c.line, off, c.word, text, got, c.want)
		}
	}
	if got := show.TextPos("nope", "en", 0); got != (Pos{File: "pos.yaml"}) {
		t.Errorf("TextPos of an unknown line = %v, want the file alone", got)
	}
	// A Show not made by Parse has no positions inside texts: the
	// utterance's own position stands for all of it.
	hand := &Show{Segments: []Segment{{Steps: []Step{{Kind: StepSay, Line: &Line{ID: "l",
		Say: map[string]Utterance{"en": {Text: "hi there", Pos: Pos{File: "h.yaml", Line: 3, Col: 4}}}}}}}}}
	if got := hand.TextPos("l", "en", 3); got != (Pos{File: "h.yaml", Line: 3, Col: 4}) {
		t.Errorf("TextPos in a hand-made Show = %v, want the utterance's position", got)
	}
}
