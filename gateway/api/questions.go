package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// defaultQuestionsLimit is how many questions a listing returns unless
// the request asks (up to bus.MaxQuestionsList).
const defaultQuestionsLimit = 50

// listQuestions returns the questions no FAQ entry matched in one of the
// merchant's rooms, newest first:
// GET /api/v1/rooms/{room}/questions?answered=fallback,refused&before=&limit=.
// unanswered=1 is answered=fallback,refused: the questions neither the
// script nor the model answered. Another merchant's room is 404, as a
// missing one.
func (a *API) listQuestions(w http.ResponseWriter, r *http.Request) {
	rm, _, ok := a.ownRoom(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	var ps []Problem
	query := bus.QuestionQuery{Limit: defaultQuestionsLimit}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > bus.MaxQuestionsList {
			ps = append(ps, fieldProblem("limit", "bad-limit", "limit must be a whole number from 1 to %d, not %q", bus.MaxQuestionsList, s))
		}
		query.Limit = n
	}
	if s := q.Get("before"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			ps = append(ps, fieldProblem("before", "bad-time", "before must be an RFC 3339 time such as 2026-12-04T09:00:00Z, not %q", s))
		}
		query.Before = t
	}
	answers := []string{avatar.AnsweredFallback, avatar.AnsweredModel, avatar.AnsweredRefused}
	if s := q.Get("answered"); s != "" {
		for _, v := range strings.Split(s, ",") {
			if !slices.Contains(answers, v) {
				ps = append(ps, fieldProblem("answered", "bad-answered", "answered must be a comma-separated list of %s, not %q", strings.Join(answers, ", "), v))
				continue
			}
			query.Answered = append(query.Answered, v)
		}
	}
	switch q.Get("unanswered") {
	case "", "0", "false":
	case "1", "true":
		if q.Get("answered") != "" {
			ps = append(ps, fieldProblem("unanswered", "bad-unanswered", "give unanswered or answered, not both"))
		}
		query.Answered = []string{avatar.AnsweredFallback, avatar.AnsweredRefused}
	default:
		ps = append(ps, fieldProblem("unanswered", "bad-unanswered", "unanswered must be 1 or 0, not %q", q.Get("unanswered")))
	}
	if len(ps) > 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", ps[0].Message, ps...)
		return
	}
	qs, err := a.bus.Questions(r.Context(), rm.Merchant, rm.ID, query)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if qs == nil {
		qs = []avatar.Question{}
	}
	body := map[string]any{"questions": qs}
	if len(qs) == query.Limit {
		// The next page: asked before the oldest of this one.
		body["next_before"] = qs[len(qs)-1].Asked.Format(time.RFC3339Nano)
	}
	a.writeJSON(w, http.StatusOK, body)
}
