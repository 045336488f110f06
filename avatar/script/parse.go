package script

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"

	"github.com/avatarcast/avatarcast/avatar"
)

// Config adjusts how scripts are checked. The zero value is ready to use and
// checks with the defaults documented on each field. A Config is safe for
// concurrent use as long as it is not modified.
type Config struct {
	// Personas, when non-nil, lists the persona IDs a script may name;
	// any other persona is an error (unknown-persona).
	Personas []string
	// MaxBreathChars is how many CJK characters one breath may hold between
	// two pauses (punctuation) before long-breath warns; 0 means 60.
	MaxBreathChars int
	// MaxBreathWords is the same limit in words for other scripts; 0 means 35.
	MaxBreathWords int
}

// Parse parses and validates one show script with the default Config. It
// returns the Show (nil if any error) and every problem found (errors,
// warnings and acknowledged findings), sorted by position. file names the
// script in problems; src is not retained.
func Parse(file string, src []byte) (*Show, Problems) {
	var c Config
	return c.Parse(file, src)
}

// ParseFile reads and parses the script at path with the default Config.
func ParseFile(path string) (*Show, Problems) {
	var c Config
	return c.ParseFile(path)
}

// LoadDir parses every *.yaml and *.yml file in dir (not its subdirectories)
// with the default Config. See Config.LoadDir.
func LoadDir(dir string) ([]*Show, Problems) {
	var c Config
	return c.LoadDir(dir)
}

// Parse is like the package-level Parse, with c's settings.
func (c *Config) Parse(file string, src []byte) (*Show, Problems) {
	p := &parser{cfg: c, file: file, srcLines: strings.Split(string(src), "\n")}
	show := p.parse(src)
	if show != nil {
		p.check(show)
		p.lint(show)
		p.applyAcks(show)
	}
	p.probs.Sort()
	if p.probs.HasErrors() {
		return nil, p.probs
	}
	return show, p.probs
}

// ParseFile reads the script at path and parses it with c's settings. A
// file that cannot be read is reported as a read-error problem.
func (c *Config) ParseFile(path string) (*Show, Problems) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, Problems{{File: path, Severity: SevError, Code: "read-error", Msg: err.Error()}}
	}
	return c.Parse(path, src)
}

// LoadDir parses every *.yaml and *.yml file in dir, in name order. It
// returns the shows that have no errors and the problems of all files; two
// files with the same show id are an error (duplicate-show) and only the
// first is kept.
func (c *Config) LoadDir(dir string) ([]*Show, Problems) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, Problems{{File: dir, Severity: SevError, Code: "read-error", Msg: err.Error()}}
	}
	var (
		shows []*Show
		probs Problems
		seen  = map[string]Pos{}
	)
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		s, ps := c.ParseFile(filepath.Join(dir, e.Name()))
		probs = append(probs, ps...)
		if s == nil {
			continue
		}
		if first, dup := seen[s.ID]; dup {
			probs = append(probs, Problem{File: s.Pos.File, Line: s.Pos.Line, Col: s.Pos.Col, Severity: SevError,
				Code: "duplicate-show", Msg: fmt.Sprintf("show id %q is already used at %s", s.ID, first)})
			continue
		}
		seen[s.ID] = s.Pos
		shows = append(shows, s)
	}
	probs.Sort()
	return shows, probs
}

// parser holds the state of one Parse call.
type parser struct {
	cfg    *Config
	file   string
	probs  Problems
	langs  []string
	langAt map[string]Pos // where each language is declared

	srcLines []string // the source, to map offsets in a text to columns

	ids   map[string]map[string]Pos // namespace → id → first definition
	lines []lineRef                 // every line, in file order
	nodes map[string]*yaml.Node     // line ID + "\x00" + lang → its text node
	edits map[*yaml.Node][]edit     // what utterance took out of a text node

	findings []finding // lint findings an ack may acknowledge
}

// lineRef is a parsed line with where it is spoken.
type lineRef struct {
	line    *Line
	segment *Segment // nil outside segments
	product string   // the product in context, if any
	exhibit string   // the exhibit in context, if any
}

func (p *parser) add(pos Pos, sev Severity, code, rule, format string, args ...any) {
	p.probs = append(p.probs, Problem{File: p.file, Line: pos.Line, Col: pos.Col, Severity: sev,
		Code: code, Msg: fmt.Sprintf(format, args...), Rule: rule})
}

func (p *parser) errorf(n *yaml.Node, code, format string, args ...any) {
	p.add(p.pos(n), SevError, code, "", format, args...)
}

func (p *parser) warnf(n *yaml.Node, code, format string, args ...any) {
	p.add(p.pos(n), SevWarning, code, "", format, args...)
}

func (p *parser) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: p.file}
	}
	return Pos{File: p.file, Line: n.Line, Col: n.Column}
}

// parse turns src into a Show, reporting every structural problem. It
// returns nil only when src is not a YAML mapping at all.
func (p *parser) parse(src []byte) *Show {
	var doc yaml.Node
	if err := yaml.Load(src, &doc); err != nil {
		var le *yaml.LoadError
		pos := Pos{File: p.file, Line: 1, Col: 1}
		msg := err.Error()
		if errors.As(err, &le) {
			msg = strings.TrimPrefix(le.Message, "yaml: ")
			if le.ContextMsg != "" {
				msg = le.ContextMsg + ": " + msg
			}
			if le.Mark.Line > 0 {
				pos.Line, pos.Col = le.Mark.Line, max(le.Mark.Column, 1)
			}
		}
		if msg == "no documents in stream" {
			msg = "the script is empty"
		}
		p.add(pos, SevError, "yaml-syntax", "", "%s", msg)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		p.add(Pos{File: p.file, Line: 1, Col: 1}, SevError, "yaml-syntax", "", "the script must be one YAML document")
		return nil
	}
	root := doc.Content[0]
	p.noAliases(root)
	o := p.object(root, "show", "id", "kind", "title", "persona", "languages", "vars", "catalog",
		"coupons", "sales", "segments", "exhibits", "faq", "idle", "acks")
	if o == nil {
		return nil
	}
	p.require(o, "show", "id", "kind", "title", "persona", "languages", "segments")
	s := &Show{Pos: p.pos(root)}
	s.ID = p.id(o.get("id"), "show", "show id")
	if strings.Contains(s.ID, ".") {
		// A show id names a room and a scripts-bucket key token.
		p.errorf(o.get("id"), "bad-id", "show id %q: use letters, digits, '_' or '-' (no '.')", s.ID)
	}
	if n := o.get("kind"); n != nil {
		k, _ := p.str(n, "kind")
		switch Kind(k) {
		case KindLivestream, KindMuseum:
			s.Kind = Kind(k)
		default:
			if k != "" {
				p.errorf(n, "bad-kind", "kind %q: want livestream or museum", k)
			}
		}
	}
	p.parseLanguages(s, o.get("languages"))
	s.Title = p.text(o.get("title"), "title")
	if n := o.get("persona"); n != nil {
		s.Persona, _ = p.str(n, "persona")
		s.PersonaPos = p.pos(o.keys["persona"])
		if s.Persona != "" && p.cfg.Personas != nil && !slices.Contains(p.cfg.Personas, s.Persona) {
			p.errorf(n, "unknown-persona", "persona %q is not one of the known personas (%s)",
				s.Persona, strings.Join(p.cfg.Personas, ", "))
		}
	}
	p.parseVars(s, o.get("vars"))
	p.each(o.get("catalog"), "catalog", func(n *yaml.Node) { p.parseProduct(s, n) })
	p.each(o.get("coupons"), "coupons", func(n *yaml.Node) { p.parseCoupon(s, n) })
	p.each(o.get("sales"), "sales", func(n *yaml.Node) { p.parseSale(s, n) })
	p.each(o.get("exhibits"), "exhibits", func(n *yaml.Node) { p.parseExhibit(s, n) })
	p.each(o.get("segments"), "segments", func(n *yaml.Node) { p.parseSegment(s, n) })
	if n := o.get("segments"); n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(n, "no-segments", "a show needs at least one segment")
	}
	p.each(o.get("faq"), "faq", func(n *yaml.Node) { p.parseFAQ(s, n) })
	p.each(o.get("idle"), "idle", func(n *yaml.Node) {
		if l := p.parseLine(n, "idle line"); l != nil {
			s.Idle = append(s.Idle, *l)
		}
	})
	p.each(o.get("acks"), "acks", func(n *yaml.Node) { p.parseAck(s, n) })
	// Lines were recorded by pointer into slices that may have grown since;
	// point them at their final homes.
	p.relinkLines(s)
	return s
}

// noAliases reports every alias: they make positions ambiguous and can blow
// up in size, and a show script has no need for them.
func (p *parser) noAliases(root *yaml.Node) {
	stack := []*yaml.Node{root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.Kind == yaml.AliasNode {
			p.errorf(n, "yaml-alias", "aliases (*%s) are not supported; write the value out", n.Value)
			continue
		}
		stack = append(stack, n.Content...)
	}
}

// obj is a YAML mapping whose keys were checked.
type obj struct {
	node *yaml.Node
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
}

func (o *obj) get(k string) *yaml.Node {
	if o == nil {
		return nil
	}
	return o.vals[k]
}

func (o *obj) has(k string) bool { return o.get(k) != nil }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "something else"
}

// object checks that n is a mapping with string keys among allowed, none
// repeated. It returns nil (after reporting) when n is not a mapping.
func (p *parser) object(n *yaml.Node, what string, allowed ...string) *obj {
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if n.Kind != yaml.AliasNode {
			p.errorf(n, "wrong-type", "%s: want a mapping, got %s", what, kindName(n))
		}
		return nil
	}
	o := &obj{node: n, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			if k.Kind != yaml.AliasNode {
				p.errorf(k, "wrong-type", "%s: keys must be plain names", what)
			}
			continue
		}
		if first, dup := o.keys[k.Value]; dup {
			p.errorf(k, "duplicate-key", "%s: key %q is repeated (first at line %d)", what, k.Value, first.Line)
			continue
		}
		o.keys[k.Value] = k
		if allowed != nil && !slices.Contains(allowed, k.Value) {
			p.errorf(k, "unknown-field", "%s: unknown field %q (want one of %s)", what, k.Value, strings.Join(allowed, ", "))
			continue
		}
		o.vals[k.Value] = v
	}
	return o
}

func (p *parser) require(o *obj, what string, keys ...string) {
	if o == nil {
		return
	}
	for _, k := range keys {
		if _, ok := o.keys[k]; !ok {
			p.errorf(o.node, "missing-field", "%s: missing field %q", what, k)
		}
	}
}

// each calls f for every item of the list n (nil n is an empty list).
func (p *parser) each(n *yaml.Node, what string, f func(*yaml.Node)) {
	if n == nil || n.Kind == yaml.AliasNode || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null") {
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errorf(n, "wrong-type", "%s: want a list, got %s", what, kindName(n))
		return
	}
	for _, c := range n.Content {
		f(c)
	}
}

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

var langRE = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)

func (p *parser) parseLanguages(s *Show, n *yaml.Node) {
	p.each(n, "languages", func(c *yaml.Node) {
		l, ok := p.str(c, "language")
		if !ok {
			return
		}
		if !langRE.MatchString(l) {
			p.errorf(c, "bad-language", "language %q is not a BCP 47 tag such as zh-CN or en", l)
			return
		}
		if slices.Contains(s.Languages, l) {
			p.errorf(c, "duplicate-id", "language %q is listed twice", l)
			return
		}
		s.Languages = append(s.Languages, l)
		if p.langAt == nil {
			p.langAt = map[string]Pos{}
		}
		p.langAt[l] = p.pos(c)
	})
	if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(n, "missing-field", "languages: list at least one language")
	}
	p.langs = s.Languages
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

// keysInOrder returns the value nodes of o in file order with their keys.
func keysInOrder(o *obj) (keys, vals []*yaml.Node) {
	for i := 0; i+1 < len(o.node.Content); i += 2 {
		k := o.node.Content[i]
		if v, ok := o.vals[k.Value]; ok && o.keys[k.Value] == k {
			keys = append(keys, k)
			vals = append(vals, v)
		}
	}
	return keys, vals
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

var varRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,31}$`)

// builtins are the variables every show has.
var builtins = []string{"viewers", "likes"}

func (p *parser) parseVars(s *Show, n *yaml.Node) {
	o := p.object(n, "vars")
	if o == nil {
		return
	}
	keys, vals := keysInOrder(o)
	for i, k := range keys {
		switch {
		case !varRE.MatchString(k.Value):
			p.errorf(k, "bad-id", "variable %q: use lower-case letters, digits and '_'", k.Value)
			continue
		case slices.Contains(builtins, k.Value) || k.Value == "stock":
			p.errorf(k, "reserved-var", "variable %q is built in and cannot be declared", k.Value)
			continue
		}
		v, _ := p.integer(vals[i], "variable "+k.Value, -1<<62)
		s.Vars = append(s.Vars, Var{Name: k.Value, Value: v, Pos: p.pos(k)})
	}
}

func (p *parser) parseProduct(s *Show, n *yaml.Node) {
	o := p.object(n, "product", "sku", "title", "price", "list_price", "currency", "stock", "image", "points")
	if o == nil {
		return
	}
	p.require(o, "product", "sku", "title", "price", "stock")
	pr := Product{Pos: p.pos(n), Currency: "CNY"}
	pr.SKU = p.id(o.get("sku"), "sku", "sku")
	if pr.SKU == "" {
		return
	}
	pr.Title = p.text(o.get("title"), "title of "+pr.SKU)
	pr.Price, _ = p.money(o.get("price"), "price")
	pr.ListPrice, _ = p.money(o.get("list_price"), "list_price")
	if c := o.get("currency"); c != nil {
		cur, _ := p.str(c, "currency")
		if len(cur) != 3 || strings.ToUpper(cur) != cur || !idRE.MatchString(cur) {
			p.errorf(c, "bad-currency", "currency %q is not an ISO 4217 code such as CNY", cur)
		} else {
			pr.Currency = cur
		}
	}
	st, _ := p.integer(o.get("stock"), "stock", 0)
	pr.Stock = int(min(st, 1<<31-1))
	if n := o.get("image"); n != nil {
		pr.Image, _ = p.str(n, "image")
	}
	if n := o.get("points"); n != nil {
		pr.Points = p.strLists(n, "points of "+pr.SKU, "missing-translation", SevError)
	}
	if pr.ListPrice > 0 && pr.Price > pr.ListPrice {
		p.errorf(o.get("price"), "price-above-list", "price %s of %s is above its list price %s", pr.Price, pr.SKU, pr.ListPrice)
	}
	s.Catalog = append(s.Catalog, pr)
}

func (p *parser) parseCoupon(s *Show, n *yaml.Node) {
	o := p.object(n, "coupon", "id", "title", "discount", "min_spend", "count")
	if o == nil {
		return
	}
	p.require(o, "coupon", "id", "title", "discount")
	c := Coupon{Pos: p.pos(n)}
	if c.ID = p.id(o.get("id"), "coupon", "coupon id"); c.ID == "" {
		return
	}
	c.Title = p.text(o.get("title"), "title of coupon "+c.ID)
	c.Discount, _ = p.money(o.get("discount"), "discount")
	c.MinSpend, _ = p.money(o.get("min_spend"), "min_spend")
	cnt, _ := p.integer(o.get("count"), "count", 0)
	c.Count = int(min(cnt, 1<<31-1))
	if c.Discount == 0 && o.has("discount") {
		p.errorf(o.get("discount"), "out-of-range", "coupon %s: discount must be above 0", c.ID)
	}
	if c.MinSpend > 0 && c.Discount >= c.MinSpend {
		p.warnf(o.get("discount"), "coupon-exceeds-spend", "coupon %s takes off %s from a spend of %s", c.ID, c.Discount, c.MinSpend)
	}
	s.Coupons = append(s.Coupons, c)
}

func (p *parser) parseSale(s *Show, n *yaml.Node) {
	o := p.object(n, "sale", "id", "sku", "price", "stock", "duration")
	if o == nil {
		return
	}
	p.require(o, "sale", "id", "sku", "price", "stock", "duration")
	sl := Sale{Pos: p.pos(n)}
	if sl.ID = p.id(o.get("id"), "sale", "sale id"); sl.ID == "" {
		return
	}
	sl.SKU = p.ref(o.get("sku"), "sku")
	sl.Price, _ = p.money(o.get("price"), "sale price")
	st, _ := p.integer(o.get("stock"), "sale stock", 1)
	sl.Stock = int(min(st, 1<<31-1))
	sl.Duration, _ = p.duration(o.get("duration"), "sale duration")
	s.Sales = append(s.Sales, sl)
}

func (p *parser) parseExhibit(s *Show, n *yaml.Node) {
	o := p.object(n, "exhibit", "id", "title", "era", "image", "narration", "options")
	if o == nil {
		return
	}
	p.require(o, "exhibit", "id", "title", "narration")
	e := Exhibit{Pos: p.pos(n)}
	if e.ID = p.id(o.get("id"), "exhibit", "exhibit id"); e.ID == "" {
		return
	}
	e.Title = p.text(o.get("title"), "title of exhibit "+e.ID)
	if n := o.get("era"); n != nil {
		e.Era = p.text(n, "era of exhibit "+e.ID)
	}
	if n := o.get("image"); n != nil {
		e.Image, _ = p.str(n, "image")
	}
	p.each(o.get("narration"), "narration", func(c *yaml.Node) {
		if l := p.parseLine(c, "narration line"); l != nil {
			e.Narration = append(e.Narration, *l)
		}
	})
	optIDs := map[string]bool{}
	p.each(o.get("options"), "options", func(c *yaml.Node) {
		oo := p.object(c, "option", "id", "label", "lines")
		if oo == nil {
			return
		}
		p.require(oo, "option", "id", "label", "lines")
		opt := Option{Pos: p.pos(c)}
		if opt.ID = p.id(oo.get("id"), "", "option id"); opt.ID == "" {
			return
		}
		if optIDs[opt.ID] {
			p.errorf(oo.get("id"), "duplicate-id", "option id %q is repeated in exhibit %s", opt.ID, e.ID)
		}
		optIDs[opt.ID] = true
		opt.Label = p.text(oo.get("label"), "label of option "+opt.ID)
		p.each(oo.get("lines"), "lines", func(c *yaml.Node) {
			if l := p.parseLine(c, "option line"); l != nil {
				opt.Lines = append(opt.Lines, *l)
			}
		})
		e.Options = append(e.Options, opt)
	})
	s.Exhibits = append(s.Exhibits, e)
}

func (p *parser) parseFAQ(s *Show, n *yaml.Node) {
	o := p.object(n, "faq", "id", "match", "answer")
	if o == nil {
		return
	}
	p.require(o, "faq", "id", "match", "answer")
	f := FAQ{Pos: p.pos(n)}
	if f.ID = p.id(o.get("id"), "faq", "faq id"); f.ID == "" {
		return
	}
	f.Match = p.strLists(o.get("match"), "match of faq "+f.ID, "missing-match", SevWarning)
	p.each(o.get("answer"), "answer", func(c *yaml.Node) {
		if l := p.parseLine(c, "answer line"); l != nil {
			f.Answer = append(f.Answer, *l)
		}
	})
	s.FAQ = append(s.FAQ, f)
}

func (p *parser) parseAck(s *Show, n *yaml.Node) {
	o := p.object(n, "ack", "code", "line", "reason")
	if o == nil {
		return
	}
	p.require(o, "ack", "code", "line", "reason")
	a := Ack{Pos: p.pos(n)}
	a.Code, _ = p.str(o.get("code"), "ack code")
	a.LineID = p.ref(o.get("line"), "ack line")
	a.Reason, _ = p.str(o.get("reason"), "ack reason")
	if o.has("reason") && len(strings.TrimSpace(a.Reason)) < 10 {
		p.errorf(o.get("reason"), "ack-reason", "ack of %s on %s: write a reason of at least 10 characters", a.Code, a.LineID)
	}
	s.Acks = append(s.Acks, a)
}

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
		u := p.utterance(vals[i], s)
		if p.nodes == nil {
			p.nodes = map[string]*yaml.Node{}
		}
		p.nodes[l.ID+"\x00"+k.Value] = vals[i]
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
	pos := p.pos(n)
	if n == nil || n.Line < 1 || n.Line > len(p.srcLines) || n.Column < 1 {
		return pos
	}
	raw := p.srcLines[n.Line-1]
	for range n.Column - 1 {
		_, size := utf8.DecodeRuneInString(raw)
		if size == 0 {
			return pos
		}
		raw = raw[size:]
	}
	want, col := n.Value, pos.Col
	switch {
	case n.Style&yaml.DoubleQuotedStyle != 0:
		want, col = `"`+want+`"`, col+1
	case n.Style&yaml.SingleQuotedStyle != 0:
		want, col = "'"+want+"'", col+1
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return pos
	}
	if !strings.HasPrefix(raw, want) {
		return pos
	}
	off = min(max(off, 0), len(n.Value))
	pos.Col = col + utf8.RuneCountInString(n.Value[:off])
	return pos
}

// edit records that bytes were taken out of a text at offset at of the
// stripped text, so positions in it map back to the file.
type edit struct{ at, removed int }

// cueKinds are the actions a cue mark may fire.
var cueKinds = map[string]ActionKind{
	"show": ActShowProduct, "hide": ActHideProduct, "sale": ActSale, "coupon": ActCoupon,
	"focus": ActFocus, "express": ActExpression, "gesture": ActGesture,
}

// utterance strips the cue marks out of s, the value of node n. A cue mark
// is [kind:ref]; "[[" stands for a literal "[".
func (p *parser) utterance(n *yaml.Node, s string) Utterance {
	u := Utterance{Pos: p.pos(n)}
	if p.edits == nil {
		p.edits = map[*yaml.Node][]edit{}
	}
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
			p.edits[n] = append(p.edits[n], edit{at: b.Len(), removed: 1})
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
			p.add(p.textPos(n, i), SevError, "bad-cue", "",
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
		u.Cues = append(u.Cues, Cue{At: b.Len(), Action: Action{Kind: act, Ref: ref}, Pos: p.textPos(n, i)})
		p.edits[n] = append(p.edits[n], edit{at: b.Len(), removed: next - i})
		i = next
	}
	u.Text = b.String()
	return u
}

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

// relinkLines records every line in its final place with its context, in
// file order of the show's sections.
func (p *parser) relinkLines(s *Show) {
	p.lines = p.lines[:0]
	for i := range s.Segments {
		seg := &s.Segments[i]
		for j := range seg.Steps {
			if l := seg.Steps[j].Line; l != nil {
				p.lines = append(p.lines, lineRef{line: l, segment: seg, product: seg.Product, exhibit: seg.Exhibit})
			}
		}
	}
	for i := range s.Exhibits {
		e := &s.Exhibits[i]
		for j := range e.Narration {
			p.lines = append(p.lines, lineRef{line: &e.Narration[j], exhibit: e.ID})
		}
		for j := range e.Options {
			for k := range e.Options[j].Lines {
				p.lines = append(p.lines, lineRef{line: &e.Options[j].Lines[k], exhibit: e.ID})
			}
		}
	}
	for i := range s.FAQ {
		for j := range s.FAQ[i].Answer {
			p.lines = append(p.lines, lineRef{line: &s.FAQ[i].Answer[j]})
		}
	}
	for i := range s.Idle {
		p.lines = append(p.lines, lineRef{line: &s.Idle[i]})
	}
}
