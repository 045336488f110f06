package bus

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
)

// SubscribeAllViewers calls fn for each gateway's viewer count report of
// every room (see PublishViewers), one at a time, with the room taken from
// the subject. One subscription serves all rooms; the caller drops reports
// of rooms it does not play.
func (b *Bus) SubscribeAllViewers(fn func(r avatar.RoomID, data []byte)) (*Subscription, error) {
	sub, err := b.NC.Subscribe(avatar.AllViewersSubject(), func(m *nats.Msg) { fn(roomOfSubject(m.Subject), m.Data) })
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe viewers: %w", err)
	}
	// Reports come every few seconds per room and gateway; a dropped one is
	// replaced by the next.
	if err := sub.SetPendingLimits(1<<16, 16<<20); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("bus: subscribe viewers: %w", err)
	}
	return &Subscription{sub: sub}, nil
}
