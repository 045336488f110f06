package gateway

import (
	"context"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// room is one room on this gateway: one NATS subscription however many
// viewers, a ring of recent frames for resumes, and the clients to fan out to.
type room struct {
	id  avatar.RoomID
	hub *Hub
	log *zap.Logger
	sub *bus.Subscription

	mu      sync.Mutex
	last    uint64   // last seq delivered
	ring    []*frame // recent frames, ring[(i) % len] by seq
	clients map[*client]struct{}
}

// openRoom subscribes to room id and loads its recent events into the ring.
func (h *Hub) openRoom(ctx context.Context, id avatar.RoomID) (*room, error) {
	r := &room{
		id: id, hub: h,
		log:     h.log.With(zap.String("room", string(id))),
		ring:    make([]*frame, h.cfg.RingSize),
		clients: map[*client]struct{}{},
	}
	// Hold the lock while subscribing and loading so that live events wait
	// until the ring is filled; those already loaded are then skipped.
	r.mu.Lock()
	defer r.mu.Unlock()
	sub, err := h.bus.SubscribeEvents(id, r.onEvent)
	if err != nil {
		return nil, err
	}
	r.sub = sub
	last, ok, err := h.bus.LastEvent(ctx, id)
	if err != nil {
		_ = sub.Stop()
		return nil, err
	}
	if ok {
		from := uint64(0)
		if n := uint64(len(r.ring)) / 4; last.Seq > n {
			from = last.Seq - n
		}
		r.last = from
		if err := r.fill(ctx, last.Seq); err != nil {
			_ = sub.Stop()
			return nil, err
		}
	}
	return r, nil
}

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

// fill delivers stored events from r.last+1 to upto. r.mu is held.
func (r *room) fill(ctx context.Context, upto uint64) error {
	return r.hub.bus.Replay(ctx, r.id, r.last, func(ev bus.StoredEvent) error {
		if ev.Seq > upto {
			return errStop
		}
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
	for c := range r.clients {
		c.enqueue(f)
	}
}

// ringAfter returns the frames after seq if the ring still holds all of
// them. r.mu is held.
func (r *room) ringAfter(seq uint64) ([]*frame, bool) {
	if seq >= r.last {
		return nil, true
	}
	n := uint64(len(r.ring))
	if r.last-seq > n {
		return nil, false
	}
	out := make([]*frame, 0, r.last-seq)
	for s := seq + 1; s <= r.last; s++ {
		f := r.ring[s%n]
		if f == nil || f.seq != s {
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// join brings c up to date from seq after and then adds it to the room's
// live fan-out, with no gap and no duplicate: first whatever the stream
// holds that the ring does not, written directly, then the ring's frames,
// queued under the lock so no live event slips between. It returns whether
// every event after 'after' was recovered.
func (r *room) join(ctx context.Context, c *client, after uint64) (recovered bool, err error) {
	c.lastSent = after
	recovered = true
	restarted := false
	for {
		r.mu.Lock()
		frames, ok := r.ringAfter(c.lastSent)
		if ok && len(frames) <= cap(c.send)/2 {
			for _, f := range frames {
				c.send <- f // room for them: the queue is new and half empty
			}
			r.clients[c] = struct{}{}
			r.mu.Unlock()
			return recovered, nil
		}
		r.mu.Unlock()
		if ok {
			if err := c.writeDirect(frames); err != nil {
				return recovered, err
			}
			continue
		}
		// Older than the ring: read the stream, in batches.
		var batch []*frame
		gap, got := false, 0
		err := r.hub.bus.Replay(ctx, r.id, c.lastSent, func(ev bus.StoredEvent) error {
			got++
			if len(batch) == 0 && ev.Seq > c.lastSent+1 {
				gap = true
				return errStop
			}
			f, err := newFrame(ev.Seq, ev.Data)
			if err != nil {
				return err
			}
			batch = append(batch, f)
			if len(batch) == batchFrames {
				if err := c.writeDirect(batch); err != nil {
					return err
				}
				batch = batch[:0]
			}
			return nil
		})
		if err != nil && err != errStop {
			return recovered, err
		}
		if err := c.writeDirect(batch); err != nil {
			return recovered, err
		}
		if gap || got == 0 {
			// Beyond retention: start the viewer over from the current
			// state, or from now if even that is not to be had.
			recovered = false
			st := r.hub.state(r.id)
			r.mu.Lock()
			last := r.last
			r.mu.Unlock()
			if st == nil || restarted || st.Seq > last {
				st, c.lastSent = nil, last
			} else {
				c.lastSent = st.Seq
			}
			restarted = true
			resume := avatar.Resume{Since: after, Recovered: false, State: st}
			if err := c.writeDirect([]*frame{directFrame(r.id, avatar.EventResume, resume)}); err != nil {
				return recovered, err
			}
		}
	}
}

// leave removes c from the fan-out.
func (r *room) leave(c *client) {
	r.mu.Lock()
	delete(r.clients, c)
	r.mu.Unlock()
}

// count returns the number of clients.
func (r *room) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.clients)
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

// errStop ends a Replay early; it is not a failure.
var errStop error = stopErr{}

// writeDirect writes frames before the writer goroutine runs.
func (c *client) writeDirect(fs []*frame) error {
	if len(fs) == 0 {
		return nil
	}
	_, err := c.write(append([]*frame(nil), fs...), nil)
	if err != nil {
		return fmt.Errorf("gateway: catch up viewer %s: %w", c.viewer, err)
	}
	return nil
}
