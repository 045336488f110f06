package guard_test

import (
	"testing"

	"github.com/avatarcast/avatarcast/avatar/guard"
)

// BenchmarkCheckAnswer is the guard's cost per answer: a typical answer of
// three sentences, split and checked against the facts of a small catalog
// (the facts are built once per answer and counted here too).
func BenchmarkCheckAnswer(b *testing.B) {
	g := guard.New(guard.Config{Blocked: []string{"傻逼", "操你妈", "垃圾", "scam", "fraud"}})
	for _, tc := range []struct{ name, lang, text string }{
		{"zh", "zh-CN", "明前龙井现在只要99元，满99还能减10元。汤色清亮，回甘明显，适合每天喝。今天下单明天就发货，库存还有50件。"},
		{"en", "en", "Longjing green tea is 99 yuan today, and orders of 99 get 10 yuan off. It brews a clear cup with a sweet finish. We ship tomorrow and have 50 in stock."},
	} {
		b.Run(tc.name, func(b *testing.B) {
			show := teaShow()
			for b.Loop() {
				f := guard.NewFacts(show, guard.Live{Others: []string{"碧螺春"}}, tc.lang, "小美")
				var s guard.Splitter
				n := 0
				for _, sent := range append(s.Write(tc.text), s.Flush()...) {
					if g.Check(sent, f) != nil {
						b.Fatalf("%q refused", sent)
					}
					n++
				}
				if n != 3 {
					b.Fatalf("%d sentences, want 3", n)
				}
			}
		})
	}
}
