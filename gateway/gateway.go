package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

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
	// resumes (default 1024).
	RingSize int
	// AllowedOrigins lists the browser origins ("https://shop.example") that
	// may open sockets besides the gateway's own host; "*" allows any.
	AllowedOrigins []string
	// ShutdownTimeout bounds the graceful shutdown (default 10s).
	ShutdownTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.QueueSize <= 0 {
		c.QueueSize = 256
	}
	if c.RingSize <= 0 {
		c.RingSize = 1024
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	return c
}

// Gateway serves viewers: WebSockets, pages and health.
type Gateway struct {
	cfg      Config
	bus      *bus.Bus
	log      *zap.Logger
	hub      *Hub
	ready    atomic.Bool
	upgrader websocket.Upgrader
}

// New returns a gateway that reads rooms and events through b.
func New(cfg Config, b *bus.Bus, log *zap.Logger) *Gateway {
	cfg = cfg.withDefaults()
	log = log.Named("gateway")
	g := &Gateway{cfg: cfg, bus: b, log: log, hub: newHub(cfg, b, log)}
	g.upgrader = websocket.Upgrader{
		ReadBufferSize:  512,
		WriteBufferSize: 1024,
		// Write buffers are taken from the pool only while writing, so an
		// idle viewer holds none.
		WriteBufferPool: writePool,
		CheckOrigin:     g.checkOrigin,
	}
	return g
}

// Serve serves HTTP on ln until ctx ends, then shuts down: it stops
// accepting, tells every viewer to go away with where to resume, and waits
// for their connections and its own goroutines. It returns nil after a clean
// shutdown.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           g.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          zap.NewStdLog(g.log.Named("http")),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
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
	eg.Go(func() error { return g.bus.Watch(ctx, g.bus.Rooms, g.hub.onRoom, markReady(&roomsReady)) })
	eg.Go(func() error { return g.bus.Watch(ctx, g.bus.State, g.hub.onState, markReady(&statesReady)) })
	eg.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("gateway: serve: %w", err)
		}
		return nil
	})
	eg.Go(func() error {
		<-ctx.Done()
		g.ready.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.cfg.ShutdownTimeout)
		defer cancel()
		// Shutdown does not touch hijacked WebSockets; the hub closes them.
		err := srv.Shutdown(sctx)
		g.hub.Close()
		if err != nil {
			return fmt.Errorf("gateway: shutdown: %w", err)
		}
		return nil
	})
	return eg.Wait()
}

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
	info, ok := g.hub.roomInfo(id)
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
	rm, err := g.hub.room(r.Context(), id)
	if err != nil {
		g.log.Error("open room", zap.String("room", string(id)), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	conn, err := g.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	viewer := uuid.NewString()
	c := newClient(conn, rm, viewer, g.cfg.QueueSize, g.log.With(zap.String("room", string(id)), zap.String("viewer", viewer)))
	if !g.hub.add(c) {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "going_away"), time.Now().Add(time.Second))
		conn.Close()
		return
	}
	defer g.hub.remove(c)
	if err := g.start(r.Context(), c, rm, info, since, lang); err != nil {
		c.log.Debug("viewer lost during catch-up", zap.Error(err))
		conn.Close()
		return
	}
	done := make(chan struct{})
	go func() { defer close(done); c.writeLoop() }()
	c.readLoop(func(in avatar.Input) error {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		return g.bus.PublishInput(id, b)
	})
	rm.leave(c)
	c.stop(websocket.CloseNormalClosure, "bye")
	<-done
}

// start sends hello and brings c up to date, then adds it to the room.
func (g *Gateway) start(ctx context.Context, c *client, rm *room, info avatar.Room, since *uint64, lang string) error {
	hello := avatar.Hello{
		Room: info.ID, Kind: info.Kind, Title: info.Title, Viewer: c.viewer,
		Persona: info.Persona, AIContent: true, Disclosure: info.Persona.DisclosureFor(lang),
	}
	var after uint64
	rm.mu.Lock()
	last := rm.last
	rm.mu.Unlock()
	switch st := g.hub.state(rm.id); {
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
	recovered, err := rm.join(ctx, c, after)
	if err != nil {
		return err
	}
	if since != nil && *since <= last && recovered {
		c.enqueue(directFrame(rm.id, avatar.EventResume, avatar.Resume{Since: *since, Recovered: true}))
	}
	return nil
}
