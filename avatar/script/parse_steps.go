package script

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v4"
)

var condRE = regexp.MustCompile(`^\s*(stock\(\s*([^()\s]+)\s*\)|[a-z_][a-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(-?\d{1,18})\s*$`)

// ParseCond parses a condition such as "stock(tea-01) < 10" or
// "viewers >= 100". It checks the syntax only.
func ParseCond(s string) (*Cond, error) {
	m := condRE.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("condition %q: want VAR OP NUMBER, such as stock(tea-01) < 10 or viewers >= 100", s)
	}
	v, err := strconv.ParseInt(m[4], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("condition %q: %w", s, err)
	}
	name := m[1]
	if m[2] != "" {
		name = "stock(" + m[2] + ")"
	}
	return &Cond{Var: name, Op: m[3], Value: v}, nil
}

// stepKeys are the keys that decide a step's kind, besides say.
var stepKeys = []string{"pause", "show", "hide", "sale", "coupon", "focus", "express", "gesture", "set"}

func (p *parser) parseSegment(s *Show, n *yaml.Node) {
	o := p.object(n, "segment", "id", "product", "exhibit", "order", "steps")
	if o == nil {
		return
	}
	p.require(o, "segment", "id", "steps")
	s.Segments = append(s.Segments, Segment{Pos: p.pos(n), Order: OrderSequence})
	seg := &s.Segments[len(s.Segments)-1]
	seg.ID = p.id(o.get("id"), "segment", "segment id")
	if n := o.get("product"); n != nil {
		seg.Product = p.ref(n, "product")
	}
	if n := o.get("exhibit"); n != nil {
		seg.Exhibit = p.ref(n, "exhibit")
	}
	if n := o.get("order"); n != nil {
		v, _ := p.str(n, "order")
		switch Order(v) {
		case OrderSequence, OrderShuffle, OrderCycle:
			seg.Order = Order(v)
		default:
			if v != "" {
				p.errorf(n, "bad-order", "order %q: want sequence, shuffle or cycle", v)
			}
		}
	}
	p.each(o.get("steps"), "steps", func(c *yaml.Node) {
		if st, ok := p.parseStep(seg, c); ok {
			seg.Steps = append(seg.Steps, st)
		}
	})
	if n := o.get("steps"); n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(n, "no-steps", "segment %s has no steps", seg.ID)
	}
}

func (p *parser) parseStep(seg *Segment, n *yaml.Node) (Step, bool) {
	all := append(append([]string{"if", "goto"}, lineFields...), stepKeys...)
	o := p.object(n, "step", all...)
	if o == nil {
		return Step{}, false
	}
	st := Step{Pos: p.pos(n)}
	// only reports keys of o beyond the given ones as not belonging to a
	// step of this kind.
	only := func(kind string, keep ...string) {
		keys, _ := keysInOrder(o)
		for _, k := range keys {
			if !slices.Contains(keep, k.Value) {
				p.errorf(k, "mixed-step", "%s step: %q does not belong here (one step does one thing)", kind, k.Value)
			}
		}
	}
	switch {
	case o.has("say"):
		only("say", lineFields...)
		l := p.lineFrom(o, "say step")
		if l == nil {
			return st, false
		}
		st.Kind, st.Line = StepSay, l
	case o.has("if"):
		only("if", "if", "goto")
		st.Kind = StepIf
		if cs, ok := p.str(o.get("if"), "if"); ok {
			c, err := ParseCond(cs)
			if err != nil {
				p.errorf(o.get("if"), "bad-condition", "%v", err)
			}
			st.If = c
		}
		if !o.has("goto") {
			p.errorf(n, "missing-field", "if step: missing field \"goto\"")
		}
		st.Goto = p.ref(o.get("goto"), "goto")
	case o.has("goto"):
		only("goto", "goto")
		st.Kind = StepGoto
		st.Goto = p.ref(o.get("goto"), "goto")
	default:
		keys, vals := keysInOrder(o)
		if len(keys) == 0 {
			p.errorf(n, "empty-step", "empty step: want say, pause, show, hide, sale, coupon, focus, express, gesture, set, if or goto")
			return st, false
		}
		only(keys[0].Value, keys[0].Value)
		k, v := keys[0].Value, vals[0]
		switch k {
		case "id", "emotion":
			p.errorf(keys[0], "missing-field", "a step with %q needs \"say\"", k)
			return st, false
		case "pause":
			st.Kind = StepPause
			st.Pause, _ = p.duration(v, "pause")
		case "set":
			st.Kind = StepSet
			st.Set = p.parseAssign(v)
		default:
			st.Kind = StepAction
			st.Action = &Action{Kind: cueKinds[k], Ref: p.ref(v, k)}
		}
	}
	return st, true
}

func (p *parser) parseAssign(n *yaml.Node) *Assign {
	o := p.object(n, "set", "var", "value", "add")
	if o == nil {
		return nil
	}
	p.require(o, "set", "var")
	a := &Assign{}
	a.Var, _ = p.str(o.get("var"), "set var")
	switch {
	case o.has("value") && o.has("add"):
		p.errorf(n, "mixed-step", "set: give value or add, not both")
	case o.has("value"):
		a.Value, _ = p.integer(o.get("value"), "set value", -1<<62)
	case o.has("add"):
		a.Value, _ = p.integer(o.get("add"), "set add", -1<<62)
		a.Add = true
	default:
		p.errorf(n, "missing-field", "set: missing field \"value\" or \"add\"")
	}
	return a
}
