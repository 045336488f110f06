package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Config tunes a gateway. The zero value is ready to use.
type Config struct {
	// API, when set, serves /api/ and /schema/ (the merchant API,
	// gateway/api); the gateway only mounts it.
	API http.Handler
	// QueueSize is how many frames a viewer may have waiting before it is
	// dropped as a slow consumer (default 256).
	QueueSize int
	// RingSize is how many recent events each room keeps in memory for
	// resumes (default 1024), loaded when the room opens: the resume window
	// in events. A viewer further behind gets resume{recovered: false}
	// with the room's state.
	RingSize int
	// ResumeMaxAge is the resume window in time (default 10m): a viewer
	// whose first missed event is older gets resume{recovered: false}.
	ResumeMaxAge time.Duration
	// ResumeRate and ResumeBurst limit the resumes (sockets opened with
	// since=) from one IP address (default 5 per second, burst 100;
	// ResumeRate negative: no limit). One over the limit is refused with
	// 429 and a jittered Retry-After.
	ResumeRate  rate.Limit
	ResumeBurst int
	// AllowedOrigins lists the browser origins ("https://shop.example") that
	// may open sockets besides the gateway's own host; "*" allows any.
	AllowedOrigins []string
	// KioskTokens lists the SHA-256 hashes (hex) of kiosk device tokens. A
	// socket opened with ?token=T whose hash is listed skips the origin
	// check (kiosk apps have no web origin of their own); a token that is
	// not listed is refused with 401.
	KioskTokens []string
	// ShutdownTimeout bounds the graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
	// Writers is how many goroutines write to all viewers (default
	// 4×GOMAXPROCS, at least 8).
	Writers int
	// WriteTimeout bounds one write to a viewer; a viewer whose socket
	// takes longer is dropped as a slow consumer (default 2s).
	WriteTimeout time.Duration
	// CloseGrace is how long a closed viewer has to read what was sent to
	// it, the close frame last, before its socket is closed: a viewer
	// dropped as slow that pauses still learns why and where to resume
	// (default 5s). A viewer that answers the close frame or hangs up
	// frees its socket at once.
	CloseGrace time.Duration
	// MaxConnsPerIP caps the open connections from one address, of every
	// kind (pages, API, health, viewer sockets), counted when accepted;
	// IPv6 addresses by /64 (default 256; negative: no cap). Behind a
	// proxy every viewer has the proxy's address.
	MaxConnsPerIP int
	// MaxConns caps the gateway's open connections (default: the file
	// limit, RLIMIT_NOFILE, less a tenth and at least 256 for NATS, the
	// store and logs; negative: no cap). Its last tenth is kept for
	// addresses holding fewer than BusyConnsPerIP, and when it is full a
	// newcomer from such an address takes the place of an idle keep-alive
	// connection of the address holding the most: health checks and new
	// viewers get in while one address holds many.
	MaxConns int
	// BusyConnsPerIP is how many connections an address may hold and still
	// get another once the gateway is nearly full (default 8).
	BusyConnsPerIP int
	// HTTPReadTimeout bounds reading a whole request, HTTPWriteTimeout
	// writing its response, and HTTPIdleTimeout how long a keep-alive
	// connection waits for the next request (defaults 30s, 60s, 30s).
	// WebSockets are not subject to them once upgraded.
	HTTPReadTimeout, HTTPWriteTimeout, HTTPIdleTimeout time.Duration
	// InputRate and InputBurst limit each viewer's messages (default 5 per
	// second, burst 10).
	InputRate  rate.Limit
	InputBurst int
	// BlockedWords are masked with '*' in comments, questions and display
	// names before they are shown to the room or passed to the director
	// (case-insensitive). Give the director the same list
	// (director.Config.BlockedWords): it refuses to speak a name holding one.
	BlockedWords []string
	// Coalesce is the burst window: an event that follows a room's previous
	// one by less than this waits for the window's end and shares writes
	// with the events that arrive meanwhile (default 10ms; negative: off).
	Coalesce time.Duration
	// Assets is the directory served under /assets/ (product and exhibit
	// images, persona looks); empty: none, and pages show placeholders.
	Assets string
	// Kiosk sets up the kiosk page.
	Kiosk KioskConfig
	// ViewersEvery is how often each room's viewer count is published and,
	// if it changed, pushed to viewers (default 5s).
	ViewersEvery time.Duration
	// MetricsRooms is how many rooms /metrics names by room: those with the
	// most viewers on this gateway (default TopRooms; negative: none), so
	// the labels stay bounded however many rooms there are.
	MetricsRooms int
}

func (c Config) withDefaults() Config {
	switch {
	case c.MetricsRooms == 0:
		c.MetricsRooms = TopRooms
	case c.MetricsRooms < 0:
		c.MetricsRooms = 0
	}
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	if c.RingSize <= 0 {
		c.RingSize = 1024
	}
	if c.ResumeMaxAge <= 0 {
		c.ResumeMaxAge = 10 * time.Minute
	}
	switch {
	case c.ResumeRate < 0:
		c.ResumeRate = rate.Inf
	case c.ResumeRate == 0:
		c.ResumeRate = 5
	}
	if c.ResumeBurst <= 0 {
		c.ResumeBurst = 100
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.Writers <= 0 {
		c.Writers = max(8, 4*runtime.GOMAXPROCS(0))
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 2 * time.Second
	}
	if c.CloseGrace <= 0 {
		c.CloseGrace = 5 * time.Second
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = 256
	}
	if c.MaxConns == 0 {
		c.MaxConns = defaultMaxConns()
	}
	if c.BusyConnsPerIP <= 0 {
		c.BusyConnsPerIP = 8
	}
	if c.HTTPReadTimeout <= 0 {
		c.HTTPReadTimeout = 30 * time.Second
	}
	if c.HTTPWriteTimeout <= 0 {
		c.HTTPWriteTimeout = 60 * time.Second
	}
	if c.HTTPIdleTimeout <= 0 {
		c.HTTPIdleTimeout = 30 * time.Second
	}
	if c.InputRate <= 0 {
		c.InputRate = 5
	}
	if c.InputBurst <= 0 {
		c.InputBurst = 10
	}
	if c.Coalesce == 0 {
		c.Coalesce = 10 * time.Millisecond
	}
	if c.ViewersEvery <= 0 {
		c.ViewersEvery = 5 * time.Second
	}
	return c
}

// Gateway serves viewers: WebSockets, pages and health.
type Gateway struct {
	cfg      Config
	bus      *bus.Bus
	log      *zap.Logger
	hub      *Hub
	adm      *admission
	resumes  *perAddr // resumes allowed per address
	ready    atomic.Bool
	stopping atomic.Bool
	upgrader websocket.Upgrader

	// healthMu makes one readiness check at a time; the others wait
	// for it and share its answer for healthEvery.
	healthMu  sync.Mutex
	healthAt  time.Time
	healthErr error
}

// healthEvery is how long a readiness answer is reused: probes and
// anonymous callers of /healthz cost NATS at most one check a second.
const healthEvery = time.Second

// readiness returns nil if the gateway can serve viewers: its rooms and
// states are loaded, and NATS and the buckets answer (bus.Health).
func (g *Gateway) readiness(ctx context.Context) error {
	if g.stopping.Load() {
		return errors.New("gateway: shutting down")
	}
	if !g.ready.Load() {
		return errors.New("gateway: starting: rooms and room states are not loaded yet")
	}
	g.healthMu.Lock()
	defer g.healthMu.Unlock()
	if time.Since(g.healthAt) < healthEvery {
		return g.healthErr
	}
	// Not the caller's context: a caller that hangs up must not make the
	// shared answer "context canceled".
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	g.healthErr = g.bus.Health(ctx)
	g.healthAt = time.Now()
	return g.healthErr
}

// New returns a gateway that reads rooms and events through b.
func New(cfg Config, b *bus.Bus, log *zap.Logger) *Gateway {
	cfg = cfg.withDefaults()
	log = log.Named("gateway")
	g := &Gateway{cfg: cfg, bus: b, log: log, hub: newHub(cfg, b, log, uuid.NewString()), adm: newAdmission(cfg),
		resumes: newPerAddr(cfg.ResumeRate, cfg.ResumeBurst)}
	g.hub.metrics.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "avatarcast_gateway_open_connections",
		Help: "Open TCP connections of every kind (pages, API, health, viewer sockets), as admission counts them.",
	}, func() float64 { n, _ := g.adm.counts(); return float64(n) }))
	g.upgrader = websocket.Upgrader{
		// A viewer sends little: a small read buffer. Write buffers are
		// taken from the pool only while writing, so an idle viewer holds
		// none; batches bypass them (one writev of header and payload).
		ReadBufferSize:  0, // smallBufResponseWriter's
		WriteBufferSize: 1024,
		WriteBufferPool: writePool,
		// permessage-deflate, when a viewer offers it (browsers do):
		// catch-up spans go out compressed, once per span for all
		// (frame.deflatedFrame); other frames are sent as they are.
		EnableCompression: true,
		CheckOrigin:       func(*http.Request) bool { return true }, // checked before Upgrade
	}
	return g
}

// Serve serves HTTP on ln until ctx ends, then shuts down: it stops
// accepting, tells every viewer to go away with where to resume, and waits
// for their connections and its own goroutines. It returns nil after a clean
// shutdown.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	// Idle keep-alive connections and slow requests must not hold file
	// descriptors for ever. A WebSocket is hijacked before these matter:
	// its reader sets its own read deadline and every write its own write
	// deadline, replacing what the server set for the upgrade request.
	srv := &http.Server{
		Handler:           g.Handler(),
		ReadHeaderTimeout: min(10*time.Second, g.cfg.HTTPReadTimeout),
		ReadTimeout:       g.cfg.HTTPReadTimeout,
		WriteTimeout:      g.cfg.HTTPWriteTimeout,
		IdleTimeout:       g.cfg.HTTPIdleTimeout,
		ErrorLog:          zap.NewStdLog(g.log.Named("http")),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState: func(c net.Conn, st http.ConnState) {
			if cc, ok := c.(*countedConn); ok {
				g.adm.setIdle(cc, st == http.StateIdle)
			}
		},
	}
	al := &admitListener{Listener: ln, a: g.adm, refusing: make(chan struct{}, 64),
		refused: func(reason string) { g.hub.metrics.refusedConns.WithLabelValues(reason).Inc() }}
	ln = al
	eg, ctx := errgroup.WithContext(ctx)
	var roomsReady, statesReady atomic.Bool
	markReady := func(b *atomic.Bool) func() {
		return func() {
			b.Store(true)
			if roomsReady.Load() && statesReady.Load() {
				g.ready.Store(true)
				g.log.Info("ready")
			}
		}
	}
	eg.Go(func() error { return g.bus.WatchRooms(ctx, g.hub.onRoom, markReady(&roomsReady)) })
	eg.Go(func() error { return g.bus.WatchStates(ctx, g.hub.onState, markReady(&statesReady)) })
	eg.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("gateway: serve: %w", err)
		}
		return nil
	})
	eg.Go(func() error { g.hub.run(ctx); return nil })
	eg.Go(func() error {
		<-ctx.Done()
		g.stopping.Store(true)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.cfg.ShutdownTimeout)
		defer cancel()
		// Shutdown does not touch hijacked WebSockets; the hub closes them.
		err := srv.Shutdown(sctx)
		g.hub.Close()
		al.wg.Wait() // refused connections are answered within a second
		if err != nil {
			return fmt.Errorf("gateway: shutdown: %w", err)
		}
		return nil
	})
	return eg.Wait()
}

// checkOrigin allows sockets from the gateway's own pages, the configured
// origins, and non-browser clients (no Origin header).
func (g *Gateway) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true // not a browser: kiosks and tools authenticate otherwise
	}
	for _, o := range g.cfg.AllowedOrigins {
		if o == "*" || o == origin {
			return true
		}
	}
	return origin == "http://"+r.Host || origin == "https://"+r.Host
}

// serveWS upgrades a viewer: GET /ws?room=ROOM[&since=SEQ].
func (g *Gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.URL.Query().Get("room"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	info, ok := g.viewable(r, id)
	if !ok {
		http.Error(w, fmt.Sprintf("no room %q", id), http.StatusNotFound)
		return
	}
	var since *uint64
	if s := r.URL.Query().Get("since"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			http.Error(w, fmt.Sprintf("since=%q: want the last seq seen, a whole number", s), http.StatusBadRequest)
			return
		}
		since = &n
	}
	lang := r.URL.Query().Get("lang")
	if tok := r.URL.Query().Get("token"); tok != "" {
		if !g.kioskToken(tok) {
			g.hub.metrics.refusedConns.WithLabelValues("token").Inc()
			http.Error(w, "unknown kiosk token", http.StatusUnauthorized)
			return
		}
	} else if !g.checkOrigin(r) {
		g.hub.metrics.refusedConns.WithLabelValues("origin").Inc()
		http.Error(w, fmt.Sprintf("origin %q is not allowed; see -allowed-origins", r.Header.Get("Origin")), http.StatusForbidden)
		return
	}
	ip := remoteIP(r) // counted per address by the listener (admission)
	if since != nil && !g.resumes.allow(ip, time.Now()) {
		g.hub.metrics.refusedConns.WithLabelValues("resume_rate").Inc()
		w.Header().Set("Retry-After", strconv.Itoa(1+rand.IntN(5)))
		http.Error(w, fmt.Sprintf("too many resumes from %s", ip), http.StatusTooManyRequests)
		return
	}
	rm, err := g.hub.room(r.Context(), id)
	if err != nil {
		g.log.Error("open room", zap.String("room", string(id)), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	sw := &smallBufResponseWriter{ResponseWriter: w}
	conn, err := g.upgrader.Upgrade(sw, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := newClient(g.hub, conn, rm, uuid.NewString(), ip)
	if sw.conn != nil {
		// Our writes skip the handshake watcher; gorilla keeps it for
		// its few (the refusal below, closing).
		c.nc, c.deflate = sw.conn.Conn, sw.conn.deflate
	}
	if sc, ok := c.nc.(syscall.Conn); ok && sw.br != nil {
		if raw, err := sc.SyscallConn(); err == nil {
			c.br, c.raw = sw.br, raw
		}
	}
	if !g.hub.add(c) {
		_ = conn.WriteControl(websocket.CloseMessage, closeMessage(avatar.CloseGoingAway, "", 0), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	if err := g.start(r.Context(), c, rm, info, since, lang); err != nil {
		c.logger().Debug("viewer lost during catch-up", zap.Error(err))
		conn.Close()
		c.stop(avatar.CloseInternal, "catch-up failed") // not 1006, which RFC 6455 7.4.1 forbids sending
		<-c.finished
		g.hub.remove(c)
		return
	}
	// The viewer's one goroutine reads until the socket fails; the hub's
	// writers write. It is a new goroutine, not this handler's, so that
	// the HTTP request, the server's 4 KiB read buffer and this goroutine's
	// grown stack are freed: they would cost an idle viewer over 12 KiB.
	go func() {
		defer g.hub.remove(c)
		peerDone := c.readLoop(func(in avatar.Input) error { return g.forward(info.Kind, in) })
		rm.leave(c)
		c.stop(avatar.CloseNormal, "")
		<-c.finished
		if peerDone {
			// Nothing of the viewer's is left unread: the socket can go
			// without waiting out the grace (see hangUp).
			c.conn.Close()
		}
	}()
}

// forward sends a viewer's message of a room of kind to the room's
// director, moderated (see moderate); a comment is also shown to the
// room's viewers on every gateway.
func (g *Gateway) forward(kind string, in avatar.Input) error {
	if !g.moderate(kind, &in) {
		return nil
	}
	if in.Type == avatar.MsgComment && g.hub.muted(in.Room, in.Viewer) {
		return nil // muted by the merchant: neither shown nor answered
	}
	if in.Type == avatar.MsgComment {
		if err := g.bus.PublishChat(in.Room, avatar.Comment{Viewer: in.Viewer, Name: in.Data.Name, Text: in.Data.Text}); err != nil {
			return err
		}
	}
	return g.bus.PublishInput(in.Room, in)
}

// remoteIP is the address a request came from (the proxy's, behind one).
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// kioskToken reports whether tok's SHA-256 is one of Config.KioskTokens.
func (g *Gateway) kioskToken(tok string) bool {
	sum := sha256.Sum256([]byte(tok))
	want := hex.EncodeToString(sum[:])
	ok := false
	for _, h := range g.cfg.KioskTokens {
		if subtle.ConstantTimeCompare([]byte(strings.ToLower(h)), []byte(want)) == 1 {
			ok = true
		}
	}
	return ok
}

// start sends hello and brings c up to date, then adds it to the room.
func (g *Gateway) start(ctx context.Context, c *client, rm *room, info avatar.Room, since *uint64, lang string) error {
	hello := avatar.Hello{
		Room: info.ID, Kind: info.Kind, Title: info.Title, Viewer: c.viewer,
		Persona: info.Persona, AIContent: true, Disclosure: info.Persona.DisclosureFor(lang),
		AIGC: avatar.MarkAI(string(info.ID)),
	}
	if s := info.Schedule; s != nil && info.Status == avatar.RoomPlaying {
		if t := s.NextStart(time.Now()); !t.IsZero() { // off air until then
			at := avatar.Time(t)
			hello.NextStart = &at
		}
	}
	var after uint64
	rm.mu.Lock()
	last := rm.last
	rm.mu.Unlock()
	st := g.hub.state(rm.id)
	hello.Disclosures = disclosures(info.Persona, st)
	switch {
	case since != nil && *since <= last:
		after = *since
		hello.Resumed = true
	case st != nil && st.Seq <= last && st.Seq > 0:
		after = st.Seq
		hello.State = st
		if since != nil {
			hello.Resumed = true
		}
	default:
		after = last
		if since != nil {
			hello.Resumed = true
		}
	}
	hello.Seq = after
	if err := c.writeDirect([]*frame{directFrame(rm.id, avatar.EventHello, hello)}); err != nil {
		return err
	}
	if since != nil && *since > last {
		// The viewer claims events this room never had (a reset store): say
		// so and go on from the state sent in hello.
		f := directFrame(rm.id, avatar.EventResume, avatar.Resume{Since: *since, Recovered: false, State: hello.State})
		if err := c.writeDirect([]*frame{f}); err != nil {
			return err
		}
	}
	recovered, flush, err := rm.join(ctx, c, after)
	if err != nil {
		return err
	}
	if since != nil {
		recovered = recovered && *since <= last
		g.hub.metrics.resumes.WithLabelValues(strconv.FormatBool(recovered)).Inc()
		if recovered {
			flush = c.enqueue(directFrame(rm.id, avatar.EventResume, avatar.Resume{Since: *since, Recovered: true})) || flush
		}
	}
	if flush {
		// This handler holds c as a writer would (see join); whatever
		// arrives meanwhile goes to the writers.
		c.flush()
	}
	return nil
}
