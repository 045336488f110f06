package script

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"

	"github.com/avatarcast/avatarcast/avatar"
)

// str returns the scalar n as a string. Numbers are accepted as written;
// null, booleans, lists and mappings are not.
func (p *parser) str(n *yaml.Node, what string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		if n.Kind != yaml.AliasNode {
			p.errorf(n, "wrong-type", "%s: want a string, got %s", what, kindName(n))
		}
		return "", false
	}
	switch n.ShortTag() {
	case "!!null":
		p.errorf(n, "wrong-type", "%s: missing value", what)
		return "", false
	case "!!bool", "!!binary", "!!timestamp", "!!map", "!!seq":
		p.errorf(n, "wrong-type", "%s: want a string, got %s %q (quote it)", what, strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
		return "", false
	}
	return n.Value, true
}

var idRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// id parses an identifier and records it in namespace ns, reporting
// duplicates. An empty ns only checks the syntax.
func (p *parser) id(n *yaml.Node, ns, what string) string {
	s, ok := p.str(n, what)
	if !ok {
		return ""
	}
	if !idRE.MatchString(s) {
		p.errorf(n, "bad-id", "%s %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", what, s)
		return ""
	}
	if ns == "" {
		return s
	}
	if p.ids == nil {
		p.ids = map[string]map[string]Pos{}
	}
	m := p.ids[ns]
	if m == nil {
		m = map[string]Pos{}
		p.ids[ns] = m
	}
	if first, dup := m[s]; dup {
		p.errorf(n, "duplicate-id", "%s %q is already defined at line %d", what, s, first.Line)
		return s
	}
	m[s] = p.pos(n)
	return s
}

// ref parses a reference to an id; whether it exists is checked later.
func (p *parser) ref(n *yaml.Node, what string) string { return p.id(n, "", what) }

func (p *parser) integer(n *yaml.Node, what string, min int64) (int64, bool) {
	if n == nil {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		if n.Kind != yaml.AliasNode {
			p.errorf(n, "wrong-type", "%s: want a whole number, got %s", what, kindName(n))
		}
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil {
		p.errorf(n, "wrong-type", "%s: %q is not a whole number that fits in 64 bits", what, n.Value)
		return 0, false
	}
	if v < min {
		p.errorf(n, "out-of-range", "%s: %d is below %d", what, v, min)
		return 0, false
	}
	return v, true
}

// money parses an amount such as 99, 99.5 or "129.00" exactly, without
// floating point.
func (p *parser) money(n *yaml.Node, what string) (Money, bool) {
	if n == nil {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" || n.ShortTag() == "!!bool" {
		if n.Kind != yaml.AliasNode {
			p.errorf(n, "wrong-type", "%s: want an amount such as 99 or 99.50, got %s", what, kindName(n))
		}
		return 0, false
	}
	m, err := ParseMoney(n.Value)
	if err != nil {
		p.errorf(n, "bad-money", "%s: %v", what, err)
		return 0, false
	}
	return m, true
}

// ParseMoney parses a non-negative decimal amount with at most two decimals
// ("99", "99.5", "129.00") into hundredths, exactly.
func ParseMoney(s string) (Money, error) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(whole) > 13 || (dot && (frac == "" || len(frac) > 2)) {
		return 0, fmt.Errorf("%q is not an amount such as 99 or 99.50 (at most two decimals)", s)
	}
	var v int64
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%q is not an amount such as 99 or 99.50 (at most two decimals)", s)
		}
		v = v*10 + int64(c-'0')
	}
	for range 2 - len(frac) {
		v *= 10
	}
	return Money(v), nil
}

// String formats m with two decimals: "99.00".
func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

func (p *parser) duration(n *yaml.Node, what string) (time.Duration, bool) {
	s, ok := p.str(n, what)
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		p.errorf(n, "bad-duration", "%s: %q is not a positive duration such as 1.5s or 5m", what, s)
		return 0, false
	}
	return d, true
}

// langKey checks that k names a declared language.
func (p *parser) langKey(k *yaml.Node, what string) bool {
	if slices.Contains(p.langs, k.Value) {
		return true
	}
	p.errorf(k, "undeclared-language", "%s: language %q is not in the show's languages (%s)", what, k.Value, strings.Join(p.langs, ", "))
	return false
}

// missing reports, with code and sev, the declared languages a
// per-language mapping lacks.
func (p *parser) missing(o *obj, what, code string, sev Severity) {
	for _, l := range p.langs {
		if _, ok := o.keys[l]; !ok {
			p.add(p.pos(o.node), sev, code, "", "%s has no %s text", what, l)
		}
	}
}

// text parses a per-language mapping of plain strings.
func (p *parser) text(n *yaml.Node, what string) Text {
	o := p.object(n, what)
	if o == nil {
		return nil
	}
	t := Text{}
	keys, vals := keysInOrder(o)
	for i, k := range keys {
		if !p.langKey(k, what) {
			continue
		}
		if s, ok := p.str(vals[i], what+" "+k.Value); ok {
			p.checkDisplay(vals[i], strings.TrimRight(s, "\n"), false, what+" "+k.Value)
			t[k.Value] = s
		}
	}
	p.missing(o, what, "missing-translation", SevError)
	return t
}

// strLists parses a per-language mapping of string lists; a missing
// language is a problem with code and sev.
func (p *parser) strLists(n *yaml.Node, what, code string, sev Severity) map[string][]string {
	o := p.object(n, what)
	if o == nil {
		return nil
	}
	m := map[string][]string{}
	keys, vals := keysInOrder(o)
	for i, k := range keys {
		if !p.langKey(k, what) {
			continue
		}
		var list []string
		p.each(vals[i], what, func(c *yaml.Node) {
			if s, ok := p.str(c, what); ok {
				if strings.TrimSpace(s) == "" {
					p.errorf(c, "empty-text", "%s: empty entry", what)
					return
				}
				p.checkDisplay(c, strings.TrimRight(s, "\n"), false, what)
				list = append(list, s)
			}
		})
		m[k.Value] = list
	}
	p.missing(o, what, code, sev)
	return m
}

// checkDisplay reports a control, format or bidi character in s, the text
// of scalar n shown to viewers (avatar.CheckDisplayText; with lines, line
// feeds are allowed).
func (p *parser) checkDisplay(n *yaml.Node, s string, lines bool, what string) {
	check := avatar.CheckDisplayText
	if lines {
		check = avatar.CheckDisplayLines
	}
	var bad *avatar.DisplayTextError
	if !errors.As(check(s), &bad) {
		return
	}
	off, col := 0, 1
	for i := range s {
		if col == bad.Col {
			off = i
			break
		}
		col++
	}
	p.add(p.textPos(n, off), SevError, "bad-text", "", "%s: %v", what, bad)
}

// textPos returns the position of byte off of scalar n's value. It is exact
// when the value is written out on one line as it reads (plain, or quoted
// without escapes) and points at the scalar's start otherwise.
func (p *parser) textPos(n *yaml.Node, off int) Pos {
	sp := p.span(n)
	return sp.rawPos(off)
}

// span returns where the value of scalar n is written: exactly, with the
// value and the column it starts at, when it is written out on one line as
// it reads (plain, or quoted without escapes); else only the scalar's start.
func (p *parser) span(n *yaml.Node) textSpan {
	sp := textSpan{at: p.pos(n)}
	if n == nil || n.Line < 1 || n.Line > len(p.srcLines) || n.Column < 1 {
		return sp
	}
	raw := p.srcLines[n.Line-1]
	for range n.Column - 1 {
		_, size := utf8.DecodeRuneInString(raw)
		if size == 0 {
			return sp
		}
		raw = raw[size:]
	}
	want, col := n.Value, sp.at.Col
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		want, col = `"`+want+`"`, col+1
	case n.Style&yaml.SingleQuotedStyle != 0:
		want, col = "'"+want+"'", col+1
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return sp
	}
	if !strings.HasPrefix(raw, want) {
		return sp
	}
	sp.raw, sp.col, sp.exact = n.Value, col, true
	return sp
}
