package script

import (
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// thanksVarRE matches a thank-you variable, {name}; placeholders have a
// colon ({price:SKU}) and other braces are plain text.
var thanksVarRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// ExpandThanks replaces each {var} in text with value(var); where value
// returns false the variable is left as written.
func ExpandThanks(text string, value func(name string) (string, bool)) string {
	if !strings.Contains(text, "{") {
		return text
	}
	return thanksVarRE.ReplaceAllStringFunc(text, func(m string) string {
		if v, ok := value(m[1 : len(m)-1]); ok {
			return v
		}
		return m
	})
}

// parseThanks parses the thanks: section: {names, someone, gift, follow,
// enter, like, share}.
func (p *parser) parseThanks(s *Show, n *yaml.Node) {
	keys := []string{"names", "someone"}
	for _, k := range ThankKinds {
		keys = append(keys, string(k))
	}
	o := p.object(n, "thanks", keys...)
	if o == nil {
		return
	}
	t := &Thanks{Names: ThanksDefaultNames, Pos: p.pos(n)}
	if v := o.get("names"); v != nil {
		if k, ok := p.integer(v, "thanks names", 1); ok {
			if k > ThanksMaxNames {
				p.errorf(v, "out-of-range", "thanks names: %d is above %d", k, ThanksMaxNames)
			} else {
				t.Names = int(k)
			}
		}
	}
	if v := o.get("someone"); v != nil {
		so := p.object(v, "thanks someone")
		if so != nil {
			t.Someone = Text{}
			keys, vals := keysInOrder(so)
			for i, k := range keys {
				if !p.langKey(k, "thanks someone") {
					continue
				}
				if str, ok := p.str(vals[i], "thanks someone "+k.Value); ok {
					if strings.TrimSpace(str) == "" || strings.ContainsAny(str, "{}[]\n") {
						p.errorf(vals[i], "bad-someone", "thanks someone %s: want a few words such as 这位朋友 or friend, without braces or brackets", k.Value)
						continue
					}
					t.Someone[k.Value] = strings.TrimSpace(str)
					if t.someoneAt == nil {
						t.someoneAt = map[string]Pos{}
					}
					t.someoneAt[k.Value] = p.pos(vals[i])
				}
			}
		}
	}
	kn, _ := keysInOrder(o)
	for _, k := range kn {
		kind := ThankKind(k.Value)
		if !slices.Contains(ThankKinds, kind) {
			continue
		}
		if r := p.parseThankRule(kind, o.get(k.Value)); r != nil {
			t.Rules = append(t.Rules, *r)
		}
	}
	for _, lang := range p.langs {
		if _, ok := t.Someone[lang]; !ok && !builtinSomeone(lang) && len(t.Rules) > 0 {
			p.warnf(n, "missing-someone", "thanks: no words for an unnamed viewer in %s (someone: {%s: …}); the English ones would be said", lang, lang)
		}
	}
	s.Thanks = t
}

// builtinSomeone reports whether the director has its own words for an
// unnamed viewer in lang.
func builtinSomeone(lang string) bool {
	for _, p := range []string{"zh", "en", "fr", "ja"} {
		if strings.HasPrefix(lang, p) {
			return true
		}
	}
	return false
}

// parseThankRule parses one kind's rule: {min_value (gift) | min_count
// (like), cooldown, lines}.
func (p *parser) parseThankRule(kind ThankKind, n *yaml.Node) *ThankRule {
	what := "thanks " + string(kind)
	keys := []string{"cooldown", "lines"}
	switch kind {
	case ThankGift:
		keys = append(keys, "min_value")
	case ThankLike:
		keys = append(keys, "min_count")
	}
	o := p.object(n, what, keys...)
	if o == nil {
		return nil
	}
	p.require(o, what, "lines")
	r := &ThankRule{Kind: kind, Min: 1, Cooldown: ThanksDefaultCooldown[kind], Pos: p.pos(n)}
	for _, k := range []string{"min_value", "min_count"} {
		if v := o.get(k); v != nil {
			if m, ok := p.integer(v, what+" "+k, 1); ok {
				r.Min = m
			}
		}
	}
	if v := o.get("cooldown"); v != nil {
		if d, ok := p.duration(v, what+" cooldown"); ok {
			if d > ThanksMaxCooldown {
				p.errorf(v, "out-of-range", "%s cooldown: %v is above %v", what, d, ThanksMaxCooldown)
			} else {
				r.Cooldown = d
			}
		}
	}
	p.each(o.get("lines"), what+" lines", func(c *yaml.Node) {
		if l := p.parseLine(c, "thank-you line"); l != nil {
			r.Lines = append(r.Lines, *l)
		}
	})
	if v := o.get("lines"); v != nil && v.Kind == yaml.SequenceNode && len(v.Content) == 0 {
		p.errorf(v, "missing-field", "%s: list at least one line", what)
	}
	return r
}

// checkThanks checks the variables and cue marks of the thank-you lines:
// a variable the kind does not have is an error (unknown-variable), and
// so is a cue mark (thanks-cue: a thank-you fires no action).
func (ck *checker) checkThanks(s *Show) {
	if s.Thanks == nil {
		return
	}
	// The words for an unnamed viewer are spoken too.
	for _, lang := range slices.Sorted(mapKeys(s.Thanks.Someone)) {
		if s.Kind != KindLivestream {
			break
		}
		for _, c := range FindClaimsIn(s.Thanks.Someone[lang], lang) {
			ck.add(s.Thanks.someoneAt[lang], SevError, c.Code, c.Rule, "thanks someone (%s): %q %s", lang, c.Phrase, c.Reason)
		}
	}
	for _, r := range s.Thanks.Rules {
		allowed := ThanksVars[r.Kind]
		for _, l := range r.Lines {
			for _, lang := range slices.Sorted(mapKeys(l.Say)) {
				u := l.Say[lang]
				for _, c := range u.Cues {
					ck.add(c.Pos, SevError, "thanks-cue", "", "thank-you line %s (%s): cue marks fire nothing in a thank-you; use the line's emotion or gesture", l.ID, lang)
				}
				for _, m := range thanksVarRE.FindAllStringSubmatchIndex(u.Text, -1) {
					name := u.Text[m[2]:m[3]]
					if !slices.Contains(allowed, name) {
						ck.add(ck.linePos(l.ID, lang, u, m[0]), SevError, "unknown-variable", "",
							"thank-you line %s (%s): {%s} is not a variable of %s thank-yous (want %s)", l.ID, lang, name, r.Kind, varList(allowed))
					}
				}
			}
		}
	}
}

func varList(vs []string) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = "{" + v + "}"
	}
	return strings.Join(out, ", ")
}
