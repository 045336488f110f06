package director

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Viewers are anonymous and may be hostile: what one types must never be
// said by the avatar unchecked. The player never speaks a viewer's id; it
// speaks a display name only if speakable says so, and otherwise addresses
// the viewer generically in the language spoken ("有位朋友问…", "A viewer
// asks…", "Un visiteur demande…").

// speakable reports whether display name may be spoken aloud: a valid name
// (avatar.ParseName) with no blocked word and no '*' (a gateway masked
// one), no advertising claim a script line could not make either
// (script.FindClaims), no URL, e-mail or handle, no price or amount, and
// not mostly digits (order numbers, phone numbers).
func (e *Engine) speakable(name string) bool {
	n, err := avatar.ParseName(name)
	if err != nil || n == "" {
		return false
	}
	if e.block.Blocks(n) || strings.ContainsRune(n, '*') || len(script.FindClaims(n)) > 0 {
		return false
	}
	lower := strings.ToLower(n)
	if strings.Contains(lower, "www") || strings.ContainsAny(n, "@/\\:：＠") {
		return false
	}
	runes, digits, numerals := 0, 0, 0
	var prev rune
	for i, r := range n {
		runes++
		switch {
		case unicode.IsDigit(r):
			digits++
		case strings.ContainsRune(cjkNumerals, r):
			numerals++
		case unicode.Is(unicode.Sc, r) || r == '%' || r == '％':
			return false
		case (r == '.' || r == '。' || r == '．') && i+utf8.RuneLen(r) < len(n):
			// a dot inside a word: a domain ("shop.cn")
			next, _ := utf8.DecodeRuneInString(n[i+utf8.RuneLen(r):])
			if isAlnum(prev) && isAlnum(next) {
				return false
			}
		}
		prev = r
	}
	if digits >= 3 || digits*2 > runes {
		return false
	}
	if digits+numerals > 0 {
		for _, w := range amountWords {
			if strings.Contains(lower, w) {
				return false
			}
		}
	}
	return true
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// cjkNumerals are Chinese numerals that, next to an amount word, make an
// amount ("九块九").
const cjkNumerals = "〇零一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟"

// amountWords make a number an amount or a price: currency units and
// names, discounts.
var amountWords = []string{
	"元", "块", "圆", "角", "毛", "分钱", "折", "价", "钱", "万", "¥", "￥",
	"yuan", "rmb", "cny", "usd", "eur", "euro", "dollar", "buck", "off", "price", "prix", "cent",
}

// addressee returns the name to address a viewer by: name if speakable,
// else "" (address generically). It never returns the viewer's id.
func (e *Engine) addressee(name string) string {
	if !e.speakable(name) {
		return ""
	}
	n, _ := avatar.ParseName(name)
	return n
}

// addressPrefix opens an answer to names (speakable names only; none:
// a generic opening) in lang.
func addressPrefix(names []string, lang string) string {
	cjk := strings.HasPrefix(lang, "zh") || strings.HasPrefix(lang, "ja")
	if len(names) == 0 {
		switch {
		case strings.HasPrefix(lang, "zh"):
			return "有位朋友问，"
		case strings.HasPrefix(lang, "fr"):
			return "Un visiteur demande : "
		case strings.HasPrefix(lang, "ja"):
			return "視聴者の方からのご質問です。"
		}
		return "A viewer asks: "
	}
	// Names are spoken as a host says them (joinNames). At most three.
	s := joinNames(names[:min(len(names), 3)], false, lang)
	if cjk {
		return s + "，"
	}
	return s + ", "
}

// joinNames joins names as a host says them, not as chat handles: "小明、
// Amy", "Amy and Bob", "Amy, Bob et Cat"; more adds that others are
// meant too ("小明、Amy等", "Amy, Bob and others").
func joinNames(names []string, more bool, lang string) string {
	cjk := strings.HasPrefix(lang, "zh") || strings.HasPrefix(lang, "ja")
	if cjk {
		s := strings.Join(names, "、")
		if more {
			s += "等"
		}
		return s
	}
	and, others := " and ", "others"
	if strings.HasPrefix(lang, "fr") {
		and, others = " et ", "d'autres"
	}
	if more {
		names = append(names[:len(names):len(names)], others)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + and + names[len(names)-1]
}

// thanksText thanks a viewer named name (speakable, or "" for a generic
// thank-you) for likes, in lang.
func thanksText(name, lang string) (string, string) {
	switch {
	case strings.HasPrefix(lang, "zh"):
		if name == "" {
			return "谢谢这位朋友的点赞！", lang
		}
		return "谢谢" + name + "的点赞！", lang
	case strings.HasPrefix(lang, "fr"):
		if name == "" {
			return "Merci pour les j'aime !", lang
		}
		return "Merci pour les j'aime, " + name + " !", lang
	}
	if name == "" {
		return "Thanks for the likes!", "en"
	}
	return "Thanks for the likes, " + name + "!", "en"
}

// like takes a viewer's like: a thank-you is due unless one was said
// within ThankEvery.
func (e *Engine) like(name string) {
	if !e.thankDue && (e.lastThank.IsZero() || e.now.Sub(e.lastThank) >= ThankEvery) {
		e.thankDue, e.thank = true, e.addressee(name)
	}
}

// sayThanks speaks the thank-you for likes that is due.
func (e *Engine) sayThanks() {
	name := e.thank
	e.thankDue, e.thank = false, ""
	e.lastThank = e.now
	text, lang := thanksText(name, e.cur.Lang)
	tr := e.otherLangs(lang, func(lg string) (string, bool) {
		t, l := thanksText(name, lg)
		return t, l == lg
	})
	e.speak(spoken{id: "thanks", text: text, lang: lang, emotion: "happy", translations: tr})
}

// question queues the answer to a viewer's question or comment that
// matches an FAQ entry; a question (not a comment) that matches none is
// answered by the fallback or the model (answers.go). The question is
// masked with the blocked words before it goes into the reply event.
func (e *Engine) question(in *avatar.Input) {
	i, lang := e.prog.match(in.Data.Text, e.cur.Lang)
	if i < 0 {
		if in.Type == avatar.MsgQuestion {
			e.unmatched(in)
		}
		return
	}
	e.touch()
	e.ask(i, lang, in.Viewer, e.addressee(in.Data.Name), e.block.Mask(in.Data.Text))
}

// replyText composes the answer to a in lang: the address, then the FAQ
// entry's answer lines, placeholders filled; cues move with the text.
func (e *Engine) replyText(a *pendingAnswer, lang string) (string, []script.Cue) {
	f := &e.prog.Show.FAQ[a.faq]
	cjk := strings.HasPrefix(lang, "zh") || strings.HasPrefix(lang, "ja")
	var text strings.Builder
	text.WriteString(addressPrefix(a.names, lang))
	var cues []script.Cue
	for i := range f.Answer {
		u, _ := pick(&f.Answer[i], lang, e.prog.Show.Languages)
		t, c := e.fillIn(u, lang)
		if i > 0 && !cjk {
			text.WriteByte(' ')
		}
		for _, cue := range c {
			cue.At += text.Len()
			cues = append(cues, cue)
		}
		text.WriteString(t)
	}
	return text.String(), cues
}

// speakAnswer speaks the reply to a, addressed to its speakable names.
func (e *Engine) speakAnswer(a *pendingAnswer) {
	f := &e.prog.Show.FAQ[a.faq]
	lang := a.lang
	if len(f.Answer) == 0 {
		return
	}
	if _, ok := f.Answer[0].Say[lang]; !ok {
		lang = e.cur.Lang
	}
	if e.falseAnswer(f, lang) {
		return
	}
	text, cues := e.replyText(a, lang)
	tr := e.otherLangs(lang, func(lg string) (string, bool) {
		if _, ok := f.Answer[0].Say[lg]; !ok {
			return "", false
		}
		t, _ := e.replyText(a, lg)
		return t, true
	})
	name := ""
	if len(a.names) > 0 {
		name = a.names[0]
	}
	if e.answered == nil {
		e.answered = map[int]time.Time{} // an answer taken over has no map yet
	}
	e.answered[a.faq] = e.now
	e.speak(spoken{
		id: f.Answer[0].ID, text: text, lang: lang, cues: cues, emotion: f.Answer[0].Emotion, translations: tr,
		reply: &avatar.Reply{Viewer: a.viewers[0], Name: name, Question: a.question, FAQ: f.ID, Source: sourceFAQ},
	})
}
