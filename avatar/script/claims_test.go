package script

import (
	"strings"
	"testing"
)

func TestFindClaims(t *testing.T) {
	tests := []struct {
		text string
		want []string // "code:phrase"
	}{
		// Chinese absolute claims, art. 9(3).
		{"全网最低价，不买后悔", []string{"absolute-claim:全网最低价"}},
		{"史上最低", []string{"absolute-claim:史上最低"}},
		{"这是最好的龙井", []string{"absolute-claim:最好"}},
		{"口感最佳", []string{"absolute-claim:最佳"}},
		{"今天最便宜", []string{"absolute-claim:最便宜"}},
		{"销量第一的茶", []string{"absolute-claim:第一"}},
		{"第一品牌", []string{"absolute-claim:第一"}},
		{"国家级工艺，顶级原料", []string{"absolute-claim:国家级", "absolute-claim:顶级"}},
		{"唯一正宗", []string{"absolute-claim:唯一"}},
		{"极品好茶，万能神器", []string{"absolute-claim:极品", "absolute-claim:万能"}},
		// Chinese false positives.
		{"最近上了新茶", nil},
		{"最后三罐", nil},
		{"最终解释权", nil},
		{"最初的味道", nil},
		{"每人最多买两件，最少一件", nil},
		{"最好趁热喝", nil},
		{"最高立减二十", nil},
		{"第一次来的朋友", nil},
		{"第一步，先温杯", nil},
		{"第一时间发货", nil},
		{"第一件半价", nil},
		// English absolute claims.
		{"The best tea in town", []string{"absolute-claim:The best"}},
		{"our best seller", []string{"absolute-claim:our best"}},
		{"No. 1 in China", []string{"absolute-claim:No. 1"}},
		{"the #1 choice", []string{"absolute-claim:#1"}},
		{"number one brand", []string{"absolute-claim:number one"}},
		{"cheapest ever", []string{"absolute-claim:cheapest"}},
		{"lowest price ever", []string{"absolute-claim:lowest price ever"}},
		// English false positives.
		{"Best before June", nil},
		{"I'll do my best", nil},
		{"best served chilled", nil},
		{"All the best!", nil},
		{"room number 1", nil},
		{"a bestseller list", nil},
		// Medical promises, art. 17.
		{"每天一杯降血压", []string{"medical-claim:降血压"}},
		{"包治百病", []string{"medical-claim:包治百病"}},
		{"根治失眠，药到病除", []string{"medical-claim:根治", "medical-claim:药到病除"}},
		{"It cures insomnia", []string{"medical-claim:cures insomnia"}},
		{"guaranteed to cure colds", []string{"medical-claim:guaranteed to cure"}},
		{"heals arthritis", []string{"medical-claim:heals arthritis"}},
		{"treats high blood pressure", []string{"medical-claim:treats high blood pressure"}},
		{"lowers blood pressure", []string{"medical-claim:lowers blood pressure"}},
		// Medical false positives.
		{"dog treats for your puppy", nil},
		{"cured ham and cheese", nil},
		{"a little treat for you", nil},
		{"健康饮茶", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, c := range FindClaims(tt.text) {
			got = append(got, c.Code+":"+c.Phrase)
			if !strings.HasPrefix(tt.text[c.At:], c.Phrase) {
				t.Errorf("FindClaims(%q): claim %q at %d does not start there", tt.text, c.Phrase, c.At)
			}
			if c.Rule == "" || c.Reason == "" {
				t.Errorf("FindClaims(%q): claim %q without rule or reason", tt.text, c.Phrase)
			}
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("FindClaims(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

// TestCommerceClaims checks price and discount claims against a catalog
// where tea-01 costs 99 (list 129), a flash sale sells it at 79 and a
// coupon takes 10 off 99.
func TestCommerceClaims(t *testing.T) {
	const head = "id: x\nkind: livestream\ntitle: {zh-CN: T}\npersona: p\nlanguages: [zh-CN]\n" +
		"catalog:\n- {sku: tea-01, title: {zh-CN: 茶}, price: 99, list_price: 129, stock: 500}\n" +
		"- {sku: cup-02, title: {zh-CN: 杯}, price: 64.5, list_price: 129, stock: 50}\n" +
		"coupons: [{id: c1, title: {zh-CN: 券}, discount: 10, min_spend: 99}]\n" +
		"sales: [{id: f1, sku: tea-01, price: 79, stock: 100, duration: 5m}]\n" +
		"segments:\n- id: s\n  product: tea-01\n  steps:\n  - {coupon: c1}\n  - {sale: f1}\n  - id: l\n    say:\n      zh-CN: "
	tests := []struct {
		text string
		want string // codes, "|"-joined
	}{
		{"只要99元", "literal-price"},
		{"原价129元，今天只要99", "literal-price"},
		{"秒杀价79元", ""},
		{"领券再减10元，到手89元", ""},
		{"直降30元", ""},
		{"只要88元", "price-claim"},
		{"only $88", "price-claim"},
		{"¥109", "price-claim"},
		{"只要3件", ""},
		{"only 3 left", ""},
		{"半价", "discount-claim"},
		{"五折", "discount-claim"},
		{"half price", "discount-claim"},
		{"[show:cup-02]杯子半价", ""},
		{"[show:cup-02]杯子五折，只要64.5元", "literal-price"},
		{"七七折", ""},
		{"八折", "discount-claim"},
		{"{price:tea-01}元", ""},
		{"折叠杯", ""},
		{"不打折", ""},
		{"这是最好的茶，只要88元", "absolute-claim|price-claim"},
	}
	for _, tt := range tests {
		_, ps := Parse("t.yaml", []byte(head+"'"+tt.text+"'\n"))
		var got []string
		for _, p := range ps {
			got = append(got, p.Code)
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("line %q: problems %q, want %q\n%s", tt.text, g, tt.want, ps)
		}
	}
}

func TestFindAmounts(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"只要99元", []string{"99"}},
		{"只要 ¥ 99.5，快来", []string{"99.5"}},
		{"原价129元，今天只要99", []string{"129", "99"}},
		{"$99.50 only", []string{"99.50"}},
		{"only 64.50 yuan", []string{"64.50"}},
		{"just 10 dollars", []string{"10"}},
		{"10 RMB off", []string{"10"}},
		{"只要3件", nil},
		{"仅剩3罐", nil},
		{"only 3 left", nil},
		{"within 48 hours", nil},
		{"二百五十克, 250 g", nil},
		{"pause 1.5s", nil},
		{"jumbo 99", nil},
		{"99 yuanbao", nil},
	}
	for _, tt := range tests {
		var got []string
		for _, m := range findAmounts(tt.text) {
			got = append(got, tt.text[m.start:m.end])
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("findAmounts(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
