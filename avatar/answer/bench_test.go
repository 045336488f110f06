package answer_test

import (
	"context"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/answer"
)

// BenchmarkAnswer is the client's own cost against the local stub
// streaming a three-sentence answer two runes a chunk at once: the time
// from the call to the first checked sentence (first-sentence-ns), and to
// the whole answer (ns/op). A real model adds its own time to first token
// and per token.
func BenchmarkAnswer(b *testing.B) {
	s := &stub{answer: "明前龙井现在只要89元。汤色清亮，回甘明显。库存还有7件。", usage: 300}
	c := newClient(b, s, nil)
	req := request("zh-CN", "这个茶怎么样？")
	req.Budget = answer.Budget{CallsPerMinute: 1 << 30, TokensPerHour: 1 << 30}
	var first time.Duration
	for b.Loop() {
		start := time.Now()
		got := false
		req.OnSentence = func(answer.Sentence) {
			if !got {
				first += time.Since(start)
				got = true
			}
		}
		res, err := c.Answer(context.Background(), req)
		if err != nil || len(res.Spoken) != 3 {
			b.Fatalf("Answer = %q, %v", res.Spoken, err)
		}
	}
	b.ReportMetric(float64(first.Nanoseconds())/float64(b.N), "first-sentence-ns")
}
