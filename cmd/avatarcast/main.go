// Command avatarcast runs virtual presenter rooms: AI avatars that host
// livestream sales and guide museum visitors.
//
//	avatarcast serve      everything in one process, with an embedded NATS server
//	avatarcast gateway    the viewer gateway, against an external NATS
//	avatarcast director   the show director, against an external NATS
//	avatarcast lint F...  check show scripts, one problem per line
//	avatarcast export     write a room's record (NDJSON or a transcript)
//	avatarcast health URL exit 0 if URL answers 2xx (a container healthcheck)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := run(context.Background(), os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, errLintFailed) && !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "avatarcast:", err)
		}
		os.Exit(1)
	}
}

const usage = `usage: avatarcast <command> [flags]

commands:
  serve      run everything in one process with an embedded NATS server
  gateway    run the viewer gateway against NATS at -nats-url
  director   run the show director against NATS at -nats-url
  lint       check show script files: avatarcast lint FILE...
  export     write a room's record: avatarcast export -room R -from T1 -to T2 (-nats-url URL | -data DIR)
  health     exit 0 if a URL answers 2xx: avatarcast health http://127.0.0.1:8080/readyz

Run 'avatarcast <command> -h' for a command's flags.
`

// run is the whole program; main only passes in what it gets from the OS,
// so tests run it too. It returns when the command is done or ctx ends (or a
// first SIGINT/SIGTERM arrives: a second one kills the process).
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command")
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// After the first signal, restore the default so a second one exits.
		<-ctx.Done()
		stop()
	}()
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "gateway":
		return runGateway(ctx, rest, getenv, stdout, stderr)
	case "director":
		return runDirector(ctx, rest, getenv, stderr)
	case "lint":
		return runLint(rest, stdout, stderr)
	case "export":
		return runExport(ctx, rest, getenv, stdout, stderr)
	case "health":
		return runHealth(ctx, rest, getenv, stdout, stderr)
	case "loadgen":
		return runLoadgen(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
