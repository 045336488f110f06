package director

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Thank-yous for platform viewers (the script's thanks: section): a
// bridge's gifts, follows, entries and shares, and likes. Everything of a
// kind that arrived since that kind's last thank-you waits in one
// thankPending of bounded size, whatever the rate; at a line boundary,
// once the kind's cooldown is over (and, for likes, enough came), one line
// thanks it all. See docs/director.md.

// Bounds of what waits to be thanked, per kind.
const (
	// MaxThankNames is how many speakable viewer names are kept per kind
	// between two thank-yous: for gifts the biggest givers, for the other
	// kinds the first ones. The rest are thanked as "others".
	MaxThankNames = 8
	// MaxThankGifts is how many distinct gift names one thank-you keeps
	// and speaks; more are spoken as "other gifts".
	MaxThankGifts = 3
	// MaxGiftNameRunes: a longer gift name is not spoken.
	MaxGiftNameRunes = 16
	// maxLikeCount bounds one like message's count.
	maxLikeCount = 1_000_000
)

// thanker is the engine's state of thank-yous, per kind in the order of
// script.ThankKinds. It is not part of the checkpoint: a director taking
// the room over starts with nothing to thank.
type thanker struct {
	pend    [5]thankPending
	last    [5]time.Time // when the kind was last thanked
	variant [5]int       // index+1 of the kind's variant said last; 0: none yet
	// guard checks names: the director's, with the blocked words (their
	// sound too); else the model's; else one with no blocked words.
	guard *guard.Guard
}

// thankPending is what waits for a kind's next thank-you.
type thankPending struct {
	since  time.Time // when the first of it arrived; zero: nothing waits
	events int64     // messages (for follows, entries, shares: viewers)
	count  int64     // gifts: gifts; likes: likes; others: messages
	total  int64     // gifts: their summed worth, in the platform's units
	names  []thankName
	more   bool     // someone thanked is not in names (unspeakable, or past the cap)
	gifts  []string // speakable gift names, distinct
	other  bool     // a gift whose name is not in gifts
}

// thankName is a speakable viewer name with what that viewer gave.
type thankName struct {
	name  string
	worth int64
}

func thankIndex(k script.ThankKind) int {
	for i, kk := range script.ThankKinds {
		if kk == k {
			return i
		}
	}
	return -1
}

// thankInput takes a platform viewer's gift, follow, entry or share, or a
// like when the script thanks likes, into what waits for the kind's next
// thank-you. A gift worth less than the rule's threshold is not thanked.
func (e *Engine) thankInput(k script.ThankKind, in *avatar.Input) {
	r := e.prog.Show.Thanks.Rule(k)
	i := thankIndex(k)
	if r == nil || i < 0 {
		return
	}
	p := &e.thanks.pend[i]
	n, worth := int64(1), int64(0)
	switch k {
	case script.ThankGift:
		g := in.Data.Gift
		if g == nil || g.Count <= 0 || g.Value < 0 {
			return
		}
		worth = mulSat(int64(g.Count), g.Value)
		if worth < r.Min {
			return
		}
		n = int64(g.Count)
	case script.ThankLike:
		n = int64(min(max(in.Data.Count, 1), maxLikeCount))
	}
	if p.since.IsZero() {
		p.since = e.now
	}
	p.events = addSat(p.events, 1)
	p.count = addSat(p.count, n)
	p.total = addSat(p.total, worth)
	e.thankName(p, in.Data.Name, worth)
	if k == script.ThankGift {
		e.thankGift(p, in.Data.Gift.Name)
	}
}

// thankName adds viewer name (unchecked) who gave worth to p, if it is
// speakable and there is room (for gifts, room made by dropping a smaller
// giver).
func (e *Engine) thankName(p *thankPending, raw string, worth int64) {
	n, err := avatar.ParseName(raw)
	if err != nil || n == "" {
		p.more = true
		return
	}
	for j := range p.names {
		if p.names[j].name == n {
			p.names[j].worth = addSat(p.names[j].worth, worth)
			return
		}
	}
	at := len(p.names)
	if at >= MaxThankNames {
		// Full: a gift bigger than the smallest kept takes its place.
		at = -1
		for j := range p.names {
			if p.names[j].worth < worth && (at < 0 || p.names[j].worth < p.names[at].worth) {
				at = j
			}
		}
		if at < 0 {
			p.more = true
			return
		}
	}
	// Checked only when kept, so a storm costs one check per kept name.
	if !e.thankSpeakable(n) {
		p.more = true
		return
	}
	if at == len(p.names) {
		p.names = append(p.names, thankName{name: n, worth: worth})
		return
	}
	p.more = true // the one dropped
	p.names[at] = thankName{name: n, worth: worth}
}

// thankGift adds the gift's name (unchecked) to p, if it is speakable and
// one of the first MaxThankGifts distinct ones.
func (e *Engine) thankGift(p *thankPending, raw string) {
	n, err := avatar.ParseName(raw)
	if err != nil || n == "" {
		p.other = true
		return
	}
	for _, g := range p.gifts {
		if g == n {
			return
		}
	}
	if len(p.gifts) >= MaxThankGifts || utf8.RuneCountInString(n) > MaxGiftNameRunes || !e.thankSpeakable(n) {
		p.other = true
		return
	}
	p.gifts = append(p.gifts, n)
}

// thankSpeakable reports whether a viewer's or a gift's name n may be
// spoken in a thank-you: speakable (address.go: blocklist, masks, claims,
// URLs, handles, amounts) and passed by the guard (blocked sounds, web
// addresses however disguised, contact details; only names that look like
// products it may not judge, since a gift's name is a product's).
func (e *Engine) thankSpeakable(n string) bool {
	if !e.speakable(n) {
		return false
	}
	if e.thanks.guard == nil {
		e.thanks.guard = e.model.guard
		if e.thanks.guard == nil {
			e.thanks.guard = guard.New(guard.Config{}) // no blocked words: e.block has them
		}
	}
	for _, r := range e.thanks.guard.Check(n, nil) {
		if r.Code != avatar.GuardUnknownProduct {
			return false
		}
	}
	return true
}

// thankYouDue returns the kind whose thank-you is due: something waits, its
// threshold is met and its cooldown over; of several, the one waiting
// longest (then in the order of script.ThankKinds).
func (e *Engine) thankYouDue() (int, bool) {
	th := e.prog.Show.Thanks
	if th == nil {
		return 0, false
	}
	best := -1
	for i, k := range script.ThankKinds {
		p := &e.thanks.pend[i]
		r := th.Rule(k)
		if r == nil || p.events == 0 || len(r.Lines) == 0 {
			continue
		}
		if k == script.ThankLike && p.count < r.Min {
			continue
		}
		if last := e.thanks.last[i]; !last.IsZero() && e.now.Sub(last) < r.Cooldown {
			continue
		}
		if best < 0 || p.since.Before(e.thanks.pend[best].since) {
			best = i
		}
	}
	return best, best >= 0
}

// clearThanks drops what waits to be thanked (the clear control) and
// reports how many thank-yous were due.
func (e *Engine) clearThanks() int {
	n := 0
	for {
		i, ok := e.thankYouDue()
		if !ok {
			break
		}
		e.thanks.pend[i] = thankPending{}
		n++
	}
	for i := range e.thanks.pend {
		e.thanks.pend[i] = thankPending{}
	}
	return n
}

// sayThankYou speaks the thank-you of kind i for everything that waited:
// the rule's next variant, its variables filled, in the room's language
// with the script's other languages as translations.
func (e *Engine) sayThankYou(i int) {
	th := e.prog.Show.Thanks
	k := script.ThankKinds[i]
	r := th.Rule(k)
	p := e.thanks.pend[i]
	e.thanks.pend[i] = thankPending{}
	e.thanks.last[i] = e.now
	v := e.thanks.variant[i] % len(r.Lines)
	e.thanks.variant[i] = v + 1
	l := &r.Lines[v]
	names := p.spoken(th.Names)
	u, lang := pick(l, e.cur.Lang, e.prog.Show.Languages)
	text := e.thankText(k, u, lang, &p, names)
	tr := e.otherLangs(lang, func(lg string) (string, bool) {
		u, ok := l.Say[lg]
		if !ok {
			return "", false
		}
		return e.thankText(k, u, lg, &p, names), true
	})
	e.speak(spoken{id: l.ID, kind: LineThanks, text: text, lang: lang, emotion: l.Emotion, gesture: l.Gesture, translations: tr})
}

// spoken returns the names to speak, at most n: for gifts the biggest
// givers, in the order they came.
func (p *thankPending) spoken(n int) []string {
	keep := make([]bool, len(p.names))
	for range min(n, len(p.names)) {
		best := -1
		for j, tn := range p.names {
			if !keep[j] && (best < 0 || tn.worth > p.names[best].worth) {
				best = j
			}
		}
		keep[best] = true
	}
	var out []string
	for j, tn := range p.names {
		if keep[j] {
			out = append(out, tn.name)
		}
	}
	return out
}

// thankText fills the thank-you template u of kind k in lang: first the
// script's placeholders ({price:SKU}…), then the variables, so a name is
// never read as a placeholder.
func (e *Engine) thankText(k script.ThankKind, u script.Utterance, lang string, p *thankPending, names []string) string {
	t, _ := e.fillIn(script.Utterance{Text: u.Text}, lang)
	more := p.more || len(names) < len(p.names)
	return script.ExpandThanks(t, func(v string) (string, bool) {
		switch v {
		case "name":
			if len(names) == 0 {
				return e.someone(lang, p.events > 1), true
			}
			return joinNames(names, more, lang), true
		case "count":
			if k == script.ThankGift || k == script.ThankLike {
				return strconv.FormatInt(p.count, 10), true
			}
			return strconv.FormatInt(p.events, 10), true
		case "total":
			return strconv.FormatInt(p.total, 10), k == script.ThankGift
		case "gift":
			return giftWords(p.gifts, p.other, p.count > 1, lang), k == script.ThankGift
		}
		return "", false
	})
}

// someone is what {name} says when no name may be spoken: the script's
// words, or the built-in ones for one viewer or several.
func (e *Engine) someone(lang string, several bool) string {
	if s, ok := e.prog.Show.Thanks.Someone[lang]; ok {
		return s
	}
	switch {
	case strings.HasPrefix(lang, "zh"):
		if several {
			return "各位朋友"
		}
		return "这位朋友"
	case strings.HasPrefix(lang, "fr"):
		if several {
			return "tout le monde"
		}
		return "cher ami"
	case strings.HasPrefix(lang, "ja"):
		return "皆さん"
	}
	if several {
		return "everyone"
	}
	return "friend"
}

// giftWords is what {gift} says: the gifts' names joined, "other gifts"
// for the ones not named, or the generic word when none is.
func giftWords(gifts []string, other, several bool, lang string) string {
	var generic, others string
	switch {
	case strings.HasPrefix(lang, "zh"):
		generic, others = "礼物", "等礼物"
	case strings.HasPrefix(lang, "fr"):
		generic, others = "cadeau", "d'autres cadeaux"
		if several {
			generic = "cadeaux"
		}
	case strings.HasPrefix(lang, "ja"):
		generic, others = "ギフト", "などのギフト"
	default:
		generic, others = "gift", "other gifts"
		if several {
			generic = "gifts"
		}
	}
	if len(gifts) == 0 {
		return generic
	}
	cjk := strings.HasPrefix(lang, "zh") || strings.HasPrefix(lang, "ja")
	if other && cjk {
		return strings.Join(gifts, "、") + others
	}
	if other {
		return joinNames(append(gifts[:len(gifts):len(gifts)], others), false, lang)
	}
	return joinNames(gifts, false, lang)
}

func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func mulSat(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}
