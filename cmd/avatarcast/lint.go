package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	personas := fs.String("personas", "", "comma-separated persona IDs a script may name (default: any)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: avatarcast lint [-personas a,b] file.yaml|dir ...")
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
	if *personas != "" {
		cfg.Personas = strings.Split(*personas, ",")
	}
	var (
		probs script.Problems
		files int
	)
	for _, arg := range fs.Args() {
		if st, err := os.Stat(arg); err == nil && st.IsDir() {
			_, ps := cfg.LoadDir(arg)
			probs = append(probs, ps...)
			yaml, _ := filepath.Glob(filepath.Join(arg, "*.yaml"))
			yml, _ := filepath.Glob(filepath.Join(arg, "*.yml"))
			files += len(yaml) + len(yml)
			continue
		}
		_, ps := cfg.ParseFile(arg)
		probs = append(probs, ps...)
		files++
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
