package script

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// An amount is a sum of money a line states as a price.
type amount struct {
	start, end int // byte span in the text
	value      Money
}

// Words that make the number after them a price: 只要99, only 99,
// seulement 99. The Chinese ones match as a suffix of what comes before
// (原价, 到手价, 秒杀价 all end in 价).
var (
	zhPriceWords = []string{"只要", "只需", "仅需", "仅要", "仅售", "仅", "到手", "价", "价格", "价格是", "价是", "券后", "才", "只卖", "卖", "直降", "立减", "立省", "减", "满", "便宜"}
	enPriceWords = []string{"only", "just", "costs", "cost", "priced at", "price is", "pay", "seulement", "prix", "coûte", "coûtent", "juste"}
)

// currencyWords are the words after a number that make it a price: 99
// yuan, 99 euros. centsAfter marks those after which a further number is
// the cents (nine euros ninety, 19 euros 90).
var currencyWords = []struct {
	w          string
	centsAfter bool
}{{"yuan", false}, {"rmb", false}, {"cny", false}, {"bucks", false}, {"buck", false}, {"dollars", true}, {"dollar", true}, {"euros", true}, {"euro", true}, {"eur", false}, {"€", true}}

// findAmounts returns the amounts text states as prices, in order: digits
// after a price word (只要99, only 99) or a currency sign (¥99, $99, €99,
// RMB 99), or before a unit (99元, 99块, 99 yuan, 19,90 €, 19€90);
// Chinese numerals the same way (原价一百九十九, 九块九, 两百元); and
// English and French number words (only ninety-nine, nine ninety-nine
// dollars, quatre-vingt-dix-neuf euros). A number after a price word that
// a measure word or noun follows is a count, not a price (只要3件, only 3
// left, 两个). It runs on every line, so each reader first checks cheaply
// whether the text can hold its kind of number.
func findAmounts(text string) []amount {
	var out []amount
	if strings.ContainsAny(text, "0123456789") {
		out = digitAmounts(text, out)
	}
	if strings.ContainsAny(text, "一二两三四五六七八九十零〇") {
		out = zhAmounts(text, out)
	}
	out = wordAmounts(text, out)
	slices.SortFunc(out, func(a, b amount) int { return a.start - b.start })
	return out
}

// digitAmounts reads amounts written in digits.
func digitAmounts(text string, out []amount) []amount {
	for i := 0; i < len(text); {
		c := text[i]
		if !isDigit(c) || (i > 0 && (isDigit(text[i-1]) || text[i-1] == '.' || text[i-1] == ',')) {
			i++
			continue
		}
		end := i
		for end < len(text) && isDigit(text[end]) {
			end++
		}
		v := int64(0)
		for _, d := range text[i:end] {
			v = v*10 + int64(d-'0')
			if v > 1e12 {
				break
			}
		}
		// Thousands groups: 1,299 or 1 299 (a French thin space too).
		for {
			sep := groupSep(text[end:])
			if sep == 0 && strings.HasPrefix(text[end:], " ") {
				sep = 1 // 1 299 €: a plain space only before a euro
				if end+4 > len(text) || !euroAfter(text[end+4:]) {
					sep = 0
				}
			}
			if sep == 0 || v >= 1e9 || end+sep+3 > len(text) || !allDigits(text[end+sep:end+sep+3]) ||
				(end+sep+3 < len(text) && isDigit(text[end+sep+3])) {
				break
			}
			for _, d := range text[end+sep : end+sep+3] {
				v = v*10 + int64(d-'0')
			}
			end += sep + 3
		}
		cents := int64(0)
		decimal := false
		// 99.5, 99.50; 19,90 only before a currency (a French decimal comma).
		if end+1 < len(text) && (text[end] == '.' || text[end] == ',') && isDigit(text[end+1]) {
			d := end + 1
			for d < len(text) && isDigit(text[d]) {
				d++
			}
			if d-end-1 <= 2 && (text[end] == '.' || euroAfter(text[d:])) {
				cents = fracCents(text[end+1 : d])
				end, decimal = d, true
			}
		}
		before, after := strings.TrimRight(text[:i], " \u00a0\u202f"), text[end:]
		sign := false
		for _, cur := range []string{"¥", "￥", "$", "€", "RMB", "CNY", "rmb"} {
			if b, ok := strings.CutSuffix(before, cur); ok {
				before, sign = strings.TrimRight(b, " "), true
				break
			}
		}
		a := strings.TrimLeft(after, " \u00a0\u202f")
		unit, unitLen, centsOK := unitAfter(a, v >= 10 || decimal)
		if unit && !decimal && strings.HasPrefix(a, "块") {
			// 19块9.
			if r := a[len("块"):]; r != "" && isDigit(r[0]) && (len(r) == 1 || !isDigit(r[1])) {
				cents = int64(r[0]-'0') * 10
				end = len(text) - len(r) + 1
			}
		}
		if unit && centsOK && !decimal {
			// 19€90, 19 euros 90.
			rest := a[unitLen:]
			r := strings.TrimLeft(rest, " ")
			n := 0
			for n < len(r) && isDigit(r[n]) {
				n++
			}
			if n == 2 && (n == len(r) || !isDigit(r[n]) && !isLetter(r[n])) {
				cents = int64(r[0]-'0')*10 + int64(r[1]-'0')
				end = len(text) - len(r) + n
			}
		}
		word := priceWordBefore(before) && (!isCountAfter(after) || priceTail(after, true))
		if (sign || unit || word) && !ordinalBefore(before) {
			out = append(out, amount{start: i, end: end, value: Money(v*100 + cents)})
		}
		i = end
	}
	return out
}

// groupSep returns the length of a thousands separator at the start of s:
// a comma or a (thin, no-break) space; 0 if there is none.
func groupSep(s string) int {
	switch {
	case strings.HasPrefix(s, ","):
		return 1
	case strings.HasPrefix(s, "\u202f"), strings.HasPrefix(s, "\u00a0"):
		return len("\u202f")
	}
	return 0
}

func allDigits(s string) bool {
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

func fracCents(f string) int64 {
	c := int64(f[0]-'0') * 10
	if len(f) > 1 {
		c += int64(f[1] - '0')
	}
	return c
}

// euroAfter reports whether a euro sign or word follows.
func euroAfter(s string) bool {
	s = strings.ToLower(strings.TrimLeft(s, " \u00a0\u202f"))
	return strings.HasPrefix(s, "€") || strings.HasPrefix(s, "euro")
}

// unitAfter reports whether a currency unit starts a (already trimmed),
// how long it is, and whether cents may follow it. big says the number
// is at least 10, which makes 块 money rather than a piece (两块蛋糕).
func unitAfter(a string, big bool) (ok bool, n int, cents bool) {
	switch {
	case strings.HasPrefix(a, "元"):
		rest := a[len("元"):]
		if strings.HasPrefix(rest, "宵") || strings.HasPrefix(rest, "旦") || strings.HasPrefix(rest, "素") || strings.HasPrefix(rest, "气") {
			return false, 0, false
		}
		return true, len("元"), false
	case strings.HasPrefix(a, "块"):
		return kuaiIsMoney(a[len("块"):], big), len("块"), false
	}
	la := a
	if len(la) > 8 {
		la = la[:8]
	}
	la = strings.ToLower(la)
	for _, cw := range currencyWords {
		if strings.HasPrefix(la, cw.w) && (len(la) == len(cw.w) || !isLetter(la[len(cw.w)]) || cw.w == "dollar") {
			return true, len(cw.w), cw.centsAfter
		}
	}
	return false, 0, false
}

// kuaiIsMoney reports whether 块 after a number means yuan given what
// follows it: 九块九, 99块钱, 99块！ and any 块 after a number of 10 or
// more are money; 一块蛋糕, 两块饼干 and 一块儿 are pieces.
func kuaiIsMoney(rest string, big bool) bool {
	r, _ := utf8.DecodeRuneInString(rest)
	switch {
	case r == '儿':
		return false
	case r == '钱' || r == '毛' || zhDigits[r] > 0 || (r >= '0' && r <= '9'):
		return true
	case big:
		return true
	}
	return !IsCJK(r)
}

// priceWordBefore reports whether before (trimmed) ends with a price word.
func priceWordBefore(before string) bool {
	if slices.ContainsFunc(zhPriceWords, func(w string) bool { return strings.HasSuffix(before, w) }) {
		return true
	}
	tail := before
	if len(tail) > 12 {
		tail = tail[len(tail)-12:]
	}
	lb := strings.ToLower(tail)
	return slices.ContainsFunc(enPriceWords, func(w string) bool {
		return strings.HasSuffix(lb, w) && (len(lb) == len(w) || !isLetter(lb[len(lb)-len(w)-1]))
	})
}

// priceTail reports whether after starts with a word that keeps the
// number before it a price even though a Chinese character follows: 满199减30,
// 99包邮, and for digits 99起 (from 99; 一起 is "together").
func priceTail(after string, digits bool) bool {
	r := firstRune(after)
	return r == '减' || r == '包' || digits && r == '起'
}

// ordinalBefore reports whether a number is an ordinal: 第3, 第一.
func ordinalBefore(before string) bool { return strings.HasSuffix(before, "第") }

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

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
	if IsCJK(r) {
		return true
	}
	if ok, _, _ := unitAfter(a, true); ok {
		return false
	}
	return unicode.IsLetter(r) || r == '%'
}

// Chinese numerals.
var (
	zhDigits = map[rune]int64{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	zhUnits  = map[rune]int64{'十': 10, '百': 100, '千': 1000, '万': 10000}
)

func isZhNumeral(r rune) bool {
	return zhDigits[r] > 0 || zhUnits[r] > 0 || r == '零' || r == '〇'
}

// readZhNumber reads the Chinese numeral at the start of s: 九十九, 一百九十九,
// 一百零五, 两百, 一千二 (1200), 两万五, 十五, and digit by digit 一九九. It returns
// the value and the bytes read; n is 0 when s starts with no numeral.
// A numeral starts with a digit or 十 (万一 and 百分 are no numbers).
func readZhNumber(s string) (v int64, n int) {
	first, _ := utf8.DecodeRuneInString(s)
	if zhDigits[first] == 0 && first != '十' && first != '零' && first != '〇' {
		return 0, 0
	}
	var runes []rune
	for _, r := range s {
		if !isZhNumeral(r) || len(runes) >= 12 {
			break
		}
		runes = append(runes, r)
		n += utf8.RuneLen(r)
	}
	hasUnit := slices.ContainsFunc(runes, func(r rune) bool { return zhUnits[r] > 0 })
	if !hasUnit {
		for _, r := range runes {
			v = v*10 + zhDigits[r] // 零 and 〇 are 0
		}
		return v, n
	}
	var total, section, num, last int64
	zero := false
	for _, r := range runes {
		switch u := zhUnits[r]; {
		case r == '零' || r == '〇':
			zero = true
		case u == 10000:
			total += (section + num) * u
			section, num, last, zero = 0, 0, u, false
		case u > 0:
			if num == 0 && section == 0 && total == 0 {
				num = 1 // 十五
			}
			section += max(num, 1) * u
			num, last = 0, u
		default:
			num = num*10 + zhDigits[r]
		}
	}
	if num > 0 && num < 10 && !zero && last >= 100 {
		num *= last / 10 // 一千二, 两万五, 一百二
	}
	return total + section + num, n
}

// zhAmounts reads amounts in Chinese numerals.
func zhAmounts(text string, out []amount) []amount {
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !isZhNumeral(r) {
			i += size
			continue
		}
		prev, _ := utf8.DecodeLastRuneInString(text[:i])
		v, n := readZhNumber(text[i:])
		if n == 0 || isZhNumeral(prev) {
			i += max(n, size)
			continue
		}
		end := i + n
		single := n == size && zhUnits[r] == 0
		cents, unit := int64(0), false
		after := text[end:]
		// 十九点九 (19.9).
		if rest, ok := strings.CutPrefix(after, "点"); ok {
			if d, dn := zhDigitRun(rest, 2); dn > 0 {
				cents, end, single = d, end+len("点")+dn, false
				after = text[end:]
			}
		}
		switch {
		case strings.HasPrefix(after, "元") || strings.HasPrefix(after, "块"):
			if ok, un, _ := unitAfter(after, v >= 10 || !single); ok {
				unit, end = true, end+un
				after = text[end:]
				// 九块九, 九块九毛九, 九元九角, 99块钱.
				if rest, ok := strings.CutPrefix(after, "钱"); ok {
					end, after = end+len("钱"), rest
				} else if d, ok := zhDigits[firstRune(after)]; ok && cents == 0 {
					cents, end = d*10, end+len("九")
					after = text[end:]
					for _, jiao := range []string{"毛", "角"} {
						if rest, ok := strings.CutPrefix(after, jiao); ok {
							end, after = end+len(jiao), rest
							break
						}
					}
					if d, ok := zhDigits[firstRune(after)]; ok {
						cents, end = cents+d, end+len("九")
						after = text[end:]
					}
				}
			}
		case strings.HasPrefix(after, "毛钱"):
			// 五毛钱.
			unit, cents, v, end = true, v*10, 0, end+len("毛钱")
			after = text[end:]
		}
		before := strings.TrimRight(text[:i], " ")
		sign := strings.HasSuffix(before, "¥") || strings.HasSuffix(before, "￥")
		ok := sign || unit
		if !ok && priceWordBefore(before) {
			// Price words: 原价一百九十九，现价九十九. A lone digit (只要一…)
			// needs a unit, or punctuation right after.
			a, _ := utf8.DecodeRuneInString(after)
			ok = !IsCJK(a) && (!single || a == utf8.RuneError || unicode.IsPunct(a) || a == ' ') ||
				!single && priceTail(after, false)
		}
		if ok && !ordinalBefore(before) && (v > 0 || cents > 0) {
			out = append(out, amount{start: i, end: end, value: Money(v*100 + cents)})
		}
		i = end
	}
	return out
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// zhDigitRun reads up to max Chinese digits as the fractional part after
// 点: it returns them as cents (九 → 90) and the bytes read.
func zhDigitRun(s string, limit int) (cents int64, n int) {
	scale := int64(10)
	for _, r := range s {
		d, ok := zhDigits[r]
		if r == '零' || r == '〇' {
			d, ok = 0, true
		}
		if !ok || limit == 0 {
			break
		}
		cents += d * scale
		scale /= 10
		limit--
		n += utf8.RuneLen(r)
	}
	return cents, n
}

// Number words in English and French.
var numberWords = map[string]int64{
	"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
	"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8, "neuf": 9,
	"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16,
	"vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60,
	"cent": 100, "cents": 100, "mille": 1000,
}

// numberRuns returns the spans of runs of number words in lower (ASCII
// lower case), joined by spaces, hyphens, "and" or "et": ninety-nine, one
// hundred and twenty, quatre-vingt-dix-neuf, vingt-et-un. It scans once
// with map lookups, as a regular expression of every word is too slow for
// every line.
func numberRuns(lower string) [][2]int {
	word := func(i int) int { // end of the ASCII word at i, or i
		j := i
		for j < len(lower) && isLetter(lower[j]) {
			j++
		}
		if j < len(lower) && lower[j] >= utf8.RuneSelf {
			return i // part of a word with an accent: not a number word
		}
		return j
	}
	var out [][2]int
	for i := 0; i < len(lower); {
		if !isLetter(lower[i]) || i > 0 && (isLetter(lower[i-1]) || lower[i-1] >= utf8.RuneSelf) {
			i++
			continue
		}
		j := word(i)
		if _, ok := numberWords[lower[i:j]]; !ok || j == i {
			i = max(j, i+1)
			continue
		}
		end := j
		for {
			m := end
			switch {
			case strings.HasPrefix(lower[m:], " and "):
				m += len(" and ")
			case strings.HasPrefix(lower[m:], "-et-"), strings.HasPrefix(lower[m:], " et "):
				m += len(" et ")
			case m < len(lower) && (lower[m] == ' ' || lower[m] == '-'):
				m++
			}
			w := word(m)
			if m == end || w == m {
				break
			}
			if _, ok := numberWords[lower[m:w]]; !ok {
				break
			}
			end = w
		}
		out = append(out, [2]int{i, end})
		i = end
	}
	return out
}

// wordHints are substrings one of which a text must hold for wordAmounts
// to look at it: a currency or price word.
var wordHints = []string{"yuan", "rmb", "cny", "buck", "dollar", "euro", "€", "only", "just", "cost", "price", "pay", "seulement", "prix", "coût", "juste"}

// wordAmounts reads amounts in English and French number words: only
// ninety-nine, nine ninety-nine dollars (9.99), one hundred and twenty
// yuan, quatre-vingt-dix-neuf euros, neuf euros quatre-vingt-dix (9.90).
func wordAmounts(text string, out []amount) []amount {
	lower := lowerSameLen(text)
	if !slices.ContainsFunc(wordHints, func(h string) bool { return strings.Contains(lower, h) }) {
		return out
	}
	ms := numberRuns(lower)
	for k := 0; k < len(ms); k++ {
		m := ms[k]
		whole, cents, compound := readWords(lower[m[0]:m[1]])
		end := m[1]
		after := strings.TrimLeft(text[end:], " \u00a0\u202f")
		unit, un, centsOK := unitAfter(after, true)
		if unit && centsOK && k+1 < len(ms) {
			// nine euros ninety, neuf euros quatre-vingt-dix.
			gap := len(text) - len(after) + un
			if next := ms[k+1]; strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text[gap:next[0]]), "and")) == "" {
				if c, _, _ := readWords(lower[next[0]:next[1]]); c < 100 && cents == 0 {
					cents, end = c, next[1]
					k++
				}
			}
		}
		before := strings.TrimRight(text[:m[0]], " ")
		sign := strings.HasSuffix(before, "$") || strings.HasSuffix(before, "€") || strings.HasSuffix(before, "¥")
		// A lone small word after a price word is a count (only two left,
		// il en reste seulement deux).
		word := priceWordBefore(before) && !isCountAfter(text[m[1]:]) && (compound || whole >= 13)
		if (sign || unit || word) && whole*100+cents > 0 {
			out = append(out, amount{start: m[0], end: end, value: Money(whole*100 + cents)})
		}
	}
	return out
}

// readWords evaluates a run of number words. A tens word right after a
// finished number starts the cents, as prices are said: nine ninety-nine
// (9.99), nineteen ninety-nine (19.99). compound is false for a single
// word.
func readWords(run string) (whole, cents int64, compound bool) {
	toks := strings.FieldsFunc(run, func(r rune) bool { return r == ' ' || r == '-' })
	var total, cur int64
	inCents := false
	prev, prevTok, n := int64(-1), "", 0
	for _, t := range toks {
		v, ok := numberWords[t]
		if !ok {
			continue // and, et
		}
		n++
		switch {
		case (t == "vingt" || t == "vingts") && prevTok == "quatre":
			cur += 76 // quatre-vingt: the 4 is already counted
		case v == 100:
			cur = min(max(cur, 1)*100, 1e9) // hundred hundred … stays bounded
		case v == 1000:
			total = min(total+max(cur, 1)*1000, 1e12)
			cur = 0
		case !inCents && v >= 20 && v < 100 && prev > 0 && prev < 100:
			// nine ninety-nine: the rest is the cents.
			inCents = true
			whole, cur = total+cur, v
			total = 0
		default:
			cur += v
		}
		prev, prevTok = v, t
	}
	if inCents {
		return whole, cur, true
	}
	return total + cur, 0, n > 1
}

// lowerSameLen lower-cases text without changing any byte offset: a rune
// whose lower case has another length is kept as it is.
func lowerSameLen(text string) string {
	ascii := true
	for i := range len(text) {
		if text[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(text)
	}
	upper := false
	for _, r := range text {
		if unicode.IsUpper(r) || r == utf8.RuneError {
			upper = true
			break
		}
	}
	if !upper {
		return text // most Chinese lines: nothing to lower
	}
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		l := unicode.ToLower(r)
		if utf8.RuneLen(l) != utf8.RuneLen(r) || r == utf8.RuneError {
			l = r
		}
		b.WriteRune(l)
	}
	if b.Len() != len(text) {
		// Invalid UTF-8 was replaced: fall back to the bytes as they are.
		return text
	}
	return b.String()
}

// A discount is a discount a line claims, as the share of the list
// price it means.
type discount struct {
	start, end int
	phrase     string
	pct        int // 五折 → 50
}

// discountRE finds discount claims: 五折, 打八折, 8.5折, 八五折, 九点五折, 半价,
// 买一送一, half price, 30% off, save 30%, buy one get one, BOGO, moitié
// prix, -30 %, 30 % de réduction, remise de 30 %.
var discountRE = regexp.MustCompile(`(?i)(?:打\s*)?(?:[一二两三四五六七八九](?:点?[一二三四五六七八九])?|\d(?:\.\d)?|\d{2})\s*折|半价|买\s*[一二两三1-3]\s*送\s*[一二两1-2]|\bhalf[- ](?:price|off)\b|\b\d{1,2}\s?(?:%|percent)\s*off\b|\bsave\s+\d{1,2}\s?%|\bbuy one,? get one(?: free)?\b|\bbogo\b|\b(?:2|two) for (?:1|one)\b|\bmoiti[ée] prix\b|(?:^|[\s(])[-−–]\s?\d{1,2}[\s\x{a0}\x{202f}]?%|\b\d{1,2}[\s\x{a0}\x{202f}]?%\s+de\s+(?:r[ée]duction|remise|rabais)\b|\b(?:r[ée]duction|remise|rabais)\s+de\s+\d{1,2}[\s\x{a0}\x{202f}]?%|\b\d{1,2}[\s\x{a0}\x{202f}]?%\s+moins\s+cher\b|\b(?:2|deux) pour (?:1|un)\b|\bun achet[ée],? un offert\b|\b1 achet[ée]\s*[,=]?\s*1 offert\b|\bdeux pour le prix d'un\b`)

// discountHints are substrings one of which a text must hold for
// findDiscounts to try discountRE.
var discountHints = []string{"折", "半价", "送", "%", "half", "percent", "bogo", "buy one", "for one", "for 1", "moiti", "offert", "prix d", "pour 1", "pour un"}

// findDiscounts returns the discounts text claims. 折 followed by 叠, 腾,
// 合, 算 or 扣 is no discount (三折叠伞, 折合, 折算), nor 买一送一 followed by
// a gift's name (买一送一个杯子 gives a cup, not a second unit).
func findDiscounts(text string) []discount {
	lower := lowerSameLen(text)
	if !slices.ContainsFunc(discountHints, func(h string) bool { return strings.Contains(lower, h) }) {
		return nil
	}
	var out []discount
	for _, m := range discountRE.FindAllStringIndex(text, -1) {
		phrase, after := strings.TrimLeft(strings.TrimSpace(text[m[0]:m[1]]), "("), text[m[1]:]
		start := m[0] + strings.Index(text[m[0]:m[1]], phrase)
		a := firstRune(after)
		if strings.HasSuffix(phrase, "折") && strings.ContainsRune("叠腾合算扣磨射服断", a) {
			continue
		}
		if strings.HasPrefix(phrase, "买") && IsCJK(a) && !strings.ContainsRune("的了啦哦呀吧啊啦", a) {
			continue
		}
		if strings.HasPrefix(phrase, "半价") && strings.HasSuffix(text[:m[0]], "第二件") {
			// 第二件半价: the second item at half price, 75% a unit on two;
			// a per-pair offer this checker does not model.
			continue
		}
		pct := discountPercent(phrase)
		if pct <= 0 || pct >= 100 {
			continue
		}
		out = append(out, discount{start: start, end: start + len(phrase), phrase: phrase, pct: pct})
	}
	return out
}

// discountPercent returns the share of the list price a discount claim
// means, in percent: 五折 → 50, 八五折 → 85, 8.5折 → 85, 九点五折 → 95, 30% off
// → 70, -30 % → 70, 半价 and 买一送一 → 50, 买二送一 → 67. It returns 0 for a
// phrase it cannot read.
func discountPercent(phrase string) int {
	p := strings.ToLower(phrase)
	switch {
	case strings.Contains(p, "半价"), strings.HasPrefix(p, "half"), strings.Contains(p, "moiti"),
		strings.Contains(p, "buy one"), p == "bogo", strings.Contains(p, "for one"), strings.Contains(p, "for 1"),
		strings.Contains(p, "offert"), strings.Contains(p, "prix d'un"), strings.Contains(p, " pour "):
		return 50
	case strings.HasPrefix(p, "买"):
		var n []int
		for _, r := range p {
			if d, ok := zhDigits[r]; ok {
				n = append(n, int(d))
			} else if r >= '0' && r <= '9' {
				n = append(n, int(r-'0'))
			}
		}
		if len(n) != 2 || n[0]+n[1] == 0 {
			return 0
		}
		return (n[0]*100 + (n[0]+n[1])/2) / (n[0] + n[1])
	case strings.HasSuffix(p, "折"):
		d := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(p, "打"), "折"))
		d = strings.TrimSpace(d)
		if r := firstRune(d); zhDigits[r] > 0 {
			var ds []int
			for _, r := range d {
				if v, ok := zhDigits[r]; ok {
					ds = append(ds, int(v))
				}
			}
			v := ds[0] * 10
			if len(ds) == 2 {
				v += ds[1]
			}
			return v
		}
		if whole, frac, ok := strings.Cut(d, "."); ok {
			return atoi(whole)*10 + atoi(frac)
		}
		if v := atoi(d); v < 10 {
			return v * 10
		} else {
			return v
		}
	}
	// A percentage off: the first run of digits.
	i := strings.IndexAny(p, "0123456789")
	if i < 0 {
		return 0
	}
	j := i
	for j < len(p) && isDigit(p[j]) {
		j++
	}
	return 100 - atoi(p[i:j])
}

// atoi reads a short run of ASCII digits; anything else reads as 0.
func atoi(s string) int {
	v := 0
	for i := range len(s) {
		if !isDigit(s[i]) || i > 6 {
			return 0
		}
		v = v*10 + int(s[i]-'0')
	}
	return v
}
