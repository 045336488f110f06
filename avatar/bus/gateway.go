package bus

import (
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
)

// PublishChat sends an encoded avatar.Comment, already moderated, to every
// gateway with viewers in room r. It is core NATS: not stored, not acked.
func (b *Bus) PublishChat(r avatar.RoomID, data []byte) error {
	if err := b.NC.Publish(avatar.ChatSubject(r), data); err != nil {
		return fmt.Errorf("bus: publish chat of room %s: %w", r, err)
	}
	return nil
}

// SubscribeChat calls fn, one at a time, with each comment published to
// room r's chat subject.
func (b *Bus) SubscribeChat(r avatar.RoomID, fn func(data []byte)) (*Subscription, error) {
	return b.subscribeCore(avatar.ChatSubject(r), fn)
}

// PublishViewers sends one gateway's viewer count report for room r.
func (b *Bus) PublishViewers(r avatar.RoomID, data []byte) error {
	if err := b.NC.Publish(avatar.ViewersSubject(r), data); err != nil {
		return fmt.Errorf("bus: publish viewers of room %s: %w", r, err)
	}
	return nil
}

// SubscribeViewers calls fn, one at a time, with each gateway's viewer
// count report for room r.
func (b *Bus) SubscribeViewers(r avatar.RoomID, fn func(data []byte)) (*Subscription, error) {
	return b.subscribeCore(avatar.ViewersSubject(r), fn)
}

func (b *Bus) subscribeCore(subject string, fn func([]byte)) (*Subscription, error) {
	sub, err := b.NC.Subscribe(subject, func(m *nats.Msg) { fn(m.Data) })
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
	}
	return &Subscription{sub: sub}, nil
}
