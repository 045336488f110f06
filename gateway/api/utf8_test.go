package api_test

import (
	"encoding/json"
	"testing"

	"github.com/avatarcast/avatarcast/gateway/api"
)

// TestInvalidUTF8BodyRefused: bytes that are not UTF-8 in a JSON body are
// refused with where they are, not silently turned into U+FFFD by the JSON
// decoder and stored.
func TestInvalidUTF8BodyRefused(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "script")
	body := "{\"id\":\"u8\",\"kind\":\"livestream\",\n \"title\":\"Tea \xff\xfe sale\",\"script\":\"tea\"}"
	r := e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(body))
	if r.status != 400 {
		t.Fatalf("POST rooms with bytes 0xff 0xfe in the title: HTTP %d, want 400: %s", r.status, r.body)
	}
	var eb struct{ Problems []api.Problem }
	if err := json.Unmarshal(r.body, &eb); err != nil {
		t.Fatal(err)
	}
	want := api.Problem{Line: 2, Col: 15, Field: "title", Severity: "error", Code: "bad-utf8"}
	if len(eb.Problems) != 1 {
		t.Fatalf("problems %+v, want one: %+v", eb.Problems, want)
	}
	got := eb.Problems[0]
	got.Message, got.Rule = "", ""
	if got != want {
		t.Errorf("problem %+v, want %+v", eb.Problems[0], want)
	}
	// Nothing was stored.
	e.want(e.do(tokenA, "GET", "/api/v1/rooms/u8", "", nil), 404, "room after refused create")
}
