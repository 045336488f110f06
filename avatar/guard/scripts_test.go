package guard_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// TestScriptedLinesPass: the demo scripts' own lines, which lint passed,
// pass the guard too, sentence by sentence, placeholders filled as the
// director fills them: what the guard refuses in a model's answer it
// would not refuse in a merchant's script, with the shipped default
// blocklist on as serve has it.
func TestScriptedLinesPass(t *testing.T) {
	files, _ := filepath.Glob("../../scripts/*.yaml")
	if len(files) == 0 {
		t.Fatal("no demo scripts in ../../scripts")
	}
	g := guard.New(guard.Config{Blocked: append(avatar.DefaultBlockedWords(), "垃圾", "scam")})
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		show, probs := script.Parse(filepath.Base(file), src)
		if show == nil {
			t.Fatalf("%s: %v", file, probs)
		}
		n := 0
		for _, lang := range show.Languages {
			f := guard.NewFacts(show, guard.Live{}, lang, "")
			value := func(kind, ref string) (string, bool) {
				switch kind {
				case "price", "sale_price":
					if pr := show.Product(ref); pr != nil {
						return pr.Price.String(), true
					}
					if sl := show.Sale(ref); sl != nil {
						return sl.Price.String(), true
					}
				case "stock", "sale_stock":
					if pr := show.Product(ref); pr != nil {
						return strconv.Itoa(pr.Stock), true
					}
				}
				return "1", true
			}
			show.EachLine(func(l *script.Line) bool {
				u, ok := l.Say[lang]
				if !ok {
					return true
				}
				if acked(show, l.ID) {
					return true
				}
				var s guard.Splitter
				text := script.ExpandPlaceholders(u.Text, value)
				for _, sent := range append(s.Write(text), s.Flush()...) {
					n++
					if r := g.Check(sent, f); r != nil {
						t.Errorf("%s line %s (%s): %q refused: %v", file, l.ID, lang, sent, r)
					}
				}
				return true
			})
		}
		if n < 20 {
			t.Errorf("%s: only %d sentences checked", file, n)
		}
	}
}

func acked(s *script.Show, line string) bool {
	for _, a := range s.Acks {
		if a.LineID == line {
			return true
		}
	}
	return false
}
