package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// sink records the inputs and danmaku comments a room's director and
// gateways get, over real NATS subscriptions.
type sink struct {
	mu     sync.Mutex
	inputs []avatar.Input
	chat   []avatar.Comment
}

func listen(t *testing.T, b *bus.Bus, r avatar.RoomID) *sink {
	t.Helper()
	s := &sink{}
	in, err := b.SubscribeInputs(r, func(in avatar.Input) { s.mu.Lock(); s.inputs = append(s.inputs, in); s.mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = in.Stop() })
	ch, err := b.SubscribeChat(r, func(c avatar.Comment) { s.mu.Lock(); s.chat = append(s.chat, c); s.mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ch.Stop() })
	return s
}

// until waits for an input whose text is marker (sent last) and, when it
// is a comment, for its danmaku too, then returns every input and comment
// seen: with one publisher NATS keeps the order on each subject, so nothing
// sent before the marker is still on its way. (Inputs and danmaku are two
// subscriptions, each delivered on its own: the marker input alone does
// not say the danmaku before it has arrived.)
func (s *sink) until(t *testing.T, marker string) ([]avatar.Input, []avatar.Comment) {
	t.Helper()
	var ins []avatar.Input
	var cs []avatar.Comment
	bustest.WaitFor(t, 10*time.Second, "the marker input "+marker, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		i := slices.IndexFunc(s.inputs, func(in avatar.Input) bool { return in.Data.Text == marker })
		if i < 0 {
			return false
		}
		if s.inputs[i].Type == avatar.MsgComment && !slices.ContainsFunc(s.chat, func(c avatar.Comment) bool { return c.Text == marker }) {
			return false
		}
		ins, cs = append([]avatar.Input(nil), s.inputs...), append([]avatar.Comment(nil), s.chat...)
		return true
	})
	return ins, cs
}

func comment(msgID, user, name, text string) avatar.PlatformEvent {
	return avatar.PlatformEvent{Platform: "douyin", MsgID: msgID, Type: avatar.MsgComment, User: avatar.PlatformUser{ID: user, Name: name}, Text: text}
}

func batchBody(t testing.TB, evs ...avatar.PlatformEvent) []byte {
	t.Helper()
	data, err := json.Marshal(avatar.PlatformBatch{Inputs: evs})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type batchAnswer struct {
	avatar.PlatformReply
	Problems []api.Problem `json:"problems"`
}

func (e *env) postBatch(token string, room avatar.RoomID, evs ...avatar.PlatformEvent) (resp, batchAnswer) {
	e.t.Helper()
	r := e.do(token, "POST", "/api/v1/rooms/"+string(room)+"/inputs", "application/json", batchBody(e.t, evs...))
	var a batchAnswer
	if r.status == 200 {
		if err := json.Unmarshal(r.body, &a); err != nil {
			e.t.Fatalf("answer is not a batch reply: %v: %s", err, r.body)
		}
	}
	return r, a
}

func liveRoom(t testing.TB, b *bus.Bus, id avatar.RoomID, merchant string) {
	t.Helper()
	bustest.PutRoom(t, b, avatar.Room{ID: id, Kind: avatar.KindLivestream, Merchant: merchant, Show: "tea", Status: avatar.RoomStopped, Persona: personas["xiaoya"]})
}

// TestInputsDedupe: a batch that repeats a msg_id, and a later batch that
// repeats one again, pass each message on once, to the director's input
// and (comments) to the danmaku, with the platform and a viewer id
// "platform:user".
func TestInputsDedupe(t *testing.T) {
	e := newEnv(t)
	liveRoom(t, e.b, "r1", "a")
	s := listen(t, e.b, "r1")
	_, got := e.postBatch(tokenA, "r1",
		comment("m1", "u1", "小红", "多少钱"),
		avatar.PlatformEvent{Platform: "douyin", MsgID: "m2", Type: avatar.MsgGift, User: avatar.PlatformUser{ID: "u2", Name: "阿明"}, Gift: &avatar.Gift{Name: "小心心", Count: 3, Value: 10}},
		comment("m1", "u1", "小红", "多少钱"),
	)
	if got.Taken != 2 || got.Duplicate != 1 || got.Refused != 0 || len(got.Results) != 3 || got.Results[2].Status != avatar.PlatformDuplicate {
		t.Fatalf("first batch: %+v, want 2 taken and the third a duplicate", got)
	}
	// The same message again later, and a message of another platform
	// with the same id (not a repeat), then the marker.
	other := comment("m1", "u1", "小红", "你好")
	other.Platform = "bilibili"
	_, got = e.postBatch(tokenA, "r1", comment("m1", "u1", "小红", "多少钱"), other, comment("end", "u9", "", "marker-1"))
	if got.Taken != 2 || got.Duplicate != 1 || got.Results[0].Status != avatar.PlatformDuplicate {
		t.Fatalf("second batch: %+v, want the repeat dropped and the other two taken", got)
	}
	ins, cs := s.until(t, "marker-1")
	if len(ins) != 4 {
		t.Fatalf("director got %d inputs, want 4 (m1, m2, bilibili m1, marker): %+v", len(ins), ins)
	}
	if in := ins[0]; in.Platform != "douyin" || in.Viewer != "douyin:u1" || in.Type != avatar.MsgComment || in.Data.Name != "小红" || in.Data.Text != "多少钱" || in.Room != "r1" {
		t.Errorf("input %+v, want the douyin comment of u1", in)
	}
	if in := ins[1]; in.Type != avatar.MsgGift || in.Data.Gift == nil || *in.Data.Gift != (avatar.Gift{Name: "小心心", Count: 3, Value: 10}) || in.Data.Gift.Worth() != 30 {
		t.Errorf("input %+v, want the gift of 3 小心心 worth 30", in)
	}
	if len(cs) != 3 || cs[0] != (avatar.Comment{Viewer: "douyin:u1", Name: "小红", Text: "多少钱", Platform: "douyin"}) || cs[1].Platform != "bilibili" {
		t.Errorf("danmaku %+v, want the three comments, each with its platform (no gift)", cs)
	}
}

// TestInputsDedupeAcrossGateways: two API gateways on one NATS server
// take the same push once between them.
func TestInputsDedupeAcrossGateways(t *testing.T) {
	srv := bustest.NewServer(t)
	var envs []*env
	for range 2 {
		b := bustest.StartConfig(t, bus.Config{URL: srv.URL()})
		a, err := api.New(api.Config{Merchants: []api.Merchant{{ID: "a", TokenSHA256: api.HashToken(tokenA)}}, Personas: personas}, b, logger(t))
		if err != nil {
			t.Fatal(err)
		}
		hs := httptest.NewServer(a.Handler())
		t.Cleanup(hs.Close)
		envs = append(envs, &env{t: t, b: b, srv: hs})
	}
	liveRoom(t, envs[0].b, "r1", "a")
	s := listen(t, envs[1].b, "r1")
	taken, dup := 0, 0
	for i := range 10 {
		// Each message reaches both gateways, in turn first.
		for j := range 2 {
			_, got := envs[(i+j)%2].postBatch(tokenA, "r1", comment("m"+strconv.Itoa(i), "u1", "", "hello "+strconv.Itoa(i)))
			taken, dup = taken+got.Taken, dup+got.Duplicate
		}
	}
	if taken != 10 || dup != 10 {
		t.Errorf("taken %d, duplicates %d; want 10 and 10", taken, dup)
	}
	envs[0].postBatch(tokenA, "r1", comment("end", "u9", "", "marker"))
	if ins, _ := s.until(t, "marker"); len(ins) != 11 {
		t.Errorf("director got %d inputs, want 11 (10 and the marker)", len(ins))
	}
}

// TestInputsHostile: bad events are refused with a problem naming the
// field, and never passed on; the good ones of the same batch go through;
// blocked words are masked in names and texts.
func TestInputsHostile(t *testing.T) {
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.BlockedWords = []string{"scam"} })
	liveRoom(t, e.b, "r1", "a")
	s := listen(t, e.b, "r1")
	long := strings.Repeat("长", avatar.MaxPlatformText+1)
	bad := []struct {
		ev    avatar.PlatformEvent
		field string
	}{
		{comment("h1", "u1", "\u202eevil", "hi"), "user.name"},            // bidi override
		{comment("h2", "u1", "a\u200bb", "hi"), "user.name"},              // zero-width space
		{comment("h3", "u1", strings.Repeat("名", 25), "hi"), "user.name"}, // too long
		{comment("h4", "u1", "ok", long), "text"},
		{comment("h5", "u1", "ok", "  "), "text"},
		{comment("h6", "u1", "ok", "x\u202ey"), "text"},
		{comment(strings.Repeat("m", 129), "u1", "ok", "hi"), "msg_id"},
		{comment("has space", "u1", "ok", "hi"), "msg_id"},
		{comment("h7", "", "ok", "hi"), "user.id"},
		{comment("h8", "u 1", "ok", "hi"), "user.id"},
		{avatar.PlatformEvent{Platform: "Douyin!", MsgID: "h9", Type: avatar.MsgComment, User: avatar.PlatformUser{ID: "u1"}, Text: "hi"}, "platform"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h10", Type: "cart", User: avatar.PlatformUser{ID: "u1"}}, "type"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h11", Type: avatar.MsgGift, User: avatar.PlatformUser{ID: "u1"}}, "gift"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h12", Type: avatar.MsgGift, User: avatar.PlatformUser{ID: "u1"}, Gift: &avatar.Gift{Name: "g", Count: 0}}, "gift.count"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h13", Type: avatar.MsgGift, User: avatar.PlatformUser{ID: "u1"}, Gift: &avatar.Gift{Name: "g", Count: 1, Value: -5}}, "gift.value"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h14", Type: avatar.MsgLike, User: avatar.PlatformUser{ID: "u1"}, Count: avatar.MaxPlatformLikes + 1}, "count"},
		{avatar.PlatformEvent{Platform: "douyin", MsgID: "h15", Type: avatar.MsgFollow, User: avatar.PlatformUser{ID: "u1"}, Text: "hi"}, "text"},
	}
	evs := []avatar.PlatformEvent{comment("g1", "u1", "scam王", "this is a scam")}
	for _, b := range bad {
		evs = append(evs, b.ev)
	}
	evs = append(evs, comment("g2", "u2", "", "marker"))
	r, got := e.postBatch(tokenA, "r1", evs...)
	e.want(r, 200, "a batch with bad events")
	if got.Taken != 2 || got.Refused != len(bad) {
		t.Fatalf("taken %d refused %d, want 2 and %d: %s", got.Taken, got.Refused, len(bad), r.body)
	}
	for i, b := range bad {
		res := got.Results[i+1]
		if res.Status != avatar.PlatformRefused || res.Field != b.field || res.Code == "" || res.Message == "" {
			t.Errorf("event %d (%+v): result %+v, want refused on %s", i+1, b.ev, res, b.field)
		}
		if len(res.MsgID) > avatar.MaxPlatformMsgID {
			t.Errorf("event %d: the refused msg_id is echoed back (%d bytes)", i+1, len(res.MsgID))
		}
		p := got.Problems[i]
		if want := fmt.Sprintf("inputs[%d].%s", i+1, b.field); p.Field != want || p.Code != res.Code {
			t.Errorf("problem %+v, want field %s", p, want)
		}
	}
	ins, cs := s.until(t, "marker")
	if len(ins) != 2 || len(cs) != 2 {
		t.Fatalf("passed on %d inputs and %d comments, want 2 and 2: %+v", len(ins), len(cs), ins)
	}
	if ins[0].Data.Name != "****王" || ins[0].Data.Text != "this is a ****" || cs[0].Name != "****王" || cs[0].Text != "this is a ****" {
		t.Errorf("input %+v, comment %+v: want the blocked word masked in name and text", ins[0], cs[0])
	}
}

// TestInputsAuth: the inputs take the room's merchant's token or one of
// the room's bridge tokens, nothing else; a bridge token is shown once,
// listed without itself, audited without itself, and dead once revoked.
func TestInputsAuth(t *testing.T) {
	e := newEnv(t)
	liveRoom(t, e.b, "r1", "a")
	liveRoom(t, e.b, "r2", "a")
	ev := func(id string) avatar.PlatformEvent { return comment(id, "u1", "", "hi") }
	for _, tc := range []struct {
		token  string
		status int
	}{{"", 401}, {"nope", 401}, {tokenB, 404}, {tokenA, 200}} {
		if r, _ := e.postBatch(tc.token, "r1", ev("a1")); r.status != tc.status {
			t.Errorf("token %q: HTTP %d, want %d: %s", tc.token, r.status, tc.status, r.body)
		}
	}
	e.want(e.do(tokenB, "POST", "/api/v1/rooms/r1/bridge-tokens", "application/json", []byte(`{"name":"x"}`)), 404, "a token for another's room")
	r := e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/bridge-tokens", "application/json", []byte(`{"name":"douyin bridge"}`)), 201, "make a bridge token")
	var made struct{ ID, Token string }
	if err := json.Unmarshal(r.body, &made); err != nil || made.ID == "" || !strings.HasPrefix(made.Token, "brg_") {
		t.Fatalf("made %s, want an id and a brg_ token", r.body)
	}
	if r, got := e.postBatch(made.Token, "r1", ev("b1")); r.status != 200 || got.Taken != 1 {
		t.Errorf("bridge token on its room: HTTP %d %s", r.status, r.body)
	}
	if r, _ := e.postBatch(made.Token, "r2", ev("b2")); r.status != 401 {
		t.Errorf("bridge token on another room: HTTP %d, want 401", r.status)
	}
	// The bridge token is no merchant token.
	e.want(e.do(made.Token, "GET", "/api/v1/rooms", "", nil), 401, "bridge token on the merchant API")
	list := e.want(e.do(tokenA, "GET", "/api/v1/rooms/r1/bridge-tokens", "", nil), 200, "list bridge tokens")
	if strings.Contains(string(list.body), made.Token) || !strings.Contains(string(list.body), made.ID) {
		t.Errorf("list %s: want the id, never the token", list.body)
	}
	audit := e.want(e.do(tokenA, "GET", "/api/v1/audit?action=room.bridge_token", "", nil), 200, "audit")
	if strings.Contains(string(audit.body), made.Token) || !strings.Contains(string(audit.body), "room.bridge_token.create") {
		t.Errorf("audit %s: want the creation, never the token", audit.body)
	}
	e.want(e.do(tokenA, "DELETE", "/api/v1/rooms/r1/bridge-tokens/"+made.ID, "", nil), 204, "revoke")
	e.want(e.do(tokenA, "DELETE", "/api/v1/rooms/r1/bridge-tokens/"+made.ID, "", nil), 404, "revoke again")
	if r, _ := e.postBatch(made.Token, "r1", ev("b3")); r.status != 401 {
		t.Errorf("revoked bridge token: HTTP %d, want 401", r.status)
	}
	// Bounded per room.
	for i := range avatar.MaxBridgeTokens {
		e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/bridge-tokens", "", nil), 201, "token "+strconv.Itoa(i))
	}
	if r := e.do(tokenA, "POST", "/api/v1/rooms/r1/bridge-tokens", "", nil); r.status != 409 || r.errCode(t) != "too_many" {
		t.Errorf("one token too many: HTTP %d %s, want 409 too_many", r.status, r.body)
	}
}

// TestInputsRateLimit: a room over its rate gets 429 with Retry-After,
// and nothing of the refused batch is passed on or remembered.
func TestInputsRateLimit(t *testing.T) {
	e, _ := newEnvConfig(t, logger(t), func(c *api.Config) { c.InputRate, c.InputBurst = 0.5, 3 })
	liveRoom(t, e.b, "r1", "a")
	liveRoom(t, e.b, "r2", "a")
	e.want(must(e.postBatch(tokenA, "r1", comment("1", "u", "", "a"), comment("2", "u", "", "b"), comment("3", "u", "", "c"))), 200, "three events")
	r, _ := e.postBatch(tokenA, "r1", comment("4", "u", "", "d"))
	if r.status != 429 || r.errCode(t) != avatar.PlatformCodeRateLimited {
		t.Fatalf("over the rate: HTTP %d %s, want 429 rate_limited", r.status, r.body)
	}
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 2 {
		t.Errorf("Retry-After %q, want 1-2 seconds at 0.5 events/s", r.header.Get("Retry-After"))
	}
	// Another room has its own rate.
	e.want(must(e.postBatch(tokenA, "r2", comment("4", "u", "", "d"))), 200, "another room")
	// Too many for one batch, and no events at all.
	many := make([]avatar.PlatformEvent, avatar.MaxPlatformBatch+1)
	if r, _ := e.postBatch(tokenA, "r2", many...); r.status != 400 || r.errCode(t) != avatar.PlatformCodeTooMany {
		t.Errorf("%d events: HTTP %d %s, want 400 too_many", len(many), r.status, r.body)
	}
	if r := e.do(tokenA, "POST", "/api/v1/rooms/r2/inputs", "application/json", []byte(`{"inputs":[{"platform":"douyin","bogus":1}]}`)); r.status != 400 {
		t.Errorf("unknown field: HTTP %d %s, want 400", r.status, r.body)
	}
}

func must(r resp, _ batchAnswer) resp { return r }

// TestServeBridges: a bridge inside the cluster sends a batch over NATS
// and gets the same answer, dedupe and input as over HTTP.
func TestServeBridges(t *testing.T) {
	e, a := newEnvConfig(t, logger(t), nil)
	liveRoom(t, e.b, "r1", "a")
	s := listen(t, e.b, "r1")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.ServeBridges(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	batch := avatar.PlatformBatch{Inputs: []avatar.PlatformEvent{comment("n1", "u1", "小红", "hi"), comment("n1", "u1", "小红", "hi"), comment("n2", "u1", "\u202ex", "hi")}}
	var got avatar.PlatformReply
	bustest.WaitFor(t, 10*time.Second, "the ingest answers on NATS", func() bool {
		var err error
		got, err = e.b.SendPlatform(context.Background(), "r1", batch)
		return err == nil
	})
	if got.Taken != 1 || got.Duplicate != 1 || got.Refused != 1 || got.Results[2].Field != "user.name" {
		t.Errorf("NATS batch: %+v, want 1 taken, 1 duplicate, 1 refused for its name", got)
	}
	if _, err := e.b.SendPlatform(context.Background(), "r1", avatar.PlatformBatch{Inputs: []avatar.PlatformEvent{comment("n3", "u2", "", "marker")}}); err != nil {
		t.Fatal(err)
	}
	if ins, _ := s.until(t, "marker"); len(ins) != 2 || ins[0].Viewer != "douyin:u1" {
		t.Errorf("director got %+v, want n1 once and the marker", ins)
	}
}

// TestInputsMuted: the merchant mutes a platform viewer by the viewer id
// its comments carry ("douyin:u1"); that viewer's comments and questions
// are then neither shown nor answered (taken, so the bridge does not send
// them again), its gifts still come through, and others' comments too. A
// batch for a room that does not exist is refused whole (over NATS,
// where no route checked the room).
func TestInputsMuted(t *testing.T) {
	e, a := newEnvConfig(t, logger(t), nil)
	liveRoom(t, e.b, "r1", "a")
	s := listen(t, e.b, "r1")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/mute", "application/json", []byte(`{"viewer":"douyin:u1"}`)), 200, "mute a platform viewer")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/mute", "application/json", []byte(`{"viewer":"douyin:u 1"}`)), 400, "a bad platform viewer id")
	gift := avatar.PlatformEvent{Platform: "douyin", MsgID: "g", Type: avatar.MsgGift, User: avatar.PlatformUser{ID: "u1"}, Gift: &avatar.Gift{Name: "花", Count: 1, Value: 1}}
	q := comment("q", "u1", "", "多少钱")
	q.Type = avatar.MsgQuestion
	_, got := e.postBatch(tokenA, "r1", comment("c1", "u1", "", "spam"), q, gift, comment("c2", "u2", "", "marker"))
	if got.Taken != 4 {
		t.Errorf("batch: %+v, want all 4 taken", got.PlatformReply)
	}
	ins, cs := s.until(t, "marker")
	if len(ins) != 2 || ins[0].Type != avatar.MsgGift || len(cs) != 1 || cs[0].Viewer != "douyin:u2" {
		t.Errorf("passed on %+v and danmaku %+v, want the gift and u2's comment only", ins, cs)
	}
	if got := a.Ingest(context.Background(), "nope", avatar.PlatformBatch{Inputs: []avatar.PlatformEvent{comment("x", "u1", "", "hi")}}); got.Code != avatar.PlatformCodeNoRoom || got.Taken != 0 {
		t.Errorf("batch for no room: %+v, want refused whole with %s", got, avatar.PlatformCodeNoRoom)
	}
}

// TestBridgesLeftByAnotherMerchant: the bridge settings a room of the same
// ID left (another merchant's, made before that room was deleted and made
// again) are not the new room's: its merchant lists no tokens and no
// Douyin bridge, and a token it makes starts a list of its own.
func TestBridgesLeftByAnotherMerchant(t *testing.T) {
	e := newEnv(t)
	liveRoom(t, e.b, "r1", "b")
	e.want(e.do(tokenB, "POST", "/api/v1/rooms/r1/bridge-tokens", "application/json", []byte(`{"name":"b's bridge"}`)), 201, "b's token")
	e.want(e.do(tokenB, "PUT", "/api/v1/rooms/r1/bridges/douyin", "application/json", []byte(`{"secret":"`+douyinSecret+`"}`)), 200, "b's douyin")
	liveRoom(t, e.b, "r1", "a") // r1 is a's now
	tokens := func() []any {
		return e.want(e.do(tokenA, "GET", "/api/v1/rooms/r1/bridge-tokens", "", nil), 200, "list").json(t)["tokens"].([]any)
	}
	if l := tokens(); len(l) != 0 {
		t.Errorf("a lists the tokens %v left by b's room, want none", l)
	}
	if got := e.want(e.do(tokenA, "GET", "/api/v1/rooms/r1/bridges/douyin", "", nil), 200, "get").json(t); got["configured"] != false {
		t.Errorf("a's douyin bridge %v, want none (b's was left)", got)
	}
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/bridge-tokens", "application/json", []byte(`{"name":"a's bridge"}`)), 201, "a's token")
	if l := tokens(); len(l) != 1 || l[0].(map[string]any)["name"] != "a's bridge" {
		t.Errorf("a lists %v, want only its own token", l)
	}
}
