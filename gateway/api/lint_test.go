package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

type lintAnswer struct {
	OK       bool `json:"ok"`
	Errors   int  `json:"errors"`
	Problems []struct {
		Line     int    `json:"line"`
		Col      int    `json:"col"`
		Severity string `json:"severity"`
		Code     string `json:"code"`
		Message  string `json:"message"`
		Rule     string `json:"rule"`
	} `json:"problems"`
}

// TestLint: POST /api/v1/lint answers a script's problems at their lines and
// stores nothing, whatever the script holds.
func TestLint(t *testing.T) {
	e := newEnv(t)
	lint := func(src string) lintAnswer {
		t.Helper()
		r := e.want(e.do(tokenA, "POST", "/api/v1/lint?id=tea", "application/yaml", []byte(src)), 200, "lint")
		var a lintAnswer
		if err := json.Unmarshal(r.body, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
	good := string(teaScript(t))
	if a := lint(good); !a.OK || a.Errors != 0 {
		t.Errorf("lint of a good script: %+v, want ok", a)
	}
	// An absolute claim is found at its line, with its rule.
	lines := strings.Split(good, "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "Welcome to the tea sale!") {
			at = i
		}
	}
	if at < 0 {
		t.Fatal("testdata/tea.yaml has no greeting")
	}
	lines[at] = strings.Replace(lines[at], "Welcome to the tea sale!", "The best tea in the world!", 1)
	a := lint(strings.Join(lines, "\n"))
	found := false
	for _, p := range a.Problems {
		if p.Code == "absolute-claim" && p.Line == at+1 && p.Severity == "error" && p.Rule != "" && p.Message != "" {
			found = true
		}
	}
	if a.OK || !found {
		t.Errorf("lint of a claim: %+v, want an absolute-claim error at line %d with its rule", a, at+1)
	}
	// Broken YAML is a problem list too, not an error status.
	if a := lint("id: [tea\n"); a.OK || len(a.Problems) == 0 || a.Problems[0].Line == 0 {
		t.Errorf("lint of broken YAML: %+v, want a problem with its line", a)
	}
	// Nothing was stored.
	if l := e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 200, "scripts").json(t)["scripts"].([]any); len(l) != 0 {
		t.Errorf("scripts after lint: %v, want none", l)
	}
	e.want(e.do("", "POST", "/api/v1/lint", "application/yaml", []byte(good)), 401, "lint without a token")
	e.want(e.do(tokenA, "POST", "/api/v1/lint", "application/yaml", nil), 400, "lint of nothing")
	e.want(e.do(tokenA, "POST", "/api/v1/lint", "image/png", []byte(good)), 415, "lint of a picture")
	e.want(e.do(tokenA, "POST", "/api/v1/lint?id=../x", "application/yaml", []byte(good)), 400, "lint with a bad id")
	e.want(e.do(tokenA, "POST", "/api/v1/lint", "application/yaml", make([]byte, 65<<10)), 413, "lint of too much")
}

// TestAuditFilter: ?target and ?action keep one room's or one kind of
// records, newest first, and page on with the filter kept.
func TestAuditFilter(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "script")
	for _, id := range []string{"r1", "r2"} {
		e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"`+id+`","kind":"livestream","script":"tea"}`)), 201, "room "+id)
		e.want(e.do(tokenA, "POST", "/api/v1/rooms/"+id+"/start", "", nil), 200, "start "+id)
		e.want(e.do(tokenA, "POST", "/api/v1/rooms/"+id+"/pause", "", nil), 200, "pause "+id)
	}
	e.want(e.putTea(tokenB), 201, "b's script")
	e.want(e.do(tokenB, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"b1","kind":"livestream","script":"tea"}`)), 201, "b's room")
	type rec struct{ Action, Target, Merchant string }
	get := func(token, q string) ([]rec, string) {
		t.Helper()
		r := e.want(e.do(token, "GET", "/api/v1/audit?"+q, "", nil), 200, "audit "+q)
		var out struct {
			Records []rec  `json:"records"`
			Next    string `json:"next"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		return out.Records, out.Next
	}
	str := func(rs []rec) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Action+"@"+r.Target)
		}
		return strings.Join(s, " ")
	}
	if rs, _ := get(tokenA, "target=r1"); str(rs) != "room.pause@r1 room.start@r1 room.create@r1" {
		t.Errorf("target=r1: %s", str(rs))
	}
	if rs, _ := get(tokenA, "action=room.start"); str(rs) != "room.start@r2 room.start@r1" {
		t.Errorf("action=room.start: %s", str(rs))
	}
	if rs, _ := get(tokenA, "action=room"); len(rs) != 6 {
		t.Errorf("action=room (a prefix): %s, want 6 room records", str(rs))
	}
	if rs, _ := get(tokenA, "action=room.st"); len(rs) != 0 {
		t.Errorf("action=room.st: %s, want none (a prefix ends at a dot)", str(rs))
	}
	// Paging keeps the filter.
	rs, next := get(tokenA, "target=r2&limit=2")
	if str(rs) != "room.pause@r2 room.start@r2" || !strings.Contains(next, "target=r2") {
		t.Fatalf("target=r2&limit=2: %s next %q", str(rs), next)
	}
	rs, _ = get(tokenA, strings.TrimPrefix(next, "/api/v1/audit?"))
	if str(rs) != "room.create@r2" {
		t.Errorf("second page: %s, want room.create@r2", str(rs))
	}
	// Another merchant's records never show, filter or not.
	if rs, _ := get(tokenA, "target=b1"); len(rs) != 0 {
		t.Errorf("a's audit for b's room: %s", str(rs))
	}
	e.want(e.do(tokenA, "GET", "/api/v1/audit?target=a.b", "", nil), 400, "bad target")
	e.want(e.do(tokenA, "GET", "/api/v1/audit?action=*", "", nil), 400, "bad action")
}
