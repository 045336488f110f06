package api_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// meiPersona is a body for a wholly synthetic persona, with extra fields.
func meiPersona(name, extra string) []byte {
	b := `{"name":"` + name + `","synthetic":true,"disclosure":{"zh":"AI 生成的主播","en":"An AI presenter."},` +
		`"spoken_disclosure":{"en":"Hello, I am ` + name + `, an AI presenter."},` +
		`"look":{"face":"round","hair":"bun","hair_color":"#1a1a1a"},"voice":{"id":"zh-female-1","rate":1.1}`
	if extra != "" {
		b += "," + extra
	}
	return []byte(b + "}")
}

// junPersona is a body for a persona with Wang Jun's face and voice under
// licence (empty: no licence reference).
func junPersona(licence string) []byte {
	b := `{"name":"Jun","disclosure":{"en":"An AI likeness of Wang Jun."},"spoken_disclosure":{"en":"I am an AI likeness of Wang Jun."},` +
		`"voice":{"id":"wang-clone"},"likeness":{"person":"Wang Jun","face":true,"voice":true`
	if licence != "" {
		b += `,"licence_id":"` + licence + `"`
	}
	return []byte(b + "}}")
}

func (e *env) putPersona(token, id string, body []byte) resp {
	e.t.Helper()
	return e.do(token, "PUT", "/api/v1/personas/"+id, "application/json", body)
}

// teaBy is the tea script presented by persona.
func teaBy(t testing.TB, persona string) []byte {
	return []byte(strings.Replace(string(teaScript(t)), "persona: xiaoya", "persona: "+persona, 1))
}

// TestPersonasPerMerchant: a merchant records, changes, lists and deletes
// its personas, each change a version with an audit record; another
// merchant sees none of it.
func TestPersonasPerMerchant(t *testing.T) {
	e := newEnv(t)
	e.want(e.do(tokenA, "GET", "/api/v1/personas/mei", "", nil), 404, "nothing stored")
	v1 := e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 201, "new persona").json(t)
	if v1["version"] != 1.0 || v1["merchant"] != "a" || v1["id"] != "mei" || v1["synthetic"] != true || v1["name"] != "Mei" {
		t.Errorf("new persona = %v, want version 1 of a, synthetic Mei", v1)
	}
	if v := e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 200, "same").json(t); v["version"] != 1.0 {
		t.Errorf("same persona again: version %v, want 1", v["version"])
	}
	e.want(e.putPersona(tokenA, "mei", meiPersona("Mei Mei", "")), 200, "renamed")
	got := e.want(e.do(tokenA, "GET", "/api/v1/personas/mei", "", nil), 200, "get").json(t)
	if got["version"] != 2.0 || got["name"] != "Mei Mei" {
		t.Errorf("GET = %v, want version 2 named Mei Mei", got)
	}
	vs := e.want(e.do(tokenA, "GET", "/api/v1/personas/mei/versions", "", nil), 200, "versions").json(t)["versions"].([]any)
	if len(vs) != 2 || vs[0].(map[string]any)["name"] != "Mei Mei" || vs[1].(map[string]any)["version"] != 1.0 {
		t.Errorf("versions = %v, want 2 then 1", vs)
	}
	list := e.want(e.do(tokenA, "GET", "/api/v1/personas", "", nil), 200, "list").json(t)
	if ps := list["personas"].([]any); len(ps) != 1 || ps[0].(map[string]any)["id"] != "mei" {
		t.Errorf("a lists %v, want mei", ps)
	}
	if seed := list["seed"].([]any); len(seed) != len(personas) {
		t.Errorf("a's seed personas %v, want the file's %d", seed, len(personas))
	}

	// Merchant b sees nothing of a's.
	e.want(e.do(tokenB, "GET", "/api/v1/personas/mei", "", nil), 404, "b reads a's")
	e.want(e.do(tokenB, "GET", "/api/v1/personas/mei/versions", "", nil), 404, "b reads a's versions")
	e.want(e.do(tokenB, "DELETE", "/api/v1/personas/mei", "", nil), 404, "b deletes a's")
	if l := e.want(e.do(tokenB, "GET", "/api/v1/personas", "", nil), 200, "b lists").json(t)["personas"].([]any); len(l) != 0 {
		t.Errorf("b lists %v, want nothing", l)
	}

	e.want(e.do(tokenA, "DELETE", "/api/v1/personas/mei", "", nil), 204, "delete")
	e.want(e.do(tokenA, "GET", "/api/v1/personas/mei", "", nil), 404, "deleted")
	e.want(e.do(tokenA, "DELETE", "/api/v1/personas/mei", "", nil), 404, "deleted twice")
	if v := e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 201, "again").json(t); v["version"] != 3.0 {
		t.Errorf("recreated persona: version %v, want 3 (numbers go on)", v["version"])
	}

	var actions []string
	for _, d := range e.auditRecords("mei") {
		actions = append(actions, d["action"].(string))
	}
	if want := []string{"persona.put", "persona.delete", "persona.put", "persona.put"}; !slices.Equal(actions, want) {
		t.Errorf("a's audit of mei = %v, want %v", actions, want)
	}
}

// TestPersonasBounded: a merchant keeps at most MaxPersonas personas; a new
// one beyond is 409 (changing one it has is not), and another merchant's
// count is its own. A new one is 201 with its Location, a change 200.
func TestPersonasBounded(t *testing.T) {
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.MaxPersonas = 2 })
	e.want(e.putPersona(tokenA, "p1", meiPersona("Mei", "")), 201, "first")
	if r := e.want(e.putPersona(tokenA, "p2", meiPersona("Mei", "")), 201, "second"); r.header.Get("Location") != "/api/v1/personas/p2" {
		t.Errorf("second persona: Location %q, want /api/v1/personas/p2", r.header.Get("Location"))
	}
	r := e.want(e.putPersona(tokenA, "p3", meiPersona("Mei", "")), 409, "third")
	if r.errCode(t) != "too_many" {
		t.Errorf("third persona: code %q, want too_many", r.errCode(t))
	}
	if msg, _ := r.json(t)["error"].(map[string]any)["message"].(string); msg != "you have 2 personas, the most one merchant may keep; delete one first" {
		t.Errorf("third persona: message %q", msg)
	}
	if r := e.want(e.putPersona(tokenA, "p2", meiPersona("Mei Mei", "")), 200, "change the second"); r.header.Get("Location") != "" {
		t.Errorf("changed persona: Location %q, want none", r.header.Get("Location"))
	}
	e.want(e.putPersona(tokenB, "p3", meiPersona("Mei", "")), 201, "b's first")
	e.want(e.do(tokenA, "DELETE", "/api/v1/personas/p1", "", nil), 204, "delete one")
	e.want(e.putPersona(tokenA, "p3", meiPersona("Mei", "")), 201, "third after a deletion")
}

// auditRecords returns merchant a's audit records of target, newest first.
func (e *env) auditRecords(target string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, x := range e.want(e.do(tokenA, "GET", "/api/v1/audit?limit=200", "", nil), 200, "audit").json(e.t)["records"].([]any) {
		if m := x.(map[string]any); m["target"] == target {
			out = append(out, m)
		}
	}
	return out
}

// TestPersonaProblems: a bad persona gets every problem by field, and a
// real person's face or voice needs one of the merchant's own licences of
// that person; a wholly synthetic persona says so and needs none.
func TestPersonaProblems(t *testing.T) {
	e := newEnv(t)
	bad := `{"id":"other","name":"","disclosure":{},"spoken_disclosure":{"english":"hi","en":"` + strings.Repeat("x", 301) + `"},` +
		`"look":{"face":"square"},"voice":{"id":"","rate":9,"synth_voice":"en us","pitch":3}}`
	r := e.want(e.putPersona(tokenA, "p1", []byte(bad)), 422, "bad persona")
	fields := map[string]string{}
	for _, p := range problems(t, r) {
		fields[p.Field] = p.Code
		if p.Message == "" || p.Severity != "error" {
			t.Errorf("problem without message or severity: %+v", p)
		}
	}
	for f, code := range map[string]string{"id": "id-mismatch", "name": "missing", "disclosure": "missing",
		"spoken_disclosure.english": "bad-language", "spoken_disclosure.en": "too-long", "look": "bad-look",
		"voice.id": "bad-voice", "voice.rate": "bad-rate", "voice.synth_voice": "bad-voice", "voice.pitch": "bad-pitch",
		"synthetic": "missing"} {
		if fields[f] != code {
			t.Errorf("problems %v: want %s on %s", fields, code, f)
		}
	}
	e.want(e.putPersona(tokenA, "p1", []byte(`{"name":"X","secret":1}`)), 400, "unknown field")
	e.want(e.putPersona(tokenA, "bad.id", meiPersona("Mei", "")), 404, "bad id")
	// Bidi characters in a disclosure would show a reversed label.
	r = e.want(e.putPersona(tokenA, "p1", []byte(strings.Replace(string(meiPersona("Mei", "")), "An AI presenter.", "An AI \u202epresenter", 1))), 422, "bidi")
	if ps := problems(t, r); len(ps) != 1 || ps[0].Field != "disclosure.en" || ps[0].Code != "bad-text" {
		t.Errorf("bidi disclosure: %+v, want bad-text at disclosure.en", ps)
	}

	wantCode := func(body []byte, token, field, code, what string) {
		t.Helper()
		r := e.want(e.putPersona(token, "jun", body), 422, what)
		for _, p := range problems(t, r) {
			if p.Field == field && p.Code == code {
				return
			}
		}
		t.Errorf("%s: problems %s, want %s at %s", what, r.body, code, field)
	}
	wantCode(junPersona(""), tokenA, "likeness.licence_id", "unlicensed", "a real likeness without a licence")
	wantCode(junPersona("wj"), tokenA, "likeness.licence_id", "unknown-licence", "a licence not recorded")
	wantCode(meiPersona("Mei", `"likeness":{"person":"Wang Jun","face":true,"licence_id":"wj"}`), tokenA, "likeness", "synthetic-likeness", "synthetic with a likeness")
	wantCode([]byte(strings.Replace(string(junPersona("wj")), `"licence_id":"wj"`, `"licence":{"id":"own","covers":["face","voice"]}`, 1)), tokenA,
		"likeness.licence", "inline-licence", "an inline licence")
	e.want(e.putLicence(tokenA, "other", []byte(`{"person":"Li Na","holder":"Li Na","consent":"C-1","covers":["face","voice","livestream"]}`)), 201, "Li Na's licence")
	wantCode(junPersona("other"), tokenA, "likeness.licence_id", "licence-person", "another person's licence")
	e.want(e.putLicence(tokenA, "wj", []byte(`{"person":"Wang Jun","holder":"Wang Jun","consent":"C-2","covers":["face","museum"]}`)), 201, "a face licence")
	wantCode(junPersona("wj"), tokenA, "likeness.licence_id", "licence-wrong-use", "a licence without the voice")
	e.want(e.putLicence(tokenA, "wj", wangLicence("", "", "")), 200, "face and voice")
	// Merchant b cannot lean on a's licence.
	wantCode(junPersona("wj"), tokenB, "likeness.licence_id", "unknown-licence", "b names a's licence")
	if v := e.want(e.putPersona(tokenA, "jun", junPersona("wj")), 201, "licensed likeness").json(t); v["likeness"].(map[string]any)["licence_id"] != "wj" {
		t.Errorf("stored persona %v, want licence_id wj", v)
	}
	e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 201, "synthetic without a licence")
	e.want(e.do(tokenA, "GET", "/api/v1/personas/p1", "", nil), 404, "nothing bad stored")
}

// TestRoomsWithMerchantPersonas: a merchant's scripts and rooms name its
// own personas (one shadowing the file's for it alone); the room record
// carries the persona, a change reaches the room at its next start, and
// another merchant can name none of them.
func TestRoomsWithMerchantPersonas(t *testing.T) {
	e := newEnv(t)
	e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 201, "mei")
	// Before a has persona mei's script, b's naming it is unknown to b.
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", teaBy(t, "mei")), 201, "a's script by mei")
	r := e.want(e.do(tokenB, "PUT", "/api/v1/scripts/tea", "application/yaml", teaBy(t, "mei")), 422, "b's script by a's mei")
	if ps := problems(t, r); len(ps) == 0 || ps[0].Code != "unknown-persona" {
		t.Errorf("b's script by mei: %s, want unknown-persona", r.body)
	}
	if lint := e.want(e.do(tokenA, "POST", "/api/v1/lint?id=tea", "application/yaml", teaBy(t, "mei")), 200, "lint").json(t); lint["ok"] != true {
		t.Errorf("a's lint of a script by mei: %v, want ok", lint)
	}

	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"mei-live","kind":"livestream","script":"tea"}`)), 201, "room by mei")
	if rm := e.room("mei-live"); rm.Persona.ID != "mei" || rm.Persona.Name != "Mei" || !rm.Persona.Synthetic ||
		rm.Persona.SpokenDisclosureFor("en") != "Hello, I am Mei, an AI presenter." {
		t.Errorf("room persona = %+v, want a's mei", rm.Persona)
	}
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/start", "", nil), 200, "start")
	// A change does not reach a playing room...
	e.want(e.putPersona(tokenA, "mei", meiPersona("Mei Two", "")), 200, "mei changed")
	if rm := e.room("mei-live"); rm.Persona.Name != "Mei" || rm.Status != avatar.RoomPlaying {
		t.Errorf("playing room's persona = %+v (%s), want still Mei, playing", rm.Persona, rm.Status)
	}
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/pause", "", nil), 200, "pause")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/resume", "", nil), 200, "resume")
	if rm := e.room("mei-live"); rm.Persona.Name != "Mei" {
		t.Errorf("resumed room's persona = %q, want still Mei", rm.Persona.Name)
	}
	// ... it does at the next start.
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/stop", "", nil), 200, "stop")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/start", "", nil), 200, "start again")
	if rm := e.room("mei-live"); rm.Persona.Name != "Mei Two" {
		t.Errorf("restarted room's persona = %q, want Mei Two", rm.Persona.Name)
	}

	// b cannot present a room with a's persona.
	e.want(e.do(tokenB, "PUT", "/api/v1/scripts/tea", "application/yaml", teaScript(t)), 201, "b's script")
	r = e.want(e.do(tokenB, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"b-live","kind":"livestream","script":"tea","persona":"mei"}`)), 422, "b's room by mei")
	if ps := problems(t, r); len(ps) != 1 || ps[0].Code != "unknown-persona" {
		t.Errorf("b's room by mei: %s, want unknown-persona", r.body)
	}

	// a's xiaoya shadows the file's for a only.
	e.want(e.putPersona(tokenA, "xiaoya", meiPersona("Xiaoya of a", "")), 201, "a's xiaoya")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"a-xy","kind":"livestream","script":"tea","persona":"xiaoya"}`)), 201, "a's room by xiaoya")
	e.want(e.do(tokenB, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"b-xy","kind":"livestream","script":"tea"}`)), 201, "b's room by xiaoya")
	if a, b := e.room("a-xy").Persona, e.room("b-xy").Persona; a.Name != "Xiaoya of a" || b.Name != "" || b.Disclosure["en"] != "An AI presenter." {
		t.Errorf("xiaoya: a's room has %+v, b's %+v; want a's own and the file's", a, b)
	}

	// Deleted, the persona no longer starts a room.
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/stop", "", nil), 200, "stop")
	e.want(e.do(tokenA, "DELETE", "/api/v1/personas/mei", "", nil), 204, "delete mei")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/start", "", nil), 409, "start without mei")
}

// TestMerchantPersonaLicence: a room presented by a merchant's persona with
// a real person's likeness is refused (409) while no licence of the
// merchant covers its use, and created once one does.
func TestMerchantPersonaLicence(t *testing.T) {
	e := newEnv(t)
	e.want(e.putLicence(tokenA, "wj", []byte(`{"person":"Wang Jun","holder":"Wang Jun","consent":"C-2","covers":["face","voice","museum"]}`)), 201, "museum licence")
	e.want(e.putPersona(tokenA, "jun", junPersona("wj")), 201, "jun")
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", teaScript(t)), 201, "script by xiaoya")
	r := e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"jun-live","kind":"livestream","script":"tea","persona":"jun"}`)), 409, "unlicensed for livestream")
	if ps := problems(t, r); len(ps) != 1 || ps[0].Code != "persona-unlicensed" || ps[0].Reason != avatar.LicenceWrongUse || ps[0].Licence != "wj" {
		t.Errorf("unlicensed: %s, want persona-unlicensed, licence_wrong_use of wj", r.body)
	}
	// A script by jun is refused for the same reason.
	if r := e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", teaBy(t, "jun")), 422, "script by jun"); problems(t, r)[0].Code != "persona-unlicensed" {
		t.Errorf("script by jun: %s, want persona-unlicensed", r.body)
	}
	e.want(e.putLicence(tokenA, "wj", wangLicence("", "", "")), 200, "livestream licence")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"jun-live","kind":"livestream","script":"tea","persona":"jun"}`)), 201, "licensed")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/jun-live/start", "", nil), 200, "start")
	if rm := e.room("jun-live"); rm.Persona.Likeness == nil || rm.Persona.Likeness.LicenceID != "wj" {
		t.Errorf("room persona = %+v, want jun under wj", rm.Persona)
	}
	// Revoking the licence stops the playing room at once.
	e.want(e.putLicence(tokenA, "wj", wangLicence("", "", `"revoked":true`)), 200, "revoke")
	if rm := e.room("jun-live"); rm.Status != avatar.RoomStopped || rm.StopReason != avatar.LicenceRevoked {
		t.Errorf("room after revocation: %s (%s), want stopped for licence_revoked", rm.Status, rm.StopReason)
	}
}

// TestDirectorPlaysMerchantPersona: a real director plays a room created
// with a merchant's persona as the room record carries it: the show opens
// with that persona's spoken disclosure.
func TestDirectorPlaysMerchantPersona(t *testing.T) {
	e, shows := newSharedEnv(t)

	e.want(e.putPersona(tokenA, "mei", meiPersona("Mei", "")), 201, "mei")
	e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", teaBy(t, "mei")), 201, "script by mei")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"mei-live","kind":"livestream","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/mei-live/start", "", nil), 200, "start")

	e.runDirector(shows)
	want := []byte("Hello, I am Mei, an AI presenter.")
	end := time.Now().Add(20 * time.Second)
	for {
		found := false
		err := e.b.Replay(context.Background(), "mei-live", 0, func(ev bus.StoredEvent) error {
			found = found || bytes.Contains(ev.Data, want)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if found {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("no event of room mei-live says %q after 20s", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
