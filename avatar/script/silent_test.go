package script

import (
	"fmt"
	"strings"
	"testing"
)

// silentShow is a livestream show whose segments are given as YAML lists.
func silentShow(kind string, segs ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id: loop\nkind: %s\ntitle: {en: Loop}\npersona: xiaoya\nlanguages: [en]\nvars: {x: 0}\n", kind)
	b.WriteString("catalog:\n  - {sku: tea-01, title: {en: Tea}, price: 99, stock: 5}\n")
	if kind == "museum" {
		b.WriteString("exhibits:\n  - {id: ex-1, title: {en: Bowl}, narration: [{id: n-1, say: {en: A bowl.}}]}\n")
	}
	b.WriteString("segments:\n")
	for _, s := range segs {
		b.WriteString(s)
	}
	return b.String()
}

// TestSilentLoops: a loop the director could run without speaking or
// pausing is an error, at the step that closes it.
func TestSilentLoops(t *testing.T) {
	speak := "  - id: talk\n    steps:\n      - {id: talk-1, say: {en: Hello.}}\n"
	cases := []struct {
		name string
		src  string
		at   string // "line:col" of the silent-loop error; "" for none
	}{
		{"set and goto itself", silentShow("livestream", speak,
			"  - id: s2\n    steps:\n      - set: {var: x, add: 1}\n      - goto: s2\n"), "16:9"},
		{"if goto before an unreachable say", silentShow("livestream", speak,
			"  - id: s2\n    steps:\n      - set: {var: x, add: 1}\n      - if: x > 0\n        goto: s2\n      - {id: late, say: {en: Late.}}\n"), "16:9"},
		{"two segments jump to each other", silentShow("livestream", speak,
			"  - id: a\n    steps:\n      - {show: tea-01}\n      - goto: b\n",
			"  - id: b\n    steps:\n      - if: x > 0\n        goto: talk\n      - goto: a\n"), "21:9"},
		{"shuffle may jump first", silentShow("livestream", speak,
			"  - id: sh\n    order: shuffle\n    steps:\n      - {id: sh-1, say: {en: Tea.}}\n      - goto: sh\n"), "17:9"},
		{"cycle may play its set step", silentShow("livestream",
			"  - id: cy\n    order: cycle\n    steps:\n      - {id: cy-1, say: {en: Tea.}}\n      - set: {var: x, add: 1}\n"), "10:5"},
		{"whole show without a line", silentShow("livestream",
			"  - id: only\n    steps:\n      - set: {var: x, add: 1}\n"), "10:5"},
		// Not loops without waiting:
		{"say before the goto", silentShow("livestream", speak,
			"  - id: s2\n    steps:\n      - {id: s2-1, say: {en: Again.}}\n      - goto: s2\n"), ""},
		{"pause before the goto", silentShow("livestream", speak,
			"  - id: s2\n    steps:\n      - set: {var: x, add: 1}\n      - {pause: 2s}\n      - goto: s2\n"), ""},
		{"silent segments falling into a spoken one", silentShow("livestream", speak,
			"  - id: s2\n    steps:\n      - if: x > 3\n        goto: talk\n"), ""},
		{"shuffle that speaks before its end", silentShow("livestream",
			"  - id: sh\n    order: shuffle\n    steps:\n      - {id: sh-1, say: {en: Tea.}}\n      - set: {var: x, add: 1}\n"), ""},
		{"museum tour waits after its last segment", silentShow("museum",
			"  - id: only\n    exhibit: ex-1\n    steps:\n      - set: {var: x, add: 1}\n"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			show, ps := Parse("loop.yaml", []byte(c.src))
			var found []Problem
			for _, p := range ps {
				if p.Code == "silent-loop" {
					found = append(found, p)
				}
			}
			if c.at == "" {
				if len(found) > 0 || show == nil {
					t.Fatalf("problems:\n%s\nwant no silent-loop and a show", ps)
				}
				return
			}
			if len(found) != 1 || found[0].Severity != SevError || fmt.Sprintf("%d:%d", found[0].Line, found[0].Col) != c.at {
				t.Fatalf("problems:\n%s\nwant one silent-loop error at %s", ps, c.at)
			}
			if show != nil {
				t.Errorf("Parse returned a show despite the silent loop")
			}
		})
	}
}
