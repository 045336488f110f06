package script

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// The restricted terms are data, with their sources: claims/LANG.yaml.
//
//go:embed claims/*.yaml
var claimFiles embed.FS

// A termGroup is a set of restricted phrases with one code, rule and
// reason (see the header of claims/zh.yaml).
type termGroup struct {
	Code         string   `yaml:"code"`
	Rule         string   `yaml:"rule"`
	Reason       string   `yaml:"reason"`
	Source       string   `yaml:"source"`
	Terms        []string `yaml:"terms"`
	Pattern      string   `yaml:"pattern"`
	Pre          []string `yaml:"pre"`
	UnlessAt     []string `yaml:"unless_at"`
	UnlessAfter  []string `yaml:"unless_after"`
	UnlessBefore []string `yaml:"unless_before"`
	UnlessIn     string   `yaml:"unless_in"`

	re, unlessIn *regexp.Regexp
}

// A ruleSet is the terms of one language, indexed for a single pass over
// a text.
type ruleSet struct {
	Lang   string       `yaml:"lang"`
	Groups []*termGroup `yaml:"groups"`

	patterns []*termGroup
	first    map[rune][]termRef // literal terms by their first (lower-case) rune, longest first
	bits     [1 << 10]uint64    // first runes in the BMP, to skip the map for most runes
}

type termRef struct {
	term        string // lower case
	g           *termGroup
	left, right bool // check a word boundary on that side
}

// claimRules are the rule sets by language (zh, en, fr).
var claimRules = mustLoadRules(claimFiles)

// mustLoadRules loads the embedded rule sets; a mistake in them is a
// programming error that TestClaimRulesLoad reports.
func mustLoadRules(fsys fs.FS) map[string]*ruleSet {
	rules, err := loadRules(fsys)
	if err != nil {
		panic(err)
	}
	return rules
}

func loadRules(fsys fs.FS) (map[string]*ruleSet, error) {
	names, err := fs.Glob(fsys, "claims/*.yaml")
	if err != nil {
		return nil, err
	}
	out := map[string]*ruleSet{}
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("script: read claim rules %s: %w", name, err)
		}
		rs, err := parseRules(src)
		if err != nil {
			return nil, fmt.Errorf("script: claim rules %s: %w", name, err)
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); rs.Lang != want {
			return nil, fmt.Errorf("script: claim rules %s: lang %q, want %q", name, rs.Lang, want)
		}
		out[rs.Lang] = rs
	}
	return out, nil
}

func parseRules(src []byte) (*ruleSet, error) {
	var rs ruleSet
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&rs); err != nil {
		return nil, err
	}
	rs.first = map[rune][]termRef{}
	for i, g := range rs.Groups {
		where := fmt.Sprintf("group %d (%s)", i+1, g.Reason)
		switch {
		case g.Code != "absolute-claim" && g.Code != "medical-claim":
			return nil, fmt.Errorf("%s: code %q is not absolute-claim or medical-claim", where, g.Code)
		case g.Rule == "" || g.Reason == "" || g.Source == "":
			return nil, fmt.Errorf("%s: rule, reason and source are required", where)
		case (len(g.Terms) > 0) == (g.Pattern != ""):
			return nil, fmt.Errorf("%s: give either terms or a pattern", where)
		case g.Pattern != "" && len(g.Pre) == 0:
			return nil, fmt.Errorf("%s: a pattern needs pre words", where)
		}
		var err error
		if g.Pattern != "" {
			if g.re, err = regexp.Compile(g.Pattern); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			for j, p := range g.Pre {
				g.Pre[j] = strings.ToLower(p)
			}
			rs.patterns = append(rs.patterns, g)
		}
		if g.UnlessIn != "" {
			if g.unlessIn, err = regexp.Compile(g.UnlessIn); err != nil {
				return nil, fmt.Errorf("%s: unless_in: %w", where, err)
			}
		}
		for j := range g.UnlessAt {
			g.UnlessAt[j] = strings.ToLower(g.UnlessAt[j])
		}
		for j := range g.UnlessAfter {
			g.UnlessAfter[j] = strings.ToLower(g.UnlessAfter[j])
		}
		for j := range g.UnlessBefore {
			g.UnlessBefore[j] = strings.ToLower(g.UnlessBefore[j])
		}
		for _, t := range g.Terms {
			lt := lowerSameLen(strings.TrimSpace(t))
			if lt == "" {
				return nil, fmt.Errorf("%s: empty term", where)
			}
			r, _ := utf8.DecodeRuneInString(lt)
			last, _ := utf8.DecodeLastRuneInString(lt)
			rs.first[r] = append(rs.first[r], termRef{term: lt, g: g, left: isWordRune(r) && !IsCJK(r), right: isWordRune(last) && !IsCJK(last)})
			if r < 1<<16 {
				rs.bits[r>>6] |= 1 << (r & 63)
			}
		}
	}
	for r, ts := range rs.first {
		slices.SortStableFunc(ts, func(a, b termRef) int { return len(b.term) - len(a.term) })
		rs.first[r] = ts
	}
	return &rs, nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// harmless reports whether the match [start,end) is one of the group's
// exceptions. lower is text lower-cased with the same offsets.
func (g *termGroup) harmless(text, lower string, start, end int) bool {
	at, after, before := lower[start:], lower[end:], lower[:start]
	if slices.ContainsFunc(g.UnlessAt, func(s string) bool { return strings.HasPrefix(at, s) }) ||
		slices.ContainsFunc(g.UnlessAfter, func(s string) bool { return strings.HasPrefix(after, s) }) ||
		slices.ContainsFunc(g.UnlessBefore, func(s string) bool { return strings.HasSuffix(before, s) }) {
		return true
	}
	if g.unlessIn != nil {
		for _, s := range g.unlessIn.FindAllStringIndex(text, -1) {
			if s[0] <= start && end <= s[1] {
				return true
			}
		}
	}
	return false
}

func (g *termGroup) claim(text string, start, end int) Claim {
	phrase := text[start:end]
	trimmed := strings.TrimLeft(phrase, " ")
	start += len(phrase) - len(trimmed)
	return Claim{At: start, Phrase: strings.TrimSpace(trimmed), Code: g.Code, Reason: g.Reason, Rule: g.Rule}
}

// find appends the claims of one rule set in text to out.
func (rs *ruleSet) find(text, lower string, out []Claim) []Claim {
	for i := 0; i < len(lower); {
		r, size := rune(lower[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(lower[i:])
		}
		if r >= 1<<16 || rs.bits[r>>6]&(1<<(r&63)) != 0 {
			for _, t := range rs.first[r] {
				end := i + len(t.term)
				if !strings.HasPrefix(lower[i:], t.term) ||
					t.left && i > 0 && isWordRune(lastRune(lower[:i])) ||
					t.right && end < len(lower) && isWordRune(firstRune(lower[end:])) ||
					t.g.harmless(text, lower, i, end) {
					continue
				}
				out = append(out, t.g.claim(text, i, end))
				break
			}
		}
		i += size
	}
	for _, g := range rs.patterns {
		if !slices.ContainsFunc(g.Pre, func(s string) bool { return strings.Contains(lower, s) }) {
			continue
		}
		for _, m := range g.re.FindAllStringIndex(text, -1) {
			if !g.harmless(text, lower, m[0], m[1]) {
				out = append(out, g.claim(text, m[0], m[1]))
			}
		}
	}
	return out
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// claimLangs returns the rule sets a line in lang is checked with, and
// whether lang has rules of its own. Chinese rules run on every line (Han
// words cannot be mistaken for another language's), and English ones on
// Chinese lines, as livestreams mix the two.
func claimLangs(lang string) (sets []*ruleSet, checked bool) {
	base, _, _ := strings.Cut(strings.ToLower(lang), "-")
	switch base {
	case "zh":
		return []*ruleSet{claimRules["zh"], claimRules["en"]}, true
	case "en":
		return []*ruleSet{claimRules["en"], claimRules["zh"]}, true
	case "fr":
		return []*ruleSet{claimRules["fr"], claimRules["zh"]}, true
	}
	return []*ruleSet{claimRules["zh"], claimRules["en"]}, false
}

// ClaimsChecked reports whether the claim checker has rules of its own
// for lang (a BCP 47 tag: zh-CN, en, fr-FR). For other languages
// FindClaimsIn still looks for Chinese and English phrases.
func ClaimsChecked(lang string) bool {
	_, ok := claimLangs(lang)
	return ok
}

// FindClaims returns the restricted claims in text, in order, without
// overlaps, looking for the phrases of every language the checker knows
// (Chinese, English, French): for text whose language is unknown, such as
// a viewer's name.
func FindClaims(text string) []Claim {
	return findClaims(text, []*ruleSet{claimRules["zh"], claimRules["en"], claimRules["fr"]})
}

// FindClaimsIn returns the restricted claims in text written in lang, in
// order, without overlaps: lang's own phrases, and Chinese ones (and
// English ones in a Chinese line), since mixed text is common in
// livestreams.
func FindClaimsIn(text, lang string) []Claim {
	sets, _ := claimLangs(lang)
	return findClaims(text, sets)
}

func findClaims(text string, sets []*ruleSet) []Claim {
	lower := lowerSameLen(text)
	var out []Claim
	for _, rs := range sets {
		out = rs.find(text, lower, out)
	}
	// In order; at one place the longest first.
	slices.SortFunc(out, func(a, b Claim) int {
		if a.At != b.At {
			return a.At - b.At
		}
		return len(b.Phrase) - len(a.Phrase)
	})
	// Drop a claim that starts inside an earlier one (史上最低 and 最低).
	var kept []Claim
	end := -1
	for _, c := range out {
		if c.At < end {
			continue
		}
		kept = append(kept, c)
		end = c.At + len(c.Phrase)
	}
	return kept
}
