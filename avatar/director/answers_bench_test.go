package director

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/answer"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

const waitingScript = `id: wait
kind: livestream
title: {zh-CN: 等, en: Wait}
persona: xiaoya
languages: [zh-CN, en]
catalog:
  - {sku: tea-01, title: {zh-CN: 明前西湖龙井, en: Longjing}, price: 99, stock: 5}
ai: {enabled: true, timeout: 5s, budget: {calls_per_minute: 60}}
faq:
  fallback:
    - {id: fallback-1, say: {zh-CN: 这个问题我记下了。, en: Noted.}}
segments:
  - id: wait
    steps:
      - {pause: 1h}
`

// BenchmarkQuestionToFirstWord is the delay from a viewer's question to
// the reply event (its first word) when the show waits in a pause: the
// engine's ask, the driver's call to a local chat-completions stub that
// streams a two-sentence answer, the guard on each sentence (in the client
// and again in the engine), and the reply. A show speaking a line adds the
// rest of that line.
func BenchmarkQuestionToFirstWord(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for _, piece := range []string{"明前西湖", "龙井是今年", "头采的绿茶。", "现在99元", "一罐。"} {
			c, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": piece}}}})
			fmt.Fprintf(w, "data: %s\n\n", c)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	show, probs := script.Parse("wait.yaml", []byte(waitingScript))
	if show == nil || probs.Err() != nil {
		b.Fatal(probs.Err())
	}
	g := guard.New(guard.Config{})
	e := NewEngine(liveRoom("r", avatar.KindLivestream), Compile(show, 1), nil)
	e.model.on, e.model.guard = true, g
	now := t0
	if _, _, err := e.Update(now, MsgRestore{}); err != nil {
		b.Fatal(err)
	}
	now = now.Add(time.Minute)
	e.Update(now, MsgTick{})
	ctx := context.Background()
	b.ResetTimer()
	for i := range b.N {
		// A client per question: its budget runs on the real clock.
		c, err := answer.New(answer.Config{URL: srv.URL + "/v1", Model: "stub"}, g)
		if err != nil {
			b.Fatal(err)
		}
		now = now.Add(time.Minute)
		out, _, _ := e.Update(now, MsgInput{Input: avatar.Input{Viewer: "v", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "问题" + strconv.Itoa(i)}}})
		var ask *Ask
		for _, o := range out {
			if o.Kind == OutAsk {
				ask = o.Ask
			}
		}
		if ask == nil {
			b.Fatalf("no ask: %v", out)
		}
		q := answer.Resolve(ctx, c, ask.Request, ask.Question, "")
		out, _, _ = e.Update(now, MsgAnswered{ID: ask.ID, Question: q})
		var r *avatar.Reply
		for _, o := range out {
			if rr, ok := o.Data.(avatar.Reply); ok {
				r = &rr
			}
		}
		if r == nil || r.Source != avatar.ReplySourceModel {
			b.Fatalf("no model reply: %+v", r)
		}
	}
}
