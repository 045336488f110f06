package bus

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// Subscription is a live subscription; Stop ends it.
type Subscription struct{ sub *nats.Subscription }

// Stop unsubscribes. A handler call already running finishes; no new one
// starts after the server has seen the unsubscribe.
func (s *Subscription) Stop() error { return s.sub.Unsubscribe() }

// publishJSON encodes v and publishes it on subject with core NATS: not
// stored, not acked, not waiting for the server.
func publishJSON(b *Bus, subject, what string, r avatar.RoomID, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("bus: encode %s of room %s: %w", what, r, err)
	}
	if err := b.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("bus: publish %s of room %s: %w", what, r, err)
	}
	return nil
}

// subscribeJSON calls fn, one at a time, with the room of each message on
// subject (a wildcard serves every room) and its body decoded as a T. A
// body that does not decode is logged and dropped: whoever sent it, the
// subscriber never sees it. pending, if not zero, raises the
// subscription's pending message limit (a drop costs little).
func subscribeJSON[T any](b *Bus, subject, what string, pending int, fn func(avatar.RoomID, T)) (*Subscription, error) {
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) {
		var v T
		if err := json.Unmarshal(m.Data, &v); err != nil {
			b.log.Warn("dropped undecodable "+what, logSubject(m.Subject), zap.Error(err))
			return
		}
		fn(roomOfSubject(m.Subject), v)
	})
	if err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
	}
	if pending > 0 {
		if err := sub.SetPendingLimits(pending, 64<<20); err != nil {
			_ = sub.Unsubscribe()
			return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
		}
	}
	// Once this returns, the server has the interest: a message another
	// connection publishes after it reaches fn (without the round trip it
	// could arrive first and be lost).
	if err := b.nc.FlushTimeout(cmp.Or(b.reqTimeout, 5*time.Second)); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
	}
	return &Subscription{sub: sub}, nil
}

// roomOfSubject returns the room token of a room subject: the one before
// the last (see avatar.InputSubject and avatar.ControlSubject).
func roomOfSubject(s string) avatar.RoomID {
	t := strings.Split(s, ".")
	if len(t) < 2 {
		return ""
	}
	return avatar.RoomID(t[len(t)-2])
}

// Flush returns once the server has processed everything b published so
// far (core publishes do not wait for it), or after 10 seconds.
func (b *Bus) Flush() error {
	if err := b.nc.Flush(); err != nil {
		return fmt.Errorf("bus: flush: %w", err)
	}
	return nil
}
