package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
)

// Control sends c to the director playing room c.Room and returns its
// reply. It waits until ctx ends (the caller sets a deadline). A reply with
// OK false is returned as is, with a nil error: the director refused.
func (b *Bus) Control(ctx context.Context, c avatar.Control) (avatar.ControlReply, error) {
	subj := avatar.ControlSubject(c.Room)
	data, err := json.Marshal(c)
	if err != nil {
		return avatar.ControlReply{}, fmt.Errorf("bus: encode control %s for room %s: %w", c.Type, c.Room, err)
	}
	m, err := b.nc.RequestWithContext(ctx, subj, data)
	switch {
	case errors.Is(err, nats.ErrNoResponders):
		return avatar.ControlReply{}, fmt.Errorf("%w: control %s for room %s", ErrNoDirector, c.Type, c.Room)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout):
		return avatar.ControlReply{}, fmt.Errorf("%w: control %s for room %s: no answer in time", ErrNoDirector, c.Type, c.Room)
	case err != nil:
		return avatar.ControlReply{}, fmt.Errorf("bus: control %s for room %s: %w", c.Type, c.Room, err)
	}
	var r avatar.ControlReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return avatar.ControlReply{}, fmt.Errorf("%w: control %s for room %s: %v", ErrBadReply, c.Type, c.Room, err)
	}
	return r, nil
}
