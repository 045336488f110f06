package director_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/answer"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/avatar/guard"
)

// chatStub is a hand-written stand-in for an OpenAI-compatible
// /v1/chat/completions endpoint (no model runs here): it streams answer
// as SSE chunks, or, when slow is set, holds the request until the client
// gives up.
type chatStub struct {
	answer string
	slow   atomic.Bool
	calls  atomic.Int32
}

func (s *chatStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" {
		http.NotFound(w, r)
		return
	}
	s.calls.Add(1)
	var req map[string]any
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if s.slow.Load() {
		<-r.Context().Done()
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	runes := []rune(s.answer)
	for i := 0; i < len(runes); i += 3 {
		b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": req["model"],
			"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": string(runes[i:min(i+3, len(runes))])}}}})
		fmt.Fprintf(w, "data: %s\n\n", b)
		fl.Flush()
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// TestAnswersOverNATS plays demo-live with the model on through a real
// director, bus and HTTP client against the stub: a good answer is
// spoken and recorded; a slow endpoint gets the fallback after the
// timeout and the show goes on.
func TestAnswersOverNATS(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	const room = "ask"
	ctx := context.Background()
	src, err := os.ReadFile("../../scripts/demo-live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src = []byte(strings.Replace(string(src), "  timeout: 6s\n", "  timeout: 1s\n", 1))
	if !strings.Contains(string(src), "  timeout: 1s\n") {
		t.Fatal("demo-live has no ai timeout of 6s to shorten")
	}
	v, err := b.PutScript(ctx, "m", "demo", src)
	if err != nil {
		t.Fatal(err)
	}
	putRoom(t, b, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo", Version: v,
		Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Name: "小雅", Voice: avatar.Voice{Rate: 4}}})

	stub := &chatStub{answer: "明前西湖龙井是今年头采的绿茶。现在99元一罐。"}
	srv := httptest.NewServer(stub)
	t.Cleanup(srv.Close)
	g := guard.New(guard.Config{})
	client, err := answer.New(answer.Config{URL: srv.URL + "/v1", Model: "stub-model"}, g)
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithCancel(ctx)
	d := director.New(director.Config{ID: "d", LeaseTTL: ttl, Answers: client}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(dctx) }()
	waitFor(t, 10*time.Second, "playing", func() bool { return len(speeches(t, events(t, b, room))) >= 1 })

	replies := func() []avatar.Envelope {
		var out []avatar.Envelope
		for _, e := range events(t, b, room) {
			if e.Type == avatar.EventReply {
				out = append(out, e)
			}
		}
		return out
	}
	ask := func(viewer, text string) time.Time {
		at := time.Now()
		if err := b.PublishInput(room, avatar.Input{Viewer: viewer, Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: text, Name: "Amy"}, TS: at}); err != nil {
			t.Fatal(err)
		}
		return at
	}

	asked := ask("v1", "这个茶是有机的吗？")
	waitFor(t, 20*time.Second, "the model's reply", func() bool { return len(replies()) >= 1 })
	ev := replies()[0]
	var r avatar.Reply
	if err := json.Unmarshal(ev.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Source != avatar.ReplySourceModel || r.Model != "stub-model" || !strings.Contains(r.Speech.Text, "明前西湖龙井是今年头采的绿茶。现在99元一罐。") {
		t.Fatalf("reply %+v, want the stub's answer, source model", r)
	}
	// The figure for the report: question to first spoken word (the
	// filler, if one came first) and to the answer.
	first := time.Time(ev.TS)
	for _, e := range events(t, b, room) {
		if e.Type == avatar.EventSpeech && lineOfEnv(t, e) == "filler-1" && time.Time(e.TS).After(asked) {
			first = time.Time(e.TS)
			break
		}
	}
	t.Logf("question → first spoken word %v, → model answer %v (stub, shared machine, includes waiting for the line boundary)",
		first.Sub(asked).Round(time.Millisecond), time.Time(ev.TS).Sub(asked).Round(time.Millisecond))

	var qs []avatar.Question
	waitFor(t, 10*time.Second, "the question's record", func() bool {
		qs, err = b.Questions(ctx, "m", room, bus.QuestionQuery{})
		return err == nil && len(qs) >= 1
	})
	if q := qs[0]; q.Answered != avatar.AnsweredModel || q.Text != "这个茶是有机的吗？" || q.Model != "stub-model" || len(q.Spoken) != 2 {
		t.Errorf("record %+v, want the model's answer", q)
	}

	// A slow endpoint: the fallback after the timeout, and the show goes on.
	stub.slow.Store(true)
	asked = ask("v2", "可以送到国外吗？")
	waitFor(t, 20*time.Second, "the fallback", func() bool { return len(replies()) >= 2 })
	ev = replies()[1]
	if err := json.Unmarshal(ev.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Source != avatar.ReplySourceFallback || !strings.HasPrefix(r.Speech.LineID, "fallback-") {
		t.Errorf("reply %+v, want a fallback line", r)
	}
	if wait := time.Time(ev.TS).Sub(asked); wait < time.Second {
		t.Errorf("fallback %v after the question, want after the 1s timeout", wait)
	}
	t.Logf("slow endpoint: question → fallback %v", time.Time(ev.TS).Sub(asked).Round(time.Millisecond))
	n := len(speeches(t, events(t, b, room)))
	waitFor(t, 20*time.Second, "the show going on", func() bool { return len(speeches(t, events(t, b, room))) > n })
	waitFor(t, 10*time.Second, "the slow question's record", func() bool {
		qs, err = b.Questions(ctx, "m", room, bus.QuestionQuery{Answered: []string{avatar.AnsweredFallback}})
		return err == nil && len(qs) >= 1
	})
	if qs[0].Error == "" || qs[0].Text != "可以送到国外吗？" {
		t.Errorf("record %+v, want the fallback with why the model gave nothing", qs[0])
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func lineOfEnv(t *testing.T, e avatar.Envelope) string {
	var sp avatar.Speech
	if err := json.Unmarshal(e.Data, &sp); err != nil {
		t.Fatal(err)
	}
	return sp.LineID
}
