package guard_test

import (
	"fmt"

	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// A driver builds the facts once per answer, splits the model's stream
// into sentences and checks each before it is spoken.
func ExampleGuard_Check() {
	show := &script.Show{Catalog: []script.Product{
		{SKU: "tea-1", Title: script.Text{"zh-CN": "明前龙井"}, Price: 9900, ListPrice: 12900},
	}}
	g := guard.New(guard.Config{Blocked: []string{"傻逼"}})
	facts := guard.NewFacts(show, guard.Live{}, "zh-CN", "小雅")
	var split guard.Splitter
	stream := []string{"明前龙井现在", "99元。它是醉", "好的茶。加微信", "买更便宜。"}
	var sentences []string
	for _, delta := range stream {
		sentences = append(sentences, split.Write(delta)...)
	}
	sentences = append(sentences, split.Flush()...)
	for _, s := range sentences {
		reasons := g.Check(s, facts)
		if reasons == nil {
			fmt.Println("speak:", s)
			continue
		}
		for _, r := range reasons {
			fmt.Println("refuse:", s, r.Code)
		}
	}
	// Output:
	// speak: 明前龙井现在99元。
	// refuse: 它是醉好的茶。 homophone-claim
	// refuse: 加微信买更便宜。 contact
}
