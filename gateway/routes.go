package gateway

import (
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/web"
)

// writePool lends write buffers to connections only while they write.
var writePool = &sync.Pool{}

var pages = template.Must(template.ParseFS(web.FS, "*.html"))

// Handler returns the gateway's routes:
//
//	GET /healthz          200 once rooms and state are loaded, else 503
//	GET /metrics          Prometheus metrics
//	GET /ws?room=R        a viewer's WebSocket (&since=SEQ to resume)
//	GET /rooms/{room}     the viewer page of a room
//	GET /rooms/{room}/public.json  the room's products, coupons, exhibits, FAQ
//	GET /kiosk/{room}     the museum kiosk page of a room
//	POST /kiosk/unlock    checks a kiosk's staff passcode
//	GET /assets/...       images from Config.Assets, with caching headers
//	GET /static/...       the pages' scripts and styles
//	GET /                 the list of rooms
//	/api/, /schema/       the merchant API, when Config.API is set
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", g.serveHealth)
	mux.Handle("GET /metrics", g.hub.metrics.handler())
	mux.HandleFunc("GET /ws", g.serveWS)
	mux.HandleFunc("GET /rooms/{room}", g.serveRoomPage)
	ps := newPageSrv(g)
	mux.HandleFunc("GET /rooms/{room}/public.json", ps.servePublic)
	mux.HandleFunc("GET /kiosk/{room}", ps.serveKiosk)
	mux.HandleFunc("POST /kiosk/unlock", ps.serveUnlock)
	mux.HandleFunc("GET /assets/{path...}", ps.serveAsset)
	static, _ := fs.Sub(web.FS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", g.serveIndex)
	if g.cfg.API != nil {
		mux.Handle("/api/", g.cfg.API)
		mux.Handle("/schema/", g.cfg.API)
	}
	return securityHeaders(mux)
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/ws") {
			hd.Set("Content-Security-Policy", "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self'")
		}
		h.ServeHTTP(w, r)
	})
}

func (g *Gateway) serveHealth(w http.ResponseWriter, _ *http.Request) {
	if !g.ready.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ok\n"))
}

func (g *Gateway) sortedRooms() []avatar.Room {
	rooms := g.hub.roomList()
	slices.SortFunc(rooms, func(a, b avatar.Room) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return rooms
}

func (g *Gateway) serveIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "index.html", g.sortedRooms()); err != nil {
		g.log.Debug("render index", zap.Error(err))
	}
}

func (g *Gateway) serveRoomPage(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	info, ok := g.hub.roomInfo(id)
	if !ok {
		http.Error(w, "no such room", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "room.html", info); err != nil {
		g.log.Debug("render room", zap.Error(err))
	}
}
