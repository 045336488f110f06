package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// room is one room on this gateway: one NATS subscription however many
// viewers, a ring of recent frames for resumes, and the clients to fan out to.
type room struct {
	id    avatar.RoomID
	hub   *Hub
	log   *zap.Logger
	sub   *bus.Subscription // the room's events
	chat  *bus.Subscription // moderated comments from every gateway
	count *bus.Subscription // viewer counts from every gateway

	mending singleflight.Group // one read of the stream to mend the ring

	mu      sync.Mutex
	last    uint64               // last seq delivered
	ring    []*frame             // the resume window: recent frames, ring[(i) % len] by seq
	floor   uint64               // events up to floor were never to be had (retention)
	spans   map[[2]uint64]*frame // shared catch-up frames by first and last seq, see span
	clients []*client
	index   map[*client]int // position in clients
	sched   []*client       // scratch: clients to put on the run queue

	// Burst coalescing, under mu: see fanout.
	lastPush time.Time
	pending  []*client // queued clients waiting for the window to close
	armed    bool      // a timer will push pending

	// Viewer counts, under mu.
	others  avatar.ViewerCounts // other gateways' last reports
	total   int                 // the room's last total, sent to viewers
	viewers *frame              // the last viewers frame, for joiners

	figures roomFigures // delivery counts for the per-room metrics
}

// openRoom subscribes to room id and loads its recent events into the ring.
func (h *Hub) openRoom(ctx context.Context, id avatar.RoomID) (*room, error) {
	r := &room{
		id: id, hub: h,
		log:    h.log.With(zap.String("room", string(id))),
		ring:   make([]*frame, h.cfg.RingSize),
		index:  map[*client]int{},
		others: avatar.ViewerCounts{MaxAge: 3 * h.cfg.ViewersEvery},
	}
	var err error
	if r.chat, err = h.bus.SubscribeChat(id, r.onChat); err != nil {
		return nil, err
	}
	if r.count, err = h.bus.SubscribeViewers(id, r.onCount); err != nil {
		_ = r.chat.Stop()
		return nil, err
	}
	// Hold the lock while subscribing and loading so that live events wait
	// until the ring is filled; those already loaded are then skipped.
	r.mu.Lock()
	defer r.mu.Unlock()
	sub, err := h.bus.SubscribeEvents(id, r.onEvent)
	if err != nil {
		r.unsubscribe()
		return nil, err
	}
	r.sub = sub
	last, ok, err := h.bus.LastEvent(ctx, id)
	if err != nil {
		r.unsubscribe()
		return nil, err
	}
	if testHookAfterLastEvent != nil {
		testHookAfterLastEvent(id)
	}
	if ok {
		// Fill the whole ring: it is the resume window. Events the stream
		// no longer holds (retention) raise the floor.
		from := uint64(0)
		if n := uint64(len(r.ring)); last.Seq > n {
			from = last.Seq - n
		}
		r.last, r.floor = from, from
		if err := r.fill(ctx, last.Seq); err != nil {
			r.unsubscribe()
			return nil, err
		}
		if r.last > from {
			for s := from + 1; s <= r.last; s++ {
				if f := r.ring[s%uint64(len(r.ring))]; f != nil && f.seq == s {
					r.floor = s - 1
					break
				}
			}
		}
	}
	return r, nil
}

// testHookAfterLastEvent, if set by a test, runs in openRoom between its
// read of the room's last event and the load of the ring.
var testHookAfterLastEvent func(avatar.RoomID)

// onEvent receives the room's live events, one at a time, in order.
func (r *room) onEvent(ev bus.StoredEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev.Seq <= r.last {
		return
	}
	if ev.Seq > r.last+1 {
		// The subscription dropped events (or this is the first after a
		// restart): take them from the stream so no viewer sees a gap.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := r.fill(ctx, ev.Seq-1)
		cancel()
		if err != nil {
			r.log.Error("fill gap from stream", zap.Uint64("seq", r.last), zap.Error(err))
		}
	}
	r.deliver(ev)
}

// fill delivers stored events from r.last+1 to upto. r.mu is held. The
// stream may hold more by the time it is read (the director goes on
// publishing): fill stops at upto, which is no failure; the live
// subscription delivers the rest.
func (r *room) fill(ctx context.Context, upto uint64) error {
	return r.hub.bus.ReplayUpTo(ctx, r.id, r.last, upto, func(ev bus.StoredEvent) error {
		r.deliver(ev)
		return nil
	})
}

// deliver adds ev to the ring and queues it for every client. r.mu is held.
func (r *room) deliver(ev bus.StoredEvent) {
	if ev.Seq <= r.last {
		return
	}
	f, err := newFrame(ev.Seq, ev.Data)
	if err != nil {
		r.log.Error("frame event", zap.Uint64("seq", ev.Seq), zap.Error(err))
		return
	}
	r.ring[ev.Seq%uint64(len(r.ring))] = f
	r.last = ev.Seq
	r.hub.metrics.eventsIn.Inc()
	r.fanout(f)
}

// fanout queues f for every client and wakes the writers once for all of
// them. r.mu is held.
//
// Writes cost a system call each, whatever they carry, so in a burst it
// pays to put several events in one: an event that follows the room's last
// push by less than the burst window is held until that window closes, and
// goes out with whatever else arrived meanwhile. An event after a quiet
// spell goes out at once, so a quiet room gains no latency.
//
// The window is Config.Coalesce, unless the writers have not yet got
// through the run queue since the room's last push: then they are behind
// (many viewers, a busy CPU), and the window is twice the time since that
// push (at most maxCoalesce), so that each viewer gets one write per
// window with everything waiting instead of a write per event, which
// spends the CPU they are short of. Writers that keep up see no change.
func (r *room) fanout(f *frame) {
	sched := r.sched[:0]
	if r.armed {
		sched = r.pending
	}
	for _, c := range r.clients {
		if c.enqueue(f) {
			sched = append(sched, c)
		}
	}
	window := r.hub.cfg.Coalesce
	now := time.Now()
	since := now.Sub(r.lastPush)
	if window > 0 && time.Unix(0, r.hub.writers.drained.Load()).Before(r.lastPush) {
		// The writers are still on the last push: they are behind.
		window = max(window, min(2*since, maxCoalesce))
	}
	switch {
	case r.armed:
		r.pending = sched
		return
	case window > 0 && since < window:
		r.pending, r.armed = sched, true
		r.sched = nil
		time.AfterFunc(window-since, r.pushPending)
		return
	}
	r.lastPush = now
	r.hub.writers.push(sched...)
	clear(sched)
	r.sched = sched[:0]
}

// maxCoalesce bounds a room's burst window however far behind the writers
// are.
const maxCoalesce = 200 * time.Millisecond

// pushPending ends a coalescing window: it hands the clients queued in it
// to the writers.
func (r *room) pushPending() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastPush = time.Now()
	r.hub.writers.push(r.pending...)
	clear(r.pending)
	r.sched, r.pending, r.armed = r.pending[:0], nil, false
}

// onChat shows a moderated comment, published by any gateway, to this
// gateway's viewers of the room: an ephemeral frame with seq 0.
func (r *room) onChat(c avatar.Comment) {
	env, err := avatar.NewEnvelope(r.id, 0, time.Now(), avatar.EventComment, c)
	if err != nil {
		r.log.Warn("bad chat message", zap.Error(err))
		return
	}
	raw, err := json.Marshal(env)
	if err != nil {
		r.log.Warn("bad chat message", zap.Error(err))
		return
	}
	f := &frame{raw: raw, class: ephemeral, ts: time.Time(env.TS)}
	f.prepare()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fanout(f)
}

// onCount records another gateway's viewer count of the room.
func (r *room) onCount(rep avatar.ViewerReport) {
	if rep.Gateway == r.hub.id {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.others.Set(rep.Gateway, rep.Count, time.Now())
}

// countViewers publishes this gateway's count of the room and, if the
// room's total changed, pushes a latest-wins viewers event to its viewers.
// Reports older than three periods are forgotten (a gateway that died).
func (r *room) countViewers(now time.Time) {
	r.mu.Lock()
	local := len(r.clients)
	total := local + r.others.Total(now)
	if total != r.total || r.viewers == nil {
		r.total = total
		r.viewers = sharedFrame(r.id, avatar.EventViewers, avatar.Viewers{Count: total}, latestWins)
		r.fanout(r.viewers)
	}
	r.mu.Unlock()
	if err := r.hub.bus.PublishViewers(r.id, avatar.ViewerReport{Gateway: r.hub.id, Count: local}); err != nil {
		r.log.Debug("publish viewer count", zap.Error(err))
	}
}

// unsubscribe ends the room's subscriptions.
func (r *room) unsubscribe() {
	for _, s := range []*bus.Subscription{r.sub, r.chat, r.count} {
		if s == nil {
			continue
		}
		if err := s.Stop(); err != nil {
			r.log.Debug("unsubscribe", zap.Error(err))
		}
	}
}

// ringHolds reports whether the ring holds every event after seq up to
// upto. r.mu is held.
func (r *room) ringHolds(seq, upto uint64) bool {
	n := uint64(len(r.ring))
	if upto > seq && upto-seq > n {
		return false
	}
	for s := seq + 1; s <= upto; s++ {
		if f := r.ring[s%n]; f == nil || f.seq != s {
			return false
		}
	}
	return true
}

// join brings c up to date from seq after and then adds it to the room's
// live fan-out, with no gap and no duplicate. Everything comes from the
// ring, which holds the resume window (Config.RingSize events, filled when
// the room opens): a viewer within it is served from memory at once,
// oldest first. What does not fit its queue is written from here, in
// spans of at most a chunk (chunkEvents, ending on chunk boundaries) until
// the rest fits; the rest goes into its queue as one span, which then
// joins the fan-out under the lock so no live event slips between. Spans
// are built once and shared (see span): after a restart every viewer
// resumes from about the same seq, and they all get the same bytes. A
// viewer further behind than the window (in events, or whose first missed
// event is older than Config.ResumeMaxAge) gets resume{recovered: false}
// with the room's state, and goes on from there. The stream is read only
// to mend holes in the ring, once per room however many viewers wait (see
// mend). It returns whether every event after 'after' was recovered, and
// whether the caller must now write c's queue (c.flush), holding c as a
// writer would: the handler does it, not one of the shared writers, which
// would wait there while the viewer reads the catch-up just written.
func (r *room) join(ctx context.Context, c *client, after uint64) (recovered, flush bool, err error) {
	c.lastSent.Store(after)
	recovered = true
	restarted, mended := false, false
	var direct []*frame
	for {
		r.mu.Lock()
		from, last := c.lastSent.Load(), r.last
		ok := r.inWindow(from, time.Now()) && r.ringHolds(from, last)
		if ok && (from >= last || last-from <= uint64(r.hub.cfg.QueueSize/2)) {
			sched := false
			if last > from {
				// The queue is new and has room for them.
				sched = c.enqueue(r.span(from+1, last))
			}
			if r.viewers != nil {
				sched = c.enqueue(r.viewers) || sched
			}
			r.index[c] = len(r.clients)
			r.clients = append(r.clients, c)
			r.mu.Unlock()
			return recovered, sched, nil
		}
		if ok {
			// Oldest first, leaving the newest quarter of a queue for
			// the queue.
			end := last - uint64(r.hub.cfg.QueueSize/4)
			direct = direct[:0]
			for s := from + 1; s <= end; {
				e := min(end, s-(s-1)%chunkEvents+chunkEvents-1) // the end of s's chunk
				direct = append(direct, r.span(s, e))
				s = e + 1
			}
			r.mu.Unlock()
			if err := c.writeDirect(direct); err != nil {
				return recovered, false, err
			}
			continue
		}
		r.mu.Unlock()
		if r.inWindowNow(from) && !mended {
			// The window should hold them but the ring has a hole (a gap
			// fill that failed): mend it from the stream, once for all.
			mended = true
			if err := r.mend(ctx); err != nil {
				return recovered, false, err
			}
			continue
		}
		// Beyond the window: start the viewer over from the current
		// state, or from now if even that is not to be had.
		recovered = false
		st := r.hub.state(r.id)
		r.mu.Lock()
		last = r.last
		if st == nil || restarted || st.Seq > last || !r.inWindow(st.Seq, time.Now()) {
			st = nil
			c.lastSent.Store(last)
		} else {
			c.lastSent.Store(st.Seq)
		}
		r.mu.Unlock()
		restarted = true
		resume := avatar.Resume{Since: after, Recovered: false, State: st}
		if err := c.writeDirect([]*frame{directFrame(r.id, avatar.EventResume, resume)}); err != nil {
			return recovered, false, err
		}
	}
}

// inWindowNow is inWindow under the lock.
func (r *room) inWindowNow(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inWindow(seq, time.Now())
}

// chunkEvents is how many events a chunk holds: catch-up is written in
// spans that end on multiples of it, so that viewers resuming from
// different seqs still share the whole chunks between.
const chunkEvents = 128

// maxSpans bounds the spans a room keeps (see span) beyond its whole
// chunks.
const maxSpans = 32

// span returns one frame carrying the ring's events first..end (which the
// ring holds) as one JSON array, framed once and shared by every viewer
// catching up over the same range: after a gateway restart its viewers
// all resume from about the same seq, and a storm of them costs one span
// per range, not one per viewer. A span's bytes are never copied per
// viewer (see client.write). Spans whose events the ring has moved past
// are dropped, and past maxSpans those that are not whole chunks, so that
// a room keeps at most a ring's worth of chunks and maxSpans others.
// r.mu is held.
func (r *room) span(first, end uint64) *frame {
	n := uint64(len(r.ring))
	if first == end {
		return r.ring[first%n]
	}
	k := [2]uint64{first, end}
	if f := r.spans[k]; f != nil {
		return f
	}
	size := 1 + int(end-first) + 1 // brackets and commas
	for s := first; s <= end; s++ {
		size += len(r.ring[s%n].raw)
	}
	b := appendHeader(make([]byte, 0, maxHeader+size), opText, size)
	b = append(b, '[')
	inner := len(b)
	for s := first; s <= end; s++ {
		if s > first {
			b = append(b, ',')
		}
		b = append(b, r.ring[s%n].raw...)
	}
	b = append(b, ']')
	f := &frame{seq: end, first: first, raw: b[inner : len(b)-1], framed: b, class: mustArrive, ts: r.ring[first%n].ts}
	if len(r.spans) >= int(n/chunkEvents)+maxSpans {
		for k := range r.spans {
			whole := (k[0]-1)%chunkEvents == 0 && k[1]-k[0]+1 == chunkEvents
			if k[0]+n <= r.last || !whole {
				delete(r.spans, k)
			}
		}
	}
	if r.spans == nil {
		r.spans = map[[2]uint64]*frame{}
	}
	r.spans[k] = f
	return f
}

// inWindow reports whether a viewer that has seen seq is within the resume
// window: no more than the ring's size behind, not before the first event
// the room could load, and its first missed event no older than
// Config.ResumeMaxAge. r.mu is held.
func (r *room) inWindow(seq uint64, now time.Time) bool {
	if seq >= r.last {
		return true
	}
	n := uint64(len(r.ring))
	if r.last-seq > n || seq < r.floor {
		return false
	}
	if f := r.ring[(seq+1)%n]; f != nil && f.seq == seq+1 && !f.ts.IsZero() && now.Sub(f.ts) > r.hub.cfg.ResumeMaxAge {
		return false
	}
	return true
}

// mend reads from the stream the events the ring's window lacks, once for
// every viewer waiting on it: concurrent calls share one read.
func (r *room) mend(ctx context.Context) error {
	_, err, _ := r.mending.Do("", func() (any, error) {
		// The holes, as runs of missing seqs, found under the lock; the
		// stream is read without it.
		r.mu.Lock()
		n := uint64(len(r.ring))
		lo := max(r.floor, r.last-min(r.last, n)) + 1
		upto := r.last
		var runs [][2]uint64
		for s := lo; s <= upto; s++ {
			if f := r.ring[s%n]; f != nil && f.seq == s {
				continue
			}
			if k := len(runs); k > 0 && runs[k-1][1] == s-1 {
				runs[k-1][1] = s
			} else {
				runs = append(runs, [2]uint64{s, s})
			}
		}
		r.mu.Unlock()
		var got []*frame
		for _, run := range runs {
			err := r.hub.bus.ReplayUpTo(ctx, r.id, run[0]-1, run[1], func(ev bus.StoredEvent) error {
				f, err := newFrame(ev.Seq, ev.Data)
				if err != nil {
					return nil // as deliver: an event that does not frame is skipped
				}
				got = append(got, f)
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("gateway: mend ring of room %s: %w", r.id, err)
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		for _, f := range got {
			slot := &r.ring[f.seq%n]
			if f.seq <= r.last && r.last-f.seq < n && (*slot == nil || (*slot).seq < f.seq) {
				*slot = f
			}
		}
		return nil, nil
	})
	return err
}

// leave removes c from the fan-out.
func (r *room) leave(c *client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	i, ok := r.index[c]
	if !ok {
		return
	}
	last := len(r.clients) - 1
	r.clients[i] = r.clients[last]
	r.index[r.clients[i]] = i
	r.clients[last] = nil
	r.clients = r.clients[:last]
	delete(r.index, c)
}

// writeDirect writes frames before the client joins the fan-out, from its
// handler goroutine.
func (c *client) writeDirect(fs []*frame) error {
	if len(fs) == 0 {
		return nil
	}
	err := c.write(append([]*frame(nil), fs...))
	if err != nil {
		return fmt.Errorf("gateway: catch up viewer %s: %w", c.viewer, err)
	}
	return nil
}
