package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// ControlFunc handles one merchant control; it must call reply exactly once,
// from any goroutine, and should not block.
type ControlFunc func(c avatar.Control, reply func(avatar.ControlReply))

// ControlServer answers merchant controls for the rooms added to it. All its
// rooms share one channel and a few workers, so a room costs one subscription
// and no goroutine. Its methods are safe for concurrent use.
type ControlServer struct {
	b    *Bus
	fn   ControlFunc
	ch   chan *nats.Msg
	mu   sync.Mutex
	subs map[avatar.RoomID]*nats.Subscription
	wg   sync.WaitGroup
	done chan struct{}
	once sync.Once
}

// ServeControls starts answering controls with fn until ctx ends or Close.
// A room gets controls only between Add and Remove, so a request for a
// room no one serves gets "no responders".
func (b *Bus) ServeControls(ctx context.Context, fn ControlFunc) *ControlServer {
	s := &ControlServer{b: b, fn: fn, ch: make(chan *nats.Msg, 4096), subs: map[avatar.RoomID]*nats.Subscription{}, done: make(chan struct{})}
	for range 2 {
		s.wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-s.done:
					return
				case m, ok := <-s.ch:
					if !ok {
						return
					}
					s.handle(m)
				}
			}
		})
	}
	return s
}

func (s *ControlServer) handle(m *nats.Msg) {
	if !fromRoles(m.Reply, RoleAPI, RoleAdmin) {
		// Not a request from the merchant API or serve: a consumer that a
		// reader of a stream pointed at this subject (JetStream delivers
		// for the account, past its creator's permissions), or a stray
		// publish. Never a control.
		s.b.dropForged(m.Subject)
		return
	}
	var c avatar.Control
	if err := json.Unmarshal(m.Data, &c); err != nil {
		s.respond(m, avatar.ControlReply{Error: "bad control: " + err.Error()})
		return
	}
	// The subject names the room; the body cannot redirect a control.
	c.Room = roomOfSubject(m.Subject)
	s.fn(c, func(r avatar.ControlReply) { s.respond(m, r) })
}

func (s *ControlServer) respond(m *nats.Msg, r avatar.ControlReply) {
	data, _ := json.Marshal(r)
	if err := m.Respond(data); err != nil {
		s.b.log.Warn("control reply", logSubject(m.Subject))
	}
}

// Add starts taking controls for room r.
func (s *ControlServer) Add(r avatar.RoomID) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[r]; ok {
		return nil
	}
	sub, err := s.b.nc.ChanSubscribe(avatar.ControlSubject(r), s.ch)
	if err != nil {
		return fmt.Errorf("bus: serve controls of room %s: %w", r, err)
	}
	s.subs[r] = sub
	return nil
}

// Remove stops taking controls for room r.
func (s *ControlServer) Remove(r avatar.RoomID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub, ok := s.subs[r]; ok {
		_ = sub.Unsubscribe()
		delete(s.subs, r)
	}
}

// Close unsubscribes every room, stops the workers and waits for them.
// Controls not yet handled get no reply (the requester times out).
func (s *ControlServer) Close() {
	s.mu.Lock()
	for r, sub := range s.subs {
		_ = sub.Unsubscribe()
		delete(s.subs, r)
	}
	s.mu.Unlock()
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}

// fromRoles reports whether reply is the inbox of one of roles: each
// role's replies come to its own inbox prefix, which the server lets only
// that role subscribe to, so a request's reply says which role sent it.
// A message JetStream delivers to a subject has no such reply.
func fromRoles(reply string, roles ...Role) bool {
	for _, r := range roles {
		if strings.HasPrefix(reply, avatar.InboxPrefix(string(r))+".") {
			return true
		}
	}
	return false
}

// dropForged counts a message dropped because no role that may send it
// sent it, and logs the first and every 1000th.
func (b *Bus) dropForged(subject string) {
	if n := b.forged.Add(1); n%1000 == 1 {
		b.log.Warn("message dropped: not sent by a role that may send it", logSubject(subject), zap.Uint64("dropped", n))
	}
}

// Forged is how many controls and events this connection dropped because
// no role that may send them sent them.
func (b *Bus) Forged() uint64 { return b.forged.Load() }
