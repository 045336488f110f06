package guard

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Web addresses. squeezeURL first undoes the usual disguises: spaces
// around the dots (example . com), "dot" and 点 for the dot, and spaces
// anywhere (w w w); the pattern then wants a known top-level domain after
// the last dot, so 99.9 and Mr. Smith are no address. Top-level domains
// that are also common words or names (.wang, .live, .fun, .ink) are left
// out: "Mr. Wang" must not read mr.wang.
var (
	urlSchemeRE = regexp.MustCompile(`(?i)\b(?:https?|ftp)\s*:\s*/\s*/|\bwww\s*\.`)
	domainRE    = regexp.MustCompile(`[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|io|co|me|top|xyz|shop|info|biz|app|tv|cc|fr|uk|de|jp|hk|tw|vip|us|ai|ru|eu)(?:[^a-z0-9]|$)`)
	dotWordRE   = regexp.MustCompile(`(?i)\s*(?:\(dot\)|\[dot\]|\{dot\}|\bdot\b|点|點|。)\s*`)
)

// findURL returns a web address in text, as found, and whether there is
// one.
func findURL(text string) (string, bool) {
	if m := urlSchemeRE.FindString(text); m != "" {
		return m, true
	}
	squeezed := squeezeURL(text)
	if m := domainRE.FindString(squeezed); m != "" {
		return strings.TrimRightFunc(m, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), true
	}
	return "", false
}

// squeezeURL lower-cases text, turns a spelt-out dot between letters or
// digits into '.', drops the spaces around dots and @, and joins letters
// spelt one by one (t e a s h o p), so "Example dot com", "example 点
// com" and "e x a m p l e . c o m" read example.com. A 点 between Chinese
// (三点, 一点点) stays.
func squeezeURL(text string) string {
	lower := strings.ToLower(text)
	lower = dotWordRE.ReplaceAllStringFunc(lower, func(m string) string {
		return "\x00" + m + "\x00" // decided below, with the neighbours
	})
	var b strings.Builder
	parts := strings.Split(lower, "\x00")
	for i, p := range parts {
		if i%2 == 1 { // a dot word
			before, after := "", ""
			if i > 0 {
				before = strings.TrimRight(parts[i-1], " ")
			}
			if i+1 < len(parts) {
				after = strings.TrimLeft(parts[i+1], " ")
			}
			lb, _ := utf8.DecodeLastRuneInString(before)
			la, _ := utf8.DecodeRuneInString(after)
			if isASCIIAlnum(lb) && isASCIIAlnum(la) {
				b.WriteByte('.')
				continue
			}
		}
		b.WriteString(p)
	}
	s := aroundDotRE.ReplaceAllString(b.String(), "$1")
	// Join tokens spelt a letter at a time: "t e a s h o p.c n".
	toks := strings.Fields(s)
	var out strings.Builder
	for i, t := range toks {
		if i > 0 && !(spelt(toks[i-1]) && spelt(t)) {
			out.WriteByte(' ')
		}
		out.WriteString(t)
	}
	return out.String()
}

var aroundDotRE = regexp.MustCompile(`\s*(\.|@|\(at\)|\[at\])\s*`)

// spelt reports whether t is letters or digits one at a time, with dots
// or @ between (a, p.c).
func spelt(t string) bool {
	for _, seg := range strings.FieldsFunc(t, func(r rune) bool { return r == '.' || r == '@' }) {
		if utf8.RuneCountInString(seg) > 1 {
			return false
		}
	}
	return t != ""
}

func isASCIIAlnum(r rune) bool { return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// Contact details.
var (
	emailRE = regexp.MustCompile(`[a-z0-9._%+-]+(?:@|\(at\)|\[at\])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}`)
	dateRE  = regexp.MustCompile(`^\d{4}[-/]\d{1,2}[-/]\d{1,2}$`)
	// contactWords invite the viewer off the platform. Latin ones match as
	// whole words, ignoring case; the others anywhere.
	contactWords = []string{
		"微信", "威信", "薇信", "徽信", "维信", "V信", "v信", "加微", "加V", "加v", "加vx", "加VX", "扣扣", "企鹅号", "加Q", "加q",
		"私聊", "私下交易", "私下联系", "私信我", "联系电话", "电话号码", "手机号", "打电话", "拨打", "公众号", "小红书号", "抖音号", "闲鱼", "淘宝店", "加群", "群号",
	}
	contactLatin = []string{
		"wechat", "weixin", "whatsapp", "telegram", "qq", "vx", "wx", "call me", "text me", "dm me", "email me", "e-mail me",
		"phone number", "contact me", "my number", "téléphone", "appelez", "écrivez-moi", "courriel", "numéro",
	}
)

// findContacts returns the contact details in text: e-mail addresses,
// phone numbers (seven or more digits, also full-width or in Chinese
// numerals, with spaces or dashes between), and words inviting contact off
// the platform (加微信, WeChat, QQ).
func findContacts(text string) []string {
	var out []string
	lower := strings.ToLower(text)
	if m := emailRE.FindString(squeezeURL(text)); m != "" {
		out = append(out, m)
	}
	if p, ok := findPhone(text); ok {
		out = append(out, p)
	}
	for _, w := range contactWords {
		if strings.Contains(text, w) {
			out = append(out, w)
			break
		}
	}
	for _, w := range contactLatin {
		if containsWord(lower, w) {
			out = append(out, w)
			break
		}
	}
	return out
}

// zhDigit maps the Chinese numerals that spell a phone number digit by
// digit (幺 is 1 read aloud) to their digit.
var zhDigit = map[rune]byte{'零': '0', '〇': '0', '一': '1', '幺': '1', '二': '2', '两': '2', '三': '3', '四': '4', '五': '5', '六': '6', '七': '7', '八': '8', '九': '9'}

// findPhone finds a run of at least seven digits (ASCII, full-width folded
// already, or Chinese numerals) with only spaces, dashes, dots or brackets
// between them, that is not a date.
func findPhone(text string) (string, bool) {
	start, digits := -1, 0
	var run []byte
	check := func(end int) (string, bool) {
		if digits >= 7 && !dateRE.MatchString(strings.TrimSpace(string(run))) {
			return strings.TrimSpace(text[start:end]), true
		}
		start, digits, run = -1, 0, run[:0]
		return "", false
	}
	for i, r := range text {
		d, isZh := zhDigit[r]
		switch {
		case isDigit(r) || isZh:
			if start < 0 {
				start = i
			}
			digits++
			if isZh {
				run = append(run, d)
			} else {
				run = append(run, byte(r))
			}
		case start >= 0 && (r == ' ' || r == '-' || r == '(' || r == ')' || r == '+' || r == '/'):
			run = append(run, byte(r))
		default:
			if start >= 0 {
				if p, ok := check(i); ok {
					return p, true
				}
			}
		}
	}
	if start >= 0 {
		return check(len(text))
	}
	return "", false
}

// containsWord reports whether lower holds w with no ASCII letter or
// digit on either side.
func containsWord(lower, w string) bool {
	for i := 0; ; {
		j := strings.Index(lower[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before, _ := utf8.DecodeLastRuneInString(lower[:j])
		after, _ := utf8.DecodeRuneInString(lower[j+len(w):])
		if !isASCIIAlnum(before) && !isASCIIAlnum(after) {
			return true
		}
		i = j + 1
	}
}

// Product-like names. A model answering from the catalog names its
// products by title; what it may invent is another product. The guard can
// tell three kinds of name apart from ordinary words: the merchant's other
// products (Facts.Others), codes shaped like SKUs or model numbers
// (AB-123, XR500) and names in title marks (《》【】「」『』). Anything
// else (a brand written as a plain word, 某某牌茶叶) it cannot tell from
// prose; docs/answers.md says so.
var (
	codeRE  = regexp.MustCompile(`\b(?:[A-Za-z]{1,10}[-_][A-Za-z0-9]*[0-9][A-Za-z0-9-]*|[A-Z]{2,}[0-9]{2,}[A-Za-z0-9]*)\b`)
	titleRE = regexp.MustCompile(`[《【「『]([^《》【】「」『』]{1,40})[》】」』]`)
)

// unknownProducts returns the product-like names in text that are not
// the room's.
func (f *Facts) unknownProducts(text string) []string {
	var out []string
	lower := strings.ToLower(text)
	for _, o := range f.others {
		if strings.Contains(lower, o) {
			out = append(out, o)
		}
	}
	for _, m := range codeRE.FindAllString(text, -1) {
		l := strings.ToLower(m)
		if f.skus[l] || f.named(l) {
			continue
		}
		out = append(out, m)
	}
	for _, m := range titleRE.FindAllStringSubmatch(text, -1) {
		l := strings.ToLower(strings.TrimSpace(m[1]))
		if l == "" || f.named(l) {
			continue
		}
		out = append(out, m[1])
	}
	return out
}

// named reports whether l (lower case) is, or is part of, or holds, one
// of the names the sentence may use.
func (f *Facts) named(l string) bool {
	for _, n := range f.names {
		if strings.Contains(n, l) || len(n) >= 4 && strings.Contains(l, n) {
			return true
		}
	}
	return false
}
