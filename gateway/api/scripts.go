package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// scriptInfo describes one stored version of a script.
type scriptInfo struct {
	ID      string    `json:"id"`
	Version uint64    `json:"version"`
	Created time.Time `json:"created"`
	Size    int       `json:"size"`
}

func infoOf(v bus.ScriptVersion) scriptInfo {
	return scriptInfo{ID: v.Show, Version: v.Version, Created: v.Created.UTC(), Size: v.Size}
}

// pathID returns the {name} path value if it is an ID, else answers 404.
func (a *API) pathID(w http.ResponseWriter, r *http.Request, name string) (string, bool) {
	id := r.PathValue(name)
	if !idRE.MatchString(id) {
		a.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no %s %q (IDs are 1-64 of A-Z a-z 0-9 _ -)", name, id))
		return "", false
	}
	return id, true
}

// personaProblem is what is wrong with show's persona for merchant now (a
// persona without a disclosure, a likeness no licence covers), at the
// script's persona key, or nil. The error is a failure to read licences.
func (a *API) personaProblem(ctx context.Context, merchant string, show *script.Show) (*Problem, error) {
	p, _, err := a.resolvePersona(ctx, merchant, show.Persona)
	if err != nil {
		return nil, err
	}
	at := show.PersonaPos
	if at.Line == 0 {
		at = show.Pos
	}
	pr := Problem{Line: at.Line, Col: at.Col, Field: "persona", Severity: "error", Code: "persona-unlicensed"}
	if err := p.CheckSynthetic(); err != nil {
		pr.Code, pr.Message = "persona-invalid", err.Error()
		return &pr, nil
	}
	_, err = a.checkLicence(ctx, merchant, p, string(show.Kind))
	var le *avatar.LicenceError
	if !errors.As(err, &le) {
		return nil, err
	}
	pr.Message, pr.Licence, pr.Reason = le.Error(), le.Licence, le.Reason
	return &pr, nil
}

// scriptFile names an uploaded script in problems and logs.
func scriptFile(id string) string { return id + ".yaml" }

func (a *API) putScript(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	src, isJSON, ok := a.readScript(w, r)
	if !ok {
		return
	}
	// JSON is YAML, so the parser reads it as is and its problems point
	// into what the merchant sent; what is stored is the same script as
	// block YAML, so every stored version is in one format.
	parse, err := a.parserFor(r.Context(), merchantOf(r))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	show, probs := parse.Parse(scriptFile(id), src)
	if show == nil {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", problemsSummary(probs), scriptProblems(probs)...)
		return
	}
	if show.ID != id {
		p := Problem{Line: show.Pos.Line, Col: show.Pos.Col, Field: "id", Severity: "error", Code: "id-mismatch",
			Message: fmt.Sprintf("the script's id is %q but it is stored as %q: make them the same", show.ID, id)}
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", p.Message, append([]Problem{p}, scriptProblems(probs)...)...)
		return
	}
	m := merchantOf(r)
	if pr, err := a.personaProblem(r.Context(), m, show); err != nil {
		a.internal(w, r, err)
		return
	} else if pr != nil {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", pr.Message, append([]Problem{*pr}, scriptProblems(probs)...)...)
		return
	}
	if isJSON {
		y, err := jsonToYAML(src)
		if err != nil {
			a.internal(w, r, fmt.Errorf("convert script %s to YAML: %w", id, err))
			return
		}
		if s2, p2 := parse.Parse(scriptFile(id), y); s2 == nil {
			a.internal(w, r, fmt.Errorf("script %s converted to YAML does not parse: %v", id, p2))
			return
		}
		src = y
	}
	// Rooms that follow the newest version (version 0) will play this one:
	// it must suit them.
	rooms, err := a.merchantRooms(r, m)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var ps []Problem
	for _, rm := range rooms {
		if rm.Show == id && rm.Version == 0 {
			rps, err := a.checkAssignment(r.Context(), &rm, show)
			if err != nil {
				a.internal(w, r, err)
				return
			}
			for _, p := range rps {
				p.Message = fmt.Sprintf("room %s follows this script's newest version: %s", rm.ID, p.Message)
				ps = append(ps, p)
			}
		}
	}
	if len(ps) > 0 {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", ps[0].Message+"; pin the room to a version or change it first", ps...)
		return
	}
	prevSrc, prev, err := a.bus.GetScript(r.Context(), m, id, 0)
	if err != nil && !errors.Is(err, bus.ErrNotFound) {
		a.internal(w, r, err)
		return
	}
	// If-Match: "N" stores only over version N, If-None-Match: * only a new
	// script, so two editors cannot overwrite each other unknowingly.
	expect, conditional, ok := a.precondition(w, r, prev)
	if !ok {
		return
	}
	var v uint64
	switch {
	case conditional && !bytes.Equal(prevSrc, src):
		v, err = a.bus.PutScriptAt(r.Context(), m, id, src, expect)
		if errors.Is(err, bus.ErrChanged) {
			a.fail(w, r, http.StatusPreconditionFailed, "changed", "the script changed meanwhile; fetch the newest version and try again")
			return
		}
	case conditional:
		v = prev
	default:
		v, err = a.bus.PutScript(r.Context(), m, id, src)
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	status := http.StatusOK
	if prev == 0 {
		status = http.StatusCreated
	}
	if v != prev {
		a.record(r, "script.put", id, map[string]any{"version": v, "previous": prev, "size": len(src), "warnings": len(probs)})
	}
	w.Header().Set("Location", "/api/v1/scripts/"+id+"/versions/"+strconv.FormatUint(v, 10))
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v))
	a.writeJSON(w, status, map[string]any{
		"id": id, "version": v, "changed": v != prev, "problems": scriptProblems(probs),
	})
}

// precondition checks If-Match and If-None-Match against prev, the newest
// version (0: none). It returns the version a conditional store must find,
// whether the store is conditional, and false after answering 412 or 400.
func (a *API) precondition(w http.ResponseWriter, r *http.Request, prev uint64) (uint64, bool, bool) {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if strings.TrimSpace(inm) != "*" {
			a.fail(w, r, http.StatusBadRequest, "bad_request", `If-None-Match takes only "*" here`)
			return 0, false, false
		}
		if prev != 0 {
			a.fail(w, r, http.StatusPreconditionFailed, "exists", fmt.Sprintf("script exists (version %d)", prev))
			return 0, false, false
		}
		return 0, true, true
	}
	im := strings.TrimSpace(r.Header.Get("If-Match"))
	if im == "" {
		return 0, false, true
	}
	if im == "*" {
		if prev == 0 {
			a.fail(w, r, http.StatusPreconditionFailed, "not_found", "there is no version to replace")
			return 0, false, false
		}
		return prev, true, true
	}
	want, err := strconv.ParseUint(strings.Trim(strings.TrimPrefix(im, "W/"), `"`), 10, 64)
	if err != nil {
		a.fail(w, r, http.StatusBadRequest, "bad_request", `If-Match takes a version as its ETag, such as "7"`)
		return 0, false, false
	}
	if want != prev {
		a.fail(w, r, http.StatusPreconditionFailed, "changed", fmt.Sprintf("the newest version is %d, not %d; fetch it and try again", prev, want))
		return 0, false, false
	}
	return prev, true, true
}

func problemsSummary(ps script.Problems) string {
	n := len(ps.Errors())
	first := ""
	for _, p := range ps {
		if p.Severity == script.SevError {
			first = fmt.Sprintf("line %d:%d: %s", p.Line, p.Col, p.Msg)
			break
		}
	}
	if n == 1 {
		return "the script has 1 error, nothing was stored: " + first
	}
	return fmt.Sprintf("the script has %d errors, nothing was stored; the first: %s", n, first)
}

// jsonToYAML re-encodes a JSON document as block-style YAML, keeping the
// order of keys and the type of every value.
func jsonToYAML(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var plain func(n *yaml.Node)
	plain = func(n *yaml.Node) {
		n.Style = 0 // the encoder quotes a string that would read as another type
		for _, c := range n.Content {
			plain(c)
		}
	}
	plain(&doc)
	return yaml.Marshal(&doc)
}

func (a *API) listScripts(w http.ResponseWriter, r *http.Request) {
	vs, err := a.bus.LatestScripts(r.Context(), merchantOf(r))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := make([]scriptInfo, 0, len(vs))
	for _, v := range vs {
		if !isPreviewScript(v.Show) { // a preview's unsaved text
			out = append(out, infoOf(v))
		}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"scripts": out})
}

func (a *API) getScript(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if ok {
		a.serveVersion(w, r, id, 0)
	}
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	v, err := strconv.ParseUint(r.PathValue("v"), 10, 64)
	if err != nil || v == 0 {
		a.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no version %q of script %s (versions are numbers from 1)", r.PathValue("v"), id))
		return
	}
	a.serveVersion(w, r, id, v)
}

// serveVersion answers with a version of a script (0: the latest): JSON
// with the source, or the YAML source itself if the client accepts YAML.
func (a *API) serveVersion(w http.ResponseWriter, r *http.Request, id string, version uint64) {
	m := merchantOf(r)
	if version != 0 {
		// Only versions since the script was last created are served.
		vs, err := a.bus.ScriptVersions(r.Context(), m, id)
		if err != nil && !errors.Is(err, bus.ErrNotFound) {
			a.internal(w, r, err)
			return
		}
		found := false
		for _, x := range vs {
			found = found || x.Version == version
		}
		if !found {
			a.fail(w, r, http.StatusNotFound, "not_found", fmt.Sprintf("no version %d of script %s", version, id))
			return
		}
	}
	src, v, err := a.bus.GetScript(r.Context(), m, id, version)
	if errors.Is(err, bus.ErrNotFound) {
		a.fail(w, r, http.StatusNotFound, "not_found", "no script "+id)
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, v))
	if acc := r.Header.Get("Accept"); strings.Contains(acc, "yaml") {
		w.Header().Set("Content-Type", "application/yaml; charset=utf-8")
		w.Header().Set("Script-Version", strconv.FormatUint(v, 10))
		w.Write(src)
		return
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"id": id, "version": v, "source": string(src)})
}

func (a *API) listVersions(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	vs, err := a.bus.ScriptVersions(r.Context(), merchantOf(r), id)
	if errors.Is(err, bus.ErrNotFound) {
		a.fail(w, r, http.StatusNotFound, "not_found", "no script "+id)
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := make([]scriptInfo, 0, len(vs))
	for i := len(vs) - 1; i >= 0; i-- {
		out = append(out, infoOf(vs[i]))
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"id": id, "versions": out})
}

func (a *API) deleteScript(w http.ResponseWriter, r *http.Request) {
	id, ok := a.pathID(w, r, "id")
	if !ok {
		return
	}
	m := merchantOf(r)
	rooms, err := a.merchantRooms(r, m)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	var users []string
	for _, rm := range rooms {
		if rm.Show == id {
			users = append(users, string(rm.ID))
		}
	}
	if len(users) > 0 {
		if _, _, err := a.bus.GetScript(r.Context(), m, id, 0); err == nil {
			a.fail(w, r, http.StatusConflict, "in_use", fmt.Sprintf("script %s is assigned to room(s) %s; assign them another script first", id, strings.Join(users, ", ")))
			return
		}
	}
	err = a.bus.DeleteScript(r.Context(), m, id)
	if errors.Is(err, bus.ErrNotFound) {
		a.fail(w, r, http.StatusNotFound, "not_found", "no script "+id)
		return
	}
	if err != nil {
		a.internal(w, r, err)
		return
	}
	a.record(r, "script.delete", id, nil)
	w.WriteHeader(http.StatusNoContent)
}

// readScript reads a script sent as YAML or JSON (isJSON) in the request
// body, at most MaxScriptBytes. On a wrong media type, a body too large,
// unreadable or empty it answers the request and returns ok false.
func (a *API) readScript(w http.ResponseWriter, r *http.Request) (src []byte, isJSON, ok bool) {
	ct := mediaType(r)
	isJSON = ct == "application/json" || strings.HasSuffix(ct, "+json")
	switch {
	case isJSON, ct == "", ct == "application/yaml", ct == "application/x-yaml", ct == "text/yaml", ct == "text/x-yaml", ct == "text/plain":
	default:
		a.fail(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type",
			fmt.Sprintf("a script is YAML (Content-Type: application/yaml) or JSON (application/json), not %s", ct))
		return nil, false, false
	}
	if r.ContentLength > a.cfg.MaxScriptBytes {
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a script may be at most %d bytes", a.cfg.MaxScriptBytes))
		return nil, false, false
	}
	src, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxScriptBytes))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("a script may be at most %d bytes", a.cfg.MaxScriptBytes))
		return nil, false, false
	}
	if err != nil {
		a.fail(w, r, http.StatusBadRequest, "bad_request", "could not read the body: "+err.Error())
		return nil, false, false
	}
	if len(src) == 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", "the body is empty; send the script")
		return nil, false, false
	}
	return src, isJSON, true
}
