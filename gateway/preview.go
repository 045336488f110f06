package gateway

import (
	"net/http"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// A preview room (avatar.Room.Preview, docs/api.md "Preview rooms") is a
// merchant's private room: never on the index, and every route that shows
// a room answers 404 for it unless the viewer holds its token. The viewer
// page takes the token once, as ?preview=TOKEN, keeps it in an HttpOnly,
// SameSite=Strict cookie for that room only and sends the viewer on to the
// clean URL; the page's socket and public.json then carry the cookie.

// previewCookie names the cookie holding room id's preview token.
func previewCookie(id avatar.RoomID) string { return "avatarcast-preview-" + string(id) }

// viewable returns room id's record if the request may see it: any room
// that is not a preview, a preview only with its token.
func (g *Gateway) viewable(r *http.Request, id avatar.RoomID) (avatar.Room, bool) {
	rm, ok := g.hub.roomInfo(id)
	if !ok || rm.Preview == nil {
		return rm, ok
	}
	c, err := r.Cookie(previewCookie(id))
	if err != nil || !rm.Preview.TokenOK(c.Value) {
		return avatar.Room{}, false
	}
	return rm, true
}

// takePreviewToken handles GET /rooms/{room}?preview=TOKEN: with the
// room's token it sets the cookie and redirects to the page without the
// token in its URL, and reports true. A wrong token changes nothing.
func (g *Gateway) takePreviewToken(w http.ResponseWriter, r *http.Request, id avatar.RoomID) bool {
	tok := r.URL.Query().Get("preview")
	rm, ok := g.hub.roomInfo(id)
	if tok == "" || !ok || !rm.Preview.TokenOK(tok) {
		return false
	}
	http.SetCookie(w, &http.Cookie{
		Name: previewCookie(id), Value: tok, Path: "/",
		MaxAge:   int(time.Until(rm.Preview.Expires).Seconds()) + 24*3600, // the API may extend it
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, "/rooms/"+string(id), http.StatusSeeOther)
	return true
}
