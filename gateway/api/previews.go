package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Preview rooms (docs/api.md "Preview rooms"): a merchant plays a stored
// script version, or text not saved yet, in a room of its own that no one
// else can watch, before the show goes live.
const (
	// PreviewRoomPrefix starts every preview room's ID.
	PreviewRoomPrefix = "preview-"
	// previewScriptPrefix starts the ID a preview's unsaved text is stored
	// under; the merchant's script list leaves those out.
	previewScriptPrefix = "_preview-"
	// DefaultPreviewIdle is how long a preview lives after the merchant
	// last used it.
	DefaultPreviewIdle = 30 * time.Minute
	// DefaultMaxPreviews is how many previews one merchant may have at once.
	DefaultMaxPreviews = 3
)

// isPreviewScript reports whether script id holds a preview's unsaved text.
func isPreviewScript(id string) bool { return strings.HasPrefix(id, previewScriptPrefix) }

// previewAnswer is what creating a preview returns: the room, and the
// viewing token, given this once only.
type previewAnswer struct {
	Room    avatar.Room `json:"room"`
	Token   string      `json:"token,omitempty"`
	Viewer  string      `json:"viewer,omitempty"` // the viewer page, with the token
	Expires time.Time   `json:"expires"`
}

// createPreview starts a private preview room and plays it at once: POST
// /api/v1/previews?script=ID&version=N plays a stored version (0 or none:
// the newest), POST /api/v1/previews with a script (YAML or JSON) as the
// body plays that text, checked as a save checks it but not saved.
func (a *API) createPreview(w http.ResponseWriter, r *http.Request) {
	m := merchantOf(r)
	q := r.URL.Query()
	var req struct {
		Script  string
		Version uint64
		Source  []byte
	}
	if q.Has("script") {
		req.Script = q.Get("script")
		if s := q.Get("version"); s != "" {
			v, err := strconv.ParseUint(s, 10, 64)
			if err != nil {
				p := fieldProblem("version", "bad-version", "version must be a whole number (0 is the latest), not %q", s)
				a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
				return
			}
			req.Version = v
		}
		if !idRE.MatchString(req.Script) || isPreviewScript(req.Script) {
			p := fieldProblem("script", "bad-script", "script must name one of your scripts")
			a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
			return
		}
	} else {
		src, isJSON, ok := a.readScript(w, r)
		if !ok {
			return
		}
		if isJSON {
			y, err := jsonToYAML(src)
			if err != nil {
				p := fieldProblem("", "bad-json", "the script is not JSON: %v", err)
				a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
				return
			}
			src = y
		}
		req.Source = src
	}
	rooms, err := a.merchantRooms(r, m)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	n := 0
	for _, rm := range rooms {
		if rm.Preview != nil {
			n++
		}
	}
	if n >= a.cfg.MaxPreviews {
		a.fail(w, r, http.StatusConflict, "too_many", fmt.Sprintf("you have %d previews, the most allowed; delete one first", n))
		return
	}
	id := avatar.RoomID(PreviewRoomPrefix + randomHex(8))
	var (
		show    *script.Show
		version uint64
		stored  string // the unsaved text's script, if any
	)
	if req.Source != nil {
		// Checked as a save would check it, so what plays is what would
		// be stored; nothing is stored if it has errors.
		src := req.Source
		var probs script.Problems
		show, probs = a.parse.Parse("preview.yaml", src)
		if show == nil {
			a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", problemsSummary(probs), scriptProblems(probs)...)
			return
		}
		stored = previewScriptPrefix + strings.TrimPrefix(string(id), PreviewRoomPrefix)
		if version, err = a.bus.PutScript(r.Context(), m, stored, src); err != nil {
			a.internal(w, r, err)
			return
		}
	} else {
		show, version, err = a.loadShow(r, m, req.Script, req.Version)
		if errors.Is(err, errStale) {
			p := fieldProblem("script", "invalid-script", "the script cannot be played: %v", err)
			a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", p.Message, p)
			return
		}
		if err != nil {
			a.internal(w, r, err)
			return
		}
		if show == nil {
			p := fieldProblem("script", "unknown-script", "you have no script %q at version %d (0 is the latest)", req.Script, req.Version)
			a.fail(w, r, http.StatusNotFound, "not_found", p.Message, p)
			return
		}
	}
	// A failure from here on leaves no stored text behind.
	cleanup := func() {
		if stored != "" {
			if err := a.bus.DeleteScript(context.WithoutCancel(r.Context()), m, stored); err != nil {
				a.log.Warn("delete preview text", zap.String("request_id", requestID(r)), zap.Error(err))
			}
		}
	}
	persona, ok := a.cfg.Personas[show.Persona]
	if !ok {
		cleanup()
		p := fieldProblem("persona", "unknown-persona", "no persona %q", show.Persona)
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_script", p.Message, p)
		return
	}
	lang := ""
	if len(show.Languages) > 0 {
		lang = show.Languages[0]
	}
	token := randomToken()
	expires := a.cfg.Now().Add(a.cfg.PreviewIdle).UTC()
	rm := avatar.Room{ID: id, Kind: string(show.Kind), Title: show.Title.Get(lang, ""), Merchant: m,
		Show: req.Script, Version: version, Status: avatar.RoomPlaying, Persona: persona,
		Preview: &avatar.RoomPreview{TokenSHA256: HashToken(token), Expires: expires, Script: stored}}
	if stored != "" {
		rm.Show = stored
	}
	// A preview shows the persona as the show would: its licence must
	// cover it as for any room.
	if ps, err := a.checkAssignment(r.Context(), &rm, show); err != nil {
		cleanup()
		a.internal(w, r, err)
		return
	} else if len(ps) > 0 {
		cleanup()
		status, code := refusal(ps)
		a.fail(w, r, status, code, ps[0].Message, ps...)
		return
	}
	if _, err := a.bus.CreateRoomRecord(r.Context(), rm); errors.Is(err, bus.ErrExists) {
		cleanup() // 64 random bits taken: a room named so by hand
		a.fail(w, r, http.StatusConflict, "busy", "the preview's random room id is taken; try again")
		return
	} else if err != nil {
		cleanup()
		a.internal(w, r, err)
		return
	}
	a.record(r, "preview.create", string(id), map[string]any{"script": req.Script, "version": version, "unsaved": stored != ""})
	w.Header().Set("Location", "/api/v1/previews/"+string(id))
	a.writeJSON(w, http.StatusCreated, previewAnswer{Room: rm, Token: token,
		Viewer: "/rooms/" + string(id) + "?preview=" + token, Expires: expires})
}

// ownPreview is ownRoom for a preview: any other room is 404 here.
func (a *API) ownPreview(w http.ResponseWriter, r *http.Request) (avatar.Room, uint64, bool) {
	rm, rev, ok := a.ownRoom(w, r)
	if ok && rm.Preview == nil {
		a.fail(w, r, http.StatusNotFound, "not_found", "no preview "+string(rm.ID))
		return rm, 0, false
	}
	return rm, rev, ok
}

// getPreview returns one preview and keeps it alive: GET
// /api/v1/previews/{room} moves its expiry to PreviewIdle from now. The
// console asks every minute while the preview is open.
func (a *API) getPreview(w http.ResponseWriter, r *http.Request) {
	for range 5 {
		rm, rev, ok := a.ownPreview(w, r)
		if !ok {
			return
		}
		expires := a.cfg.Now().Add(a.cfg.PreviewIdle).UTC()
		if expires.Sub(rm.Preview.Expires) < time.Minute {
			a.writeJSON(w, http.StatusOK, previewAnswer{Room: rm, Expires: rm.Preview.Expires})
			return
		}
		p := *rm.Preview
		p.Expires = expires
		rm.Preview = &p
		_, err := a.bus.UpdateRoomRecord(r.Context(), rm, rev)
		if errors.Is(err, bus.ErrChanged) {
			continue
		}
		if err != nil {
			a.internal(w, r, err)
			return
		}
		a.writeJSON(w, http.StatusOK, previewAnswer{Room: rm, Expires: expires})
		return
	}
	a.fail(w, r, http.StatusConflict, "busy", "the preview kept changing under this request; try again")
}

// listPreviews returns the merchant's previews: GET /api/v1/previews.
func (a *API) listPreviews(w http.ResponseWriter, r *http.Request) {
	rooms, err := a.merchantRooms(r, merchantOf(r))
	if err != nil {
		a.internal(w, r, err)
		return
	}
	out := []previewAnswer{}
	for _, rm := range rooms {
		if rm.Preview != nil {
			out = append(out, previewAnswer{Room: rm, Expires: rm.Preview.Expires})
		}
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"previews": out})
}

// deletePreview stops and deletes a preview now: DELETE /api/v1/previews/{room}.
func (a *API) deletePreview(w http.ResponseWriter, r *http.Request) {
	rm, rev, ok := a.ownPreview(w, r)
	if !ok {
		return
	}
	if err := a.dropPreview(r.Context(), rm, rev); err != nil && !errors.Is(err, bus.ErrChanged) {
		a.internal(w, r, err)
		return
	} else if err != nil {
		a.fail(w, r, http.StatusConflict, "busy", "the preview changed under this request; try again")
		return
	}
	a.record(r, "preview.delete", string(rm.ID), nil)
	w.WriteHeader(http.StatusNoContent)
}

// dropPreview deletes preview rm (at revision rev) and its unsaved text.
func (a *API) dropPreview(ctx context.Context, rm avatar.Room, rev uint64) error {
	if err := a.bus.DeleteRoomRecord(ctx, rm.ID, rev); err != nil {
		return err
	}
	if rm.Preview.Script != "" {
		if err := a.bus.DeleteScript(ctx, rm.Merchant, rm.Preview.Script); err != nil && !errors.Is(err, bus.ErrNotFound) {
			return fmt.Errorf("delete the text of preview %s: %w", rm.ID, err)
		}
	}
	return nil
}

// expirePreviews deletes the previews whose time is up; Run calls it.
func (a *API) expirePreviews(ctx context.Context) error {
	rooms, err := a.bus.RoomRecords(ctx)
	if err != nil {
		return err
	}
	now := a.cfg.Now()
	for _, rm := range rooms {
		if rm.Preview == nil || now.Before(rm.Preview.Expires) {
			continue
		}
		// Read again for the revision: a use meanwhile keeps it.
		cur, rev, err := a.bus.RoomRecord(ctx, rm.ID)
		if errors.Is(err, bus.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if cur.Preview == nil || now.Before(cur.Preview.Expires) {
			continue
		}
		if err := a.dropPreview(ctx, cur, rev); err != nil && !errors.Is(err, bus.ErrChanged) {
			return err
		}
		a.log.Info("preview expired", zap.String("room", string(cur.ID)), zap.String("merchant", cur.Merchant))
		a.audit(ctx, bus.AuditRecord{Merchant: cur.Merchant, Action: "preview.expire", Target: string(cur.ID)}, nil)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
