package director

import (
	"context"
	"fmt"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Assignment is one room and the show it plays.
type Assignment struct {
	Room avatar.Room
	Show *script.Show
}

// Director plays a set of rooms, one Player each.
type Director struct {
	sink  Sink
	log   *zap.Logger
	rooms []Assignment
}

// New returns a director that will play rooms through sink.
func New(sink Sink, rooms []Assignment, log *zap.Logger) *Director {
	return &Director{sink: sink, log: log.Named("director"), rooms: rooms}
}

// Run plays every room until ctx ends, then returns nil once all players
// have stopped. If one room fails, Run stops the others and returns its error.
func (d *Director) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, a := range d.rooms {
		g.Go(func() error {
			if err := NewPlayer(a.Room, a.Show, d.sink, d.log).Run(ctx); err != nil {
				return fmt.Errorf("director: room %s: %w", a.Room.ID, err)
			}
			return nil
		})
	}
	return g.Wait()
}
