package api

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// lintScript checks a script exactly as storing it would (parse, validate,
// lint, acknowledgements, the persona's licence) and stores nothing:
// POST /api/v1/lint, body the script as YAML or JSON, ?id= to name the file
// in problems. A script with errors is still 200: the answer is the check.
// The console calls it as the merchant types.
func (a *API) lintScript(w http.ResponseWriter, r *http.Request) {
	ct := mediaType(r)
	switch {
	case ct == "", ct == "application/json", strings.HasSuffix(ct, "+json"),
		ct == "application/yaml", ct == "application/x-yaml", ct == "text/yaml", ct == "text/x-yaml", ct == "text/plain":
	default:
		a.fail(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("a script is YAML (Content-Type: application/yaml) or JSON (application/json), not %s", ct))
		return
	}
	id := r.URL.Query().Get("id")
	if id != "" && !idRE.MatchString(id) {
		p := fieldProblem("id", "bad-id", "id must be 1-64 of A-Z a-z 0-9 _ -, not %q", id)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	if id == "" {
		id = "script"
	}
	if r.ContentLength > a.cfg.MaxScriptBytes {
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a script may be at most %d bytes", a.cfg.MaxScriptBytes))
		return
	}
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxScriptBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a script may be at most %d bytes", a.cfg.MaxScriptBytes))
		return
	}
	if err != nil {
		a.fail(w, r, http.StatusBadRequest, "bad_request", "could not read the body: "+err.Error())
		return
	}
	if len(src) == 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", "the body is empty; send the script")
		return
	}
	show, probs := a.parse.Parse(scriptFile(id), src)
	out := scriptProblems(probs)
	if show != nil {
		if err := a.cfg.Personas[show.Persona].Check(string(show.Kind), a.cfg.Now()); err != nil {
			out = append([]Problem{{Line: show.Pos.Line, Col: show.Pos.Col, Field: "persona", Severity: "error", Code: "persona-unlicensed", Message: err.Error()}}, out...)
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
