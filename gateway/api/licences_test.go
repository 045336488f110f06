package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// clock is a settable time for licence checks.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var day0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

// wangLicence is a licence body for Wang Jun's face and voice in livestream
// sales, valid from..until (RFC 3339; empty: unbounded), with extra fields.
func wangLicence(from, until, extra string) []byte {
	b := `{"person":"Wang Jun","holder":"Wang Jun","consent":"CONSENT-7","covers":["face","voice","livestream","commercial"],"territory":["CN"]`
	if from != "" {
		b += `,"valid_from":"` + from + `"`
	}
	if until != "" {
		b += `,"expires":"` + until + `"`
	}
	if extra != "" {
		b += "," + extra
	}
	return []byte(b + "}")
}

func (e *env) putLicence(token, id string, body []byte) resp {
	e.t.Helper()
	return e.do(token, "PUT", "/api/v1/licences/"+id, "application/json", body)
}

// wangTea is the tea script presented by persona wang (a real likeness).
func wangTea(t testing.TB) []byte {
	return []byte(strings.Replace(string(teaScript(t)), "persona: xiaoya", "persona: wang", 1))
}

func problems(t testing.TB, r resp) []api.Problem {
	t.Helper()
	var eb struct{ Problems []api.Problem }
	if err := json.Unmarshal(r.body, &eb); err != nil {
		t.Fatalf("not an error body: %s", r.body)
	}
	return eb.Problems
}

func (e *env) room(id string) avatar.Room {
	e.t.Helper()
	rm, _, err := e.b.RoomRecord(context.Background(), avatar.RoomID(id))
	if err != nil {
		e.t.Fatal(err)
	}
	return rm
}

// TestLicencesPerMerchant: a merchant records, changes, lists and deletes
// its licences, each change a version with an audit record; bad bodies get
// every problem by field; another merchant sees none of it.
func TestLicencesPerMerchant(t *testing.T) {
	e := newEnv(t)
	r := e.want(e.putLicence(tokenA, "L-9", []byte(`{"id":"other","person":" ","holder":"H","covers":["face","flying"],"territory":["cn"],"valid_from":"2027-01-01T00:00:00Z","expires":"2026-01-01T00:00:00Z"}`)), 422, "bad licence")
	fields := map[string]string{}
	for _, p := range problems(t, r) {
		fields[p.Field] = p.Code
		if p.Message == "" || p.Severity != "error" {
			t.Errorf("problem without message or severity: %+v", p)
		}
	}
	for f, code := range map[string]string{"id": "id-mismatch", "person": "missing", "consent": "missing", "covers.1": "bad-use", "territory.0": "bad-territory", "expires": "bad-period"} {
		if fields[f] != code {
			t.Errorf("problems %v: want %s on %s", fields, code, f)
		}
	}
	e.want(e.putLicence(tokenA, "L-9", []byte(`{"person":"P","holder":"H","consent":"C","covers":["museum"]}`)), 422, "no face or voice")
	e.want(e.putLicence(tokenA, "L-9", []byte(`{"person":"P","covers":["face"],"secret":1}`)), 400, "unknown field")
	e.want(e.putLicence(tokenA, "bad.id", wangLicence("", "", "")), 404, "bad id")
	e.want(e.do(tokenA, "GET", "/api/v1/licences/L-9", "", nil), 404, "nothing stored")

	v1 := e.want(e.putLicence(tokenA, "L-9", wangLicence("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "")), 201, "new licence").json(t)
	if v1["version"] != 1.0 || v1["merchant"] != "a" || v1["person"] != "Wang Jun" || v1["consent"] != "CONSENT-7" {
		t.Errorf("new licence = %v, want version 1 of a, Wang Jun", v1)
	}
	if v := e.want(e.putLicence(tokenA, "L-9", wangLicence("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", "")), 200, "same").json(t); v["version"] != 1.0 {
		t.Errorf("same licence again: version %v, want 1", v["version"])
	}
	e.want(e.putLicence(tokenA, "L-9", wangLicence("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z", "")), 200, "extended")
	got := e.want(e.do(tokenA, "GET", "/api/v1/licences/L-9", "", nil), 200, "get").json(t)
	if got["version"] != 2.0 || got["expires"] != "2028-01-01T00:00:00Z" {
		t.Errorf("GET = %v, want version 2 until 2028", got)
	}
	vs := e.want(e.do(tokenA, "GET", "/api/v1/licences/L-9/versions", "", nil), 200, "versions").json(t)["versions"].([]any)
	if len(vs) != 2 || vs[0].(map[string]any)["version"] != 2.0 {
		t.Errorf("versions = %v, want 2 then 1", vs)
	}

	// Merchant b sees nothing of a's, and its own L-9 is its own.
	e.want(e.do(tokenB, "GET", "/api/v1/licences/L-9", "", nil), 404, "b reads a's")
	e.want(e.do(tokenB, "GET", "/api/v1/licences/L-9/versions", "", nil), 404, "b reads a's versions")
	e.want(e.do(tokenB, "DELETE", "/api/v1/licences/L-9", "", nil), 404, "b deletes a's")
	if l := e.want(e.do(tokenB, "GET", "/api/v1/licences", "", nil), 200, "b lists").json(t)["licences"].([]any); len(l) != 0 {
		t.Errorf("b lists %v, want nothing", l)
	}
	if v := e.want(e.putLicence(tokenB, "L-9", wangLicence("", "", `"revoked":true`)), 201, "b's own").json(t); v["version"] != 1.0 || v["merchant"] != "b" {
		t.Errorf("b's L-9 = %v, want b's version 1", v)
	}
	if got := e.want(e.do(tokenA, "GET", "/api/v1/licences/L-9", "", nil), 200, "a's after b's").json(t); got["version"] != 2.0 || got["revoked_at"] != nil {
		t.Errorf("a's L-9 after b stored one = %v, want a's unrevoked version 2", got)
	}

	// Revoked stays revoked, at the time first revoked.
	rv := e.want(e.putLicence(tokenA, "L-9", wangLicence("", "", `"revoked":true,"revoked_why":"consent withdrawn"`)), 200, "revoke").json(t)
	if rv["revoked_at"] == nil || rv["revoked_why"] != "consent withdrawn" {
		t.Errorf("revoked = %v, want revoked_at and the reason", rv)
	}
	e.want(e.putLicence(tokenA, "L-9", wangLicence("", "", "")), 422, "un-revoke")
	if l := e.want(e.do(tokenA, "GET", "/api/v1/licences", "", nil), 200, "list").json(t)["licences"].([]any); len(l) != 1 {
		t.Errorf("a lists %v, want L-9", l)
	}
	e.want(e.do(tokenA, "DELETE", "/api/v1/licences/L-9", "", nil), 204, "delete")
	e.want(e.do(tokenA, "GET", "/api/v1/licences/L-9", "", nil), 404, "deleted")
	e.want(e.do(tokenB, "GET", "/api/v1/licences/L-9", "", nil), 200, "b's still there")

	var actions []string
	for _, x := range e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=50", "", nil), 200, "audit").json(t)["records"].([]any) {
		m := x.(map[string]any)
		if m["target"] == "L-9" {
			actions = append(actions, m["action"].(string))
		}
	}
	if want := []string{"licence.delete", "licence.revoke", "licence.put", "licence.put"}; !slices.Equal(actions, want) {
		t.Errorf("a's audit of L-9 = %v, want %v", actions, want)
	}
}

// TestStartNeedsCoveringLicence: a room whose persona has a real person's
// face and voice starts only under a licence of its merchant that covers
// the use now; otherwise 409 names the licence and the reason.
func TestStartNeedsCoveringLicence(t *testing.T) {
	clk := &clock{t: day0}
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.Now = clk.Now })

	// Without a licence, not even the script is taken.
	r := e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", wangTea(t)), 422, "script without licence")
	if ps := problems(t, r); len(ps) == 0 || ps[0].Reason != avatar.LicenceMissing || ps[0].Line != 5 || ps[0].Col != 1 {
		t.Errorf("problems %+v, want licence_missing at the persona key (5:1)", ps)
	}
	// The console's lint as you type says the same, at the same place.
	lint := func(tok string) []api.Problem {
		var out struct{ Problems []api.Problem }
		_ = json.Unmarshal(e.want(e.do(tok, "POST", "/api/v1/lint?id=tea", "application/yaml", wangTea(t)), 200, "lint").body, &out)
		return slices.DeleteFunc(out.Problems, func(p api.Problem) bool { return p.Field != "persona" })
	}
	if ps := lint(tokenA); len(ps) != 1 || ps[0].Reason != avatar.LicenceMissing || ps[0].Line != 5 || ps[0].Col != 1 {
		t.Errorf("lint: persona problems %+v, want licence_missing at 5:1", ps)
	}
	e.want(e.putLicence(tokenA, "wj", wangLicence("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z", "")), 201, "licence")
	if ps := lint(tokenA); len(ps) != 0 {
		t.Errorf("lint under a's licence: persona problems %+v, want none", ps)
	}
	if ps := lint(tokenB); len(ps) != 1 || ps[0].Reason != avatar.LicenceMissing {
		t.Errorf("lint as b: persona problems %+v, want licence_missing (a's licence is a's)", ps)
	}
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", wangTea(t)), 201, "script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"w1","kind":"livestream","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/w1/start", "", nil), 200, "start")
	// The room names the licence that covers it, and so does the record's
	// provenance of its show.
	var room avatar.Room
	if err := json.Unmarshal(e.want(e.do(tokenA, "GET", "/api/v1/rooms/w1", "", nil), 200, "room").body, &room); err != nil {
		t.Fatal(err)
	}
	if room.Licence != "wj" {
		t.Errorf("room w1's licence %q, want wj (a's licence that covers Wang Jun)", room.Licence)
	}
	if pv := room.Provenance(); !slices.Equal(pv.Licences, []string{"wj"}) || pv.Person != "Wang Jun" {
		t.Errorf("provenance %+v, want licence wj for Wang Jun", pv)
	}
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/w1/stop", "", nil), 200, "stop")

	// Merchant b holds no licence of Wang Jun: a's does not lend.
	e.want(e.do(tokenB, "PUT", "/api/v1/scripts/tea", "application/yaml", teaScript(t)), 201, "b's script")
	r = e.want(e.do(tokenB, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"b1","kind":"livestream","script":"tea","persona":"wang"}`)), 409, "b without licence")
	if ps := problems(t, r); len(ps) != 1 || ps[0].Reason != avatar.LicenceMissing || ps[0].Licence != "" || ps[0].Field != "persona" {
		t.Errorf("b's problems %+v, want licence_missing on persona", ps)
	}

	for _, tc := range []struct {
		name    string
		now     time.Time
		licence []byte
		reason  string
	}{
		{"expired", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), nil, avatar.LicenceExpired},
		{"not yet valid", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), nil, avatar.LicenceNotYet},
		{"museum only", day0, []byte(`{"person":"Wang Jun","holder":"Wang Jun","consent":"C","covers":["face","voice","museum"]}`), avatar.LicenceWrongUse},
		{"revoked", day0, wangLicence("", "", `"revoked":true`), avatar.LicenceRevoked},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Set(tc.now)
			if tc.licence != nil {
				e.want(e.putLicence(tokenA, "wj", tc.licence), 200, "change licence")
			}
			r := e.want(e.do(tokenA, "POST", "/api/v1/rooms/w1/start", "", nil), 409, "start")
			if r.errCode(t) != "unlicensed" {
				t.Errorf("error code %q, want unlicensed", r.errCode(t))
			}
			ps := problems(t, r)
			if len(ps) != 1 || ps[0].Licence != "wj" || ps[0].Reason != tc.reason || !strings.Contains(ps[0].Message, "wj") {
				t.Errorf("problems %+v, want licence wj, reason %s", ps, tc.reason)
			}
			if rm := e.room("w1"); rm.Status != avatar.RoomStopped {
				t.Errorf("room %s after a refused start, want stopped", rm.Status)
			}
		})
	}
}

// TestRevokedLicenceStopsRooms: revoking (or deleting) a licence stops, in
// their records, the merchant's rooms that depended on it, playing or
// paused, with the reason and an audit record; others' rooms and rooms of
// a synthetic persona play on.
func TestRevokedLicenceStopsRooms(t *testing.T) {
	e := newEnv(t)
	for _, tok := range []string{tokenA, tokenB} {
		e.want(e.putLicence(tok, "wj", wangLicence("", "", "")), 201, "licence")
		e.want(e.do(tok, "PUT", "/api/v1/scripts/tea", "application/yaml", wangTea(t)), 201, "script")
	}
	for _, rm := range []struct{ tok, id, persona string }{
		{tokenA, "a-live", "wang"}, {tokenA, "a-paused", "wang"}, {tokenA, "a-synthetic", "xiaoya"}, {tokenB, "b-live", "wang"},
	} {
		e.want(e.do(rm.tok, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"`+rm.id+`","kind":"livestream","script":"tea","persona":"`+rm.persona+`"}`)), 201, rm.id)
		e.want(e.do(rm.tok, "POST", "/api/v1/rooms/"+rm.id+"/start", "", nil), 200, rm.id)
	}
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/a-paused/pause", "", nil), 200, "pause")

	r := e.want(e.putLicence(tokenA, "wj", wangLicence("", "", `"revoked":true,"revoked_why":"consent withdrawn"`)), 200, "revoke")
	var ans struct {
		StoppedRooms []string `json:"stopped_rooms"`
	}
	_ = json.Unmarshal(r.body, &ans)
	if !slices.Equal(ans.StoppedRooms, []string{"a-live", "a-paused"}) {
		t.Errorf("stopped_rooms = %v, want a-live, a-paused", ans.StoppedRooms)
	}
	for id, want := range map[string]string{"a-live": avatar.RoomStopped, "a-paused": avatar.RoomStopped, "a-synthetic": avatar.RoomPlaying, "b-live": avatar.RoomPlaying} {
		rm := e.room(id)
		if rm.Status != want {
			t.Errorf("room %s is %s, want %s", id, rm.Status, want)
		}
		if want == avatar.RoomStopped && rm.StopReason != avatar.LicenceRevoked {
			t.Errorf("room %s stop reason %q, want %s", id, rm.StopReason, avatar.LicenceRevoked)
		}
	}
	stops := e.auditDetails("room.stop")
	if len(stops) != 2 {
		t.Fatalf("audit room.stop: %v, want 2", stops)
	}
	for _, d := range stops {
		if d["reason"] != avatar.LicenceRevoked || d["licence"] != "wj" || !strings.Contains(d["message"].(string), "revoked") {
			t.Errorf("audit detail %v, want reason licence_revoked, licence wj", d)
		}
	}
	// Restarting is refused until a new licence covers it; then the reason goes.
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/a-live/start", "", nil), 409, "start under a revoked licence")
	e.want(e.putLicence(tokenA, "wj2", wangLicence("", "", "")), 201, "new licence")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/a-live/start", "", nil), 200, "start under the new licence")
	if rm := e.room("a-live"); rm.StopReason != "" {
		t.Errorf("restarted room keeps stop reason %q", rm.StopReason)
	}

	// Deleting b's licence stops b's room.
	r = e.want(e.do(tokenB, "DELETE", "/api/v1/licences/wj", "", nil), 200, "delete b's")
	if !strings.Contains(string(r.body), "b-live") {
		t.Errorf("delete answered %s, want b-live stopped", r.body)
	}
	if rm := e.room("b-live"); rm.Status != avatar.RoomStopped || rm.StopReason != avatar.LicenceMissing {
		t.Errorf("b-live after its licence was deleted: %s (%q), want stopped for licence_missing", rm.Status, rm.StopReason)
	}
	if rm := e.room("a-live"); rm.Status != avatar.RoomPlaying {
		t.Errorf("a-live after b deleted its licence: %s, want playing", rm.Status)
	}
}

// TestExpiredLicenceStopsRoom: the API's Run stops a room whose licence
// expires while it plays (an injected clock; no sleeping for the expiry).
func TestExpiredLicenceStopsRoom(t *testing.T) {
	clk := &clock{t: day0}
	e, a := newEnvConfig(t, logger(t), func(c *api.Config) { c.Now = clk.Now; c.LicenceCheckEvery = time.Millisecond })
	e.want(e.putLicence(tokenA, "short", wangLicence("", "2026-12-04T13:00:00Z", "")), 201, "short licence")
	e.want(e.putLicence(tokenB, "long", wangLicence("", "2027-12-04T13:00:00Z", "")), 201, "b's long licence")
	for _, tok := range []string{tokenA, tokenB} {
		e.want(e.do(tok, "PUT", "/api/v1/scripts/tea", "application/yaml", wangTea(t)), 201, "script")
	}
	// Rooms are checked by ID: b's comes first, so once a's is stopped
	// the pass has seen b's too.
	for _, rm := range []struct{ tok, id string }{{tokenA, "z-short"}, {tokenB, "a-long"}} {
		e.want(e.do(rm.tok, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"`+rm.id+`","kind":"livestream","script":"tea"}`)), 201, rm.id)
		e.want(e.do(rm.tok, "POST", "/api/v1/rooms/"+rm.id+"/start", "", nil), 200, rm.id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	clk.Set(time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC))
	deadline := time.Now().Add(20 * time.Second)
	for e.room("z-short").Status != avatar.RoomStopped {
		if time.Now().After(deadline) {
			t.Fatal("room z-short still playing 20 s after its licence expired")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if rm := e.room("z-short"); rm.StopReason != avatar.LicenceExpired {
		t.Errorf("stop reason %q, want %s", rm.StopReason, avatar.LicenceExpired)
	}
	if rm := e.room("a-long"); rm.Status != avatar.RoomPlaying {
		t.Errorf("b's room under its own valid licence: %s, want playing", rm.Status)
	}
	// The audit record is written after the record's change: wait for it.
	for {
		if ds := e.auditDetails("room.stop"); len(ds) == 1 {
			if ds[0]["reason"] != avatar.LicenceExpired || ds[0]["licence"] != "short" {
				t.Errorf("audit detail %v, want licence_expired of short", ds[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no audit record of the stop")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestLicencesBounded: a merchant keeps at most MaxLicences licences; a new
// one beyond is 409 (changing one it has is not), and another merchant's
// count is its own.
func TestLicencesBounded(t *testing.T) {
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.MaxLicences = 2 })
	e.want(e.putLicence(tokenA, "l1", wangLicence("", "", "")), 201, "first")
	if r := e.want(e.putLicence(tokenA, "l2", wangLicence("", "", "")), 201, "second"); r.header.Get("Location") != "/api/v1/licences/l2" {
		t.Errorf("second licence: Location %q, want /api/v1/licences/l2", r.header.Get("Location"))
	}
	r := e.want(e.putLicence(tokenA, "l3", wangLicence("", "", "")), 409, "third")
	if r.errCode(t) != "too_many" {
		t.Errorf("third licence: code %q, want too_many", r.errCode(t))
	}
	if msg, _ := r.json(t)["error"].(map[string]any)["message"].(string); msg != "you have 2 licences, the most one merchant may keep; delete one first" {
		t.Errorf("third licence: message %q", msg)
	}
	if r := e.want(e.putLicence(tokenA, "l2", wangLicence("", "2030-01-01T00:00:00Z", "")), 200, "change the second"); r.header.Get("Location") != "" {
		t.Errorf("changed licence: Location %q, want none", r.header.Get("Location"))
	}
	e.want(e.putLicence(tokenB, "l3", wangLicence("", "", "")), 201, "b's first")
	e.want(e.do(tokenA, "DELETE", "/api/v1/licences/l1", "", nil), 204, "delete one")
	e.want(e.putLicence(tokenA, "l3", wangLicence("", "", "")), 201, "third after a deletion")
}
