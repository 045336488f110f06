package script

import "testing"

func TestLookups(t *testing.T) {
	s, ps := ParseFile("../../scripts/demo-live.yaml")
	if s == nil {
		t.Fatal(ps)
	}
	if p := s.Product("cup-02"); p == nil || p.Price != 6450 || p.ListPrice != 12900 {
		t.Errorf("Product(cup-02) = %+v, want price 64.50, list 129.00", p)
	}
	if sl := s.Sale("flash-tea"); sl == nil || sl.SKU != "tea-01" || sl.Price != 7900 {
		t.Errorf("Sale(flash-tea) = %+v", sl)
	}
	if c := s.Coupon("new10"); c == nil || c.Discount != 1000 || c.MinSpend != 9900 {
		t.Errorf("Coupon(new10) = %+v", c)
	}
	if seg, i := s.Segment("last-call"); seg == nil || i != 3 {
		t.Errorf("Segment(last-call) = %v, %d; want index 3", seg, i)
	}
	if l := s.Line("faq-origin-2"); l == nil || l.Say["en"].Text == "" {
		t.Errorf("Line(faq-origin-2) = %+v", l)
	}
	if s.Product("nope") != nil || s.Line("nope") != nil || s.Exhibit("nope") != nil {
		t.Errorf("lookups of nope: want nil")
	}
	n := 0
	s.EachLine(func(*Line) bool { n++; return true })
	if n != 26 { // with the FAQ's two fallback lines, its filler and five thank-you lines
		t.Errorf("EachLine saw %d lines, want 26", n)
	}
	// A placeholder stays in the text for the director to fill.
	text := s.Line("faq-price-1").Say["en"].Text
	got := ExpandPlaceholders(text, func(kind, ref string) (string, bool) {
		if kind == "price" {
			return s.Product(ref).Price.String(), true
		}
		return "", false
	})
	if want := "The Longjing is 99.00 yuan a tin, and the cups are 64.50 yuan a set."; got != want {
		t.Errorf("ExpandPlaceholders(%q) = %q, want %q", text, got, want)
	}
}

func TestShowIDHasNoDot(t *testing.T) {
	src := "id: a.b\nkind: museum\ntitle: {en: T}\npersona: p\nlanguages: [en]\nsegments: []\n"
	_, ps := Parse("dot.yaml", []byte(src))
	found := false
	for _, p := range ps {
		found = found || (p.Code == "bad-id" && p.Line == 1)
	}
	if !found {
		t.Errorf("Parse(%q): problems %v, want bad-id at line 1", src, ps)
	}
}
