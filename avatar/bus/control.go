package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
)

// ErrNoDirector is returned by Control when no director plays the room:
// nobody listens on its control subject, or nobody answered in time.
var ErrNoDirector = errors.New("no director plays the room")

// ErrBadReply is returned by Control when the director's answer is not a
// ControlReply.
var ErrBadReply = errors.New("director sent a malformed reply")

// Control sends c to the director playing room c.Room and returns its
// reply. It waits until ctx ends (the caller sets a deadline). A reply with
// OK false is returned as is, with a nil error: the director refused.
func (b *Bus) Control(ctx context.Context, c avatar.Control) (avatar.ControlReply, error) {
	subj := avatar.ControlSubject(c.Room)
	data, err := json.Marshal(c)
	if err != nil {
		return avatar.ControlReply{}, fmt.Errorf("bus: encode control %s for room %s: %w", c.Type, c.Room, err)
	}
	m, err := b.NC.RequestWithContext(ctx, subj, data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return avatar.ControlReply{}, fmt.Errorf("bus: control %s for room %s: %w", c.Type, c.Room, ErrNoDirector)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return avatar.ControlReply{}, fmt.Errorf("bus: control %s for room %s: no answer in time: %w", c.Type, c.Room, ErrNoDirector)
	case err != nil:
		return avatar.ControlReply{}, fmt.Errorf("bus: control %s for room %s: %w", c.Type, c.Room, err)
	}
	var r avatar.ControlReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return avatar.ControlReply{}, fmt.Errorf("bus: control %s for room %s: %w: %v", c.Type, c.Room, ErrBadReply, err)
	}
	return r, nil
}
