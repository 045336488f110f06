package api

import (
	"errors"
	"net/http"
	"regexp"
	"slices"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// viewerRE matches a viewer id as the gateway gives them (Hello.Viewer),
// or as a platform bridge's comments carry them ("douyin:MS4w…": the
// platform, a colon, the platform's user id; see avatar.PlatformEvent).
var viewerRE = regexp.MustCompile(`^(?:[A-Za-z0-9-]{1,64}|[a-z][a-z0-9_-]{0,15}:[!-~]{1,128})$`)

type muteRequest struct {
	Viewer string `json:"viewer"`
}

// muteHandler mutes (on) or unmutes a viewer in one of the merchant's
// rooms: POST /api/v1/rooms/{room}/mute or /unmute {"viewer": id}. The
// list is the room record's Muted, which every gateway watches; it answers
// {"room", "muted"}.
func (a *API) muteHandler(on bool) http.HandlerFunc {
	action := "room.unmute"
	if on {
		action = "room.mute"
	}
	return func(w http.ResponseWriter, r *http.Request) {
		var req muteRequest
		if !a.decodeJSON(w, r, &req) {
			return
		}
		if !viewerRE.MatchString(req.Viewer) {
			p := fieldProblem("viewer", "bad-viewer", "viewer must be a viewer id as comments carry it (1-64 of A-Z a-z 0-9 -, or platform:user-id)")
			a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
			return
		}
		for range 5 {
			rm, rev, ok := a.ownRoom(w, r)
			if !ok {
				return
			}
			if rm.IsMuted(req.Viewer) == on {
				a.writeJSON(w, http.StatusOK, map[string]any{"room": rm.ID, "muted": orEmpty(rm.Muted)}) // nothing to change
				return
			}
			if on {
				rm.Muted = append(rm.Muted, req.Viewer)
				if len(rm.Muted) > avatar.MaxMuted {
					rm.Muted = slices.Delete(rm.Muted, 0, len(rm.Muted)-avatar.MaxMuted)
				}
			} else {
				rm.Muted = slices.DeleteFunc(rm.Muted, func(v string) bool { return v == req.Viewer })
			}
			_, err := a.bus.UpdateRoomRecord(r.Context(), rm, rev)
			if errors.Is(err, bus.ErrChanged) {
				continue
			}
			if err != nil {
				a.internal(w, r, err)
				return
			}
			a.record(r, action, string(rm.ID), map[string]any{"viewer": req.Viewer})
			a.writeJSON(w, http.StatusOK, map[string]any{"room": rm.ID, "muted": orEmpty(rm.Muted)})
			return
		}
		a.fail(w, r, http.StatusConflict, "busy", "the room kept changing under this request; try again")
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
