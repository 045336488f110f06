package script

import (
	"strings"
	"testing"
)

// TestCheckPricesLive runs the lint price check with live prices, as the
// director does before speaking a line and the merchant API on a typed
// line: after the cup's price goes from 64.50 to 59.00, "只要64.5元" and
// "五折" are false; "{price:cup-02}" never is.
func TestCheckPricesLive(t *testing.T) {
	cup := Product{SKU: "cup-02", Price: 6450, ListPrice: 12900}
	live := cup
	live.Price = 5900
	tea := Product{SKU: "tea-01", Price: 9900, ListPrice: 12900}
	sales := []Sale{{ID: "flash-tea", SKU: "tea-01", Price: 7900}}
	coupons := []Coupon{{ID: "new10", Discount: 1000, MinSpend: 9900}}
	tests := []struct {
		name  string
		text  string
		facts PriceFacts
		want  string // error codes, "|"-joined; warnings aside
	}{
		{"catalog price", "两只装今天五折，只要64.5元。", PriceFacts{Products: []Product{cup}}, ""},
		{"after a live price change", "两只装今天五折，只要64.5元。", PriceFacts{Products: []Product{live}}, "price-claim|discount-claim"},
		{"placeholder follows the price", "两只装只要{price:cup-02}元。", PriceFacts{Products: []Product{live}}, ""},
		{"list price stays true", "原价129元", PriceFacts{Products: []Product{live}}, ""},
		{"typed line, made-up price", "龙井只要9元", PriceFacts{Products: []Product{tea, cup}, Sales: sales, Coupons: coupons}, "price-claim"},
		{"typed line, made-up discount, tea on screen", "今天半价", PriceFacts{Products: []Product{tea}, Sales: sales, Coupons: coupons}, "discount-claim"},
		{"typed line, half price true of the cup", "今天半价", PriceFacts{Products: []Product{tea, cup}}, ""},
		{"typed line, sale price", "秒杀只要79元", PriceFacts{Products: []Product{tea, cup}, Sales: sales, Coupons: coupons}, ""},
		{"typed line, coupon", "领券再减10元，到手89元", PriceFacts{Products: []Product{tea}, Coupons: coupons}, ""},
		{"no amount", "欢迎来到直播间", PriceFacts{Products: []Product{tea}}, ""},
	}
	for _, tt := range tests {
		var got []string
		for _, f := range CheckPrices(tt.text, tt.facts) {
			if f.Severity == SevError {
				got = append(got, f.Code)
			}
			if !strings.Contains(f.Msg, "cup-02") && !strings.Contains(f.Msg, "tea-01") && f.Severity == SevError {
				t.Errorf("%s: finding %q names no product", tt.name, f.Msg)
			}
		}
		if g := strings.Join(got, "|"); g != tt.want {
			t.Errorf("%s: CheckPrices(%q) = %q, want %q", tt.name, tt.text, g, tt.want)
		}
	}
	if MentionsPrice("欢迎{price:tea-01}") || !MentionsPrice("半价") {
		t.Error("MentionsPrice: placeholders count, or 半价 does not")
	}
	if ps := LineProducts(&Show{Catalog: []Product{tea, cup}}, "", Utterance{Text: "茶杯{price:cup-02}元"}); len(ps) != 1 || ps[0].SKU != "cup-02" {
		t.Errorf("LineProducts by placeholder = %v, want cup-02", ps)
	}
}

// BenchmarkCheckPrices is the live check of one line that states a price
// and a discount, as the director runs it before speaking the line.
func BenchmarkCheckPrices(b *testing.B) {
	f := PriceFacts{Products: []Product{{SKU: "cup-02", Price: 5900, ListPrice: 12900}}, Coupons: []Coupon{{ID: "c", Discount: 1000, MinSpend: 9900}}}
	b.ReportAllocs()
	for b.Loop() {
		CheckPrices("两只装今天五折，只要64.5元。", f)
	}
}
