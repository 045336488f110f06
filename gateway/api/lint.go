package api

import (
	"net/http"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// lintScript checks a script exactly as storing it would (parse, validate,
// lint, acknowledgements, the persona's licence) and stores nothing:
// POST /api/v1/lint, body the script as YAML or JSON, ?id= to name the file
// in problems. A script with errors is still 200: the answer is the check.
// The console calls it as the merchant types.
func (a *API) lintScript(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	if id != "" && !idRE.MatchString(id) {
		p := fieldProblem("id", "bad-id", "id must be 1-64 of A-Z a-z 0-9 _ -, not %q", id)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	if id == "" {
		id = "script"
	}
	src, _, ok := a.readScript(w, r)
	if !ok {
		return
	}
	parse, err := a.parserFor(r.Context(), merchantOf(r))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	show, probs := parse.Parse(scriptFile(id), src)
	out := scriptProblems(probs)
	if show != nil {
		pr, err := a.personaProblem(r.Context(), merchantOf(r), show)
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if pr != nil {
			out = append([]Problem{*pr}, out...)
		}
	}
	errs := 0
	for _, p := range out {
		if p.Severity == script.SevError.String() {
			errs++
		}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"ok": errs == 0, "errors": errs, "problems": out})
}
