package gateway

import (
	"encoding/json"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/console"
	"github.com/avatarcast/avatarcast/gateway/web"
)

// writePool lends write buffers to connections only while they write.
var writePool = &sync.Pool{}

var pages = template.Must(template.ParseFS(web.FS, "*.html"))

// Handler returns the gateway's routes:
//
//	GET /healthz, /readyz 200 {"status":"ok"} when ready to serve viewers:
//	                      rooms and state loaded, NATS connected, the
//	                      buckets answering; else 503 {"status":
//	                      "unavailable","reason":...}
//	GET /livez            200 while the process serves HTTP
//	GET /metrics          Prometheus metrics
//	GET /ws?room=R        a viewer's WebSocket (&since=SEQ to resume)
//	GET /rooms/{room}     the viewer page of a room
//	GET /rooms/{room}/public.json  the room's products, coupons, exhibits, FAQ
//	GET /kiosk/{room}     the museum kiosk page of a room
//	POST /kiosk/unlock    checks a kiosk's staff passcode
//	GET /overlay/{room}   the OBS overlay of a room, transparent
//	                      (?parts=&scale=&side=, see ParseOverlayOptions);
//	                      an unknown room: an empty transparent page, 404
//	GET /assets/...       images from Config.Assets, with caching headers
//	GET /audio/KEY.ogg    rendered speech by content key (immutable, ranges)
//	GET /static/...       the pages' scripts and styles
//	GET /                 the list of rooms on air (playing or paused)
//	GET /console/         the merchant console (gateway/console)
//	/api/, /schema/       the merchant API, when Config.API is set
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", g.serveReady)
	mux.HandleFunc("GET /readyz", g.serveReady)
	mux.HandleFunc("GET /livez", g.serveLive)
	mux.Handle("GET /metrics", g.hub.metrics.handler())
	mux.HandleFunc("GET /ws", g.serveWS)
	mux.HandleFunc("GET /rooms/{room}", g.serveRoomPage)
	ps := newPageSrv(g)
	mux.HandleFunc("GET /rooms/{room}/public.json", ps.servePublic)
	mux.HandleFunc("GET /kiosk/{room}", ps.serveKiosk)
	mux.HandleFunc("POST /kiosk/unlock", ps.serveUnlock)
	mux.HandleFunc("GET /overlay/{room}", g.serveOverlay)
	mux.HandleFunc("GET /assets/{path...}", ps.serveAsset)
	mux.HandleFunc("GET /audio/{file}", newAudioSrv(g.bus, g.log).serveAudio)
	static, _ := fs.Sub(web.FS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", g.serveIndex)
	mux.Handle("/console/", console.Handler()) // the merchant console, over the API
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

// serveReady answers readiness: whether this gateway can serve viewers now.
// A load balancer or Kubernetes takes it out of rotation on 503.
func (g *Gateway) serveReady(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := g.readiness(r.Context()); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, health{Status: "unavailable", Reason: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, health{Status: "ok"})
}

// serveLive answers liveness: the process serves HTTP. It does not look at
// NATS, so that a NATS outage makes gateways unready, not restarted.
func (g *Gateway) serveLive(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, health{Status: "ok"})
}

type health struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (g *Gateway) sortedRooms() []avatar.Room {
	rooms := g.hub.roomList()
	slices.SortFunc(rooms, func(a, b avatar.Room) int { return strings.Compare(string(a.ID), string(b.ID)) })
	return rooms
}

// serveIndex lists the rooms on air: playing or paused, not stopped.
func (g *Gateway) serveIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	rooms := slices.DeleteFunc(g.sortedRooms(), func(r avatar.Room) bool {
		return r.Status != avatar.RoomPlaying && r.Status != avatar.RoomPaused || r.Preview != nil
	})
	if err := pages.ExecuteTemplate(w, "index.html", rooms); err != nil {
		g.log.Debug("render index", zap.Error(err))
	}
}

func (g *Gateway) serveRoomPage(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if g.takePreviewToken(w, r, id) {
		return
	}
	info, ok := g.viewable(r, id)
	if !ok {
		http.Error(w, "no such room", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "room.html", info); err != nil {
		g.log.Debug("render room", zap.Error(err))
	}
}
