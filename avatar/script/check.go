package script

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Placeholder kinds: {KIND:ID} in a line's text is kept as written, and the
// director replaces it with the live value when the line is spoken.
var placeholderKinds = map[string]string{
	"price":      "sku",    // current price of a product
	"list_price": "sku",    // list price of a product
	"stock":      "sku",    // units left of a product
	"title":      "sku",    // product title in the line's language
	"sale_price": "sale",   // price of a flash sale
	"sale_stock": "sale",   // units left in a flash sale
	"coupon":     "coupon", // amount a coupon takes off
}

// placeholderRE matches {kind:ref}; other braces are plain text.
var placeholderRE = regexp.MustCompile(`\{([a-z_]+):([^{}\s]*)\}`)

// Placeholders returns the placeholders in text as [kind, ref] pairs, in
// order, including unknown kinds.
func Placeholders(text string) [][2]string {
	var out [][2]string
	for _, m := range placeholderRE.FindAllStringSubmatch(text, -1) {
		out = append(out, [2]string{m[1], m[2]})
	}
	return out
}

// ExpandPlaceholders replaces each {kind:ref} in text with value(kind, ref);
// where value returns false the placeholder is left as written.
func ExpandPlaceholders(text string, value func(kind, ref string) (string, bool)) string {
	return placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		if v, ok := value(sub[1], sub[2]); ok {
			return v
		}
		return m
	})
}

// checker runs the checks that need the whole tree (references, flow,
// then lint and acks) on a Show that Parse made. It reads only the Show,
// the positions the Show carries and the Config; what it finds it adds to
// probs, in the order found.
type checker struct {
	cfg      *Config
	file     string
	at       *positions
	lines    []lineRef // every line of the show, in file order
	probs    Problems
	findings []finding // lint findings an ack may acknowledge
}

// checkShow runs the checks, lint and acks on s and returns the problems.
// It points Action.Sale of sale actions and cues at the sale in s.Sales,
// so s must not grow after it.
func checkShow(cfg *Config, s *Show) Problems {
	ck := &checker{cfg: cfg, file: s.Pos.File, at: s.at, lines: lineRefs(s)}
	ck.check(s)
	ck.lint(s)
	ck.applyAcks(s)
	return ck.probs
}

func (ck *checker) add(pos Pos, sev Severity, code, rule, format string, args ...any) {
	ck.probs = append(ck.probs, Problem{File: ck.file, Line: pos.Line, Col: pos.Col, Severity: sev,
		Code: code, Msg: fmt.Sprintf(format, args...), Rule: rule})
}

// lineRef is a line of a show with where it is spoken.
type lineRef struct {
	line    *Line
	segment *Segment // nil outside segments
	product string   // the product in context, if any
	exhibit string   // the exhibit in context, if any
}

// lineRefs returns every line of s with its context, in file order of the
// show's sections: segments, exhibits, FAQ (entries, fallback, filler), idle,
// thanks.
func lineRefs(s *Show) []lineRef {
	var out []lineRef
	for i := range s.Segments {
		seg := &s.Segments[i]
		for j := range seg.Steps {
			if l := seg.Steps[j].Line; l != nil {
				out = append(out, lineRef{line: l, segment: seg, product: seg.Product, exhibit: seg.Exhibit})
			}
		}
	}
	for i := range s.Exhibits {
		e := &s.Exhibits[i]
		for j := range e.Narration {
			out = append(out, lineRef{line: &e.Narration[j], exhibit: e.ID})
		}
		for j := range e.Options {
			for k := range e.Options[j].Lines {
				out = append(out, lineRef{line: &e.Options[j].Lines[k], exhibit: e.ID})
			}
		}
	}
	for i := range s.FAQ {
		for j := range s.FAQ[i].Answer {
			out = append(out, lineRef{line: &s.FAQ[i].Answer[j]})
		}
	}
	for i := range s.Fallback {
		out = append(out, lineRef{line: &s.Fallback[i]})
	}
	for i := range s.Filler {
		out = append(out, lineRef{line: &s.Filler[i]})
	}
	for i := range s.Idle {
		out = append(out, lineRef{line: &s.Idle[i]})
	}
	if s.Thanks != nil {
		for i := range s.Thanks.Rules {
			for j := range s.Thanks.Rules[i].Lines {
				out = append(out, lineRef{line: &s.Thanks.Rules[i].Lines[j]})
			}
		}
	}
	return out
}

// index is the show's definitions by ID, for reference checks.
type index struct {
	products map[string]*Product
	coupons  map[string]*Coupon
	sales    map[string]*Sale
	exhibits map[string]*Exhibit
	segments map[string]*Segment
	vars     map[string]bool
}

func newIndex(s *Show) *index {
	ix := &index{
		products: map[string]*Product{}, coupons: map[string]*Coupon{}, sales: map[string]*Sale{},
		exhibits: map[string]*Exhibit{}, segments: map[string]*Segment{}, vars: map[string]bool{},
	}
	for i := range s.Catalog {
		ix.products[s.Catalog[i].SKU] = &s.Catalog[i]
	}
	for i := range s.Coupons {
		ix.coupons[s.Coupons[i].ID] = &s.Coupons[i]
	}
	for i := range s.Sales {
		ix.sales[s.Sales[i].ID] = &s.Sales[i]
	}
	for i := range s.Exhibits {
		ix.exhibits[s.Exhibits[i].ID] = &s.Exhibits[i]
	}
	for i := range s.Segments {
		if _, dup := ix.segments[s.Segments[i].ID]; !dup {
			ix.segments[s.Segments[i].ID] = &s.Segments[i]
		}
	}
	for _, v := range s.Vars {
		ix.vars[v.Name] = true
	}
	return ix
}

// check resolves and checks references, sales, reachability and
// placeholders. It points Action.Sale of sale actions and cues at the sale
// in s.Sales, so s must not grow after it.
func (ck *checker) check(s *Show) {
	ix := newIndex(s)
	used := map[string]bool{} // "sale:ID", "coupon:ID"
	for i := range s.Sales {
		sl := &s.Sales[i]
		pr := ix.products[sl.SKU]
		switch {
		case sl.SKU == "":
		case pr == nil:
			ck.add(sl.Pos, SevError, "unknown-sku", "", "sale %s: product %q is not in the catalog", sl.ID, sl.SKU)
		default:
			if sl.Stock > pr.Stock {
				ck.add(sl.Pos, SevError, "sale-stock", "", "sale %s offers %d units but %s has only %d in stock", sl.ID, sl.Stock, pr.SKU, pr.Stock)
			}
			if pr.ListPrice > 0 && sl.Price > pr.ListPrice {
				ck.add(sl.Pos, SevError, "sale-above-list", rulePrice, "sale %s price %s is above the list price %s of %s", sl.ID, sl.Price, pr.ListPrice, pr.SKU)
			} else if sl.Price >= pr.Price {
				ck.add(sl.Pos, SevWarning, "sale-not-cheaper", "", "sale %s price %s is not below the regular price %s of %s", sl.ID, sl.Price, pr.Price, pr.SKU)
			}
		}
	}
	checkAction := func(pos Pos, a *Action) {
		var ok bool
		var what string
		switch a.Kind {
		case ActShowProduct, ActHideProduct:
			ok, what = ix.products[a.Ref] != nil, "unknown-sku"
		case ActSale:
			a.Sale = ix.sales[a.Ref]
			ok = a.Sale != nil
			what = "unknown-sale"
		case ActCoupon:
			ok, what = ix.coupons[a.Ref] != nil, "unknown-coupon"
		case ActFocus:
			ok, what = ix.exhibits[a.Ref] != nil, "unknown-exhibit"
		case ActExpression, ActGesture:
			if !nameRE.MatchString(a.Ref) {
				ck.add(pos, SevError, "bad-name", "", "%s %q: use lower-case letters, digits, '_' or '-'", a.Kind, a.Ref)
			}
			return
		}
		used[string(a.Kind)+":"+a.Ref] = true
		if !ok && a.Ref != "" {
			ck.add(pos, SevError, what, "", "%s: %q is not defined in the show", a.Kind, a.Ref)
		}
	}
	for i := range s.Segments {
		seg := &s.Segments[i]
		if seg.Product != "" && ix.products[seg.Product] == nil {
			ck.add(seg.Pos, SevError, "unknown-sku", "", "segment %s: product %q is not in the catalog", seg.ID, seg.Product)
		}
		if seg.Exhibit != "" && ix.exhibits[seg.Exhibit] == nil {
			ck.add(seg.Pos, SevError, "unknown-exhibit", "", "segment %s: exhibit %q is not defined", seg.ID, seg.Exhibit)
		}
		for j := range seg.Steps {
			st := &seg.Steps[j]
			switch st.Kind {
			case StepAction:
				checkAction(st.Pos, st.Action)
			case StepIf, StepGoto:
				if st.Goto != "" && ix.segments[st.Goto] == nil {
					ck.add(st.Pos, SevError, "unknown-segment", "", "goto: segment %q is not defined", st.Goto)
				}
				if st.If != nil {
					ck.checkVar(st.Pos, st.If.Var, ix, false)
				}
			case StepSet:
				if st.Set != nil && st.Set.Var != "" {
					ck.checkVar(st.Pos, st.Set.Var, ix, true)
				}
			}
		}
	}
	for _, r := range ck.lines {
		for _, lang := range slices.Sorted(mapKeys(r.line.Say)) {
			u := r.line.Say[lang]
			for k := range u.Cues {
				checkAction(u.Cues[k].Pos, &u.Cues[k].Action)
			}
			for _, m := range placeholderRE.FindAllStringSubmatchIndex(u.Text, -1) {
				kind, ref := u.Text[m[2]:m[3]], u.Text[m[4]:m[5]]
				pos := ck.linePos(r.line.ID, lang, u, m[0])
				ns, ok := placeholderKinds[kind]
				var found bool
				switch ns {
				case "sku":
					found = ix.products[ref] != nil
				case "sale":
					found = ix.sales[ref] != nil
				case "coupon":
					found = ix.coupons[ref] != nil
				}
				switch {
				case !ok:
					ck.add(pos, SevError, "unknown-placeholder", "", "placeholder {%s:%s}: want one of %s", kind, ref, strings.Join(slices.Sorted(mapKeys(placeholderKinds)), ", "))
				case !found:
					ck.add(pos, SevError, "unknown-"+ns, "", "placeholder {%s:%s}: %s %q is not defined", kind, ref, ns, ref)
				}
			}
			r.line.Say[lang] = u
		}
	}
	for _, sl := range s.Sales {
		if !used["sale:"+sl.ID] {
			ck.add(sl.Pos, SevWarning, "unused-sale", "", "sale %s is never started by a sale step or [sale:%s] cue", sl.ID, sl.ID)
		}
	}
	for _, c := range s.Coupons {
		if !used["coupon:"+c.ID] {
			ck.add(c.Pos, SevWarning, "unused-coupon", "", "coupon %s is never handed out by a coupon step or [coupon:%s] cue", c.ID, c.ID)
		}
	}
	switch {
	case s.Kind == KindLivestream && len(s.Catalog) == 0:
		ck.add(s.Pos, SevWarning, "no-products", "", "a livestream show with an empty catalog")
	case s.Kind == KindMuseum && len(s.Exhibits) == 0:
		ck.add(s.Pos, SevWarning, "no-exhibits", "", "a museum show without exhibits")
	}
	ck.checkFlow(s, ix)
	ck.checkThanks(s)
}

func mapKeys[M ~map[K]V, K comparable, V any](m M) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// checkVar checks a variable a condition reads or a set step writes.
func (ck *checker) checkVar(pos Pos, name string, ix *index, write bool) {
	if sku, ok := strings.CutPrefix(name, "stock("); ok {
		sku = strings.TrimSuffix(sku, ")")
		switch {
		case write:
			ck.add(pos, SevError, "reserved-var", "", "set: %s is built in and read-only", name)
		case ix.products[sku] == nil:
			ck.add(pos, SevError, "unknown-sku", "", "condition: product %q is not in the catalog", sku)
		}
		return
	}
	switch {
	case slices.Contains(builtins, name):
		if write {
			ck.add(pos, SevError, "reserved-var", "", "set: %s is built in and read-only", name)
		}
	case !ix.vars[name]:
		ck.add(pos, SevError, "unknown-var", "", "variable %q is not declared in vars", name)
	}
}

// checkFlow finds segments that can never play and steps that follow an
// unconditional goto. Segments play in order, and after the last the show
// starts again from the first; a segment whose steps end in a goto does not
// fall through to the next one.
func (ck *checker) checkFlow(s *Show, ix *index) {
	if len(s.Segments) == 0 {
		return
	}
	reached := make([]bool, len(s.Segments))
	pos := map[*Segment]int{}
	for i := range s.Segments {
		pos[&s.Segments[i]] = i
	}
	work := []int{0}
	reached[0] = true
	visit := func(i int) {
		if !reached[i] {
			reached[i] = true
			work = append(work, i)
		}
	}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		seg := &s.Segments[i]
		falls := true
		for j, st := range seg.Steps {
			if st.Kind == StepIf || st.Kind == StepGoto {
				if t := ix.segments[st.Goto]; t != nil {
					visit(pos[t])
				}
			}
			if st.Kind == StepGoto {
				falls = false
				if j+1 < len(seg.Steps) && seg.Order == OrderSequence {
					ck.add(seg.Steps[j+1].Pos, SevWarning, "unreachable-step", "", "segment %s: this step follows an unconditional goto and never runs", seg.ID)
				}
				break
			}
		}
		if seg.Order != OrderSequence {
			// Shuffled and cycled segments reach every step in some pass.
			falls = true
		}
		if falls {
			visit((i + 1) % len(s.Segments))
		}
	}
	ck.checkSilentLoops(s, ix)
	for i, ok := range reached {
		if !ok {
			seg := &s.Segments[i]
			ck.add(seg.Pos, SevWarning, "unreachable-segment", "", "segment %s never plays: the segment before it ends in a goto and nothing jumps to it", seg.ID)
		}
	}
}

// silentEdge is a way from the start of one segment to the start of another
// (or the same) on which no line is spoken and no time passes.
type silentEdge struct {
	to  int
	pos Pos // the goto or if step taking it, or the segment for its end
}

// silentEdges returns, for each segment, where the director can go from its
// start without speaking or pausing. Every jump lands on a segment's start,
// so a loop that never waits is a cycle of these edges. Conditions count as
// possibly true and possibly false; a shuffled segment may take any of its
// jumps first; a cycle segment plays any one of its steps (which one depends
// on the pass, so it is taken as unknown).
func silentEdges(s *Show, ix *index) [][]silentEdge {
	n := len(s.Segments)
	out := make([][]silentEdge, n)
	for i := range s.Segments {
		seg := &s.Segments[i]
		jump := func(st *Step) {
			if t, j := s.Segment(st.Goto); t != nil && ix.segments[st.Goto] == t {
				out[i] = append(out[i], silentEdge{j, st.Pos})
			}
		}
		falls := false
		switch seg.Order {
		case OrderShuffle:
			falls = true
			for k := range seg.Steps {
				st := &seg.Steps[k]
				switch st.Kind {
				case StepSay, StepPause:
					falls = false // every step plays before the end
				case StepIf:
					jump(st)
				case StepGoto:
					jump(st)
					falls = false
				}
			}
		case OrderCycle:
			falls = len(seg.Steps) == 0
			for k := range seg.Steps {
				st := &seg.Steps[k]
				switch st.Kind {
				case StepIf:
					jump(st)
					falls = true
				case StepGoto:
					jump(st)
				case StepAction, StepSet:
					falls = true
				}
			}
		default:
			falls = true
		walk:
			for k := range seg.Steps {
				st := &seg.Steps[k]
				switch st.Kind {
				case StepSay, StepPause:
					falls = false
					break walk
				case StepIf:
					jump(st)
				case StepGoto:
					jump(st)
					falls = false
					break walk
				}
			}
		}
		// After its last segment a museum tour waits in the attract loop.
		if falls && !(s.Kind == KindMuseum && i == n-1) {
			out[i] = append(out[i], silentEdge{(i + 1) % n, seg.Pos})
		}
	}
	return out
}

// checkSilentLoops reports, as an error, each loop the director could run
// without speaking a line or pausing: it would spin without ever waiting.
func (ck *checker) checkSilentLoops(s *Show, ix *index) {
	n := len(s.Segments)
	next := silentEdges(s, ix)
	state := make([]int, n) // 0 new, 1 on the stack, 2 done
	var path []int          // segments on the stack
	var visit func(i int)
	visit = func(i int) {
		state[i] = 1
		path = append(path, i)
		for _, e := range next[i] {
			switch state[e.to] {
			case 0:
				visit(e.to)
			case 1:
				// A back edge closes a loop: path from e.to to i, then e.
				at := slices.Index(path, e.to)
				ids := make([]string, 0, len(path)-at+1)
				for _, k := range path[at:] {
					ids = append(ids, s.Segments[k].ID)
				}
				ids = append(ids, s.Segments[e.to].ID)
				ck.add(e.pos, SevError, "silent-loop", "",
					"the show can loop without speaking or pausing (%s): the director would spin; add a line or a pause to the loop",
					strings.Join(ids, " → "))
			}
		}
		path = path[:len(path)-1]
		state[i] = 2
	}
	for i := range s.Segments {
		if state[i] == 0 {
			visit(i)
		}
	}
}

// linePos returns the position of byte off of u.Text, the text of line
// lineID in lang with its cue marks taken out. It is exact when the text
// sits on one line without escapes, and the text's start otherwise.
func (ck *checker) linePos(lineID, lang string, u Utterance, off int) Pos {
	return ck.at.text(lineID, lang, u, off)
}

// breaths splits text at pauses (punctuation) and returns, per piece, its
// byte offset, CJK characters and other words.
func breaths(text string) (offs, cjk, words []int) {
	start, c, w, inWord := 0, 0, 0, false
	flush := func(end int) {
		if c+w > 0 {
			offs, cjk, words = append(offs, start), append(cjk, c), append(words, w)
		}
		start, c, w, inWord = end, 0, 0, false
	}
	for i, r := range text {
		switch {
		case isPause(r):
			flush(i + utf8.RuneLen(r))
		case IsCJK(r):
			c++
			inWord = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '{' || r == '}' || r == ':' || r == '_' || r == '-':
			if !inWord {
				w++
				inWord = true
			}
		default:
			inWord = false
		}
	}
	flush(len(text))
	return offs, cjk, words
}

func isPause(r rune) bool {
	return strings.ContainsRune("，。！？；、…—,.!?;\n", r) || r == '：'
}

// checkBreath warns about a piece of text too long to say in one breath.
func (ck *checker) checkBreath(r lineRef, lang string, u Utterance) {
	maxC, maxW := cmp0(ck.cfg.MaxBreathChars, 60), cmp0(ck.cfg.MaxBreathWords, 35)
	offs, cjk, words := breaths(u.Text)
	for i := range offs {
		if cjk[i] > maxC || words[i] > maxW {
			n := fmt.Sprintf("%d characters", cjk[i])
			if words[i] > maxW {
				n = fmt.Sprintf("%d words", words[i])
			}
			ck.finding(r.line.ID, ck.linePos(r.line.ID, lang, u, offs[i]), SevWarning, "long-breath", "",
				"line %s (%s): %s without a pause is too long for one breath; add punctuation or split the line", r.line.ID, lang, n)
		}
	}
}

func cmp0(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
