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

// TestDisplayStrings: a room title or a notice ref holding control, format
// or bidi characters is refused with a problem that says where.
func TestDisplayStrings(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "put tea")
	post := func(path, body string) resp {
		return e.do(tokenA, "POST", path, "application/json", []byte(body))
	}
	for _, title := range []string{`Official \u202eDEMO`, `Tea\u0000sale`, `Tea\u2066sale`, `Tea\nsale`} {
		r := e.want(post("/api/v1/rooms", `{"id":"t1","kind":"livestream","script":"tea","title":"`+title+`"}`), 422, "title "+title)
		var eb struct{ Problems []api.Problem }
		_ = json.Unmarshal(r.body, &eb)
		if len(eb.Problems) != 1 || eb.Problems[0].Field != "title" || eb.Problems[0].Code != "bad-title" || eb.Problems[0].Col < 4 {
			t.Errorf("title %s: problems %+v, want bad-title on title with its col", title, eb.Problems)
		}
	}
	e.want(e.do(tokenA, "GET", "/api/v1/rooms/t1", "", nil), 404, "no room made")
	e.want(post("/api/v1/rooms", `{"id":"t1","kind":"livestream","script":"tea","title":"Tea \u0026 cups 👩\u200d🍳"}`), 201, "good title")
	e.want(post("/api/v1/rooms/t1/start", ""), 200, "start")
	// A notice's ref is checked before the room's director is asked.
	r := e.want(post("/api/v1/rooms/t1/notice", `{"text":"Sale ends at 9","ref":"bench\u0007-1"}`), 400, "ref with a bell")
	if !strings.Contains(string(r.body), `"field":"ref"`) {
		t.Errorf("ref with a bell: %s, want a problem on ref", r.body)
	}
	e.want(post("/api/v1/rooms/t1/notice", `{"text":"Sale ends at 9","ref":"\u202ebench"}`), 400, "ref with a bidi override")
	e.want(post("/api/v1/rooms/t1/notice", `{"text":"Sale \u202eends at 9"}`), 400, "notice text with a bidi override")
	e.want(post("/api/v1/rooms/t1/say", `{"text":"Sale \u2067ends"}`), 400, "say text with a bidi isolate")
	e.want(post("/api/v1/rooms/t1/notice", `{"text":"Sale ends at 9","ref":"bench-1"}`), 503, "good ref, no director")
}
