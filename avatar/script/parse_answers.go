package script

import (
	"strings"

	"go.yaml.in/yaml/v4"
)

// parseFAQSection parses faq: either a plain list of entries, or a mapping
// of entries, fallback and filler lines.
func (p *parser) parseFAQSection(s *Show, n *yaml.Node) {
	if n == nil || n.Kind != yaml.MappingNode {
		p.each(n, "faq", func(c *yaml.Node) { p.parseFAQ(s, c) })
		return
	}
	o := p.object(n, "faq", "entries", "fallback", "filler")
	if o == nil {
		return
	}
	p.each(o.get("entries"), "faq entries", func(c *yaml.Node) { p.parseFAQ(s, c) })
	p.each(o.get("fallback"), "faq fallback", func(c *yaml.Node) {
		if l := p.parseLine(c, "fallback line"); l != nil {
			s.Fallback = append(s.Fallback, *l)
		}
	})
	p.each(o.get("filler"), "faq filler", func(c *yaml.Node) {
		if l := p.parseLine(c, "filler line"); l != nil {
			s.Filler = append(s.Filler, *l)
		}
	})
}

// parseAI parses the ai: block.
func (p *parser) parseAI(s *Show, n *yaml.Node) {
	o := p.object(n, "ai", "enabled", "endpoint", "model", "timeout", "budget", "other_products")
	if o == nil {
		return
	}
	a := &AI{Pos: p.pos(n), Endpoint: AIEndpointDefault}
	if v := o.get("enabled"); v != nil {
		if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
			p.errorf(v, "wrong-type", "ai enabled: want true or false, got %s", kindName(v))
		} else {
			a.Enabled = v.Value == "true" || v.Value == "True" || v.Value == "TRUE"
		}
	}
	if v := o.get("endpoint"); v != nil {
		if e, ok := p.str(v, "ai endpoint"); ok {
			if e != AIEndpointDefault {
				p.errorf(v, "bad-endpoint", "ai endpoint %q: only %q (the operator's endpoint) is supported", e, AIEndpointDefault)
			}
		}
	}
	if v := o.get("model"); v != nil {
		if m, ok := p.str(v, "ai model"); ok {
			m = strings.TrimSpace(m)
			if m == "" || len(m) > 128 || strings.ContainsAny(m, " \t\r\n") {
				p.errorf(v, "bad-model", "ai model %q: want a model name such as qwen2.5:3b", m)
			} else {
				a.Model = m
			}
		}
	}
	if v := o.get("timeout"); v != nil {
		if d, ok := p.duration(v, "ai timeout"); ok {
			if d < AIMinTimeout || d > AIMaxTimeout {
				p.errorf(v, "out-of-range", "ai timeout: %v is not between %v and %v", d, AIMinTimeout, AIMaxTimeout)
			} else {
				a.Timeout = d
			}
		}
	}
	if b := p.object(o.get("budget"), "ai budget", "calls_per_minute", "tokens_per_hour"); b != nil {
		if v := b.get("calls_per_minute"); v != nil {
			if c, ok := p.integer(v, "ai calls_per_minute", 1); ok {
				if c > AIMaxCallsPerMinute {
					p.errorf(v, "out-of-range", "ai calls_per_minute: %d is above %d", c, AIMaxCallsPerMinute)
				} else {
					a.CallsPerMinute = int(c)
				}
			}
		}
		if v := b.get("tokens_per_hour"); v != nil {
			if t, ok := p.integer(v, "ai tokens_per_hour", AIMinTokensPerHour); ok {
				if t > AIMaxTokensPerHour {
					p.errorf(v, "out-of-range", "ai tokens_per_hour: %d is above %d", t, AIMaxTokensPerHour)
				} else {
					a.TokensPerHour = int(t)
				}
			}
		}
	}
	p.each(o.get("other_products"), "ai other_products", func(c *yaml.Node) {
		if t, ok := p.str(c, "ai other product"); ok && strings.TrimSpace(t) != "" {
			a.OtherProducts = append(a.OtherProducts, strings.TrimSpace(t))
		}
	})
	if a.Enabled && len(s.Fallback) == 0 {
		p.errorf(n, "missing-fallback", "ai is enabled but faq has no fallback line to say when the model cannot answer")
	}
	s.AI = a
}
