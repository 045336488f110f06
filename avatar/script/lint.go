package script

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Legal references for lint findings.
const (
	ruleAbsolute = "PRC Advertising Law art. 9(3)"
	ruleMedical  = "PRC Advertising Law art. 17, art. 28(2)"
	rulePrice    = "PRC Advertising Law art. 28(2)(ii)"
)

// ackable are the codes an ack may acknowledge: lint findings about what a
// line says, never structural errors.
var ackable = []string{"absolute-claim", "medical-claim", "price-claim", "discount-claim", "long-breath"}

// finding is a lint finding on one line, which an ack may acknowledge.
type finding struct {
	lineID string
	prob   Problem
}

func (p *parser) finding(lineID string, pos Pos, sev Severity, code, rule, format string, args ...any) {
	p.findings = append(p.findings, finding{lineID: lineID, prob: Problem{File: p.file, Line: pos.Line, Col: pos.Col,
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

type claimPattern struct {
	re     *regexp.Regexp
	code   string
	reason string
	// pre lists substrings (lower case) one of which the text must hold
	// for re to be tried at all: a cheap filter, since most lines hold none.
	pre []string
	// ok, when set, reports whether a match is harmless given the text
	// after it (a false positive such as 第一次 or "best before").
	ok func(after string) bool
}

// terms builds a pattern matching any of the literal words.
func terms(code, reason string, words ...string) claimPattern {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = regexp.QuoteMeta(w)
	}
	return claimPattern{pre: words, re: regexp.MustCompile(strings.Join(quoted, "|")), code: code, reason: reason}
}

// ordinalAfter reports whether 第一 is followed by a measure word, which
// makes it an ordinal (第一次, 第一步, 第一件) rather than a ranking.
func ordinalAfter(after string) bool {
	r, _ := utf8.DecodeRuneInString(after)
	return strings.ContainsRune("次步天个件款批期轮站节部章场段页条句眼口份位遍单号时排道", r)
}

// bestOKAfter reports whether "best" is followed by words that make it no
// claim: "best before", "best wishes", "best regards".
func bestOKAfter(after string) bool {
	a := strings.ToLower(after)
	return strings.HasPrefix(a, " before") || strings.HasPrefix(a, "-before") ||
		strings.HasPrefix(a, " wishes") || strings.HasPrefix(a, " regards")
}

// claimPatterns are the restricted phrases. 最 is a claim only before an
// adjective of quality, price or rank, so 最近, 最后, 最终, 最初, 最多 and
// 最少 pass; 第一 before a measure word (第一次, 第一步) is an ordinal.
var claimPatterns = []claimPattern{
	{pre: []string{"最低"}, re: regexp.MustCompile(`(全网|史上|全国|行业|全球)最低(价)?`), code: "absolute-claim", reason: "claims the lowest price anywhere"},
	{pre: []string{"最"}, re: regexp.MustCompile(`最(好|佳|优|低|便宜|强|大|高|棒|美|先进|划算|实惠|超值|畅销|受欢迎|火|热|正宗|安全|有效|专业|权威|纯|完美|顶)`), code: "absolute-claim", reason: "uses 最 (most/best) as a superlative claim"},
	{pre: []string{"第一"}, re: regexp.MustCompile(`第一`), code: "absolute-claim", reason: "claims first place (第一)", ok: ordinalAfter},
	terms("absolute-claim", "uses an absolute term", "国家级", "世界级", "顶级", "顶尖", "唯一", "极品", "万能", "首选", "独一无二", "绝无仅有", "无敌", "极致", "王牌", "冠军"),
	{pre: []string{"best"}, re: regexp.MustCompile(`(?i)\b(the |our |world'?s |simply )?best\b`), code: "absolute-claim", reason: "claims to be the best", ok: bestOKAfter},
	{pre: []string{"no", "#", "number"}, re: regexp.MustCompile(`(?i)(\bno\.?\s?1\b|#\s?1\b|\bnumber[ -]one\b)`), code: "absolute-claim", reason: "claims first place"},
	{pre: []string{"cheapest", "unbeatable", "lowest"}, re: regexp.MustCompile(`(?i)\b(cheapest|unbeatable|lowest[- ]prices?(\s+(ever|online|anywhere|guaranteed))?|lowest ever)\b`), code: "absolute-claim", reason: "claims the lowest price"},
	{pre: []string{"world", "top", "second", "only one"}, re: regexp.MustCompile(`(?i)\b(world[- ]class|top[- ]of[- ]the[- ]line|second to none|the only one)\b`), code: "absolute-claim", reason: "uses an absolute term"},

	terms("medical-claim", "promises a medical effect", "治愈", "包治百病", "包治", "根治", "药到病除", "降血压", "降血糖", "降血脂", "治疗", "疗效", "抗癌", "防癌", "消炎", "排毒", "治病", "祛病", "百病", "延年益寿", "处方"),
	{pre: []string{"guaranteed", "miracle", "cure", "cancer", "blood", "cholesterol"}, re: regexp.MustCompile(`(?i)\b(guaranteed to (cure|heal)|miracle cure|cure[- ]all|anti-?cancer|(lowers?|reduces?|cuts?) (your )?(blood pressure|blood sugar|cholesterol))\b`), code: "medical-claim", reason: "promises a medical effect"},
	{pre: []string{"cur", "heal", "treat", "prevent", "revers", "fight"}, re: regexp.MustCompile(`(?i)\b(cures?|cured|curing|heals?|healing|treats?|treating|prevents?|preventing|reverses?|fights?) ((your|the|a|an|all|any|most|chronic|high|low|bad) )*(cancer|diabetes|diseases?|illness(es)?|insomnia|arthritis|acne|hypertension|blood pressure|infections?|inflammation|pain|colds?|flu|covid|headaches?|depression|anxiety|obesity|tumou?rs?|eczema|asthma)\b`), code: "medical-claim", reason: "promises a medical effect"},
}

// bestPhrases are English phrases with "best" that make no claim.
var bestPhrases = regexp.MustCompile(`(?i)\b(all the best|(do|try|doing|trying|did) (my|your|our|his|her|their) best|at best|best enjoyed|best served|best kept|best stored|is best|are best|tastes best|best to)\b`)

// zuiOK are phrases starting with 最 that limit or advise rather than claim.
var zuiOK = []string{"最好在", "最好趁", "最好别", "最好不要", "最好先", "最好提前", "最好尽快", "最好早", "最好放", "最好还是", "最高立减", "最高可", "最高减", "最高省", "最大限度", "最低消费", "最低起", "最好是"}

// FindClaims returns the restricted claims in text, in order, without
// overlaps. It looks for Chinese and English phrases whatever the line's
// language, since mixed text is common in livestreams.
func FindClaims(text string) []Claim {
	var out []Claim
	lower := strings.ToLower(text)
	var okSpans [][]int
	if strings.Contains(lower, "best") {
		okSpans = bestPhrases.FindAllStringIndex(text, -1)
	}
	for _, cp := range claimPatterns {
		if !slices.ContainsFunc(cp.pre, func(s string) bool { return strings.Contains(lower, s) }) {
			continue
		}
		for _, m := range cp.re.FindAllStringIndex(text, -1) {
			phrase, after := text[m[0]:m[1]], text[m[1]:]
			if cp.ok != nil && cp.ok(after) {
				continue
			}
			if strings.HasPrefix(phrase, "最") && slices.ContainsFunc(zuiOK, func(s string) bool { return strings.HasPrefix(text[m[0]:], s) }) {
				continue
			}
			if slices.ContainsFunc(okSpans, func(s []int) bool { return s[0] <= m[0] && m[1] <= s[1] }) {
				continue
			}
			rule := ruleAbsolute
			if cp.code == "medical-claim" {
				rule = ruleMedical
			}
			out = append(out, Claim{At: m[0], Phrase: strings.TrimSpace(phrase), Code: cp.code, Reason: cp.reason, Rule: rule})
		}
	}
	slices.SortFunc(out, func(a, b Claim) int { return a.At - b.At })
	// Drop a claim that starts inside an earlier one (史上最低 and 最低).
	var kept []Claim
	end := -1
	for _, c := range out {
		if c.At < end {
			continue
		}
		kept = append(kept, c)
		end = c.At + len(c.Phrase)
	}
	return kept
}

// lint runs the advertising and commerce checks on every line, and the
// breath check.
func (p *parser) lint(s *Show) {
	ix := newIndex(s)
	if s.Kind == KindLivestream {
		p.lintCatalog(s)
	}
	for _, r := range p.lines {
		for _, lang := range slices.Sorted(mapKeys(r.line.Say)) {
			u := r.line.Say[lang]
			p.checkBreath(r, lang, u)
			if s.Kind != KindLivestream {
				// A museum tour is not an advertisement: "the heaviest
				// bronze" is a fact there.
				continue
			}
			for _, c := range FindClaims(u.Text) {
				p.finding(r.line.ID, p.linePos(r.line.ID, lang, u, c.At), SevError, c.Code, c.Rule,
					"line %s (%s): %q %s", r.line.ID, lang, c.Phrase, c.Reason)
			}
			p.lintPrices(s, ix, r, lang, u)
		}
	}
}

// lintCatalog looks for restricted claims in product titles and selling
// points, which the product card shows on screen. An ack names the SKU in
// place of a line ID.
func (p *parser) lintCatalog(s *Show) {
	for _, pr := range s.Catalog {
		for _, lang := range p.langs {
			texts := append([]string{pr.Title[lang]}, pr.Points[lang]...)
			for i, t := range texts {
				what := "title"
				if i > 0 {
					what = "selling point"
				}
				for _, c := range FindClaims(t) {
					p.finding(pr.SKU, pr.Pos, SevError, c.Code, c.Rule, "product %s %s (%s): %q %s", pr.SKU, what, lang, c.Phrase, c.Reason)
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
// catalog, its sales and coupons.
func (p *parser) lintPrices(s *Show, ix *index, r lineRef, lang string, u Utterance) {
	text := placeholderRE.ReplaceAllStringFunc(u.Text, func(m string) string { return strings.Repeat(" ", len(m)) })
	amounts, discounts := findAmounts(text), findDiscounts(text)
	if len(amounts) == 0 && len(discounts) == 0 {
		return
	}
	prods := lineProducts(s, ix, r, u)
	if len(prods) == 0 {
		return
	}
	allowed := map[Money]bool{}
	type ratio struct{ price, list Money }
	var ratios []ratio
	var known []string
	for _, pr := range prods {
		prices := []Money{pr.Price}
		for _, sl := range s.Sales {
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
			for _, c := range s.Coupons {
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
	for _, c := range s.Coupons {
		allowed[c.Discount] = true
		allowed[c.MinSpend] = true
	}
	for _, a := range amounts {
		if allowed[a.value] {
			continue
		}
		p.finding(r.line.ID, p.linePos(r.line.ID, lang, u, a.start), SevError, "price-claim", rulePrice,
			"line %s (%s) states %s, which matches no price, list price, sale or coupon: %s",
			r.line.ID, lang, a.value, strings.Join(known, "; "))
	}
	for _, d := range discounts {
		pct := d.pct
		pos := p.linePos(r.line.ID, lang, u, d.start)
		if len(ratios) == 0 {
			p.finding(r.line.ID, pos, SevWarning, "discount-claim", rulePrice,
				"line %s (%s) claims %q but no product in context has a list price to check it against", r.line.ID, lang, d.phrase)
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
		p.finding(r.line.ID, pos, SevError, "discount-claim", rulePrice,
			"line %s (%s) claims %q (%d%% of list price), which matches no price or sale: %s",
			r.line.ID, lang, d.phrase, pct, strings.Join(known, "; "))
	}
}

// applyAcks turns findings an ack matches into SevAck records and adds the
// rest as they are; acks that match nothing are warned about.
func (p *parser) applyAcks(s *Show) {
	used := make([]bool, len(s.Acks))
	lineIDs := map[string]bool{}
	for _, r := range p.lines {
		lineIDs[r.line.ID] = true
	}
	for _, pr := range s.Catalog {
		lineIDs[pr.SKU] = true
	}
	for i, a := range s.Acks {
		switch {
		case a.Code != "" && !slices.Contains(ackable, a.Code):
			used[i] = true
			p.add(a.Pos, SevError, "ack-not-allowed", "", "code %q cannot be acknowledged; only %s can", a.Code, strings.Join(ackable, ", "))
		case a.LineID != "" && !lineIDs[a.LineID]:
			used[i] = true
			p.add(a.Pos, SevError, "unknown-line", "", "ack: line %q is not defined (nor a SKU)", a.LineID)
		}
	}
	for _, f := range p.findings {
		pr := f.prob
		for i, a := range s.Acks {
			if a.Code == pr.Code && a.LineID == f.lineID {
				used[i] = true
				pr.Severity = SevAck
				pr.Msg += fmt.Sprintf(" (acknowledged at line %d: %s)", a.Pos.Line, a.Reason)
				break
			}
		}
		p.probs = append(p.probs, pr)
	}
	for i, a := range s.Acks {
		if !used[i] {
			p.add(a.Pos, SevWarning, "unused-ack", "", "ack of %s on line %s matches no finding; remove it", a.Code, a.LineID)
		}
	}
}
