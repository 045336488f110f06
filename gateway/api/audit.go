package api

import (
	"net/http"
	"strconv"

	"github.com/avatarcast/avatarcast/avatar/bus"
)

// audit answers the merchant's audit records, newest first: ?limit=N (1-500,
// default 50) and ?before=SEQ to page on from a record's seq.
func (a *API) audit(w http.ResponseWriter, r *http.Request) {
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
	recs, err := a.bus.AuditLog(r.Context(), merchantOf(r), before, limit)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if recs == nil {
		recs = []bus.AuditRecord{}
	}
	out := map[string]any{"records": recs}
	if len(recs) == limit && recs[len(recs)-1].Seq > 1 {
		out["next"] = "/api/v1/audit?limit=" + strconv.Itoa(limit) + "&before=" + strconv.FormatUint(recs[len(recs)-1].Seq, 10)
	}
	a.writeJSON(w, http.StatusOK, out)
}
