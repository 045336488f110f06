package script

import (
	"regexp"
	"strings"

	"go.yaml.in/yaml/v4"
)

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,31}$`)

// lineFields are the keys of a line, also allowed in a say step.
var lineFields = []string{"id", "say", "emotion", "gesture"}

// parseLine parses a standalone line: {id, say, emotion, gesture}.
func (p *parser) parseLine(n *yaml.Node, what string) *Line {
	o := p.object(n, what, lineFields...)
	if o == nil {
		return nil
	}
	return p.lineFrom(o, what)
}

func (p *parser) lineFrom(o *obj, what string) *Line {
	p.require(o, what, "id", "say")
	l := &Line{Pos: p.pos(o.node)}
	if l.ID = p.id(o.get("id"), "line", "line id"); l.ID == "" {
		return nil
	}
	for _, f := range []string{"emotion", "gesture"} {
		n := o.get(f)
		if n == nil {
			continue
		}
		v, ok := p.str(n, f)
		if ok && !nameRE.MatchString(v) {
			p.errorf(n, "bad-name", "%s %q: use lower-case letters, digits, '_' or '-'", f, v)
			continue
		}
		if f == "emotion" {
			l.Emotion = v
		} else {
			l.Gesture = v
		}
	}
	so := p.object(o.get("say"), "say of line "+l.ID)
	if so == nil {
		return l
	}
	l.Say = map[string]Utterance{}
	keys, vals := keysInOrder(so)
	for i, k := range keys {
		if !p.langKey(k, "line "+l.ID) {
			continue
		}
		s, ok := p.str(vals[i], "line "+l.ID+" "+k.Value)
		if !ok {
			continue
		}
		p.checkDisplay(vals[i], s, true, "line "+l.ID+" "+k.Value)
		u, sp := p.utterance(vals[i], s)
		p.at.addText(l.ID, k.Value, sp)
		if strings.TrimSpace(u.Text) == "" {
			p.errorf(vals[i], "empty-text", "line %s has empty %s text", l.ID, k.Value)
		}
		l.Say[k.Value] = u
	}
	for _, lang := range p.langs {
		if _, ok := so.keys[lang]; !ok {
			p.errorf(so.node, "missing-translation", "line %s has no %s text", l.ID, lang)
		}
	}
	return l
}

// cueKinds are the actions a cue mark may fire.
var cueKinds = map[string]ActionKind{
	"show": ActShowProduct, "hide": ActHideProduct, "sale": ActSale, "coupon": ActCoupon,
	"focus": ActFocus, "express": ActExpression, "gesture": ActGesture,
}

// utterance strips the cue marks out of s, the value of node n. It returns
// where the text is written with what was taken out where, so offsets in
// the text map back to the file. A cue mark is [kind:ref]; "[[" stands for
// a literal "[".
func (p *parser) utterance(n *yaml.Node, s string) (Utterance, textSpan) {
	u := Utterance{Pos: p.pos(n)}
	sp := p.span(n)
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '[' {
			b.WriteByte(c)
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "[[") {
			sp.edits = append(sp.edits, edit{at: b.Len(), removed: 1})
			b.WriteByte('[')
			i += 2
			continue
		}
		end := strings.IndexByte(s[i:], ']')
		body := ""
		if end > 0 {
			body = s[i+1 : i+end]
		}
		kind, ref, ok := strings.Cut(body, ":")
		act, known := cueKinds[kind]
		if end < 0 || !ok || !known || !idRE.MatchString(ref) {
			shown := body
			if end < 0 {
				shown = s[i+1:]
			}
			if len(shown) > 30 {
				shown = shown[:30] + "…"
			}
			p.add(sp.rawPos(i), SevError, "bad-cue", "",
				"bad cue mark [%s: want [show|hide|sale|coupon|focus|express|gesture:ID], or [[ for a literal [", strings.ToValidUTF8(shown, "?"))
			if end < 0 {
				break
			}
			i += end + 1
			continue
		}
		// A mark standing alone between spaces takes one of them with it, so
		// "this [show:x] tea" reads "this tea".
		next := i + end + 1
		if next < len(s) && s[next] == ' ' && b.Len() > 0 && strings.HasSuffix(b.String(), " ") {
			next++
		}
		u.Cues = append(u.Cues, Cue{At: b.Len(), Action: Action{Kind: act, Ref: ref}, Pos: sp.rawPos(i)})
		sp.edits = append(sp.edits, edit{at: b.Len(), removed: next - i})
		i = next
	}
	u.Text = b.String()
	return u, sp
}
