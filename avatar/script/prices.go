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

// MentionsPrice reports whether text (placeholders aside) states an amount
// or a discount at all: most lines do not, and CheckPrices returns nothing
// for them.
func MentionsPrice(text string) bool {
	text = blankPlaceholders(text)
	return len(findAmounts(text)) > 0 || len(findDiscounts(text)) > 0
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
	amounts, discounts := findAmounts(text), findDiscounts(text)
	if len(amounts) == 0 && len(discounts) == 0 || len(f.Products) == 0 {
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
	for _, a := range amounts {
		amount := a.value
		if allowed[amount] {
			// True today; but a literal price turns false the moment the
			// merchant changes it live, where {price:SKU} follows it.
			// An amount that is also a coupon's threshold or saving (满99减10)
			// may be about the coupon, which does not change with the price.
			couponAmount := couponContext(text[:a.start], text[a.end:]) &&
				slices.ContainsFunc(f.Coupons, func(c Coupon) bool { return c.MinSpend == amount || c.Discount == amount })
			if i := slices.IndexFunc(f.Products, func(pr Product) bool { return pr.Price == amount && pr.ListPrice != amount }); i >= 0 && !couponAmount {
				out = append(out, PriceFinding{At: a.start, Severity: SevWarning, Code: "literal-price", Rule: rulePrice,
					Msg: fmt.Sprintf("states the price %s of %s as a literal; write {price:%s} so the line stays true when the price changes live", amount, f.Products[i].SKU, f.Products[i].SKU)})
			}
			continue
		}
		out = append(out, PriceFinding{At: a.start, Severity: SevError, Code: "price-claim", Rule: rulePrice,
			Msg: fmt.Sprintf("states %s, which matches no price, list price, sale or coupon: %s", amount, strings.Join(known, "; "))})
	}
	for _, d := range discounts {
		pct := d.pct
		if len(ratios) == 0 {
			out = append(out, PriceFinding{At: d.start, Severity: SevWarning, Code: "discount-claim", Rule: rulePrice,
				Msg: fmt.Sprintf("claims %q but no product in context has a list price to check it against", d.phrase)})
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
		out = append(out, PriceFinding{At: d.start, Severity: SevError, Code: "discount-claim", Rule: rulePrice,
			Msg: fmt.Sprintf("claims %q (%d%% of list price), which matches no price or sale: %s", d.phrase, pct, strings.Join(known, "; "))})
	}
	return out
}

// couponContext reports whether an amount between before and after reads as
// a coupon's threshold or saving: 满99, 减10, orders of 99, 10 yuan off.
func couponContext(before, after string) bool {
	b := strings.ToLower(strings.TrimRight(before, " "))
	a := strings.ToLower(strings.TrimLeft(after, " "))
	for _, w := range []string{"满", "减", "orders of", "over", "spend", "dès", "à partir de"} {
		if strings.HasSuffix(b, w) {
			return true
		}
	}
	return strings.HasPrefix(a, "减") || strings.HasPrefix(a, "off") || strings.HasPrefix(a, "元减")
}
