package bus

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// SubscribeEvents calls fn, in order and one at a time, for each event of
// room r stored from now on. It subscribes to the stream's republished
// feed (avatar.StoredEventsSubject), not to the subject directors publish
// on: the server republishes an event only after the stream has stored it,
// so a publish the stream refuses (a fenced director) or never stores (a
// publish lost in a leader election) reaches no one, and every event given
// to fn is the one the stream holds at that seq. It is still a core NATS
// subscription: if the client falls too far behind, the server drops
// messages, and a new stream leader does not republish what its
// predecessor had not, so the caller must watch seq for gaps and fill them
// with Replay.
func (b *Bus) SubscribeEvents(r avatar.RoomID, fn func(StoredEvent)) (*Subscription, error) {
	sub, err := b.nc.Subscribe(avatar.StoredEventsSubject(r), func(m *nats.Msg) {
		// The server's republish names the subject the event was stored
		// under. A consumer that any reader of the stream may create and
		// point here (JetStream delivers past its creator's permissions)
		// does not: another room's events never reach this room's viewers.
		if m.Header.Get(jetstream.SubjectHeader) != avatar.EventsSubject(r) {
			b.dropForged(m.Subject)
			return
		}
		seq, err := strconv.ParseUint(m.Header.Get(avatar.HeaderSeq), 10, 64)
		if err != nil {
			b.log.Warn("event without seq", logSubject(m.Subject))
			return
		}
		// Set by the server on every republished message.
		sseq, _ := strconv.ParseUint(m.Header.Get(jetstream.SequenceHeader), 10, 64)
		fn(StoredEvent{Seq: seq, StreamSeq: sseq, Data: m.Data, Cursor: m.Header.Get(avatar.HeaderCursor)})
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe room %s: %w", r, err)
	}
	// Generous limits: a drop costs a Replay, so make drops rare.
	if err := sub.SetPendingLimits(1<<16, 64<<20); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("bus: subscribe room %s: %w", r, err)
	}
	return &Subscription{sub: sub}, nil
}
