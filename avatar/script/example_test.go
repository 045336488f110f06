package script_test

import (
	"fmt"

	"github.com/avatarcast/avatarcast/avatar/script"
)

func ExampleParse() {
	src := []byte(`id: tea-hour
kind: livestream
title: {zh-CN: 茶叶专场, en: Tea hour}
persona: xiaoya
languages: [zh-CN, en]
catalog:
  - sku: tea-01
    title: {zh-CN: 龙井, en: Longjing}
    price: 99
    list_price: 129
    stock: 500
segments:
  - id: pitch
    product: tea-01
    steps:
      - id: pitch-1
        say:
          zh-CN: 这款龙井[show:tea-01]今天只要99元！
          en: This Longjing [show:tea-01] is only 99 yuan today!
`)
	show, probs := script.Parse("tea.yaml", src)
	if err := probs.Err(); err != nil {
		fmt.Println(err)
		return
	}
	u := show.Segments[0].Steps[0].Line.Say["zh-CN"]
	fmt.Printf("%q\n", u.Text)
	fmt.Println(u.Cues[0].Action.Kind, u.Cues[0].Action.Ref, "at byte", u.Cues[0].At)
	// Output:
	// "这款龙井今天只要99元！"
	// show tea-01 at byte 12
}

func ExampleProblems() {
	src := []byte(`id: tea-hour
kind: livestream
title: {en: Tea hour}
persona: xiaoya
languages: [en]
catalog:
  - {sku: tea-01, title: {en: Longjing}, price: 99, list_price: 129, stock: 500}
segments:
  - id: pitch
    product: tea-02
    steps:
      - id: pitch-1
        say: {en: "The best tea, only 89 yuan!"}
acks:
  - code: absolute-claim
    line: pitch-1
    reason: Quoted from the 2025 Hangzhou tea fair award.
`)
	show, probs := script.Parse("tea.yaml", src)
	fmt.Print(probs.String())
	fmt.Println(show == nil, probs.HasErrors())
	// Output:
	// tea.yaml:9:5: error: unknown-sku: segment pitch: product "tea-02" is not in the catalog
	// tea.yaml:13:20: ack: absolute-claim: line pitch-1 (en): "The best" claims to be the best (acknowledged at line 15: Quoted from the 2025 Hangzhou tea fair award.) [PRC Advertising Law art. 9(3)]
	// tea.yaml:13:39: error: price-claim: line pitch-1 (en) states 89.00, which matches no price, list price, sale or coupon: tea-01 costs 99.00 (list 129.00) [PRC Advertising Law art. 28(2)(ii)]
	// true true
}
