package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/record"
)

// recordWriteWindow is how long one batch of an export may take to reach
// the client: each flushed batch moves the response's write deadline this
// far, so a long export is not cut by the server's whole-response timeout
// while a stalled client still is.
const recordWriteWindow = time.Minute

// getRecord streams the record of one of the merchant's rooms:
// GET /api/v1/rooms/{room}/record?from=&to=&format=ndjson|transcript.
// from and to are RFC 3339 (defaults: the record's retention ago, and
// now). Another merchant's room is 404, as a missing one.
func (a *API) getRecord(w http.ResponseWriter, r *http.Request) {
	rm, _, ok := a.ownRoom(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	now := a.cfg.Now()
	from, to := now.Add(-bus.DefaultRecordsMaxAge), now
	var ps []Problem
	parse := func(name string, into *time.Time) {
		s := q.Get(name)
		if s == "" {
			return
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			ps = append(ps, fieldProblem(name, "bad-time", "%s must be an RFC 3339 time such as 2026-12-04T09:00:00Z, not %q", name, s))
			return
		}
		*into = t
	}
	parse("from", &from)
	parse("to", &to)
	if len(ps) == 0 && !from.Before(to) {
		ps = append(ps, fieldProblem("to", "bad-window", "to must be after from"))
	}
	format, err := record.ParseFormat(q.Get("format"))
	if err != nil {
		ps = append(ps, fieldProblem("format", "bad-format", "format must be %s or %s, not %q", record.FormatNDJSON, record.FormatTranscript, q.Get("format")))
	}
	if len(ps) > 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", ps[0].Message, ps...)
		return
	}
	ext := ".ndjson"
	w.Header().Set("Content-Type", "application/x-ndjson")
	if format == record.FormatTranscript {
		ext = ".txt"
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	// The file names the room and the window, as the console's download.
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="record-%s-%s-%s%s"`, rm.ID, from.UTC().Format("20060102T150405Z"), to.UTC().Format("20060102T150405Z"), ext))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	sw := &streamWriter{w: w, rc: http.NewResponseController(w)}
	sw.extend()
	n, err := record.Export(r.Context(), a.bus, sw, record.Query{Room: rm.ID, From: from, To: to, Format: format})
	if err != nil && !errors.Is(err, r.Context().Err()) {
		// The status is sent; the export's last line says it failed.
		a.log.Error("record export failed", zap.String("request_id", requestID(r)), zap.String("room", string(rm.ID)), zap.Int("events", n), zap.Error(err))
	}
}

// streamWriter is the response of a streamed export: each Flush sends
// what is buffered and gives the next batch recordWriteWindow more.
type streamWriter struct {
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *streamWriter) Write(p []byte) (int, error) { return s.w.Write(p) }

func (s *streamWriter) Flush() {
	_ = s.rc.Flush()
	s.extend()
}

func (s *streamWriter) extend() {
	_ = s.rc.SetWriteDeadline(time.Now().Add(recordWriteWindow)) // not every ResponseWriter can
}

// recordRoute is the route of getRecord.
const recordRoute = "GET /api/v1/rooms/{room}/record"
