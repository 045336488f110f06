package script

import (
	"unicode/utf8"
)

// positions is what a parsed Show keeps of its file to place a problem
// inside a text, as go/token keeps offsets for go/ast: the parser fills it,
// and the checker, the linter and TextPos read it. The source itself is
// not kept, only each spoken text as written.
type positions struct {
	langs map[string]Pos       // where each declared language is listed
	texts map[textKey]textSpan // where each line's text is written
}

// textKey names the text of one line in one language.
type textKey struct{ line, lang string }

// textSpan is where a text is written in the file and what was taken out
// of it (cue marks, the second "[" of "[["), so that a byte offset in the
// text as spoken maps back to a column.
type textSpan struct {
	at    Pos    // the scalar's start
	raw   string // the value as written; "" when exact is false
	col   int    // the column of raw's first character
	exact bool   // the value is written out on one line as it reads
	edits []edit
}

// edit records that removed bytes were taken out of a text at offset at of
// the text as spoken.
type edit struct{ at, removed int }

// pos returns the position of byte off of the text as spoken. It is exact
// when the text is written on one line without escapes, and the text's
// start otherwise.
func (sp *textSpan) pos(off int) Pos {
	raw := off
	for _, e := range sp.edits {
		if e.at <= off {
			raw += e.removed
		}
	}
	return sp.rawPos(raw)
}

// rawPos returns the position of byte off of the value as written.
func (sp *textSpan) rawPos(off int) Pos {
	if !sp.exact {
		return sp.at
	}
	pos := sp.at
	off = min(max(off, 0), len(sp.raw))
	pos.Col = sp.col + utf8.RuneCountInString(sp.raw[:off])
	return pos
}

func (ps *positions) addLang(lang string, at Pos) {
	if ps.langs == nil {
		ps.langs = map[string]Pos{}
	}
	ps.langs[lang] = at
}

// lang returns where lang is listed in the show's languages.
func (ps *positions) lang(lang string) Pos {
	if ps == nil {
		return Pos{}
	}
	return ps.langs[lang]
}

func (ps *positions) addText(lineID, lang string, sp textSpan) {
	if ps.texts == nil {
		ps.texts = map[textKey]textSpan{}
	}
	ps.texts[textKey{lineID, lang}] = sp
}

// text returns the position of byte off of u, the text of line lineID in
// lang; u's start when the show has no record of it.
func (ps *positions) text(lineID, lang string, u Utterance, off int) Pos {
	if ps == nil {
		return u.Pos
	}
	sp, ok := ps.texts[textKey{lineID, lang}]
	if !ok {
		return u.Pos
	}
	return sp.pos(off)
}

// TextPos returns where in the script file byte off of the text of line
// lineID in lang (Line.Say[lang].Text, cue marks taken out) is written. It
// is exact to the column when the text is written on one line without
// escapes, and the text's start otherwise. For a line the show does not
// have, it returns the show's file alone.
func (s *Show) TextPos(lineID, lang string, off int) Pos {
	if s.at != nil {
		if sp, ok := s.at.texts[textKey{lineID, lang}]; ok {
			return sp.pos(off)
		}
	}
	for _, r := range lineRefs(s) {
		if r.line.ID == lineID {
			if u, ok := r.line.Say[lang]; ok {
				return u.Pos
			}
			break
		}
	}
	return Pos{File: s.Pos.File}
}
