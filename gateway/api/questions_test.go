package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

func TestQuestions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.want(e.putTea(tokenA), 201, "A's script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json",
		[]byte(`{"id":"a-live","kind":"livestream","title":"A live","script":"tea"}`)), 201, "A's room")
	path := "/api/v1/rooms/a-live/questions"

	// None yet: an empty list, not null.
	if body := string(e.want(e.do(tokenA, "GET", path, "", nil), 200, "no questions").body); !strings.Contains(body, `"questions":[]`) {
		t.Errorf("no questions: %s", body)
	}

	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	record := func(merchant, text, answered string, at time.Time) {
		t.Helper()
		q := avatar.Question{Room: "a-live", Merchant: merchant, Lang: "zh-CN", Text: text, Asked: at, Answered: answered}
		switch answered {
		case avatar.AnsweredModel:
			q.Model, q.Spoken = "qwen2.5:3b", []string{"是绿茶。"}
		case avatar.AnsweredRefused:
			q.Model = "qwen2.5:3b"
			q.Refused = []avatar.RefusedSentence{{Text: "全网最好。", Reasons: []avatar.GuardReason{{Code: avatar.GuardAbsoluteClaim, Msg: "superlative"}}}}
		default:
			q.Spoken = []string{"这个我不太清楚。"}
		}
		if err := e.b.RecordQuestion(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	record("a", "有机吗？", avatar.AnsweredFallback, t0)
	record("a", "什么茶？", avatar.AnsweredModel, t0.Add(time.Minute))
	record("a", "最好吗？", avatar.AnsweredRefused, t0.Add(2*time.Minute))
	// A record under another merchant for the same room name (a director
	// of B's, say) is not A's.
	record("b", "B's question", avatar.AnsweredFallback, t0.Add(3*time.Minute))

	list := func(token, query string) ([]avatar.Question, map[string]any) {
		t.Helper()
		r := e.want(e.do(token, "GET", path+query, "", nil), 200, "questions"+query)
		var body struct {
			Questions []avatar.Question `json:"questions"`
		}
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		return body.Questions, r.json(t)
	}
	texts := func(qs []avatar.Question) string {
		var s []string
		for _, q := range qs {
			s = append(s, q.Text)
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct{ query, want string }{
		{"", "最好吗？,什么茶？,有机吗？"},
		{"?unanswered=1", "最好吗？,有机吗？"},
		{"?answered=model", "什么茶？"},
		{"?answered=fallback,model", "什么茶？,有机吗？"},
		{"?limit=1", "最好吗？"},
		{"?before=" + t0.Add(2*time.Minute).Format(time.RFC3339), "什么茶？,有机吗？"},
	} {
		if got, _ := list(tokenA, tc.query); texts(got) != tc.want {
			t.Errorf("GET %s%s = %s, want %s", path, tc.query, texts(got), tc.want)
		}
	}
	got, raw := list(tokenA, "?limit=1")
	if raw["next_before"] != got[0].Asked.Format(time.RFC3339Nano) {
		t.Errorf("limit=1: next_before = %v, want the oldest's time", raw["next_before"])
	}
	got, _ = list(tokenA, "?answered=refused")
	if len(got) != 1 || got[0].Refused[0].Reasons[0].Code != avatar.GuardAbsoluteClaim || got[0].Model != "qwen2.5:3b" {
		t.Errorf("refused answer = %+v, want its guard reasons and model", got)
	}

	// Another merchant cannot read A's: 404 as for a missing room.
	if r := e.do(tokenB, "GET", path, "", nil); r.status != 404 || strings.Contains(string(r.body), "有机") {
		t.Errorf("B GET %s: HTTP %d %s, want 404 and nothing of A's", path, r.status, r.body)
	}
	if r := e.do("", "GET", path, "", nil); r.status != 401 {
		t.Errorf("GET %s without a token: HTTP %d, want 401", path, r.status)
	}
	if r := e.do(tokenA, "GET", "/api/v1/rooms/nope/questions", "", nil); r.status != 404 {
		t.Errorf("GET questions of a missing room: HTTP %d, want 404", r.status)
	}

	// Bad queries are a problem list.
	for _, q := range []string{"?limit=0", "?limit=1000", "?limit=x", "?before=yesterday", "?answered=maybe", "?unanswered=2", "?unanswered=1&answered=model"} {
		r := e.do(tokenA, "GET", path+q, "", nil)
		if r.status != 400 || r.errCode(t) != "bad_request" {
			t.Errorf("GET %s%s: HTTP %d %s, want 400 bad_request", path, q, r.status, r.body)
			continue
		}
		if ps, _ := r.json(t)["problems"].([]any); len(ps) == 0 {
			t.Errorf("GET %s%s: no problems in %s", path, q, r.body)
		}
	}
}
