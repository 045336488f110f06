package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// errLintFailed is returned when a script has errors; lint has printed them.
var errLintFailed = errors.New("lint: scripts have errors")

// runLint checks each script file and prints every problem, one per line,
// as file:line:col: severity: code: message.
func runLint(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: avatarcast lint FILE...")
		return errors.New("lint: no files")
	}
	failed := false
	for _, f := range args {
		_, ps := script.ParseFile(f)
		for _, p := range ps {
			fmt.Fprintln(stdout, p.String())
		}
		failed = failed || ps.HasErrors()
	}
	if failed {
		return errLintFailed
	}
	return nil
}
