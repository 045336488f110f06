package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Hub fans each room's events out to its clients. Its methods are safe for
// concurrent use. Fan-out never blocks: a client with a full queue is
// dropped (slow_consumer) and may resume.
type Hub struct {
	cfg     Config
	bus     *bus.Bus
	log     *zap.Logger
	id      string // this gateway, in viewer count reports
	metrics *metrics
	writers *writers
	filter  *avatar.Blocklist

	// statesIn counts the state snapshots received (every room's, whether
	// or not it has a viewer here); stateDecodes those decoded.
	statesIn, stateDecodes prometheus.Counter

	mu      sync.Mutex
	rooms   map[avatar.RoomID]*room
	opening map[avatar.RoomID]chan struct{}
	known   map[avatar.RoomID]avatar.Room
	states  map[avatar.RoomID]*snapshot
	clients map[*client]struct{}
	closed  bool
	conns   sync.WaitGroup
}

func newHub(cfg Config, b *bus.Bus, log *zap.Logger, id string) *Hub {
	h := &Hub{
		cfg: cfg, bus: b, log: log, id: id,
		metrics: newMetrics(),
		writers: newWriters(cfg.Writers),
		filter:  avatar.NewBlocklist(cfg.BlockedWords),
		rooms:   map[avatar.RoomID]*room{},
		opening: map[avatar.RoomID]chan struct{}{},
		known:   map[avatar.RoomID]avatar.Room{},
		states:  map[avatar.RoomID]*snapshot{},
		clients: map[*client]struct{}{},
		statesIn: prometheus.NewCounter(prometheus.CounterOpts{Name: "avatarcast_gateway_states_in_total",
			Help: "Room state snapshots received from the state bucket: every room's, whether or not it has a viewer here."}),
		stateDecodes: prometheus.NewCounter(prometheus.CounterOpts{Name: "avatarcast_gateway_state_decodes_total",
			Help: "Room state snapshots decoded (or tried), each at most once, when a joiner needed it."}),
	}
	h.metrics.reg.MustRegister(h.statesIn, h.stateDecodes)
	if cfg.MetricsRooms > 0 {
		h.metrics.reg.MustRegister(newTopRooms(h, cfg.MetricsRooms))
	}
	return h
}

// roomInfo returns the record of a room that exists.
func (h *Hub) roomInfo(id avatar.RoomID) (avatar.Room, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.known[id]
	return r, ok
}

// rooms lists the known rooms.
func (h *Hub) roomList() []avatar.Room {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]avatar.Room, 0, len(h.known))
	for _, r := range h.known {
		out = append(out, r)
	}
	return out
}

// snapshot is a room's latest state snapshot as saved, decoded by the first
// join that needs it (hello's state, or resume's beyond the window) and
// shared by every later one until the next snapshot replaces it. A gateway
// receives every room's snapshots, about one per line spoken, and a room's
// live viewers never need them, so most are replaced undecoded: decoding
// them all on arrival was 14% of a 2,000-room server's CPU.
type snapshot struct {
	saved *bus.SavedState // until decoded
	once  sync.Once
	st    *avatar.State // after once: nil if it did not decode
	ok    atomic.Bool   // decoded
	// good is the room's last snapshot decoded here before this one, for
	// joiners if this one does not decode; dropped once this one decodes.
	good atomic.Pointer[snapshot]
}

// state returns the latest snapshot of room id, decoding it if no join
// has since it was saved, or nil if there is none. A snapshot that does not
// decode is logged and stands for the room's last one decoded here, if any.
func (h *Hub) state(id avatar.RoomID) *avatar.State {
	h.mu.Lock()
	s := h.states[id]
	h.mu.Unlock()
	if s == nil {
		return nil
	}
	s.once.Do(func() {
		h.stateDecodes.Inc()
		st, err := s.saved.Decode()
		s.saved = nil // the bytes are not needed again
		if err != nil {
			h.log.Error("bad room state: joiners get the last good one decoded here, or none", zap.String("room", string(id)), zap.Error(err))
			return
		}
		s.st = &st
		s.ok.Store(true)
		s.good.Store(nil)
	})
	if s.st != nil {
		return s.st
	}
	if g := s.good.Load(); g != nil {
		return g.st
	}
	return nil
}

// room returns room id, subscribing to it on first use. Concurrent first
// joins wait for one subscription.
func (h *Hub) room(ctx context.Context, id avatar.RoomID) (*room, error) {
	for {
		h.mu.Lock()
		if r, ok := h.rooms[id]; ok {
			h.mu.Unlock()
			return r, nil
		}
		if wait, ok := h.opening[id]; ok {
			h.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		h.opening[id] = done
		h.mu.Unlock()

		r, err := h.openRoom(ctx, id)
		h.mu.Lock()
		delete(h.opening, id)
		if err == nil {
			h.rooms[id] = r
			h.metrics.rooms.Set(float64(len(h.rooms)))
		}
		h.mu.Unlock()
		close(done)
		return r, err
	}
}

// onRoom keeps the known rooms in step with the rooms bucket.
func (h *Hub) onRoom(id avatar.RoomID, r *avatar.Room) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if r == nil {
		delete(h.known, id)
		return
	}
	h.known[id] = *r
}

// muted reports whether the merchant muted viewer in room id.
func (h *Hub) muted(id avatar.RoomID, viewer string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.known[id].IsMuted(viewer)
}

// onState keeps the latest snapshot of each room, undecoded (see
// snapshot).
func (h *Hub) onState(id avatar.RoomID, saved *bus.SavedState) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if saved == nil {
		delete(h.states, id)
		return
	}
	h.statesIn.Inc()
	s := &snapshot{saved: saved}
	if prev := h.states[id]; prev != nil {
		// good before ok: prev may be decoding now, and clears good
		// after setting ok.
		g := prev.good.Load()
		if prev.ok.Load() {
			g = prev
		}
		s.good.Store(g)
	}
	h.states[id] = s
}

// add registers a live connection; it fails once the hub is closing.
func (h *Hub) add(c *client) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false
	}
	h.clients[c] = struct{}{}
	h.conns.Add(1)
	h.metrics.conns.Inc()
	return true
}

func (h *Hub) remove(c *client) {
	h.mu.Lock()
	delete(h.clients, c)
	h.mu.Unlock()
	h.metrics.conns.Dec()
	h.conns.Done()
}

// run pings clients and reports and pushes viewer counts until ctx ends.
// Pings are spread over pingPhases ticks so that 10k viewers are not all
// pinged at once; a viewer that does not answer within pongWait is reaped
// by its reader's deadline.
func (h *Hub) run(ctx context.Context) {
	pings := time.NewTicker(pingEvery / pingPhases)
	defer pings.Stop()
	counts := time.NewTicker(h.cfg.ViewersEvery)
	defer counts.Stop()
	var phase uint8
	var batch []*client
	for {
		select {
		case <-ctx.Done():
			return
		case <-pings.C:
			phase = (phase + 1) % pingPhases
			h.mu.Lock()
			for c := range h.clients {
				if c.phase == phase {
					batch = append(batch, c)
				}
			}
			h.mu.Unlock()
			for _, c := range batch {
				c.ping()
			}
			clear(batch)
			batch = batch[:0]
		case <-counts.C:
			h.mu.Lock()
			rooms := make([]*room, 0, len(h.rooms))
			for _, r := range h.rooms {
				rooms = append(rooms, r)
			}
			h.mu.Unlock()
			now := time.Now()
			for _, r := range rooms {
				r.countViewers(now)
			}
		}
	}
}

// Close tells every client the gateway is going away, with where to resume,
// waits until their connections are closed, unsubscribes from rooms and
// stops the writers.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for c := range h.clients {
		c.stop(avatar.CloseGoingAway, "")
	}
	rooms := h.rooms
	h.mu.Unlock()
	h.conns.Wait()
	for _, r := range rooms {
		r.unsubscribe()
	}
	h.writers.stop()
}
