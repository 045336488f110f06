package script

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// rulePrice is the legal reference of price and discount findings; the
// claim rules name theirs in claims/*.yaml.
const rulePrice = "PRC Advertising Law art. 28(2)(ii)"

// ackable are the codes an ack may acknowledge: lint findings about what a
// line says, never structural errors.
var ackable = []string{"absolute-claim", "medical-claim", "price-claim", "discount-claim", "long-breath"}

// MinAckReason is the fewest characters (not bytes: 国家级称号 is five) of
// a written reason that acknowledges a finding, in a script's acks or with
// a line a merchant types live.
const MinAckReason = 10

// AckReasonOK reports whether reason is long enough to acknowledge a
// finding with (MinAckReason characters, surrounding space not counted).
func AckReasonOK(reason string) bool {
	return utf8.RuneCountInString(strings.TrimSpace(reason)) >= MinAckReason
}

// finding is a lint finding on one line, which an ack may acknowledge.
type finding struct {
	lineID string
	prob   Problem
}

func (ck *checker) finding(lineID string, pos Pos, sev Severity, code, rule, format string, args ...any) {
	ck.findings = append(ck.findings, finding{lineID: lineID, prob: Problem{File: ck.file, Line: pos.Line, Col: pos.Col,
		Severity: sev, Code: code, Msg: fmt.Sprintf(format, args...), Rule: rule}})
}

// A Claim is a phrase in a line that advertising rules restrict.
type Claim struct {
	At     int    // byte offset in the text
	Phrase string // the words found
	Code   string // "absolute-claim" or "medical-claim"
	Reason string
	Rule   string
}

// lint runs the advertising and commerce checks on every line, and the
// breath check.
func (ck *checker) lint(s *Show) {
	ix := newIndex(s)
	if s.Kind == KindLivestream {
		ck.lintCatalog(s)
		for _, lang := range s.Languages {
			if !ClaimsChecked(lang) {
				ck.add(ck.at.lang(lang), SevWarning, "unchecked-language", "",
					"claims in %s are not checked: the claim rules cover %s only; have the %s text reviewed by someone who reads it",
					lang, strings.Join(slices.Sorted(mapKeys(claimRules)), ", "), lang)
			}
		}
	}
	for _, r := range ck.lines {
		for _, lang := range slices.Sorted(mapKeys(r.line.Say)) {
			u := r.line.Say[lang]
			ck.checkBreath(r, lang, u)
			if s.Kind != KindLivestream {
				// A museum tour is not an advertisement: "the heaviest
				// bronze" is a fact there.
				continue
			}
			for _, c := range FindClaimsIn(u.Text, lang) {
				ck.finding(r.line.ID, ck.linePos(r.line.ID, lang, u, c.At), SevError, c.Code, c.Rule,
					"line %s (%s): %q %s", r.line.ID, lang, c.Phrase, c.Reason)
			}
			ck.lintPrices(s, ix, r, lang, u)
		}
	}
}

// lintCatalog looks for restricted claims in product titles and selling
// points, which the product card shows on screen. An ack names the SKU in
// place of a line ID.
func (ck *checker) lintCatalog(s *Show) {
	for _, pr := range s.Catalog {
		for _, lang := range s.Languages {
			texts := append([]string{pr.Title[lang]}, pr.Points[lang]...)
			for i, t := range texts {
				what := "title"
				if i > 0 {
					what = "selling point"
				}
				for _, c := range FindClaimsIn(t, lang) {
					ck.finding(pr.SKU, pr.Pos, SevError, c.Code, c.Rule, "product %s %s (%s): %q %s", pr.SKU, what, lang, c.Phrase, c.Reason)
				}
			}
		}
	}
}

// context returns the products a line is about: its segment's product and
// the products its cues show or sell; all products when it names none.
func lineProducts(s *Show, ix *index, r lineRef, u Utterance) []*Product {
	var out []*Product
	addSKU := func(sku string) {
		if pr := ix.products[sku]; pr != nil && !slices.Contains(out, pr) {
			out = append(out, pr)
		}
	}
	addSKU(r.product)
	for _, c := range u.Cues {
		switch c.Action.Kind {
		case ActShowProduct:
			addSKU(c.Action.Ref)
		case ActSale:
			if sl := ix.sales[c.Action.Ref]; sl != nil {
				addSKU(sl.SKU)
			}
		}
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(u.Text, -1) {
		addSKU(m[2])
		if sl := ix.sales[m[2]]; sl != nil {
			addSKU(sl.SKU)
		}
	}
	if len(out) == 0 {
		for i := range s.Catalog {
			out = append(out, &s.Catalog[i])
		}
	}
	return out
}

// lintPrices checks the amounts and discounts a line states against the
// catalog, its sales and coupons (CheckPrices).
func (ck *checker) lintPrices(s *Show, ix *index, r lineRef, lang string, u Utterance) {
	if !MentionsPrice(u.Text) {
		return
	}
	f := PriceFacts{Sales: s.Sales, Coupons: s.Coupons}
	for _, pr := range lineProducts(s, ix, r, u) {
		f.Products = append(f.Products, *pr)
	}
	for _, c := range CheckPrices(u.Text, f) {
		ck.finding(r.line.ID, ck.linePos(r.line.ID, lang, u, c.At), c.Severity, c.Code, c.Rule, "line %s (%s) %s", r.line.ID, lang, c.Msg)
	}
}

// applyAcks turns findings an ack matches into SevAck records and adds the
// rest as they are; acks that match nothing are warned about.
func (ck *checker) applyAcks(s *Show) {
	used := make([]bool, len(s.Acks))
	lineIDs := map[string]bool{}
	for _, r := range ck.lines {
		lineIDs[r.line.ID] = true
	}
	for _, pr := range s.Catalog {
		lineIDs[pr.SKU] = true
	}
	for i, a := range s.Acks {
		switch {
		case a.Code != "" && !slices.Contains(ackable, a.Code):
			used[i] = true
			ck.add(a.Pos, SevError, "ack-not-allowed", "", "code %q cannot be acknowledged; only %s can", a.Code, strings.Join(ackable, ", "))
		case a.LineID != "" && !lineIDs[a.LineID]:
			used[i] = true
			ck.add(a.Pos, SevError, "unknown-line", "", "ack: line %q is not defined (nor a SKU)", a.LineID)
		}
	}
	for _, f := range ck.findings {
		pr := f.prob
		for i, a := range s.Acks {
			if a.Code == pr.Code && a.LineID == f.lineID {
				used[i] = true
				pr.Severity = SevAck
				pr.Msg += fmt.Sprintf(" (acknowledged at line %d: %s)", a.Pos.Line, a.Reason)
				break
			}
		}
		ck.probs = append(ck.probs, pr)
	}
	for i, a := range s.Acks {
		if !used[i] {
			ck.add(a.Pos, SevWarning, "unused-ack", "", "ack of %s on line %s matches no finding; remove it", a.Code, a.LineID)
		}
	}
}
