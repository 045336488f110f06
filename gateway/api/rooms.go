package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// merchantRooms returns the rooms merchant m owns.
func (a *API) merchantRooms(r *http.Request, m string) ([]avatar.Room, error) {
	all, err := a.bus.RoomRecords(r.Context())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, rm := range all {
		if rm.Merchant == m {
			out = append(out, rm)
		}
	}
	return out, nil
}

// ownRoom returns the request's room if its merchant owns it; otherwise it
// has answered 404, the same whether the room is another's or missing.
func (a *API) ownRoom(w http.ResponseWriter, r *http.Request) (avatar.Room, uint64, bool) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "not_found", err.Error())
		return avatar.Room{}, 0, false
	}
	rm, rev, err := a.bus.RoomRecord(r.Context(), id)
	if errors.Is(err, bus.ErrNotFound) || (err == nil && rm.Merchant != merchantOf(r)) {
		a.fail(w, r, http.StatusNotFound, "not_found", "no room "+string(id))
		return avatar.Room{}, 0, false
	}
	if err != nil {
		a.internal(w, r, err)
		return avatar.Room{}, 0, false
	}
	return rm, rev, true
}

// errStale is a stored script version that no longer parses.
var errStale = errors.New("no longer valid with this server's personas")

// loadShow returns the merchant's script show at version (0: the latest)
// parsed, and the version it is. A missing script or version is a nil Show.
// Each version is parsed once, in cfg.Scripts.
func (a *API) loadShow(r *http.Request, m, show string, version uint64) (*script.Show, uint64, error) {
	src, v, err := a.bus.GetScript(r.Context(), m, show, version)
	if errors.Is(err, bus.ErrNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	s, probs := a.cfg.Scripts.Get(avatar.ScriptKey(m, show), v, src)
	if s == nil {
		return nil, 0, fmt.Errorf("script %s version %d: %w: %v", show, v, errStale, probs.Error())
	}
	// Stored scripts were valid when stored; a persona dropped from the
	// config or deleted by the merchant since makes one invalid here.
	if _, ok, err := a.resolvePersona(r.Context(), m, s.Persona); err != nil {
		return nil, 0, err
	} else if !ok {
		return nil, 0, fmt.Errorf("script %s version %d: %w: persona %q is neither yours nor one of the server's (%s)",
			show, v, errStale, s.Persona, strings.Join(a.parse.Personas, ", "))
	}
	return s, v, nil
}

// refreshPersona sets rm's persona to what its ID now means for the
// room's merchant (the merchant's own, else the personas file's), so a
// persona changed since reaches the room at its next start or assignment,
// not in the middle of a show. It returns a refusal if neither has it.
func (a *API) refreshPersona(r *http.Request, rm *avatar.Room) (int, string, []Problem) {
	p, ok, err := a.resolvePersona(r.Context(), rm.Merchant, rm.Persona.ID)
	if err != nil {
		return a.changeFailed(r, err)
	}
	if !ok {
		return http.StatusUnprocessableEntity, "invalid_room", []Problem{fieldProblem("persona", "unknown-persona",
			"room %s's persona %q is no longer yours nor the server's; create the room again with another persona", rm.ID, rm.Persona.ID)}
	}
	rm.Persona = p
	return 0, "", nil
}

type roomRequest struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"` // default: the script's, in its first language
	Script  string `json:"script"`
	Version uint64 `json:"version"`
	Persona string `json:"persona"`
	// Schedule, if given, is the room's schedule from the start (as PUT
	// …/schedule sets it later).
	Schedule *avatar.Schedule `json:"schedule"`
}

// checkAssignment checks that room rm may play show and that its persona
// may present it now, under its own licence or one of the room's
// merchant's, and sets rm.Licence to the licence that covers it; it
// returns the problems. The error is a failure to read the licences.
func (a *API) checkAssignment(ctx context.Context, rm *avatar.Room, show *script.Show) ([]Problem, error) {
	var ps []Problem
	if string(show.Kind) != rm.Kind {
		ps = append(ps, fieldProblem("script", "kind-mismatch", "script %s is a %s show but room %s is a %s room", show.ID, show.Kind, rm.ID, rm.Kind))
	}
	if err := rm.Persona.CheckSynthetic(); err != nil {
		ps = append(ps, fieldProblem("persona", "persona-invalid", "%v", err))
	}
	lic, err := a.checkLicence(ctx, rm.Merchant, rm.Persona, rm.Kind)
	var le *avatar.LicenceError
	switch {
	case errors.As(err, &le):
		ps = append(ps, licenceProblem(le))
	case err != nil:
		return nil, err
	default:
		rm.Licence = lic
	}
	return ps, nil
}

// refusal is the status and code that refuse a room for problems: 409
// unlicensed when only licences are missing (the request is sound; the
// merchant's licences are not), else 422.
func refusal(ps []Problem) (int, string) {
	for _, p := range ps {
		if p.Reason == "" {
			return http.StatusUnprocessableEntity, "invalid_room"
		}
	}
	return http.StatusConflict, "unlicensed"
}

// changeFailed is what an update's change answers when it could not check.
func (a *API) changeFailed(r *http.Request, err error) (int, string, []Problem) {
	a.log.Error("internal error", zap.String("request_id", requestID(r)), zap.String("merchant", merchantOf(r)), zap.Error(err))
	return http.StatusInternalServerError, "internal", []Problem{fieldProblem("", "internal", "internal error (request %s)", requestID(r))}
}

func (a *API) createRoom(w http.ResponseWriter, r *http.Request) {
	var req roomRequest
	if !a.decodeJSON(w, r, &req) {
		return
	}
	m := merchantOf(r)
	var ps []Problem
	id, err := avatar.ParseRoomID(req.ID)
	if err != nil {
		ps = append(ps, fieldProblem("id", "bad-id", "%v", err))
	}
	if req.Kind != avatar.UseLivestream && req.Kind != avatar.UseMuseum {
		ps = append(ps, fieldProblem("kind", "bad-kind", "kind must be %q or %q, not %q", avatar.UseLivestream, avatar.UseMuseum, req.Kind))
	}
	req.Title = strings.TrimSpace(req.Title)
	if utf8.RuneCountInString(req.Title) > 200 {
		ps = append(ps, fieldProblem("title", "bad-title", "title may be at most 200 characters"))
	}
	var show *script.Show
	if !idRE.MatchString(req.Script) {
		ps = append(ps, fieldProblem("script", "bad-script", "script must name one of your scripts"))
	} else {
		show, _, err = a.loadShow(r, m, req.Script, req.Version)
		if errors.Is(err, errStale) {
			p := fieldProblem("script", "invalid-script", "the script cannot be played: %v", err)
			a.fail(w, r, http.StatusUnprocessableEntity, "invalid_room", p.Message, p)
			return
		}
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if show == nil {
			ps = append(ps, fieldProblem("script", "unknown-script", "you have no script %q at version %d (0 is the latest)", req.Script, req.Version))
		}
	}
	if req.Schedule != nil {
		ps = append(ps, scheduleProblems(req.Schedule, a.cfg.Now())...)
	}
	if len(ps) > 0 {
		a.fail(w, r, http.StatusBadRequest, "bad_request", ps[0].Message, ps...)
		return
	}
	if req.Persona == "" {
		req.Persona = show.Persona
	}
	if req.Title == "" {
		lang := ""
		if len(show.Languages) > 0 {
			lang = show.Languages[0]
		}
		req.Title = show.Title.Get(lang, "")
	}
	// The title is shown on the public index: no control, format or bidi
	// characters ("Official \u202eDEMO" would render reversed).
	var bad *avatar.DisplayTextError
	if errors.As(avatar.CheckDisplayText(req.Title), &bad) {
		p := fieldProblem("title", "bad-title", "title: %v", bad)
		p.Line, p.Col = 1, bad.Col
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_room", p.Message, p)
		return
	}
	persona, ok, err := a.resolvePersona(r.Context(), m, req.Persona)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if !ok {
		p := fieldProblem("persona", "unknown-persona", "no persona %q", req.Persona)
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_room", p.Message, p)
		return
	}
	rm := avatar.Room{ID: id, Kind: req.Kind, Title: req.Title, Merchant: m, Show: req.Script, Status: avatar.RoomStopped, Persona: persona, Schedule: req.Schedule}
	if ps, err := a.checkAssignment(r.Context(), &rm, show); err != nil {
		a.internal(w, r, err)
		return
	} else if len(ps) > 0 {
		status, code := refusal(ps)
		a.fail(w, r, status, code, ps[0].Message, ps...)
		return
	}
	// A version given is pinned; none (0) follows the latest version.
	rm.Version = req.Version
	if _, err := a.bus.CreateRoomRecord(r.Context(), rm); errors.Is(err, bus.ErrExists) {
		// Room IDs are global and public (viewer URLs name them), so
		// saying one is taken leaks nothing.
		a.fail(w, r, http.StatusConflict, "exists", fmt.Sprintf("room id %s is taken; choose another", id))
		return
	} else if err != nil {
		a.internal(w, r, err)
		return
	}
	a.record(r, "room.create", string(id), map[string]any{"kind": rm.Kind, "script": rm.Show, "version": rm.Version, "persona": persona.ID, "schedule": rm.Schedule})
	w.Header().Set("Location", "/api/v1/rooms/"+string(id))
	a.writeJSON(w, http.StatusCreated, rm)
}

func (a *API) listRooms(w http.ResponseWriter, r *http.Request) {
	rooms, err := a.merchantRooms(r, merchantOf(r))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	if rooms == nil {
		rooms = []avatar.Room{}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"rooms": rooms})
}

func (a *API) getRoom(w http.ResponseWriter, r *http.Request) {
	if rm, _, ok := a.ownRoom(w, r); ok {
		a.writeJSON(w, http.StatusOK, rm)
	}
}

// update applies change to the request's room and stores it, retrying when
// someone else wrote the record meanwhile. change returns an HTTP status
// and problems to refuse. It answers and reports whether it stored.
func (a *API) update(w http.ResponseWriter, r *http.Request, action string, change func(*avatar.Room) (int, string, []Problem)) (avatar.Room, bool) {
	for range 5 {
		rm, rev, ok := a.ownRoom(w, r)
		if !ok {
			return rm, false
		}
		before := rm
		if status, code, ps := change(&rm); status != 0 {
			a.fail(w, r, status, code, ps[0].Message, ps...)
			return rm, false
		}
		if rm.Status == before.Status && rm.Show == before.Show && rm.Version == before.Version && reflect.DeepEqual(rm.Persona, before.Persona) {
			a.writeJSON(w, http.StatusOK, rm) // nothing to change
			return rm, false
		}
		_, err := a.bus.UpdateRoomRecord(r.Context(), rm, rev)
		if errors.Is(err, bus.ErrChanged) {
			continue
		}
		if err != nil {
			a.internal(w, r, err)
			return rm, false
		}
		a.record(r, action, string(rm.ID), map[string]any{
			"status": rm.Status, "previous_status": before.Status, "script": rm.Show, "version": rm.Version})
		a.writeJSON(w, http.StatusOK, rm)
		return rm, true
	}
	a.fail(w, r, http.StatusConflict, "busy", "the room kept changing under this request; try again")
	return avatar.Room{}, false
}

type assignRequest struct {
	Script  string `json:"script"`
	Version uint64 `json:"version"`
}

func (a *API) assignScript(w http.ResponseWriter, r *http.Request) {
	var req assignRequest
	if !a.decodeJSON(w, r, &req) {
		return
	}
	a.update(w, r, "room.assign", func(rm *avatar.Room) (int, string, []Problem) {
		if req.Script == "" {
			req.Script = rm.Show
		}
		if !idRE.MatchString(req.Script) {
			return http.StatusBadRequest, "bad_request", []Problem{fieldProblem("script", "bad-script", "script must name one of your scripts")}
		}
		show, _, err := a.loadShow(r, rm.Merchant, req.Script, req.Version)
		if err != nil {
			a.log.Warn("load script for assignment", zap.String("request_id", requestID(r)), zap.Error(err))
			return http.StatusUnprocessableEntity, "invalid_room", []Problem{fieldProblem("script", "invalid-script", "the script cannot be played: %v", err)}
		}
		if show == nil {
			return http.StatusUnprocessableEntity, "invalid_room", []Problem{fieldProblem("script", "unknown-script", "you have no script %q at version %d (0 is the latest)", req.Script, req.Version)}
		}
		if status, code, ps := a.refreshPersona(r, rm); status != 0 {
			return status, code, ps
		}
		if ps, err := a.checkAssignment(r.Context(), rm, show); err != nil {
			return a.changeFailed(r, err)
		} else if len(ps) > 0 {
			status, code := refusal(ps)
			return status, code, ps
		}
		rm.Show, rm.Version = req.Script, req.Version
		return 0, "", nil
	})
}

// lifecycleOp is a change of a room's status.
type lifecycleOp struct {
	name string
	from []string // statuses it applies to; the target status is a no-op
	to   string
}

var lifecycle = []lifecycleOp{
	{"start", []string{avatar.RoomStopped}, avatar.RoomPlaying},
	{"pause", []string{avatar.RoomPlaying}, avatar.RoomPaused},
	{"resume", []string{avatar.RoomPaused}, avatar.RoomPlaying},
	{"stop", []string{avatar.RoomPlaying, avatar.RoomPaused}, avatar.RoomStopped},
}

func (a *API) lifecycleHandler(op lifecycleOp) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.update(w, r, "room."+op.name, func(rm *avatar.Room) (int, string, []Problem) {
			if rm.Status == op.to {
				return 0, "", nil
			}
			ok := false
			for _, s := range op.from {
				ok = ok || rm.Status == s
			}
			if !ok {
				return http.StatusConflict, "bad_state", []Problem{fieldProblem("status", "bad-state", "cannot %s a room that is %s", op.name, rm.Status)}
			}
			if op.to == avatar.RoomPlaying {
				// Licences expire and scripts get deleted: check again.
				show, _, err := a.loadShow(r, rm.Merchant, rm.Show, rm.Version)
				if err != nil || show == nil {
					return http.StatusConflict, "no_script", []Problem{fieldProblem("script", "unknown-script", "room %s has no playable script (%s version %d); assign one first", rm.ID, rm.Show, rm.Version)}
				}
				if op.name == "start" {
					// A persona changed since applies from this start;
					// a paused show resumes with the persona it had.
					if status, code, ps := a.refreshPersona(r, rm); status != 0 {
						return status, code, ps
					}
				}
				if ps, err := a.checkAssignment(r.Context(), rm, show); err != nil {
					return a.changeFailed(r, err)
				} else if len(ps) > 0 {
					status, code := refusal(ps)
					return status, code, ps
				}
			}
			// The merchant's own change: a stop for a licence is over.
			rm.Status, rm.StopReason = op.to, ""
			return 0, "", nil
		})
	}
}
