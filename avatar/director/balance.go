package director

import (
	"cmp"
	"context"
	"slices"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Directors share the rooms. Each says it is alive in the directors bucket
// (bus.PutPresence, every LeaseTTL/3, with the rooms it holds) and watches
// the others' presence. A director's fair share is the rooms of the rooms
// bucket divided by the live directors, rounded up. One that holds its
// share or more waits HoldBack before it tries to lease another room, so a
// director with fewer takes it first; one that holds more than its share
// (plus BalanceSlack) while another holds at least two fewer hands the
// extra rooms over, each at its next line boundary (handoverSink). A
// stopping director leaves the count at once and hands all its rooms over
// the same way (drain).

// peer is another live director as last heard.
type peer struct {
	seen  time.Time // when its presence was last put (local clock)
	rooms int
}

// share starts saying this director is alive and hearing the others, and
// returns a channel closed once the others' presence is known.
func (d *Director) share(ctx context.Context) <-chan struct{} {
	ready := make(chan struct{})
	d.putPresence(ctx)
	d.wg.Go(func() {
		err := d.b.WatchPresence(ctx, d.onPresence, func() { close(ready) })
		if err != nil {
			// Without the others' count the director still plays: it
			// only stops balancing.
			d.log.Warn("cannot watch the other directors; rooms not balanced", zap.Error(err))
			select {
			case <-ready:
			default:
				close(ready)
			}
		}
	})
	d.wg.Go(func() {
		t := time.NewTicker(d.cfg.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if d.draining.Load() {
				return
			}
			d.putPresence(ctx)
			d.rebalance()
		}
	})
	return ready
}

func (d *Director) putPresence(ctx context.Context) {
	d.presMu.Lock()
	defer d.presMu.Unlock()
	if d.draining.Load() {
		return
	}
	d.mu.Lock()
	n := d.leased
	d.mu.Unlock()
	if err := d.b.PutPresence(ctx, d.cfg.ID, bus.Presence{Rooms: n}); err != nil && ctx.Err() == nil {
		d.log.Warn("say this director is alive", zap.Error(err))
	}
}

func (d *Director) onPresence(id string, p *bus.Presence) {
	if id == d.cfg.ID {
		return
	}
	d.mu.Lock()
	if p == nil {
		delete(d.peers, id)
	} else {
		d.peers[id] = peer{seen: time.Now(), rooms: p.Rooms}
	}
	d.mu.Unlock()
	d.rebalance()
}

// fairShareLocked returns this director's fair share of the rooms and the
// fewest rooms another live director holds (-1: no other). d.mu is held.
func (d *Director) fairShareLocked() (share, fewest int) {
	live, fewest := 0, -1
	if !d.draining.Load() {
		live = 1
	}
	now := time.Now()
	for id, p := range d.peers {
		if now.Sub(p.seen) > d.cfg.LeaseTTL {
			delete(d.peers, id) // died: its presence expired
			continue
		}
		live++
		if fewest < 0 || p.rooms < fewest {
			fewest = p.rooms
		}
	}
	if live == 0 {
		return len(d.rooms), fewest
	}
	return (len(d.rooms) + live - 1) / live, fewest
}

// atShare reports whether this director holds its fair share of the rooms
// or more (it then holds back before leasing another).
func (d *Director) atShare() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	share, _ := d.fairShareLocked()
	return d.leased >= share
}

// rebalance asks the rooms this director holds beyond its fair share to be
// handed over at their next line boundary, if another director holds at
// least two fewer.
func (d *Director) rebalance() {
	if d.draining.Load() {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	share, fewest := d.fairShareLocked()
	keep := d.leased - d.handing
	excess := keep - share - d.cfg.BalanceSlack
	if excess <= 0 || fewest < 0 || fewest > keep-2 {
		return
	}
	var give []*roomRun
	for _, rr := range d.rooms {
		if rr.leased && !rr.handing {
			give = append(give, rr)
		}
	}
	slices.SortFunc(give, func(a, b *roomRun) int { return cmp.Compare(a.id, b.id) })
	ids := make([]avatar.RoomID, 0, excess)
	for _, rr := range give[:min(excess, len(give))] {
		rr.handing = true
		d.handing++
		ids = append(ids, rr.id)
		select {
		case rr.handover <- struct{}{}:
		default:
		}
	}
	d.log.Info("handing rooms over", zap.Int("held", d.leased), zap.Int("share", share), zap.Any("rooms", ids))
}

// released wakes this director's try for room r, whose lease another
// director has just let go.
func (d *Director) released(r avatar.RoomID) {
	d.mu.Lock()
	rr := d.rooms[r]
	d.mu.Unlock()
	if rr == nil {
		return
	}
	select {
	case rr.free <- struct{}{}:
	default:
	}
}

// drain stops this director taking rooms and leaves the count of live
// directors; if another is alive, it hands every room over at its next
// line boundary and waits for that (at most DrainTimeout). ctx is Run's,
// already ended.
func (d *Director) drain(ctx context.Context) {
	d.presMu.Lock()
	d.draining.Store(true)
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	err := d.b.RemovePresence(rctx, d.cfg.ID)
	cancel()
	d.presMu.Unlock()
	if err != nil {
		d.log.Warn("leave the live directors", zap.Error(err))
	}
	d.mu.Lock()
	_, fewest := d.fairShareLocked()
	var held []*roomRun
	for _, rr := range d.rooms {
		if rr.leased {
			held = append(held, rr)
		}
	}
	d.mu.Unlock()
	if fewest < 0 || len(held) == 0 {
		return // no one to hand them to: let them go at once
	}
	d.log.Info("draining: handing rooms over", zap.Int("rooms", len(held)))
	for _, rr := range held {
		select {
		case rr.handover <- struct{}{}:
		default:
		}
	}
	deadline := time.NewTimer(d.cfg.DrainTimeout)
	defer deadline.Stop()
	for {
		d.mu.Lock()
		n := d.leased
		d.mu.Unlock()
		if n == 0 {
			d.log.Info("drained: every room handed over")
			return
		}
		select {
		case <-deadline.C:
			d.log.Warn("drain timed out; letting the rest go", zap.Int("rooms", n))
			return
		case <-d.leaseDown:
		}
	}
}
