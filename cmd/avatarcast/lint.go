package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// errLintFailed is returned by runLint when a script has an error-severity
// problem, so that main exits 1; the problems themselves are already printed.
var errLintFailed = errors.New("lint: scripts have errors")

// runLint checks the show scripts named in args (files, or directories whose
// *.yaml and *.yml files are checked) and prints every problem to stdout,
// one per line as file:line:col: severity: code: message, sorted. A summary
// goes to stderr. It returns errLintFailed when any problem is an error;
// warnings and acknowledged findings alone return nil.
func runLint(args []string, stdout, stderr io.Writer) error {
	return runLintAt(args, time.Now, stdout, stderr)
}

// runLintAt is runLint with licences checked at now().
func runLintAt(args []string, now func() time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	personas := fs.String("personas", "", "a personas file (configs/personas.yaml): a script must name one of its personas, whose licence must cover the show's use; or comma-separated persona IDs a script may name (default: any)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: avatarcast lint [-personas FILE|a,b] file.yaml|dir ...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("lint: no script given")
	}
	var cfg script.Config
	var known map[string]avatar.Persona // from a personas file, whose licences are checked
	if *personas != "" {
		if st, err := os.Stat(*personas); err == nil && !st.IsDir() {
			if known, err = loadPersonas(*personas); err != nil {
				return fmt.Errorf("lint: %w", err)
			}
			cfg.Personas = slices.Sorted(maps.Keys(known))
		} else {
			cfg.Personas = strings.Split(*personas, ",")
		}
	}
	var (
		probs script.Problems
		files int
		shows []*script.Show
	)
	for _, arg := range fs.Args() {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			ss, ps := cfg.LoadDir(arg)
			shows = append(shows, ss...)
			probs = append(probs, ps...)
			yaml, _ := filepath.Glob(filepath.Join(arg, "*.yaml"))
			yml, _ := filepath.Glob(filepath.Join(arg, "*.yml"))
			files += len(yaml) + len(yml)
			continue
		}
		s, ps := cfg.ParseFile(arg)
		if s != nil {
			shows = append(shows, s)
		}
		probs = append(probs, ps...)
		files++
	}
	if known != nil {
		probs = append(probs, personaProblems(shows, known, now())...)
	}
	probs.Sort()
	if _, err := io.WriteString(stdout, probs.String()); err != nil {
		return fmt.Errorf("lint: %w", err)
	}
	var errs, warns, acks int
	for _, p := range probs {
		switch p.Severity {
		case script.SevError:
			errs++
		case script.SevWarning:
			warns++
		case script.SevAck:
			acks++
		}
	}
	fmt.Fprintf(stderr, "%d files: %d errors, %d warnings, %d acknowledged\n", files, errs, warns, acks)
	if errs > 0 {
		return errLintFailed
	}
	return nil
}

// personaProblems checks that each show's persona (known, from a personas
// file) may present it at now: an AI disclosure, and a real person's face
// or voice covered by the persona's own licence for the show's use. Each
// problem is at the show's persona: key. Merchants' own licences live in
// the merchant API, which checks them again when a room starts.
func personaProblems(shows []*script.Show, known map[string]avatar.Persona, now time.Time) script.Problems {
	var out script.Problems
	for _, s := range shows {
		p, ok := known[s.Persona]
		if !ok {
			continue // the parser reported unknown-persona
		}
		err := p.CheckSynthetic()
		if err == nil {
			_, err = p.CheckLicence(string(s.Kind), now, nil)
		}
		if err == nil {
			continue
		}
		at := s.PersonaPos
		if at.Line == 0 {
			at = s.Pos
		}
		out = append(out, script.Problem{File: at.File, Line: at.Line, Col: at.Col, Severity: script.SevError,
			Code: "persona-unlicensed", Msg: err.Error()})
	}
	return out
}
