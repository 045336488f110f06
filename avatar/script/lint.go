package script

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
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

// discountRE finds 五折, 8.5折, 八五折, 半价, half price and 30% off.
var discountRE = regexp.MustCompile(`(?i)([一二三四五六七八九]{1,2}|\d(?:\.\d)?|\d{2})\s*折|半价|\bhalf[- ](price|off)\b|\b(\d{1,2})\s*% off\b`)

// Words that make the number after them a price: 只要99, only 99.
var (
	zhPriceWords = []string{"只要", "只需", "仅需", "仅要", "仅售", "仅", "到手价", "到手", "秒杀价", "售价", "现价", "原价", "券后价", "券后", "才"}
	enPriceWords = []string{"only", "just"}
	// Units that make the number before them a price: 99元, 99 yuan.
	zhUnits = []string{"元", "块"}
	enUnits = []string{"yuan", "rmb", "cny", "dollar"}
)

// findAmounts returns the byte spans of the amounts text states as prices:
// a number after a price word (只要99, only 99) or a currency sign (¥99,
// $99), or before a unit (99元, 99块, 99 yuan). A number after a price word
// that a measure word or noun follows is a count, not a price (只要3件,
// only 3 left). It scans once, without regular expressions, since it runs
// on every line.
func findAmounts(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		c := text[i]
		if c < '0' || c > '9' || (i > 0 && (isDigit(text[i-1]) || text[i-1] == '.')) {
			i++
			continue
		}
		end := i
		for end < len(text) && isDigit(text[end]) {
			end++
		}
		if end+1 < len(text) && text[end] == '.' && isDigit(text[end+1]) {
			d := end + 1
			for d < len(text) && isDigit(text[d]) && d < end+3 {
				d++
			}
			end = d
		}
		before, after := strings.TrimRight(text[:i], " "), text[end:]
		sign := false
		for _, cur := range []string{"¥", "￥", "$"} {
			if b, ok := strings.CutSuffix(before, cur); ok {
				before, sign = strings.TrimRight(b, " "), true
				break
			}
		}
		word := slices.ContainsFunc(zhPriceWords, func(w string) bool { return strings.HasSuffix(before, w) }) ||
			slices.ContainsFunc(enPriceWords, func(w string) bool {
				lb := strings.ToLower(before)
				return strings.HasSuffix(lb, w) && (len(lb) == len(w) || !isLetter(lb[len(lb)-len(w)-1]))
			})
		a := strings.TrimLeft(after, " ")
		la := strings.ToLower(a)
		unit := slices.ContainsFunc(zhUnits, func(u string) bool { return strings.HasPrefix(a, u) }) ||
			slices.ContainsFunc(enUnits, func(u string) bool {
				return strings.HasPrefix(la, u) && (len(la) == len(u) || !isLetter(la[len(u)]) || u == "dollar")
			})
		if sign || unit || (word && !isCountAfter(after)) {
			out = append(out, [2]int{i, end})
		}
		i = end
	}
	return out
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

var zhDigit = map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

// discountPercent returns the share of the list price a discount claim
// means, in percent: 五折 → 50, 八五折 → 85, 8.5折 → 85, 30% off → 70.
func discountPercent(m []string) int {
	switch {
	case strings.Contains(m[0], "半价") || strings.HasPrefix(strings.ToLower(m[0]), "half"):
		return 50
	case m[3] != "":
		n, _ := strconv.Atoi(m[3])
		return 100 - n
	}
	d := m[1]
	if r, _ := utf8.DecodeRuneInString(d); zhDigit[r] > 0 {
		rs := []rune(d)
		v := zhDigit[rs[0]] * 10
		if len(rs) == 2 {
			v += zhDigit[rs[1]]
		}
		return v
	}
	if whole, frac, ok := strings.Cut(d, "."); ok {
		w, _ := strconv.Atoi(whole)
		f, _ := strconv.Atoi(frac)
		return w*10 + f
	}
	v, _ := strconv.Atoi(d)
	if v < 10 {
		return v * 10
	}
	return v
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
func (p *parser) lintPrices(s *Show, ix *index, r lineRef, lang string, u Utterance) {
	if !MentionsPrice(u.Text) {
		return
	}
	f := PriceFacts{Sales: s.Sales, Coupons: s.Coupons}
	for _, pr := range lineProducts(s, ix, r, u) {
		f.Products = append(f.Products, *pr)
	}
	for _, c := range CheckPrices(u.Text, f) {
		p.finding(r.line.ID, p.linePos(r.line.ID, lang, u, c.At), c.Severity, c.Code, c.Rule, "line %s (%s) %s", r.line.ID, lang, c.Msg)
	}
}

// isCountAfter reports whether the text after a number makes it a count
// rather than an amount: 3件, 3 left, 50 sets.
func isCountAfter(after string) bool {
	a := strings.TrimLeft(after, " ")
	if a == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(a)
	if strings.ContainsRune("元块", r) {
		return false
	}
	if isCJK(r) {
		return true
	}
	la := strings.ToLower(a)
	for _, cur := range []string{"yuan", "rmb", "cny", "dollar"} {
		if strings.HasPrefix(la, cur) {
			return false
		}
	}
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '%'
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
