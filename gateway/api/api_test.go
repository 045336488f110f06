package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"
	"go.uber.org/zap/zaptest/observer"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway/api"
)

const (
	tokenA = "token-of-merchant-a-0123456789"
	tokenB = "token-of-merchant-b-0123456789"
)

var personas = map[string]avatar.Persona{
	"xiaoya": {ID: "xiaoya", Disclosure: map[string]string{"en": "An AI presenter."}},
	// A real likeness licensed for museum use only.
	"curator": {ID: "curator", Disclosure: map[string]string{"en": "An AI likeness."},
		Likeness: &avatar.Likeness{Person: "W", Face: true, Licence: &avatar.Licence{ID: "L1", Covers: []string{"face", "museum"}}}},
	// A real face and voice with no licence of its own: only a merchant's
	// licence record lets it present.
	"wang": {ID: "wang", Disclosure: map[string]string{"en": "An AI likeness of Wang Jun."},
		Likeness: &avatar.Likeness{Person: "Wang Jun", Face: true, Voice: true}},
}

type env struct {
	t   testing.TB
	b   *bus.Bus
	srv *httptest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvLog(t, logger(t))
}

func newEnvLog(t testing.TB, log *zap.Logger) *env {
	t.Helper()
	e, _ := newEnvConfig(t, log, nil)
	return e
}

// newEnvConfig is newEnvLog with the config changed by change (if not nil);
// it returns the API too, for its Run.
func newEnvConfig(t testing.TB, log *zap.Logger, change func(*api.Config)) (*env, *api.API) {
	t.Helper()
	b := bustest.Start(t)
	cfg := api.Config{
		Merchants: []api.Merchant{
			{ID: "a", TokenSHA256: api.HashToken(tokenA)},
			{ID: "b", TokenSHA256: api.HashToken(tokenB)},
		},
		Personas:       personas,
		Schema:         []byte(`{"$schema":"https://json-schema.org/draft/2020-12/schema"}`),
		MaxScriptBytes: 64 << 10,
		ControlTimeout: time.Second,
	}
	if change != nil {
		change(&cfg)
	}
	a, err := api.New(cfg, b, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, b: b, srv: srv}, a
}

// logger logs to the test, and not at all in benchmarks.
func logger(t testing.TB) *zap.Logger {
	if tt, ok := t.(*testing.T); ok {
		return zaptest.NewLogger(tt)
	}
	return zap.NewNop()
}

type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r resp) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not JSON: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r resp) errCode(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

// do sends a request as the merchant with token (none if empty).
func (e *env) do(token, method, path, ctype string, body []byte) resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

func (e *env) want(r resp, status int, what string) resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("%s: HTTP %d, want %d: %s", what, r.status, status, r.body)
	}
	return r
}

func teaScript(t testing.TB) []byte {
	src, err := os.ReadFile("testdata/tea.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func (e *env) putTea(token string) resp {
	return e.do(token, "PUT", "/api/v1/scripts/tea", "application/yaml", teaScript(e.t))
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ name, header string }{
		{"none", ""}, {"wrong token", "Bearer nope"}, {"basic", "Basic " + tokenA}, {"empty bearer", "Bearer "},
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/scripts", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: HTTP %d, WWW-Authenticate %q; want 401 with a Bearer challenge", tc.name, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
		var eb struct {
			Error     struct{ Code, Message string }
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal(body, &eb) != nil || eb.Error.Code != "unauthorized" || eb.RequestID == "" {
			t.Errorf("%s: body %s, want the JSON error with a request id", tc.name, body)
		}
	}
	// Unknown routes are 401 too without a token: nothing leaks before auth.
	e.want(e.do("", "GET", "/api/v1/nothing", "", nil), 401, "unknown route without token")
	e.want(e.do(tokenA, "GET", "/api/v1/nothing", "", nil), 404, "unknown route with token")
	if r := e.want(e.do(tokenA, "PATCH", "/api/v1/scripts/x", "", nil), 405, "PATCH a script"); r.header.Get("Allow") != "GET, PUT, DELETE" {
		t.Errorf("405 Allow = %q, want GET, PUT, DELETE", r.header.Get("Allow"))
	}
	e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 200, "list with token")
	// The schema is public.
	r := e.want(e.do("", "GET", "/schema/show-script.json", "", nil), 200, "schema")
	if ct := r.header.Get("Content-Type"); ct != "application/schema+json" {
		t.Errorf("schema Content-Type %q, want application/schema+json", ct)
	}
}

func TestScriptLifecycle(t *testing.T) {
	e := newEnv(t)
	r := e.want(e.putTea(tokenA), 201, "create script")
	m := r.json(t)
	v1 := m["version"].(float64)
	probs, _ := m["problems"].([]any)
	if len(probs) != 1 || probs[0].(map[string]any)["code"] != "unused-sale" || probs[0].(map[string]any)["line"] != 15.0 {
		t.Errorf("create: problems %v, want the unused-sale warning at line 15", probs)
	}
	// The same source again stores nothing new.
	if m := e.want(e.putTea(tokenA), 200, "same script").json(t); m["version"] != v1 || m["changed"] != false {
		t.Errorf("same script again: %v, want version %v unchanged", m, v1)
	}
	// A new version, sent as JSON.
	js := `{"id":"tea","kind":"livestream","title":{"en":"Tea sale 2"},"persona":"xiaoya","languages":["en"],
	 "catalog":[{"sku":"tea-01","title":{"en":"Tea"},"price":"99.00","stock":5}],
	 "segments":[{"id":"greet","steps":[{"id":"hello","say":{"en":"Hello, I am an AI presenter."}}]}]}`
	m = e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/json", []byte(js)), 200, "json version").json(t)
	v2 := m["version"].(float64)
	if v2 <= v1 {
		t.Fatalf("json version %v, want above %v", v2, v1)
	}
	// Stored as YAML, and the money string stays a string.
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/scripts/tea", nil)
	req.Header.Set("Authorization", "Bearer "+tokenA)
	req.Header.Set("Accept", "application/yaml")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(y), "id: tea\n") || !strings.Contains(string(y), `price: "99.00"`) {
		t.Errorf("GET as YAML: HTTP %d:\n%s\nwant block YAML with price \"99.00\"", res.StatusCode, y)
	}
	// Conditional stores: If-Match the newest version, If-None-Match for new.
	cond := func(h, v string, body string) int {
		req, _ := http.NewRequest("PUT", e.srv.URL+"/api/v1/scripts/tea", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tokenA)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(h, v)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	js2 := strings.Replace(js, "Tea sale 2", "Tea sale 3", 1)
	for _, tc := range []struct {
		h, v string
		want int
	}{
		{"If-Match", `"` + jsonNum(v1) + `"`, 412},
		{"If-None-Match", "*", 412},
		{"If-Match", "x", 400},
		{"If-Match", `"` + jsonNum(v2) + `"`, 200},
	} {
		if got := cond(tc.h, tc.v, js2); got != tc.want {
			t.Errorf("PUT with %s: %s: HTTP %d, want %d", tc.h, tc.v, got, tc.want)
		}
	}
	v3 := e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea", "", nil), 200, "latest").json(t)["version"].(float64)
	if v3 <= v2 {
		t.Fatalf("after a conditional PUT, latest %v, want above %v", v3, v2)
	}
	// Put the second version back, as the rest of the test expects.
	js = strings.Replace(js, "Tea sale 2", "Tea sale 2b", 1)
	v2 = e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/json", []byte(js)), 200, "json version").json(t)["version"].(float64)

	// A bad version is refused with every problem, and nothing is stored.
	bad := strings.Replace(string(teaScript(t)), "[show:tea-01]", "[show:tea-99]", 1)
	bad = strings.Replace(bad, "persona: xiaoya", "persona: nobody", 1)
	r = e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", []byte(bad)), 422, "bad script")
	var eb struct {
		Problems []api.Problem
	}
	_ = json.Unmarshal(r.body, &eb)
	codes := map[string]bool{}
	for _, p := range eb.Problems {
		codes[p.Code] = true
		if p.Line == 0 || p.Severity == "" || p.Message == "" {
			t.Errorf("problem without position or message: %+v", p)
		}
	}
	if !codes["unknown-persona"] || len(eb.Problems) < 2 {
		t.Errorf("bad script: problems %+v, want unknown-persona and the unknown product", eb.Problems)
	}
	if m := e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea", "", nil), 200, "latest").json(t); m["version"] != v2 {
		t.Errorf("after a refused script, latest is %v, want %v", m["version"], v2)
	}
	// The id in the body must match the URL.
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/other", "application/yaml", teaScript(t)), 422, "id mismatch")
	// A likeness not licensed for a livestream is refused.
	lic := strings.Replace(string(teaScript(t)), "persona: xiaoya", "persona: curator", 1)
	if r := e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", []byte(lic)), 422, "unlicensed"); !strings.Contains(string(r.body), "persona-unlicensed") {
		t.Errorf("unlicensed persona: %s, want persona-unlicensed", r.body)
	}
	// Too large, wrong type, bad JSON.
	big := append(teaScript(t), bytes.Repeat([]byte("# padding\n"), 7000)...)
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", big), 413, "too large")
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/x-www-form-urlencoded", teaScript(t)), 415, "form")
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/json", []byte(`{"id": "tea",`)), 422, "broken json")

	// Versions, newest first, and each one.
	vs := e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions", "", nil), 200, "versions").json(t)["versions"].([]any)
	if len(vs) != 4 || vs[0].(map[string]any)["version"] != v2 || vs[1].(map[string]any)["version"] != v3 || vs[3].(map[string]any)["version"] != v1 {
		t.Fatalf("versions %v, want %v, %v, ..., %v", vs, v2, v3, v1)
	}
	old := e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions/"+jsonNum(v1), "", nil), 200, "version 1").json(t)
	if old["source"] != string(teaScript(t)) {
		t.Errorf("version %v source = %q, want the first upload", v1, old["source"])
	}
	e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions/999", "", nil), 404, "missing version")
	e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions/x", "", nil), 404, "bad version")
	if l := e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 200, "list").json(t)["scripts"].([]any); len(l) != 1 {
		t.Errorf("list = %v, want tea", l)
	}

	// Delete.
	e.want(e.do(tokenA, "DELETE", "/api/v1/scripts/tea", "", nil), 204, "delete")
	e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea", "", nil), 404, "get deleted")
	e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions", "", nil), 404, "versions of deleted")
	e.want(e.do(tokenA, "DELETE", "/api/v1/scripts/tea", "", nil), 404, "delete twice")
	if l := e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 200, "list").json(t)["scripts"].([]any); len(l) != 0 {
		t.Errorf("list after delete = %v, want none", l)
	}
}

func jsonNum(f float64) string { b, _ := json.Marshal(f); return string(b) }

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "A's script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json",
		[]byte(`{"id":"a-live","kind":"livestream","title":"A live","script":"tea"}`)), 201, "A's room")
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/v1/scripts/tea", ""},
		{"GET", "/api/v1/scripts/tea/versions", ""},
		{"GET", "/api/v1/scripts/tea/versions/1", ""},
		{"DELETE", "/api/v1/scripts/tea", ""},
		{"GET", "/api/v1/rooms/a-live", ""},
		{"GET", "/api/v1/rooms/a-live/record", ""},
		{"POST", "/api/v1/rooms/a-live/start", ""},
		{"POST", "/api/v1/rooms/a-live/stop", ""},
		{"PUT", "/api/v1/rooms/a-live/script", `{"version":0}`},
		{"POST", "/api/v1/rooms/a-live/say", `{"text":"hello"}`},
		{"POST", "/api/v1/rooms/a-live/skip", ""},
	} {
		var body []byte
		ct := ""
		if tc.body != "" {
			body, ct = []byte(tc.body), "application/json"
		}
		r := e.do(tokenB, tc.method, tc.path, ct, body)
		if r.status != 404 {
			t.Errorf("B %s %s: HTTP %d, want 404: %s", tc.method, tc.path, r.status, r.body)
		}
	}
	// B's own script of the same name is B's: A's is untouched.
	e.want(e.putTea(tokenB), 201, "B's script of the same id")
	if l := e.want(e.do(tokenB, "GET", "/api/v1/rooms", "", nil), 200, "B's rooms").json(t)["rooms"].([]any); len(l) != 0 {
		t.Errorf("B's rooms = %v, want none", l)
	}
	// B cannot make a room play A's script: it plays B's own tea.
	e.want(e.do(tokenB, "POST", "/api/v1/rooms", "application/json",
		[]byte(`{"id":"b-live","kind":"livestream","title":"B live","script":"nope"}`)), 400, "B's room with an unknown script")
	if r := e.want(e.do(tokenA, "GET", "/api/v1/rooms/a-live", "", nil), 200, "A's room").json(t); r["status"] != "stopped" {
		t.Errorf("A's room after B's attempts: %v, want stopped", r)
	}
	if recs := e.want(e.do(tokenB, "GET", "/api/v1/audit", "", nil), 200, "B's audit").json(t)["records"].([]any); len(recs) != 1 {
		t.Errorf("B's audit = %v, want only B's script.put", recs)
	}
}

// fakeDirector answers room's controls as a director would, and records them.
type fakeDirector struct {
	mu  sync.Mutex
	got []avatar.Control
}

func startDirector(t testing.TB, b *bus.Bus, room avatar.RoomID) *fakeDirector {
	d := &fakeDirector{}
	serveControls(t, b, room, func(c avatar.Control) avatar.ControlReply {
		d.mu.Lock()
		d.got = append(d.got, c)
		d.mu.Unlock()
		if c.Type == avatar.CtlPrice && c.Price == "1.00" {
			return avatar.ControlReply{Error: "price below cost"}
		}
		return avatar.ControlReply{OK: true, Seq: 42}
	})
	return d
}

// serveControls answers room's controls with fn, as a director playing it
// does, until the test ends.
func serveControls(t testing.TB, b *bus.Bus, room avatar.RoomID, fn func(avatar.Control) avatar.ControlReply) {
	t.Helper()
	srv := b.ServeControls(context.Background(), func(c avatar.Control, reply func(avatar.ControlReply)) { reply(fn(c)) })
	t.Cleanup(srv.Close)
	if err := srv.Add(room); err != nil {
		t.Fatal(err)
	}
}

func (d *fakeDirector) controls() []avatar.Control {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]avatar.Control(nil), d.got...)
}

func TestRoomsAndControls(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "script")
	post := func(path, body string) resp {
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		return e.do(tokenA, "POST", path, "application/json", b)
	}
	// Bad rooms.
	r := e.want(post("/api/v1/rooms", `{"id":"bad id","kind":"show","title":"`+strings.Repeat("t", 201)+`","script":"tea"}`), 400, "bad room")
	if n := len(r.json(t)["problems"].([]any)); n != 3 {
		t.Errorf("bad room: %d problems, want 3 (id, kind, title): %s", n, r.body)
	}
	for _, tc := range []struct{ body, field, code string }{
		{`{"id":"x","kind":"livestream","script":"tea","extra":1}`, "extra", "unknown-field"},
		{`{"id":"x","kind":"livestream","script":"tea","version":"7"}`, "version", "bad-type"},
		{`{"id":"x",`, "", "bad-json"},
	} {
		var eb struct{ Problems []api.Problem }
		_ = json.Unmarshal(e.want(post("/api/v1/rooms", tc.body), 400, tc.body).body, &eb)
		if len(eb.Problems) != 1 || eb.Problems[0].Field != tc.field || eb.Problems[0].Code != tc.code {
			t.Errorf("POST rooms %s: problems %+v, want %s on %q", tc.body, eb.Problems, tc.code, tc.field)
		}
	}
	e.want(post("/api/v1/rooms", `{"id":"x","kind":"museum","title":"X","script":"tea"}`), 422, "kind mismatch")
	e.want(post("/api/v1/rooms", `{"id":"x","kind":"livestream","title":"X","script":"tea","persona":"curator"}`), 409, "unlicensed persona (the licence is the conflict, not the request)")
	e.want(post("/api/v1/rooms", `{"id":"x","kind":"livestream","title":"X","script":"tea","persona":"ghost"}`), 422, "unknown persona")

	room := e.want(post("/api/v1/rooms", `{"id":"live1","kind":"livestream","script":"tea"}`), 201, "room").json(t)
	if room["status"] != "stopped" || room["title"] != "Tea sale" || room["merchant"] != "a" || room["persona"].(map[string]any)["id"] != "xiaoya" {
		t.Errorf("new room = %v, want stopped, merchant a, persona xiaoya, the script's title", room)
	}
	e.want(post("/api/v1/rooms", `{"id":"live1","kind":"livestream","title":"Again","script":"tea"}`), 409, "duplicate room")

	// Controls on a stopped room are refused before any director.
	e.want(post("/api/v1/rooms/live1/skip", ""), 409, "skip when stopped")
	// Lifecycle.
	e.want(post("/api/v1/rooms/live1/pause", ""), 409, "pause when stopped")
	if s := e.want(post("/api/v1/rooms/live1/start", ""), 200, "start").json(t)["status"]; s != "playing" {
		t.Errorf("after start: %v", s)
	}
	e.want(post("/api/v1/rooms/live1/start", ""), 200, "start again is a no-op")
	rec, _, err := e.b.RoomRecord(t.Context(), "live1")
	if err != nil || rec.Status != avatar.RoomPlaying {
		t.Errorf("rooms bucket: %+v, %v; want playing", rec, err)
	}

	// No director: 503.
	if r := e.want(post("/api/v1/rooms/live1/skip", ""), 503, "skip with no director"); r.errCode(t) != "no_director" {
		t.Errorf("no director: code %q", r.errCode(t))
	}
	d := startDirector(t, e.b, "live1")
	for _, tc := range []struct {
		path, body string
		want       int
	}{
		{"skip", "", 200},
		{"pitch", `{"sku":"tea-01"}`, 200},
		{"pitch", `{"sku":"tea-99"}`, 400},
		{"pitch", `{}`, 400},
		{"sale", `{"sale_id":"flash-tea"}`, 200},
		{"sale", `{"sale_id":"nope"}`, 400},
		{"sale", `{"sku":"tea-01","price":"69.00","stock":20,"duration":"2m"}`, 200},
		{"sale", `{"sku":"tea-01","price":"69.00","stock":20,"duration":90}`, 200},
		{"sale", `{"sku":"tea-01","price":"free","stock":0,"duration":"forever"}`, 400},
		{"stock", `{"sku":"tea-01","stock":3}`, 200},
		{"stock", `{"sku":"tea-01","stock":-1}`, 400},
		{"stock", `{"sku":"tea-01"}`, 400},
		{"price", `{"sku":"tea-01","price":89}`, 200},
		{"price", `{"sku":"tea-01","price":"1.00"}`, 409}, // the director refuses (and it is audited)
		{"say", `{"text":"Thanks for watching!","lang":"en"}`, 200},
		{"say", `{"text":"Thanks!","lang":"fr"}`, 400},
		{"say", `{"text":""}`, 400},
		{"say", `{"text":"two\nlines"}`, 400},
		{"say", `{"text":"Right now!","placement":"now"}`, 200},
		{"say", `{"text":"Hi","placement":"later"}`, 400},
		{"sale", `{"sale_id":"flash-tea","sku":"tea-01"}`, 400},
		{"say", `{"text":"` + strings.Repeat("a", 501) + `"}`, 400},
		{"say", `{"text":"The best tea in the world, it cures insomnia!"}`, 422},
		{"say", `{"text":"The best tea in the world!","reason":"quoting an award name"}`, 200},
		{"say", `{"text":"The best tea in the world!","reason":"trust me"}`, 422}, // a reason, not a password
		{"say", `{"text":"全网最低价","reason":"官方称号"}`, 422},                          // four characters (12 bytes)
		{"notice", `{"text":"Sale ends at 9","ref":"bench-1"}`, 200},
		{"notice", `{"text":"全网最低价"}`, 422},
		{"notice", `{"text":"hi"} {"text":"again"}`, 400},
		{"lang", `{"lang":"en"}`, 200},
		{"lang", `{"lang":"tlh"}`, 400},
		{"lang", `{}`, 400},
		{"clear", "", 200},
	} {
		r := post("/api/v1/rooms/live1/"+tc.path, tc.body)
		if r.status != tc.want {
			t.Errorf("POST %s %s: HTTP %d, want %d: %s", tc.path, tc.body, r.status, tc.want, r.body)
		}
		if r.status == 200 && r.json(t)["seq"] != 42.0 {
			t.Errorf("POST %s: %s, want the director's seq 42", tc.path, r.body)
		}
	}
	got := d.controls()
	types := make([]string, len(got))
	for i, c := range got {
		types[i] = string(c.Type)
		if c.Room != "live1" || c.By != "a" || c.TS.IsZero() {
			t.Errorf("control %d = %+v, want room live1 by a with a time", i, c)
		}
	}
	want := "skip pitch sale sale sale stock price price say say say notice lang clear"
	if strings.Join(types, " ") != want {
		t.Errorf("director got %q, want %q", strings.Join(types, " "), want)
	}
	for _, c := range got {
		switch {
		case c.Type == avatar.CtlSale && c.SKU != "" && c.Duration != 2*time.Minute && c.Duration != 90*time.Second:
			t.Errorf("sale duration %v", c.Duration)
		case c.Type == avatar.CtlNotice && (c.Text != "Sale ends at 9" || c.Ref != "bench-1"):
			t.Errorf("notice = %+v", c)
		case c.Type == avatar.CtlSay && c.Text == "Right now!" && c.Placement != avatar.PlaceNow:
			t.Errorf("say placement %q, want now", c.Placement)
		case c.Type == avatar.CtlLang && c.Lang != "en":
			t.Errorf("lang = %+v, want en", c)
		case c.Type == avatar.CtlPrice && c.Price != "89.00" && c.Price != "1.00":
			t.Errorf("price = %q, want 89.00", c.Price)
		}
	}
	// A bad placement is a problem of its field, as Control.Check says.
	if p := post("/api/v1/rooms/live1/say", `{"text":"Hi","placement":"later"}`).json(t)["problems"].([]any)[0].(map[string]any); p["field"] != "placement" || p["code"] != "bad-placement" {
		t.Errorf("bad placement: problem %v, want field placement code bad-placement", p)
	}
	// The claim finding names the phrase, the rule and where it is.
	r = post("/api/v1/rooms/live1/say", `{"text":"The best tea"}`)
	var eb struct{ Problems []api.Problem }
	_ = json.Unmarshal(r.body, &eb)
	if r.status != 422 || len(eb.Problems) != 1 || eb.Problems[0].Code != "absolute-claim" || eb.Problems[0].Col != 1 || eb.Problems[0].Rule == "" {
		t.Errorf("claim: HTTP %d %+v, want one absolute-claim at col 1 with its rule", r.status, eb.Problems)
	}

	// Assign a pinned version, pause, resume, stop.
	vs := e.want(e.do(tokenA, "GET", "/api/v1/scripts/tea/versions", "", nil), 200, "versions").json(t)["versions"].([]any)
	v := vs[0].(map[string]any)["version"].(float64)
	a := e.want(e.do(tokenA, "PUT", "/api/v1/rooms/live1/script", "application/json", []byte(`{"script":"tea","version":`+jsonNum(v)+`}`)), 200, "assign").json(t)
	if a["version"] != v {
		t.Errorf("assign: %v, want version %v", a, v)
	}
	e.want(e.do(tokenA, "PUT", "/api/v1/rooms/live1/script", "application/json", []byte(`{"version":999}`)), 422, "assign missing version")
	e.want(e.do(tokenA, "DELETE", "/api/v1/scripts/tea", "", nil), 409, "delete a script in use")
	// A room following the newest version refuses a new one of another kind.
	e.want(e.do(tokenA, "PUT", "/api/v1/rooms/live1/script", "application/json", []byte(`{"version":0}`)), 200, "follow the newest")
	museum := strings.Replace(string(teaScript(t)), "kind: livestream", "kind: museum", 1)
	if r := e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", []byte(museum)); r.status != 422 || !strings.Contains(string(r.body), "kind-mismatch") {
		t.Errorf("a museum version under a livestream room: HTTP %d %s, want 422 kind-mismatch", r.status, r.body)
	}
	for _, step := range []struct{ op, status string }{{"pause", "paused"}, {"resume", "playing"}, {"stop", "stopped"}} {
		if s := e.want(post("/api/v1/rooms/live1/"+step.op, ""), 200, step.op).json(t)["status"]; s != step.status {
			t.Errorf("%s: status %v, want %s", step.op, s, step.status)
		}
	}
	if l := e.want(e.do(tokenA, "GET", "/api/v1/rooms", "", nil), 200, "rooms").json(t)["rooms"].([]any); len(l) != 1 {
		t.Errorf("rooms = %v, want live1", l)
	}

	// The audit trail has it all, newest first, with who and what.
	recs := e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=500", "", nil), 200, "audit").json(t)["records"].([]any)
	var actions []string
	for _, x := range recs {
		m := x.(map[string]any)
		if m["merchant"] != "a" || m["ts"] == "" || m["request_id"] == "" {
			t.Errorf("audit record without who/when: %v", m)
		}
		actions = append(actions, m["action"].(string))
	}
	wantActions := "room.stop room.resume room.pause room.assign room.assign control.clear control.lang control.notice control.say control.say control.say control.price control.price control.stock control.sale control.sale control.sale control.pitch control.skip room.start room.create script.put"
	if strings.Join(actions, " ") != wantActions {
		t.Errorf("audit actions:\n got %s\nwant %s", strings.Join(actions, " "), wantActions)
	}
	page := e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=2", "", nil), 200, "audit page").json(t)
	if n := len(page["records"].([]any)); n != 2 || page["next"] == nil {
		t.Errorf("audit limit=2: %d records, next %v", n, page["next"])
	}
	e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=0", "", nil), 400, "audit bad limit")
}

// TestInternalError: a failure behind the API is logged once with the
// request ID, and the caller sees only "internal error" and that ID.
func TestInternalError(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	e := newEnvLog(t, zap.New(core))
	_ = e.b.Close() // NATS gone
	r := e.want(e.do(tokenA, "GET", "/api/v1/scripts", "", nil), 500, "scripts with NATS gone")
	m := r.json(t)
	id, _ := m["request_id"].(string)
	if r.errCode(t) != "internal" || id == "" || r.header.Get("X-Request-Id") != id || strings.Contains(string(r.body), "nats") {
		t.Errorf("500 body %s, want only internal error and the request id", r.body)
	}
	errs := logs.FilterMessage("internal error").FilterField(zap.String("request_id", id)).All()
	if len(errs) != 1 {
		t.Errorf("%d internal error log entries for request %s, want 1", len(errs), id)
	}
}

// TestStaleScript: a stored version whose persona left the config cannot be
// steered or assigned, and says so, rather than failing inside.
func TestStaleScript(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"live1","kind":"livestream","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/live1/start", "", nil), 200, "start")
	a, err := api.New(api.Config{
		Merchants: []api.Merchant{{ID: "a", TokenSHA256: api.HashToken(tokenA)}},
		Personas:  map[string]avatar.Persona{"curator": personas["curator"]},
	}, e.b, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	e2 := &env{t: t, b: e.b, srv: srv}
	e2.want(e2.do(tokenA, "POST", "/api/v1/rooms/live1/skip", "", nil), 409, "skip with a stale script")
	e2.want(e2.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"live2","kind":"livestream","script":"tea"}`)), 422, "room with a stale script")
}
