package script

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Severity says how bad a Problem is.
type Severity int

const (
	// SevError makes a script invalid: it is refused and never played.
	SevError Severity = iota
	// SevWarning is worth fixing but does not stop the script.
	SevWarning
	// SevAck is a lint finding a merchant acknowledged in the script's acks
	// list. It never stops the script and is printed so it stays visible.
	SevAck
)

// String returns "error", "warning" or "ack".
func (s Severity) String() string {
	switch s {
	case SevError:
		return "error"
	case SevWarning:
		return "warning"
	case SevAck:
		return "ack"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// A Problem is one thing wrong with a script, at File:Line:Col (both from 1;
// 0 when the position is unknown). Code is a short kebab-case name such as
// "unknown-sku", stable across versions, so tools and acks can refer to it.
// Rule, when set, names the legal rule a finding is about.
type Problem struct {
	File      string
	Line, Col int
	Severity  Severity
	Code, Msg string
	Rule      string
}

// Pos returns where the problem is.
func (p Problem) Pos() Pos { return Pos{File: p.File, Line: p.Line, Col: p.Col} }

// String formats p as "file:line:col: severity: code: message [rule]".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Pos().String())
	fmt.Fprintf(&b, ": %s: %s: %s", p.Severity, p.Code, p.Msg)
	if p.Rule != "" {
		fmt.Fprintf(&b, " [%s]", p.Rule)
	}
	return b.String()
}

// String formats pos as "file:line:col", leaving out what is unknown.
func (pos Pos) String() string {
	s := pos.File
	if s == "" {
		s = "-"
	}
	if pos.Line > 0 {
		s += fmt.Sprintf(":%d", pos.Line)
		if pos.Col > 0 {
			s += fmt.Sprintf(":%d", pos.Col)
		}
	}
	return s
}

// Problems is a list of problems. Parse returns it sorted by position; it
// is an error value like go/scanner.ErrorList.
type Problems []Problem

// Sort orders ps by file, line, column, then severity, code and message.
func (ps Problems) Sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.File, b.File),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Severity, b.Severity),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}

// HasErrors reports whether any problem has severity SevError.
func (ps Problems) HasErrors() bool {
	return slices.ContainsFunc(ps, func(p Problem) bool { return p.Severity == SevError })
}

// Errors returns the problems of severity SevError, in order.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if p.Severity == SevError {
			out = append(out, p)
		}
	}
	return out
}

// Err returns ps as an error when it holds an error-severity problem, and
// nil otherwise: warnings and acks alone never fail a script.
func (ps Problems) Err() error {
	if !ps.HasErrors() {
		return nil
	}
	return ps
}

// Error summarises the list: the first error and how many more there are.
func (ps Problems) Error() string {
	errs := ps.Errors()
	switch len(errs) {
	case 0:
		if len(ps) == 0 {
			return "no problems"
		}
		return fmt.Sprintf("%d problems, none an error", len(ps))
	case 1:
		return errs[0].String()
	}
	return fmt.Sprintf("%s (and %d more errors)", errs[0], len(errs)-1)
}

// String prints every problem, one per line, each ending in a newline.
func (ps Problems) String() string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.String())
		b.WriteByte('\n')
	}
	return b.String()
}
