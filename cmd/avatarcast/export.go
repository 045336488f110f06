package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/record"
)

// runExport writes a room's record between two times: avatarcast export
// -room R -from T1 -to T2, against NATS at -nats-url or from a stopped
// serve's data directory (-data), as NDJSON or a transcript, to stdout or
// -o. Progress goes to stderr.
func runExport(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("export", getenv, stderr)
	room := f.string("room", "", "room whose record to export (required)")
	fromS := f.string("from", "", "start of the window, RFC 3339 (default: three years ago)")
	toS := f.string("to", "", "end of the window, RFC 3339, excluded (default: now)")
	format := f.string("format", record.FormatNDJSON, "ndjson (every event, one a line) or transcript (readable)")
	out := f.string("o", "", "write to this file instead of standard output")
	data := f.string("data", "", "read a stopped serve's data directory (its embedded NATS store) instead of -nats-url")
	natsURL := f.string("nats-url", "", "NATS server URL to read the record from")
	role := f.string("nats-role", string(bus.RoleAPI), "the NATS role the credentials are for (api reads the record; see README, On a NATS cluster)")
	auth := natsAuthFlags(f)
	quiet := f.fs.Bool("q", false, "no progress on stderr")
	if err := f.parse(args); err != nil {
		return err
	}
	id, err := avatar.ParseRoomID(*room)
	if err != nil {
		return fmt.Errorf("export: -room: %w", err)
	}
	now := time.Now()
	from, to := now.Add(-bus.DefaultRecordsMaxAge), now
	if *fromS != "" {
		if from, err = time.Parse(time.RFC3339Nano, *fromS); err != nil {
			return fmt.Errorf("export: -from %q: want RFC 3339, like 2026-12-04T09:00:00Z", *fromS)
		}
	}
	if *toS != "" {
		if to, err = time.Parse(time.RFC3339Nano, *toS); err != nil {
			return fmt.Errorf("export: -to %q: want RFC 3339, like 2026-12-04T10:00:00Z", *toS)
		}
	}
	if !from.Before(to) {
		return fmt.Errorf("export: -from %s is not before -to %s", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	fmtName, err := record.ParseFormat(*format)
	if err != nil {
		return fmt.Errorf("export: -%w", err)
	}
	cfg := bus.Config{Name: "avatarcast-export", ReadOnly: true}
	switch {
	case *data != "" && *natsURL != "":
		return errors.New("export: give -data or -nats-url, not both")
	case *data != "":
		if _, err := os.Stat(*data); err != nil {
			return fmt.Errorf("export: -data: %w", err)
		}
		cfg.DataDir = *data // an embedded server on the store, not listening
	case *natsURL != "":
		cfg.URL, cfg.Role, cfg.Auth = *natsURL, bus.Role(*role), auth.auth()
	default:
		return errors.New("export: give -nats-url or -data")
	}
	log, err := newLogger(stderr, "warn", "console")
	if err != nil {
		return err
	}
	b, err := bus.Open(ctx, cfg, log)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	defer b.Close()
	w := stdout
	if *out != "" {
		file, err := os.Create(*out)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer file.Close()
		w = file
	}
	q := record.Query{Room: id, From: from, To: to, Format: fmtName}
	start := time.Now()
	if !*quiet {
		q.Progress = func(n int, last time.Time) {
			if n == 0 {
				return
			}
			fmt.Fprintf(stderr, "export: %d events, up to %s\n", n, last.UTC().Format(avatar.TimeLayout))
		}
	}
	n, err := record.Export(ctx, b, w, q)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if !*quiet {
		el := time.Since(start)
		fmt.Fprintf(stderr, "export: room %s: %d events in %v (%.0f events/s)\n", id, n, el.Round(time.Millisecond), float64(n)/max(el.Seconds(), 1e-9))
	}
	if file, ok := w.(*os.File); ok && *out != "" {
		if err := file.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	return nil
}
