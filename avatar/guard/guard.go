package guard

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// The one-breath limit of a sentence a model wrote. A piece between two
// pauses (punctuation) may hold at most MaxBreathChars CJK characters or
// MaxBreathWords words: the defaults of the script linter's long-breath
// check (script.Config.MaxBreathChars, MaxBreathWords), so a model's
// sentence is held to what a script line is. A whole sentence may hold at
// most MaxSentenceBytes: what the merchant may type for the presenter to
// say (the say control, about 166 Chinese characters).
const (
	MaxBreathChars   = 60
	MaxBreathWords   = 35
	MaxSentenceBytes = 500
)

// Config is what a Guard checks beyond its fixed rules. The zero value
// blocks no words and uses the limits above.
type Config struct {
	// Blocked is the moderation blocklist (the list the gateway and
	// director share); its Chinese words are also matched by sound and its
	// Latin words spelled out, except the words of the shipped default
	// list that avatar.BlockedAsWrittenOnly names.
	Blocked []string
	// MaxBreathChars, MaxBreathWords and MaxSentenceBytes override the
	// limits of the same names when above 0.
	MaxBreathChars, MaxBreathWords, MaxSentenceBytes int
}

// Guard checks sentences a model wrote. It is read-only once built, so
// safe for concurrent use.
type Guard struct {
	cfg    Config
	block  *avatar.Blocklist
	sounds []blockedSound // blocked Chinese words by sound
	latin  []string       // blocked words of letters, for the spaced-out pass
}

// New returns the guard of cfg.
func New(cfg Config) *Guard {
	if cfg.MaxBreathChars <= 0 {
		cfg.MaxBreathChars = MaxBreathChars
	}
	if cfg.MaxBreathWords <= 0 {
		cfg.MaxBreathWords = MaxBreathWords
	}
	if cfg.MaxSentenceBytes <= 0 {
		cfg.MaxSentenceBytes = MaxSentenceBytes
	}
	g := &Guard{cfg: cfg, block: avatar.NewBlocklist(cfg.Blocked)}
	for _, w := range cfg.Blocked {
		w = strings.ToLower(strings.TrimSpace(w))
		if avatar.BlockedAsWrittenOnly(w) {
			// Most of the shipped list by sound or spelled out would
			// refuse ordinary sentences (青色 sounds as 情色).
			continue
		}
		if s, ok := soundOf(w); ok {
			g.sounds = append(g.sounds, s)
		}
		if utf8.RuneCountInString(w) >= 4 && !strings.ContainsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) || isCJKRune(r) }) {
			g.latin = append(g.latin, w)
		}
	}
	return g
}

// Facts are what a sentence is checked against: the room's language, its
// live prices, and the names it may use. Build them with NewFacts once per
// answer; they are read-only after, so one Facts may be shared.
type Facts struct {
	Lang   string
	Prices script.PriceFacts
	// Names are what the sentence may name: the catalog's titles in every
	// language and SKUs, the exhibits', the show's title, the persona.
	Names []string
	// Others are the merchant's other products, not sold in this room: a
	// sentence naming one is refused.
	Others []string

	names  []string // lower case
	skus   map[string]bool
	marks  [][]string // per product of Prices.Products: what names it (see pricesFor)
	others []string   // lower case, with the ones a catalog title holds left out
}

// Live is what has changed since the script was written: the merchant's
// live prices (by SKU; a SKU not here costs its catalog price), the
// running flash sales, live stock, and the merchant's other products.
type Live struct {
	Prices map[string]script.Money
	Sales  []script.Sale
	Stock  map[string]int
	Others []string
}

// NewFacts returns the facts of show as they are now (live) for a
// sentence in lang. show is only read.
func NewFacts(show *script.Show, live Live, lang, persona string) *Facts {
	f := &Facts{Lang: lang, Others: live.Others}
	f.Prices.Sales = append(slices.Clip(show.Sales), live.Sales...)
	f.Prices.Coupons = show.Coupons
	for _, pr := range show.Catalog {
		if m, ok := live.Prices[pr.SKU]; ok {
			pr.Price = m
		}
		f.Prices.Products = append(f.Prices.Products, pr)
		f.Names = append(f.Names, pr.SKU)
		for _, t := range pr.Title {
			f.Names = append(f.Names, t)
		}
	}
	for _, e := range show.Exhibits {
		for _, t := range e.Title {
			f.Names = append(f.Names, t)
		}
	}
	for _, t := range show.Title {
		f.Names = append(f.Names, t)
	}
	if persona != "" {
		f.Names = append(f.Names, persona)
	}
	f.index()
	return f
}

// index prepares the lower-case lookups; NewFacts calls it, and Check does
// for Facts built by hand.
func (f *Facts) index() {
	f.skus = map[string]bool{}
	f.names = f.names[:0]
	for _, n := range f.Names {
		if n = strings.ToLower(strings.TrimSpace(fold(n))); n != "" {
			f.names = append(f.names, n)
		}
	}
	f.marks = f.marks[:0]
	for _, pr := range f.Prices.Products {
		f.skus[strings.ToLower(pr.SKU)] = true
		f.marks = append(f.marks, productMarks(pr))
	}
	f.others = f.others[:0]
	for _, o := range f.Others {
		o = strings.ToLower(strings.TrimSpace(fold(o)))
		if o == "" || slices.ContainsFunc(f.names, func(n string) bool { return strings.Contains(n, o) }) {
			continue // a catalog product's name holds it: not another product
		}
		f.others = append(f.others, o)
	}
}

// Check returns why sentence may not be spoken with facts f, or nil if it
// may. f may be nil (no prices or names to check against: every price is
// then unchecked and every product-like name refused). Reasons come in
// the order of the checks, all of them, not only the first.
func (g *Guard) Check(sentence string, f *Facts) []avatar.GuardReason {
	if f == nil {
		f = &Facts{}
	}
	if f.skus == nil || len(f.marks) != len(f.Prices.Products) {
		f = &Facts{Lang: f.Lang, Prices: f.Prices, Names: f.Names, Others: f.Others}
		f.index()
	}
	var out []avatar.GuardReason
	add := func(code, phrase, format string, args ...any) {
		out = append(out, avatar.GuardReason{Code: code, Phrase: phrase, Msg: fmt.Sprintf(format, args...)})
	}
	if !utf8.ValidString(sentence) {
		add(avatar.GuardBadText, "", "not valid UTF-8")
		return out
	}
	if strings.ContainsFunc(sentence, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) {
		add(avatar.GuardBadText, "", "holds control characters")
		return out
	}
	text := fold(sentence)
	g.checkLength(text, add)
	seen := map[int]bool{}
	for _, c := range script.FindClaimsIn(text, f.Lang) {
		seen[c.At] = true
		add(c.Code, c.Phrase, "%q %s (%s)", c.Phrase, c.Reason, c.Rule)
	}
	for _, c := range homophoneClaims(text, f.Lang, seen) {
		add(avatar.GuardHomophoneClaim, c.Phrase, "%q reads as %q, which %s (%s)", c.Phrase, c.Norm, c.Reason, c.Rule)
	}
	for _, p := range script.CheckPrices(text, f.pricesFor(text)) {
		if p.Severity == script.SevError {
			add(p.Code, "", "%s", p.Msg)
		}
	}
	if g.block.Blocks(text) {
		add(avatar.GuardBlockedWord, "", "holds a blocked word")
	} else if w, ok := g.blockedBySound(text); ok {
		add(avatar.GuardBlockedSound, w, "%q sounds like or spells out a blocked word", w)
	}
	if u, ok := findURL(text); ok {
		add(avatar.GuardURL, u, "holds a web address %q", u)
	}
	for _, c := range findContacts(text) {
		add(avatar.GuardContact, c, "holds contact details or an invitation to contact off the platform: %q", c)
	}
	for _, n := range f.unknownProducts(text) {
		add(avatar.GuardUnknownProduct, n, "names %q, which is not in this room's catalog", n)
	}
	return out
}

// checkLength adds too-long when text is more than one sentence or a
// piece of it more than one breath may hold.
func (g *Guard) checkLength(text string, add func(code, phrase, format string, args ...any)) {
	if len(text) > g.cfg.MaxSentenceBytes {
		add(avatar.GuardTooLong, "", "%d bytes; a sentence may hold at most %d", len(text), g.cfg.MaxSentenceBytes)
		return
	}
	c, w, inWord := 0, 0, false
	flush := func() bool {
		over := c > g.cfg.MaxBreathChars || w > g.cfg.MaxBreathWords
		if over {
			n := fmt.Sprintf("%d characters", c)
			if w > g.cfg.MaxBreathWords {
				n = fmt.Sprintf("%d words", w)
			}
			add(avatar.GuardTooLong, "", "%s without a pause is too long for one breath (at most %d characters or %d words)", n, g.cfg.MaxBreathChars, g.cfg.MaxBreathWords)
		}
		c, w, inWord = 0, 0, false
		return over
	}
	for _, r := range text {
		switch {
		case strings.ContainsRune("，。！？；、…—,.!?;：:\n", r):
			if flush() {
				return
			}
		case isCJKRune(r):
			c++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '-':
			if !inWord {
				w++
				inWord = true
			}
		default:
			inWord = false
		}
	}
	flush()
}

// fold maps full-width ASCII (９９元, ｗｗｗ) to ASCII, the ideographic
// space to a space, and drops zero-width characters, so each check sees
// one spelling. It keeps every other rune.
func fold(s string) string {
	if !strings.ContainsFunc(s, needsFold) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteRune(r - 0xFEE0)
		case r == 0x3000:
			b.WriteByte(' ')
		case isZeroWidth(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func needsFold(r rune) bool { return r >= 0xFF01 && r <= 0xFF5E || r == 0x3000 || isZeroWidth(r) }

func isZeroWidth(r rune) bool {
	return r >= 0x200B && r <= 0x200F || r == 0x2060 || r == 0xFEFF || r == 0x00AD
}

// productMarks returns what names product pr in a sentence: its SKU, the
// pairs of CJK characters of its titles (龙井, 茶杯) and their Latin words
// of three letters or more (longjing, cups), lower case.
func productMarks(pr script.Product) []string {
	marks := []string{strings.ToLower(pr.SKU)}
	for _, t := range pr.Title {
		t = strings.ToLower(fold(t))
		var prev rune
		for _, r := range t {
			if isCJKRune(r) && isCJKRune(prev) {
				marks = append(marks, string([]rune{prev, r}))
			}
			prev = r
		}
		for _, w := range strings.FieldsFunc(t, func(r rune) bool { return !unicode.IsLetter(r) || isCJKRune(r) }) {
			if utf8.RuneCountInString(w) >= 3 && !slices.Contains(marks, w) {
				marks = append(marks, w)
			}
		}
	}
	return marks
}

// pricesFor narrows the price facts to the products text names, so an
// amount true of one product (a sale's saving on the tea) is not taken as
// true of another (the cups). A sentence naming none is checked against
// every product, as the director checks a line about none.
func (f *Facts) pricesFor(text string) script.PriceFacts {
	lower := strings.ToLower(text)
	var named []script.Product
	for i, pr := range f.Prices.Products {
		if slices.ContainsFunc(f.marks[i], func(m string) bool { return strings.Contains(lower, m) }) {
			named = append(named, pr)
		}
	}
	if len(named) == 0 || len(named) == len(f.Prices.Products) {
		return f.Prices
	}
	p := f.Prices
	p.Products = named
	return p
}
