package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// flags is a command's flag set where every flag has an environment twin:
// -nats-url is AVATARCAST_NATS_URL. A flag given on the command line wins
// over its variable, which wins over the default.
type flags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	envErr error // a bad environment value, reported by parse
}

func newFlags(name string, getenv func(string) string, stderr io.Writer) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return &flags{fs: fs, getenv: getenv}
}

func envName(flagName string) string {
	return "AVATARCAST_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) string(name, def, usage string) *string {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	return f.fs.String(name, def, fmt.Sprintf("%s (env %s)", usage, envName(name)))
}

// secret is a string flag whose environment value is never shown as its
// default in -h output (passwords, tokens).
func (f *flags) secret(name, usage string) *string {
	p := f.fs.String(name, "", fmt.Sprintf("%s (env %s; prefer the variable: a command line is visible to other users)", usage, envName(name)))
	if v := f.getenv(envName(name)); v != "" {
		*p = v
	}
	return p
}

func (f *flags) int(name string, def int, usage string) *int {
	p := new(int)
	*p = def
	f.fs.Var(intValue{p}, name, fmt.Sprintf("%s (env %s)", usage, envName(name)))
	if v := f.getenv(envName(name)); v != "" {
		if err := f.fs.Set(name, v); err != nil {
			f.envErr = fmt.Errorf("%s=%q: %w", envName(name), v, err)
		}
	}
	return p
}

func (f *flags) duration(name string, def time.Duration, usage string) *time.Duration {
	p := f.fs.Duration(name, def, fmt.Sprintf("%s (env %s)", usage, envName(name)))
	if v := f.getenv(envName(name)); v != "" {
		if err := f.fs.Set(name, v); err != nil {
			f.envErr = fmt.Errorf("%s=%q: %w", envName(name), v, err)
		}
	}
	return p
}

func (f *flags) bool(name string, def bool, usage string) *bool {
	p := f.fs.Bool(name, def, fmt.Sprintf("%s (env %s)", usage, envName(name)))
	if v := f.getenv(envName(name)); v != "" {
		if err := f.fs.Set(name, v); err != nil {
			f.envErr = fmt.Errorf("%s=%q: %w", envName(name), v, err)
		}
	}
	return p
}

// value is a flag of its own type (v's Set checks it) with an environment
// twin.
func (f *flags) value(name string, v flag.Value, usage string) {
	f.fs.Var(v, name, fmt.Sprintf("%s (env %s)", usage, envName(name)))
	if s := f.getenv(envName(name)); s != "" {
		if err := f.fs.Set(name, s); err != nil {
			f.envErr = fmt.Errorf("%s=%q: %w", envName(name), s, err)
		}
	}
}

type intValue struct{ p *int }

func (v intValue) String() string {
	if v.p == nil {
		return "0"
	}
	return strconv.Itoa(*v.p)
}

func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("not a whole number")
	}
	*v.p = n
	return nil
}

func (f *flags) parse(args []string) error {
	if f.envErr != nil {
		return f.envErr
	}
	return f.fs.Parse(args)
}

// newLogger returns a logger writing to w at level ("debug", "info", "warn",
// "error") in format "console" or "json".
func newLogger(w io.Writer, level, format string) (*zap.Logger, error) {
	var lvl zapcore.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level %q: %w", level, err)
	}
	ec := zap.NewProductionEncoderConfig()
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch format {
	case "json":
		enc = zapcore.NewJSONEncoder(ec)
	case "console":
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	default:
		return nil, fmt.Errorf("-log-format %q: want console or json", format)
	}
	ws := zapcore.AddSync(w)
	if f, ok := w.(*os.File); ok {
		ws = zapcore.Lock(f)
	}
	return zap.New(zapcore.NewCore(enc, ws, lvl)), nil
}
