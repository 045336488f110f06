package script

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden with the problems found")

// TestGolden parses every testdata/*.yaml and compares its problems with
// the matching .golden file.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			show, ps := ParseFile(f)
			got := ps.String()
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("ParseFile(%s) problems:\n%s\nwant:\n%s", f, got, want)
			}
			if (show == nil) != ps.HasErrors() {
				t.Errorf("ParseFile(%s): show nil = %v, but HasErrors = %v", f, show == nil, ps.HasErrors())
			}
		})
	}
}

// TestDemoScripts checks that the example scripts have no errors and no
// warnings, and hold what the demos need.
func TestDemoScripts(t *testing.T) {
	shows, ps := LoadDir("../../scripts")
	if len(ps) > 0 {
		t.Fatalf("LoadDir(scripts) problems:\n%s", ps)
	}
	byID := map[string]*Show{}
	for _, s := range shows {
		byID[s.ID] = s
	}
	live, museum := byID["demo-live"], byID["demo-museum"]
	if live == nil || museum == nil {
		t.Fatalf("LoadDir(scripts) = %d shows, want demo-live and demo-museum", len(shows))
	}
	if live.Persona != "xiaoya" || museum.Persona != "guide-lin" {
		t.Errorf("personas = %q, %q; want xiaoya, guide-lin", live.Persona, museum.Persona)
	}
	if len(live.Languages) < 2 || len(museum.Languages) < 3 {
		t.Errorf("languages = %v, %v; want 2 and 3", live.Languages, museum.Languages)
	}
	pitches, sale := 0, false
	for _, seg := range live.Segments {
		if seg.Product != "" {
			pitches++
		}
		for _, st := range seg.Steps {
			if st.Line == nil {
				continue
			}
			for _, c := range st.Line.Say["zh-CN"].Cues {
				if c.Action.Kind == ActSale {
					if c.Action.Sale == nil || c.Action.Sale.Duration != 5*time.Minute {
						t.Errorf("sale cue %+v: want the sale filled in with its 5m duration", c.Action)
					}
					sale = true
				}
			}
		}
	}
	if pitches < 2 || !sale || len(live.Coupons) == 0 || len(live.FAQ) < 3 || len(live.Idle) == 0 {
		t.Errorf("demo-live: %d pitches, sale %v, %d coupons, %d faq, %d idle", pitches, sale, len(live.Coupons), len(live.FAQ), len(live.Idle))
	}
	if len(museum.Exhibits) != 2 || len(museum.FAQ) < 2 || len(museum.Idle) == 0 {
		t.Errorf("demo-museum: %d exhibits, %d faq, %d idle", len(museum.Exhibits), len(museum.FAQ), len(museum.Idle))
	}
	for _, e := range museum.Exhibits {
		if len(e.Narration) == 0 || len(e.Options) == 0 {
			t.Errorf("exhibit %s: %d narration lines, %d options", e.ID, len(e.Narration), len(e.Options))
		}
	}
}

func TestCues(t *testing.T) {
	const head = "id: x\nkind: livestream\ntitle: {en: T}\npersona: p\nlanguages: [en]\n" +
		"catalog: [{sku: tea-01, title: {en: Tea}, price: 99, stock: 5}]\n" +
		"sales: [{id: f1, sku: tea-01, price: 79, stock: 5, duration: 1m}]\n" +
		"segments:\n- id: s\n  steps:\n  - id: l\n    say:\n      en: "
	tests := []struct {
		in, text string
		at       []int
		kinds    []ActionKind
		col      int // of the first problem, 0 for none
	}{
		{in: "'这款龙井[show:tea-01]今天只要99元'", text: "这款龙井今天只要99元", at: []int{12}, kinds: []ActionKind{ActShowProduct}},
		{in: "'[sale:f1]Go!'", text: "Go!", at: []int{0}, kinds: []ActionKind{ActSale}},
		{in: "this [show:tea-01] tea [hide:tea-01]", text: "this tea ", at: []int{5, 9}, kinds: []ActionKind{ActShowProduct, ActHideProduct}},
		{in: "a [[b] c", text: "a [b] c"},
		{in: "a [oops] b", col: 13},
		{in: "a [show tea-01] b", col: 13},
		{in: "a [show:tea-01", col: 13},
		{in: "a [show:nope] b", col: 13},
	}
	for _, tt := range tests {
		src := head + tt.in + "\n"
		show, ps := Parse("t.yaml", []byte(src))
		if tt.col != 0 {
			if errs := ps.Errors(); len(errs) != 1 || errs[0].Col != tt.col || errs[0].Line != 13 {
				t.Errorf("Parse(%q): problems %v, want one at 13:%d", tt.in, ps, tt.col)
			}
			continue
		}
		if show == nil {
			t.Errorf("Parse(%q): %v", tt.in, ps)
			continue
		}
		u := show.Segments[0].Steps[0].Line.Say["en"]
		if u.Text != tt.text {
			t.Errorf("Parse(%q): text %q, want %q", tt.in, u.Text, tt.text)
		}
		if len(u.Cues) != len(tt.at) {
			t.Errorf("Parse(%q): %d cues, want %d", tt.in, len(u.Cues), len(tt.at))
			continue
		}
		for i, c := range u.Cues {
			if c.At != tt.at[i] || c.Action.Kind != tt.kinds[i] {
				t.Errorf("Parse(%q): cue %d = %d %s, want %d %s", tt.in, i, c.At, c.Action.Kind, tt.at[i], tt.kinds[i])
			}
		}
	}
}

func TestParseMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		ok   bool
	}{
		{"99", 9900, true}, {"99.5", 9950, true}, {"129.00", 12900, true}, {"0.01", 1, true}, {"0", 0, true},
		{"99.999", 0, false}, {"-5", 0, false}, {"1e3", 0, false}, {".5", 0, false}, {"5.", 0, false},
		{"", 0, false}, {"¥99", 0, false}, {"99,5", 0, false}, {"12345678901234", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseMoney(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	if s := Money(6450).String(); s != "64.50" {
		t.Errorf("Money(6450).String() = %q, want 64.50", s)
	}
}

func TestParseCond(t *testing.T) {
	tests := []struct {
		in   string
		want Cond
		ok   bool
	}{
		{"stock(tea-01) < 10", Cond{"stock(tea-01)", "<", 10}, true},
		{"viewers >= 100", Cond{"viewers", ">=", 100}, true},
		{"round==-1", Cond{"round", "==", -1}, true},
		{"round <<< 3", Cond{}, false},
		{"stock() < 1", Cond{}, false},
		{"viewers > many", Cond{}, false},
	}
	for _, tt := range tests {
		got, err := ParseCond(tt.in)
		if (err == nil) != tt.ok || (tt.ok && *got != tt.want) {
			t.Errorf("ParseCond(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestProblems(t *testing.T) {
	ps := Problems{
		{File: "b.yaml", Line: 1, Col: 1, Severity: SevWarning, Code: "w", Msg: "warn"},
		{File: "a.yaml", Line: 9, Col: 2, Severity: SevAck, Code: "absolute-claim", Msg: "ok", Rule: "r"},
		{File: "a.yaml", Line: 3, Col: 7, Severity: SevError, Code: "unknown-sku", Msg: `product "sku-9" is not in the catalog`},
	}
	if ps.Err() == nil || !ps.HasErrors() {
		t.Fatalf("Err() = nil with an error in %v", ps)
	}
	ps.Sort()
	want := "a.yaml:3:7: error: unknown-sku: product \"sku-9\" is not in the catalog\n" +
		"a.yaml:9:2: ack: absolute-claim: ok [r]\n" +
		"b.yaml:1:1: warning: w: warn\n"
	if got := ps.String(); got != want {
		t.Errorf("String() =\n%s\nwant:\n%s", got, want)
	}
	if got := ps.Error(); got != `a.yaml:3:7: error: unknown-sku: product "sku-9" is not in the catalog` {
		t.Errorf("Error() = %q", got)
	}
	if err := ps[1:].Err(); err != nil {
		t.Errorf("Err() of warnings and acks = %v, want nil", err)
	}
}

func TestPersonas(t *testing.T) {
	c := Config{Personas: []string{"guide-lin"}}
	_, ps := c.ParseFile("../../scripts/demo-live.yaml")
	if len(ps) != 1 || ps[0].Code != "unknown-persona" || ps[0].Line != 8 {
		t.Errorf("ParseFile with personas %v: %v, want one unknown-persona at line 8", c.Personas, ps)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("../../scripts/demo-museum.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a.yaml", "b.yml", "c.txt"} {
		if err := os.WriteFile(filepath.Join(dir, name), src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "d.yaml"), []byte("id: [\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	shows, ps := LoadDir(dir)
	if len(shows) != 1 || shows[0].Pos.File != filepath.Join(dir, "a.yaml") {
		t.Errorf("LoadDir: %d shows, want only a.yaml's", len(shows))
	}
	var codes []string
	for _, p := range ps {
		codes = append(codes, filepath.Base(p.File)+":"+p.Code)
	}
	if got, want := strings.Join(codes, " "), "b.yml:duplicate-show d.yaml:yaml-syntax"; got != want {
		t.Errorf("LoadDir problems = %q, want %q\n%s", got, want, ps)
	}
	if _, ps := LoadDir(filepath.Join(dir, "nope")); len(ps) != 1 || ps[0].Code != "read-error" {
		t.Errorf("LoadDir(missing dir) = %v, want one read-error", ps)
	}
	// A file that cannot be read is a problem; the others still load.
	if err := os.Symlink("missing.yaml", filepath.Join(dir, "e.yaml")); err != nil {
		t.Fatal(err)
	}
	shows, ps = LoadDir(dir)
	if last := ps[len(ps)-1]; len(shows) != 1 || filepath.Base(last.File) != "e.yaml" || last.Code != "read-error" {
		t.Errorf("LoadDir with an unreadable file: %d shows, problems\n%s\nwant a.yaml's show and a read-error last", len(shows), ps)
	}
	// LoadFiles keeps the same shows, with their files and sources.
	files, fps := LoadFiles(dir)
	if len(files) != 1 || files[0].Path != filepath.Join(dir, "a.yaml") || string(files[0].Src) != string(src) ||
		files[0].Show == nil || files[0].Show.ID != "demo-museum" {
		t.Errorf("LoadFiles: %+v, want a.yaml with its source and show", files)
	}
	if fps.String() != ps.String() {
		t.Errorf("LoadFiles problems:\n%s\nwant LoadDir's:\n%s", fps, ps)
	}
}
