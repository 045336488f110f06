package script

import (
	"fmt"
	"strings"
	"testing"
)

// bigScript returns a valid livestream script of at least size bytes: many
// products, each with a pitch segment of several bilingual lines.
func bigScript(size int) []byte {
	var b strings.Builder
	b.WriteString("id: big\nkind: livestream\ntitle: {zh-CN: 大促, en: Big sale}\npersona: xiaoya\nlanguages: [zh-CN, en]\ncatalog:\n")
	var segs strings.Builder
	segs.WriteString("segments:\n")
	for i := 0; b.Len()+segs.Len() < size; i++ {
		fmt.Fprintf(&b, "  - sku: p%d\n    title: {zh-CN: 商品%d, en: Product %d}\n    price: 99\n    list_price: 129\n    stock: 500\n", i, i, i)
		fmt.Fprintf(&segs, "  - id: seg%d\n    product: p%d\n    steps:\n", i, i)
		for j := range 8 {
			fmt.Fprintf(&segs, "      - id: l%d-%d\n        say:\n          zh-CN: 这款[show:p%d]商品今天只要{price:p%d}元，原价129元，最近卖得很好，喜欢的朋友赶紧下单。\n"+
				"          en: This [show:p%d] product is only {price:p%d} yuan today, down from 129. It has been popular lately, so order soon.\n", i, j, i, i, i, i)
		}
		segs.WriteString("      - pause: 1.5s\n")
	}
	b.WriteString(segs.String())
	return []byte(b.String())
}

func TestBigScript(t *testing.T) {
	src := bigScript(64 << 10)
	if _, ps := Parse("big.yaml", src); len(ps) > 0 {
		t.Fatalf("bigScript has problems:\n%s", ps)
	}
}

// BenchmarkParse parses, checks and lints a 1 MiB script.
func BenchmarkParse(b *testing.B) {
	src := bigScript(1 << 20)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ps := Parse("big.yaml", src); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}
