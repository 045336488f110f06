package api

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// bridgeTokenPrefix starts every bridge token, so one found in a log or a
// repository is told from a merchant's token at a glance.
const bridgeTokenPrefix = "brg_"

// roomBridges reads the bridge settings of one of the merchant's rooms
// (the path's): the room, the platform buckets, the settings and their
// revision. Settings left by a deleted room of the same ID are not this
// room's: it gets empty ones of its merchant. On failure it has answered.
func (a *API) roomBridges(w http.ResponseWriter, r *http.Request) (rm avatar.Room, p *bus.Platform, rb avatar.RoomBridges, rev uint64, ok bool) {
	rm, _, ok = a.ownRoom(w, r)
	if !ok {
		return rm, nil, avatar.RoomBridges{}, 0, false
	}
	p, err := a.platform(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return rm, nil, avatar.RoomBridges{}, 0, false
	}
	rb, rev, err = p.Bridges(r.Context(), rm.ID)
	if err != nil {
		a.internal(w, r, err)
		return rm, nil, avatar.RoomBridges{}, 0, false
	}
	if rb.Merchant != rm.Merchant {
		// Left by a deleted room of the same ID: not this room's.
		rb = avatar.RoomBridges{Merchant: rm.Merchant}
	}
	return rm, p, rb, rev, true
}

// editBridges changes the bridge settings of one of the merchant's rooms
// with change, retrying when someone else changed them meanwhile. change
// returns an HTTP status and error code to refuse (0 to store). On
// failure editBridges has answered; it returns the stored settings.
func (a *API) editBridges(w http.ResponseWriter, r *http.Request, change func(rm avatar.Room, rb *avatar.RoomBridges) (int, string, string)) (avatar.Room, avatar.RoomBridges, bool) {
	for range 5 {
		rm, p, rb, rev, ok := a.roomBridges(w, r)
		if !ok {
			return rm, avatar.RoomBridges{}, false
		}
		if status, code, msg := change(rm, &rb); status != 0 {
			a.fail(w, r, status, code, msg)
			return rm, rb, false
		}
		_, err := p.PutBridges(r.Context(), rm.ID, rb, rev)
		if errors.Is(err, bus.ErrChanged) {
			continue
		}
		if err != nil {
			a.internal(w, r, err)
			return rm, rb, false
		}
		return rm, rb, true
	}
	a.fail(w, r, http.StatusConflict, "busy", "the room's bridges kept changing under this request; try again")
	return avatar.Room{}, avatar.RoomBridges{}, false
}

type bridgeTokenRequest struct {
	Name string `json:"name"`
}

// bridgeTokenView is a bridge token as the API lists it: never the token.
type bridgeTokenView struct {
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	Created time.Time `json:"created"`
}

// createBridgeToken makes a bridge token for one of the merchant's rooms:
// POST /api/v1/rooms/{room}/bridge-tokens {"name": "..."}. The token is
// in the answer (201) and nowhere else: only its SHA-256 is kept. A room
// has at most avatar.MaxBridgeTokens (409 too_many).
func (a *API) createBridgeToken(w http.ResponseWriter, r *http.Request) {
	var req bridgeTokenRequest
	if r.ContentLength != 0 && !a.decodeJSON(w, r, &req) {
		return
	}
	name, err := avatar.ParseName(req.Name)
	if err != nil {
		p := fieldProblem("name", "bad-name", "name: %v", err)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	token := bridgeTokenPrefix + NewToken()
	var idb [6]byte
	_, _ = rand.Read(idb[:])
	t := avatar.BridgeToken{ID: hex.EncodeToString(idb[:]), Name: name, SHA256: HashToken(token), Created: a.cfg.Now().UTC()}
	rm, _, ok := a.editBridges(w, r, func(_ avatar.Room, rb *avatar.RoomBridges) (int, string, string) {
		if len(rb.Tokens) >= avatar.MaxBridgeTokens {
			return http.StatusConflict, "too_many", "the room has " + strconv.Itoa(len(rb.Tokens)) + " bridge tokens, the most it may have; revoke one first"
		}
		rb.Tokens = append(rb.Tokens, t)
		return 0, "", ""
	})
	if !ok {
		return
	}
	a.record(r, "room.bridge_token.create", string(rm.ID), map[string]any{"id": t.ID, "name": t.Name})
	a.writeJSON(w, http.StatusCreated, map[string]any{
		"room": rm.ID, "id": t.ID, "name": t.Name, "created": t.Created, "token": token,
		"note": "the token is shown this once; keep it in the bridge's secret store",
	})
}

// listBridgeTokens lists a room's bridge tokens, without the tokens.
func (a *API) listBridgeTokens(w http.ResponseWriter, r *http.Request) {
	rm, _, rb, _, ok := a.roomBridges(w, r)
	if !ok {
		return
	}
	out := []bridgeTokenView{}
	for _, t := range rb.Tokens {
		out = append(out, bridgeTokenView{ID: t.ID, Name: t.Name, Created: t.Created})
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"room": rm.ID, "tokens": out})
}

// revokeBridgeToken deletes a room's bridge token {id}: 204, or 404.
func (a *API) revokeBridgeToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	rm, _, ok := a.editBridges(w, r, func(_ avatar.Room, rb *avatar.RoomBridges) (int, string, string) {
		i := slices.IndexFunc(rb.Tokens, func(t avatar.BridgeToken) bool { return t.ID == id })
		if i < 0 {
			return http.StatusNotFound, "not_found", "the room has no bridge token " + strconv.Quote(id)
		}
		rb.Tokens = slices.Delete(rb.Tokens, i, i+1)
		return 0, "", ""
	})
	if !ok {
		return
	}
	a.record(r, "room.bridge_token.revoke", string(rm.ID), map[string]any{"id": id})
	w.WriteHeader(http.StatusNoContent)
}

type douyinRequest struct {
	Secret    string            `json:"secret"`
	GiftNames map[string]string `json:"gift_names"`
}

// douyinView is a room's Douyin bridge as the API shows it: never the secret.
type douyinView struct {
	Room       avatar.RoomID     `json:"room"`
	Configured bool              `json:"configured"`
	PushPath   string            `json:"push_path"`
	GiftNames  map[string]string `json:"gift_names,omitempty"`
	Updated    *time.Time        `json:"updated,omitempty"`
}

func viewDouyin(id avatar.RoomID, d *avatar.DouyinBridge) douyinView {
	v := douyinView{Room: id, PushPath: "/api/v1/rooms/" + string(id) + "/bridges/douyin/push"}
	if d != nil {
		v.Configured, v.GiftNames, v.Updated = true, d.GiftNames, &d.Updated
	}
	return v
}

// putDouyin sets the app secret the Douyin live-room data push of one of
// the merchant's rooms signs with, and optionally names for its gift ids:
// PUT /api/v1/rooms/{room}/bridges/douyin {"secret": "...", "gift_names":
// {"id": "name"}}. The secret is never answered, logged or audited.
func (a *API) putDouyin(w http.ResponseWriter, r *http.Request) {
	var req douyinRequest
	if !a.decodeJSON(w, r, &req) {
		return
	}
	var probs []Problem
	if n := len(req.Secret); n < 8 || n > 256 || !printable(req.Secret) {
		probs = append(probs, fieldProblem("secret", "bad-secret", "secret must be the app's secret from Douyin's console: 8-256 printable ASCII characters"))
	}
	if len(req.GiftNames) > 500 {
		probs = append(probs, fieldProblem("gift_names", "too-many", "gift_names has %d entries, at most 500", len(req.GiftNames)))
	}
	for id, name := range req.GiftNames {
		if len(id) == 0 || len(id) > 128 || !printable(id) {
			probs = append(probs, fieldProblem("gift_names", "bad-gift-id", "gift id %q must be 1-128 printable ASCII characters", id))
			continue
		}
		if n, err := avatar.ParseName(name); err != nil || n == "" || utf8.RuneCountInString(n) > avatar.MaxGiftNameRunes {
			probs = append(probs, fieldProblem("gift_names."+id, "bad-gift-name", "gift name must be 1-%d characters with no control, format or separator characters", avatar.MaxGiftNameRunes))
		}
	}
	if len(probs) > 0 {
		a.fail(w, r, http.StatusUnprocessableEntity, "invalid_bridge", probs[0].Message, probs...)
		return
	}
	d := &avatar.DouyinBridge{Secret: req.Secret, GiftNames: req.GiftNames, Updated: a.cfg.Now().UTC()}
	rm, _, ok := a.editBridges(w, r, func(_ avatar.Room, rb *avatar.RoomBridges) (int, string, string) {
		rb.Douyin = d
		return 0, "", ""
	})
	if !ok {
		return
	}
	a.record(r, "room.bridge.douyin.set", string(rm.ID), map[string]any{"gift_names": len(req.GiftNames)})
	a.writeJSON(w, http.StatusOK, viewDouyin(rm.ID, d))
}

// getDouyin says whether one of the merchant's rooms has a Douyin bridge.
func (a *API) getDouyin(w http.ResponseWriter, r *http.Request) {
	rm, _, rb, _, ok := a.roomBridges(w, r)
	if !ok {
		return
	}
	a.writeJSON(w, http.StatusOK, viewDouyin(rm.ID, rb.Douyin))
}

// deleteDouyin forgets a room's Douyin secret: its pushes are refused.
func (a *API) deleteDouyin(w http.ResponseWriter, r *http.Request) {
	rm, _, ok := a.editBridges(w, r, func(_ avatar.Room, rb *avatar.RoomBridges) (int, string, string) {
		rb.Douyin = nil
		return 0, "", ""
	})
	if !ok {
		return
	}
	a.record(r, "room.bridge.douyin.delete", string(rm.ID), nil)
	w.WriteHeader(http.StatusNoContent)
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}
