package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// auditScanMax bounds the records one filtered audit request reads; past it
// the answer stops early with a next link to go on from.
const auditScanMax = 5000

// audit answers the merchant's audit records, newest first: ?limit=N (1-500,
// default 50) and ?before=SEQ to page on from a record's seq; ?target=ID
// keeps the records of one room or script, ?action=A those whose action is
// A ("room.start") or starts with A and a dot ("control" for every control).
func (a *API) auditLog(w http.ResponseWriter, r *http.Request) {
	limit, before := 50, uint64(0)
	q := r.URL.Query()
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			p := fieldProblem("limit", "bad-limit", "limit must be 1-500, not %q", s)
			a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
			return
		}
		limit = n
	}
	if s := q.Get("before"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			p := fieldProblem("before", "bad-before", "before must be a record's seq, not %q", s)
			a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
			return
		}
		before = n
	}
	target, action := q.Get("target"), q.Get("action")
	if target != "" && !idRE.MatchString(target) {
		p := fieldProblem("target", "bad-target", "target must be a room or script ID (1-64 of A-Z a-z 0-9 _ -), not %q", target)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	if len(action) > 64 || strings.ContainsFunc(action, func(c rune) bool { return c != '.' && c != '_' && c != '-' && (c < 'a' || c > 'z') }) {
		p := fieldProblem("action", "bad-action", "action must be an action such as room.start or a prefix such as control, not %q", action)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	keep := func(rec bus.AuditRecord) bool {
		return (target == "" || rec.Target == target) &&
			(action == "" || rec.Action == action || strings.HasPrefix(rec.Action, action+"."))
	}
	recs := []bus.AuditRecord{}
	more := false // there may be older records to page on to
	for scanned := 0; ; {
		page, err := a.bus.AuditLog(r.Context(), merchantOf(r), before, limit)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		scanned += len(page)
		for _, rec := range page {
			if len(recs) == limit {
				break
			}
			before = rec.Seq
			if keep(rec) {
				recs = append(recs, rec)
			}
		}
		more = len(page) == limit && before > 1
		if len(recs) == limit || !more || scanned >= auditScanMax {
			break
		}
	}
	out := map[string]any{"records": recs}
	if more {
		v := url.Values{"limit": {strconv.Itoa(limit)}, "before": {strconv.FormatUint(before, 10)}}
		if target != "" {
			v.Set("target", target)
		}
		if action != "" {
			v.Set("action", action)
		}
		out["next"] = "/api/v1/audit?" + v.Encode()
	}
	a.writeJSON(w, http.StatusOK, out)
}
