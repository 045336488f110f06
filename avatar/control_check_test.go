package avatar

import (
	"strings"
	"testing"
	"time"
)

func TestControlCheck(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, tc := range []struct {
		name        string
		c           Control
		field, code string // of the first problem; "" for none
	}{
		{"skip", Control{Type: CtlSkip}, "", ""},
		{"pitch without sku", Control{Type: CtlPitch}, "sku", "required"},
		{"stock", Control{Type: CtlStock, SKU: "a", Stock: n(0)}, "", ""},
		{"stock below 0", Control{Type: CtlStock, SKU: "a", Stock: n(-1)}, "stock", "bad-stock"},
		{"stock missing", Control{Type: CtlStock, SKU: "a"}, "stock", "bad-stock"},
		{"price missing", Control{Type: CtlPrice, SKU: "a"}, "price", "required"},
		{"sale of the script", Control{Type: CtlSale, SaleID: "flash"}, "", ""},
		{"ad-hoc sale", Control{Type: CtlSale, SKU: "a", Price: "9.90", Stock: n(5), Duration: time.Minute}, "", ""},
		{"sale of no stock", Control{Type: CtlSale, SKU: "a", Price: "9.90", Stock: n(0), Duration: time.Minute}, "stock", "bad-stock"},
		{"sale too long", Control{Type: CtlSale, SKU: "a", Price: "9.90", Stock: n(5), Duration: 25 * time.Hour}, "duration", "bad-duration"},
		{"say", Control{Type: CtlSay, Text: "欢迎大家！"}, "", ""},
		{"say blank", Control{Type: CtlSay, Text: "  "}, "text", "required"},
		{"say too long", Control{Type: CtlSay, Text: strings.Repeat("好", 167)}, "text", "too-long"},
		{"say a line break", Control{Type: CtlSay, Text: "a\nb"}, "text", "bad-text"},
		{"say bidi", Control{Type: CtlSay, Text: "a\u202eb"}, "text", "bad-text"},
		{"notice long", Control{Type: CtlNotice, Text: strings.Repeat("好", 280)}, "", ""},
		{"notice ref too long", Control{Type: CtlNotice, Text: "x", Ref: strings.Repeat("r", 129)}, "ref", "too-long"},
		{"lang missing", Control{Type: CtlLang}, "lang", "required"},
		{"order", Control{Type: CtlOrder, SKU: "a", OrderID: "k", Qty: 1}, "", ""},
		{"order of nothing", Control{Type: CtlOrder, SKU: "a", OrderID: "k"}, "qty", "bad-qty"},
		{"order without id", Control{Type: CtlOrder, SKU: "a", Qty: 1}, "order_id", "required"},
		{"unknown", Control{Type: "dance"}, "type", "unknown-control"},
		{"say now", Control{Type: CtlSay, Text: "x", Placement: PlaceNow}, "", ""},
		{"say queue", Control{Type: CtlSay, Text: "x", Placement: PlaceQueue}, "", ""},
		{"say next", Control{Type: CtlSay, Text: "x", Placement: PlaceNext}, "", ""},
		{"say bad placement", Control{Type: CtlSay, Text: "x", Placement: "later"}, "placement", "bad-placement"},
		{"placement on skip", Control{Type: CtlSkip, Placement: PlaceNow}, "placement", "bad-placement"},
		{"clear", Control{Type: CtlClear}, "", ""},
	} {
		ps := tc.c.Check()
		switch {
		case tc.field == "" && len(ps) > 0:
			t.Errorf("%s: Check(%+v) = %v, want none", tc.name, tc.c, ps)
		case tc.field != "" && (len(ps) == 0 || ps[0].Field != tc.field || ps[0].Code != tc.code):
			t.Errorf("%s: Check(%+v) = %v, want %s %s first", tc.name, tc.c, ps, tc.field, tc.code)
		case len(ps) > 0 && ps[0].Msg == "":
			t.Errorf("%s: problem %v says nothing", tc.name, ps[0])
		}
	}
}
