package api_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/gateway/api"
)

// TestPutSilentLoop: a script whose segment loops without speaking or
// pausing is refused with the problem and where it is, and nothing is
// stored.
func TestPutSilentLoop(t *testing.T) {
	e := newEnv(t)
	spin := string(teaScript(t)) + "  - id: spin\n    steps:\n      - if: stock(tea-01) > 0\n        goto: spin\n      - id: spin-never\n        say: {en: Never.}\n"
	r := e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", []byte(spin)), 422, "silent loop")
	var eb struct{ Problems []api.Problem }
	if err := json.Unmarshal(r.body, &eb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(teaScript(t)), "\n")
	found := false
	for _, p := range eb.Problems {
		if p.Code == "silent-loop" && p.Severity == "error" && p.Line == lines+3 && p.Col == 9 {
			found = true
		}
	}
	if !found {
		t.Fatalf("problems %s, want a silent-loop error at line %d col 9", r.body, lines+3)
	}
	e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea", "", nil), 404, "nothing stored")
}
