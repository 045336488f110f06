package script

import (
	"fmt"
	"slices"
	"strings"
)

// PriceFacts are what the amounts and discounts a line states are checked
// against: the products the line is about at the prices that hold (the
// catalog's for lint, the live ones when the line is about to be spoken or
// typed live), the flash sales and the coupons.
type PriceFacts struct {
	Products []Product
	Sales    []Sale
	Coupons  []Coupon
}

// A PriceFinding is an amount or a discount a line states that the facts
// do not bear out (an error), or a literal price better written as a
// placeholder (a warning).
type PriceFinding struct {
	At       int // byte offset in the text
	Severity Severity
	Code     string // "price-claim", "discount-claim" or "literal-price"
	Rule     string
	Msg      string // what is wrong, for "line ID (lang) " to precede
}

// MentionsPrice reports whether text (placeholders aside) may state an
// amount or a discount at all: most lines do not, and CheckPrices returns
// nothing for them.
func MentionsPrice(text string) bool {
	text = blankPlaceholders(text)
	return strings.ContainsAny(text, "0123456789半折%") || strings.Contains(strings.ToLower(text), "half")
}

func blankPlaceholders(text string) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string { return strings.Repeat(" ", len(m)) })
}

// LineProducts returns the products an utterance u is about: product (the
// SKU of its segment, "" if none), the products its cues show or sell and
// its placeholders name; every product of the catalog when it names none.
// The products point into s.Catalog.
func LineProducts(s *Show, product string, u Utterance) []*Product {
	return lineProducts(s, newIndex(s), lineRef{product: product}, u)
}

// CheckPrices checks the amounts and discounts text states (placeholders,
// which are filled with live values, aside) against f. It is pure: lint
// runs it with the catalog, the director with live prices before a line is
// spoken, the merchant API on a typed line. Findings are in text order of
// kind: amounts first, then discounts.
func CheckPrices(text string, f PriceFacts) []PriceFinding {
	text = blankPlaceholders(text)
	// Most lines state no amount; skip the regular expressions for them.
	if !strings.ContainsAny(text, "0123456789半折%") && !strings.Contains(strings.ToLower(text), "half") {
		return nil
	}
	if len(f.Products) == 0 {
		return nil
	}
	var out []PriceFinding
	allowed := map[Money]bool{}
	type ratio struct{ price, list Money }
	var ratios []ratio
	var known []string
	for _, pr := range f.Products {
		prices := []Money{pr.Price}
		for _, sl := range f.Sales {
			if sl.SKU == pr.SKU {
				prices = append(prices, sl.Price)
			}
		}
		allowed[pr.ListPrice] = true
		for _, v := range prices {
			allowed[v] = true
			if pr.ListPrice > v {
				allowed[pr.ListPrice-v] = true
				ratios = append(ratios, ratio{v, pr.ListPrice})
			}
			if pr.Price > v {
				allowed[pr.Price-v] = true
			}
			for _, c := range f.Coupons {
				if v >= c.MinSpend && v > c.Discount {
					allowed[v-c.Discount] = true
				}
			}
		}
		desc := fmt.Sprintf("%s costs %s", pr.SKU, pr.Price)
		if pr.ListPrice > 0 {
			desc += fmt.Sprintf(" (list %s)", pr.ListPrice)
		}
		known = append(known, desc)
	}
	for _, c := range f.Coupons {
		allowed[c.Discount] = true
		allowed[c.MinSpend] = true
	}
	for _, m := range findAmounts(text) {
		amount, err := ParseMoney(text[m[0]:m[1]])
		if err != nil {
			continue
		}
		if allowed[amount] {
			// True today; but a literal price turns false the moment the
			// merchant changes it live, where {price:SKU} follows it.
			if i := slices.IndexFunc(f.Products, func(pr Product) bool { return pr.Price == amount && pr.ListPrice != amount }); i >= 0 {
				out = append(out, PriceFinding{At: m[0], Severity: SevWarning, Code: "literal-price", Rule: rulePrice,
					Msg: fmt.Sprintf("states the price %s of %s as a literal; write {price:%s} so the line stays true when the price changes live", amount, f.Products[i].SKU, f.Products[i].SKU)})
			}
			continue
		}
		out = append(out, PriceFinding{At: m[0], Severity: SevError, Code: "price-claim", Rule: rulePrice,
			Msg: fmt.Sprintf("states %s, which matches no price, list price, sale or coupon: %s", amount, strings.Join(known, "; "))})
	}
	if !strings.ContainsAny(text, "折半%") && !strings.Contains(strings.ToLower(text), "half") {
		return out
	}
	for _, m := range discountRE.FindAllStringSubmatchIndex(text, -1) {
		sub := make([]string, len(m)/2)
		for i := range sub {
			if m[2*i] >= 0 {
				sub[i] = text[m[2*i]:m[2*i+1]]
			}
		}
		pct := discountPercent(sub)
		if pct <= 0 || pct >= 100 {
			continue
		}
		if len(ratios) == 0 {
			out = append(out, PriceFinding{At: m[0], Severity: SevWarning, Code: "discount-claim", Rule: rulePrice,
				Msg: fmt.Sprintf("claims %q but no product in context has a list price to check it against", strings.TrimSpace(sub[0]))})
			continue
		}
		// Within one percentage point of the list price counts as true, to
		// allow rounding to whole fen.
		if slices.ContainsFunc(ratios, func(rt ratio) bool {
			d := int64(rt.price)*100 - int64(rt.list)*int64(pct)
			return max(d, -d) <= int64(rt.list)
		}) {
			continue
		}
		out = append(out, PriceFinding{At: m[0], Severity: SevError, Code: "discount-claim", Rule: rulePrice,
			Msg: fmt.Sprintf("claims %q (%d%% of list price), which matches no price or sale: %s", strings.TrimSpace(sub[0]), pct, strings.Join(known, "; "))})
	}
	return out
}
