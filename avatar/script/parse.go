package script

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
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

// LoadFiles is LoadDir that also returns each show's file and source, with
// the default Config. See Config.LoadFiles.
func LoadFiles(dir string) ([]File, Problems) {
	var c Config
	return c.LoadFiles(dir)
}

// Parse is like the package-level Parse, with c's settings.
func (c *Config) Parse(file string, src []byte) (*Show, Problems) {
	p := &parser{cfg: c, file: file, srcLines: strings.Split(string(src), "\n")}
	show := p.parse(src)
	if show != nil {
		// The checks need only the tree: what they report goes after
		// the parser's problems, in the order they find it.
		p.probs = append(p.probs, checkShow(c, show)...)
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
// first is kept. A file that cannot be read is a read-error problem.
func (c *Config) LoadDir(dir string) ([]*Show, Problems) {
	files, probs := c.LoadFiles(dir)
	shows := make([]*Show, len(files))
	for i, f := range files {
		shows[i] = f.Show
	}
	return shows, probs
}

// A File is a script file LoadFiles read, with the show parsed from it.
type File struct {
	Path string // the file's name joined to the directory's
	Src  []byte // the file's content
	Show *Show
}

// LoadFiles is like LoadDir and returns, for each show it keeps, the file
// it was parsed from and its source too.
func (c *Config) LoadFiles(dir string) ([]File, Problems) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, Problems{{File: dir, Severity: SevError, Code: "read-error", Msg: err.Error()}}
	}
	var (
		files []File
		probs Problems
		seen  = map[string]Pos{}
	)
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		src, err := os.ReadFile(path)
		if err != nil {
			probs = append(probs, Problem{File: path, Severity: SevError, Code: "read-error", Msg: err.Error()})
			continue
		}
		s, ps := c.Parse(path, src)
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
		files = append(files, File{Path: path, Src: src, Show: s})
	}
	probs.Sort()
	return files, probs
}

// parser holds the state of one Parse call. It turns the YAML node tree
// into a Show and reports what is wrong with its structure; what it learns
// of positions inside texts it leaves in the Show (positions) for the
// checks that follow.
type parser struct {
	cfg   *Config
	file  string
	probs Problems
	langs []string // the show's languages, to check per-language keys

	srcLines []string // the source, to map offsets in a text to columns

	ids map[string]map[string]Pos // namespace → id → first definition
	at  *positions                // the Show's positions, filled as lines are parsed
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
		"coupons", "sales", "segments", "exhibits", "faq", "idle", "acks", "ai", "thanks")
	if o == nil {
		return nil
	}
	p.require(o, "show", "id", "kind", "title", "persona", "languages", "segments")
	p.at = &positions{}
	s := &Show{Pos: p.pos(root), at: p.at}
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
	p.parseFAQSection(s, o.get("faq"))
	p.parseAI(s, o.get("ai"))
	p.each(o.get("idle"), "idle", func(n *yaml.Node) {
		if l := p.parseLine(n, "idle line"); l != nil {
			s.Idle = append(s.Idle, *l)
		}
	})
	p.parseThanks(s, o.get("thanks"))
	p.each(o.get("acks"), "acks", func(n *yaml.Node) { p.parseAck(s, n) })
	return s
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
		p.at.addLang(l, p.pos(c))
	})
	if n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		p.errorf(n, "missing-field", "languages: list at least one language")
	}
	p.langs = s.Languages
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
	if o.has("reason") && !AckReasonOK(a.Reason) {
		p.errorf(o.get("reason"), "ack-reason", "ack of %s on %s: write a reason of at least %d characters", a.Code, a.LineID, MinAckReason)
	}
	s.Acks = append(s.Acks, a)
}
