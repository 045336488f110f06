package director

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/answer"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// Config configures a Director. The zero value is ready to use.
type Config struct {
	// ID names this director in room leases (default host-pid-time).
	ID string
	// LeaseTTL must equal the leases bucket's TTL, bus.Config.LeaseTTL
	// (default 5s). Leases are renewed every LeaseTTL/3.
	LeaseTTL time.Duration
	// Sink is where events and state go (default: the bus itself).
	Sink Sink
	// ViewersMaxAge is how long a gateway's viewer count report counts
	// (default ViewersMaxAge, 15s). Keep it at three times the gateways'
	// ViewersEvery.
	ViewersMaxAge time.Duration
	// BlockedWords are the words a viewer's display name must not hold to
	// be spoken (case-insensitive); give the gateways' list
	// (gateway.Config.BlockedWords), so one rule masks and refuses.
	BlockedWords []string
	// Scripts holds the parsed stored script versions; give the one the
	// merchant API of the same process uses, so each version is parsed
	// once (default: the director's own).
	Scripts *script.Cache
	// Answers is the model client that answers viewers' questions no FAQ
	// entry matched, in rooms whose script turns ai on (docs/answers.md);
	// nil: fallback lines only. Build it with the guard of BlockedWords.
	Answers *answer.Client

	// Directors share the rooms (balance.go): each counts the live
	// directors (bus.PutPresence) and the rooms, and its fair share is
	// rooms / live directors, rounded up.

	// HoldBack is how long a director that holds its fair share or more
	// waits before it tries to lease another room, so that one with fewer
	// gets it first (default LeaseTTL/5). It then tries anyway: a room is
	// never left unplayed for balance.
	HoldBack time.Duration
	// BalanceSlack is how many rooms above its fair share a director may
	// keep when another director holds at least two fewer than it (default
	// 0: it hands the extra rooms over, each at its next line boundary).
	BalanceSlack int
	// DrainTimeout bounds how long a stopping director waits for its
	// rooms' lines to end while it hands them over to the other live
	// directors (default 30s); with no other live director it lets them go
	// at once.
	DrainTimeout time.Duration
	// Voice renders the lines ahead of time, so they are spoken with
	// audio and the synthesiser's timings (bus.VoiceClient); nil: no
	// audio, timings estimated from the text.
	Voice voice.Provider
}

// Director plays every room of the rooms bucket that it can lease: it
// watches the bucket, tries to lease each room, loads its script version
// from the scripts bucket and plays it, serving the room's viewer input and
// merchant controls, until it loses the lease or ctx ends. Rooms it cannot
// lease it watches and takes over when their owner's lease expires.
type Director struct {
	cfg  Config
	b    *bus.Bus
	sink Sink
	// renewLease renews a room's lease (the bus's; tests make it fail).
	renewLease func(context.Context, bus.Lease) (bus.Lease, error)
	// acquireLease claims a room's lease (the bus's; tests count the tries).
	acquireLease func(context.Context, avatar.RoomID, string) (bus.Lease, bus.LeaseInfo, error)
	// metrics are the director's figures (Collectors).
	metrics *metrics
	log     *zap.Logger

	mu    sync.Mutex
	rooms map[avatar.RoomID]*roomRun
	progs map[string]*Program // by merchant.show@version
	wg    sync.WaitGroup
	ctl   *bus.ControlServer
	block *avatar.Blocklist

	// Sharing the rooms (balance.go).
	leased   int             // leases held; guarded by mu
	handing  int             // of those, rooms asked to hand over; guarded by mu
	peers    map[string]peer // other live directors by ID; guarded by mu
	ready    chan struct{}   // closed once the rooms and directors are known
	draining atomic.Bool
	// presMu orders this director's presence puts and its removal.
	presMu    sync.Mutex
	leaseDown chan struct{} // signalled when leased goes down

	// The leases as the watch of the leases bucket last gave them
	// (watchLeases): a room another director holds is tried again only
	// when its lease, as last seen, would have expired, or is released.
	// The watch runs only while some room waits for another director's
	// lease (awaiting counts them): a director alone watches nothing.
	leaseSeen     map[avatar.RoomID]bus.LeaseInfo // guarded by mu
	awaiting      int                             // guarded by mu
	leasesWanted  chan struct{}                   // awaiting went above 0
	leasesWatched atomic.Bool                     // the watch is up to date
}

type roomRun struct {
	id      avatar.RoomID
	rec     avatar.Room // latest record; guarded by Director.mu
	deleted bool        // guarded by Director.mu
	player  *Player     // while playing; guarded by Director.mu
	changed chan struct{}
	// leased: this director holds the room's lease; handing: it was asked
	// to hand the room over. Guarded by Director.mu.
	leased, handing bool
	handover        chan struct{} // hand the room over at its next line boundary
	free            chan struct{} // another director just released the room
	leaseNews       chan struct{} // the watch gave the room's lease
}

// New returns a director playing the rooms of b's rooms bucket.
func New(cfg Config, b *bus.Bus, log *zap.Logger) *Director {
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = host + "-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Second
	}
	if cfg.ViewersMaxAge <= 0 {
		cfg.ViewersMaxAge = ViewersMaxAge
	}
	if cfg.Scripts == nil {
		cfg.Scripts = script.NewCache(0)
	}
	if cfg.HoldBack <= 0 {
		cfg.HoldBack = cfg.LeaseTTL / 5
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	d := &Director{cfg: cfg, b: b, sink: cfg.Sink, log: log.Named("director").With(zap.String("director", cfg.ID)),
		rooms: map[avatar.RoomID]*roomRun{}, progs: map[string]*Program{}, block: avatar.NewBlocklist(cfg.BlockedWords), metrics: newMetrics(),
		peers: map[string]peer{}, ready: make(chan struct{}), leaseDown: make(chan struct{}, 1), leaseSeen: map[avatar.RoomID]bus.LeaseInfo{},
		leasesWanted: make(chan struct{}, 1)}
	if d.sink == nil {
		d.sink = BusSink{B: b}
	}
	d.renewLease = b.RenewLease
	d.acquireLease = b.AcquireLease
	return d
}

// ID is the name this director holds leases under.
func (d *Director) ID() string { return d.cfg.ID }

// Run plays rooms until ctx ends, then stops every player, releases its
// leases and returns nil once all its goroutines have ended. It returns an
// error if it cannot watch the rooms bucket.
func (d *Director) Run(ctx context.Context) error {
	// The rooms play on under pctx while the director drains after ctx.
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	d.logOwned("started")
	d.ctl = d.b.ServeControls(pctx, d.timedControl)
	defer d.ctl.Close()
	in, err := d.b.SubscribeAllInputs(d.input)
	if err != nil {
		return err
	}
	defer func() { _ = in.Stop() }()
	vw, err := d.b.SubscribeAllViewers(d.viewers)
	if err != nil {
		return err
	}
	defer func() { _ = vw.Stop() }()
	rel, err := d.b.SubscribeReleased(d.released)
	if err != nil {
		return err
	}
	defer func() { _ = rel.Stop() }()
	d.wg.Go(func() { d.watchLeases(pctx) })
	peersReady := d.share(pctx)
	roomsReady := make(chan struct{})
	d.wg.Go(func() {
		select {
		case <-pctx.Done():
			return
		case <-roomsReady:
		}
		select {
		case <-pctx.Done():
		case <-peersReady:
			close(d.ready)
		}
	})
	err = d.b.WatchRooms(ctx, func(id avatar.RoomID, rec *avatar.Room) { d.onRoom(pctx, id, rec) }, func() { close(roomsReady) })
	if err == nil {
		d.drain(ctx)
	}
	cancel()
	d.wg.Wait()
	if err != nil {
		return fmt.Errorf("director: %w", err)
	}
	return nil
}

func (d *Director) onRoom(ctx context.Context, id avatar.RoomID, rec *avatar.Room) {
	d.mu.Lock()
	rr, ok := d.rooms[id]
	switch {
	case !ok && rec == nil:
		d.mu.Unlock()
		return
	case !ok:
		rr = &roomRun{id: id, rec: *rec, changed: make(chan struct{}, 1), handover: make(chan struct{}, 1), free: make(chan struct{}, 1),
			leaseNews: make(chan struct{}, 1)}
		d.rooms[id] = rr
		d.wg.Go(func() { d.runRoom(ctx, rr) })
	case rec == nil:
		rr.deleted = true
	default:
		rr.rec, rr.deleted = *rec, false
	}
	d.mu.Unlock()
	select {
	case rr.changed <- struct{}{}:
	default:
	}
}

// runRoom leases room rr and plays it, again and again, until ctx ends or
// the room is deleted.
func (d *Director) runRoom(ctx context.Context, rr *roomRun) {
	log := d.log.With(zap.String("room", string(rr.id)))
	var heldBy string // another director seen holding the room
	// unanswered: the last try to lease the room went unanswered (the
	// leases bucket electing a leader).
	var unanswered bool
	select {
	case <-ctx.Done():
		return
	case <-d.ready:
	}
	for ctx.Err() == nil && !d.draining.Load() {
		if d.atShare() {
			// Let a director with fewer rooms take it first.
			if !sleepOr(ctx, d.cfg.HoldBack, nil) || d.draining.Load() {
				return
			}
		}
		select {
		case <-rr.changed: // the record as it is now is read below and in play
		default:
		}
		d.mu.Lock()
		if rr.deleted {
			// Decided under the lock, so a record put after this starts
			// a new runRoom.
			delete(d.rooms, rr.id)
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		if unanswered && heldBy != "" {
			if _, ok, err := d.b.LeaseHolder(ctx, rr.id); err == nil && !ok {
				// The bucket answers again and the holder's lease is
				// gone: it may have expired while the bucket elected a
				// leader, its holder alive and asking to renew it. Give
				// the holder one renewal period to take it back (renew).
				unanswered = false
				if !sleepOr2(ctx, d.cfg.LeaseTTL/3, rr.changed, rr.free) {
					return
				}
				continue
			}
		}
		lease, info, err := d.acquireLease(ctx, rr.id, d.cfg.ID)
		unanswered = err != nil && !errors.Is(err, bus.ErrLeaseHeld) && ctx.Err() == nil
		if err != nil {
			retry := d.cfg.LeaseTTL / 4
			if errors.Is(err, bus.ErrLeaseHeld) {
				if info.Owner != "" && info.Owner != d.cfg.ID {
					heldBy = info.Owner
				}
				if !info.Written.IsZero() {
					// Asking again each TTL/4 would cost a refused
					// create and a read per room: wait until the lease,
					// as the watch shows it, expires or is let go.
					if !d.awaitLease(ctx, rr, info) {
						return
					}
					continue
				}
				retry = 50 * time.Millisecond // expired or let go meanwhile
			} else if ctx.Err() == nil {
				log.Warn("acquire lease", zap.Error(err))
			}
			if !sleepOr2(ctx, retry, rr.changed, rr.free) {
				return
			}
			continue
		}
		if d.draining.Load() {
			d.release(ctx, lease, log)
			return
		}
		d.metrics.acquired.Inc()
		if heldBy != "" {
			d.metrics.takeovers.Inc()
			log.Info("room taken over", zap.String("from", heldBy))
			heldBy = ""
		} else {
			log.Info("room leased")
		}
		d.mu.Lock()
		d.leased++
		rr.leased = true
		d.mu.Unlock()
		handed, kept := d.play(ctx, rr, lease, time.Now(), log)
		for kept != nil {
			// The room stopped on a store that did not answer (a stream
			// leader election) while this director held its lease: it
			// plays the room again from its last stored event, keeping
			// the lease, so the room does not change owner.
			if !sleepOr(ctx, d.cfg.LeaseTTL/4, nil) || d.draining.Load() {
				d.release(ctx, kept.lease, log)
				break
			}
			sent := time.Now()
			l, err := d.renew(ctx, kept.lease, kept.held, log)
			if err != nil {
				if ctx.Err() == nil {
					d.metrics.losses.Inc()
					log.Warn("lease lost while the room stood still", zap.Error(err))
				}
				break
			}
			d.metrics.renewals.Inc()
			handed, kept = d.play(ctx, rr, l, sent, log)
		}
		d.mu.Lock()
		d.leased--
		rr.leased = false
		if rr.handing {
			rr.handing = false
			d.handing--
		}
		d.mu.Unlock()
		select {
		case d.leaseDown <- struct{}{}:
		default:
		}
		select {
		case <-rr.handover: // asked while the room stopped anyway
		default:
		}
		if handed {
			// Give the director the room went to time to take it.
			if !sleepOr(ctx, d.cfg.HoldBack, nil) {
				return
			}
		}
	}
}

// keptLease is a lease a director still holds after its room stopped on
// an error, last written no earlier than held.
type keptLease struct {
	lease bus.Lease
	held  time.Time
}

// play plays rr while it holds lease (last written no earlier than held),
// and gives the lease up when done. It reports whether it handed the room
// over at a line boundary (asked on rr.handover). When the room stopped
// on an error while the lease was still held (a store that did not
// answer), it keeps the lease and returns it in kept, to play again.
func (d *Director) play(ctx context.Context, rr *roomRun, lease bus.Lease, held time.Time, log *zap.Logger) (handed bool, kept *keptLease) {
	select {
	case <-rr.changed: // the record read below is the newest
	default:
	}
	d.mu.Lock()
	rec := rr.rec
	d.mu.Unlock()
	prog, err := d.program(ctx, rec)
	if err != nil {
		// Never play a bad or missing script: let the room go and wait for
		// its record to change.
		log.Error("cannot play room", zap.Error(err))
		d.release(ctx, lease, log)
		select {
		case <-ctx.Done():
		case <-rr.changed:
		}
		return false, nil
	}
	pctx, stop := context.WithCancel(ctx)
	defer stop()
	rec0 := rec
	gate := newHandoverSink(d.sink)
	defer gate.stop()
	// State saves are asked again while the lease is held, up to
	// outageBound (a leader election of the state bucket does not stop
	// the room; a lost lease cancels pctx and the save).
	p := NewPlayer(rec, prog, savesRetried{gate, d.outageBound(), retryEvery(d.cfg.LeaseTTL)}, d.log)
	p.eng.viewerCounts.MaxAge = d.cfg.ViewersMaxAge
	p.eng.block = d.block
	g := guard.New(guard.Config{Blocked: d.cfg.BlockedWords})
	p.eng.thanks.guard = g // names in thank-yous (thanks.go)
	p.SetAnswers(d.cfg.Answers, g, 0)
	p.onEmit = func(typ avatar.EventType) { d.metrics.events.WithLabelValues(string(typ)).Inc() }
	p.setVoice(d.cfg.Voice, d.metrics.voice)
	d.mu.Lock()
	rr.player = p
	d.mu.Unlock()
	d.logOwned("room " + string(rr.id) + " leased")
	if err := d.ctl.Add(rr.id); err != nil {
		log.Error("serve controls", zap.Error(err))
	}
	var (
		wg   sync.WaitGroup
		lost bool
	)
	wg.Go(func() {
		// Renew the lease every TTL/3; a renewal that goes unanswered is
		// asked again (a leases bucket leader election, renew); when it
		// is lost, stop playing at once.
		t := time.NewTicker(d.cfg.LeaseTTL / 3)
		defer t.Stop()
		var handedOver <-chan struct{} // closed at the line boundary asked for
		for {
			select {
			case <-pctx.Done():
				return
			case <-rr.handover:
				handedOver = gate.ask()
			case <-handedOver:
				stop()
				return
			case <-t.C:
				sent := time.Now()
				l, err := d.renew(pctx, lease, held, log)
				if err != nil {
					if pctx.Err() == nil {
						d.metrics.losses.Inc()
						log.Warn("lease lost; stop playing", zap.Error(err))
						lost = true
						stop()
					}
					return
				}
				lease, held = l, sent
				d.metrics.renewals.Inc()
			case <-rr.changed:
				d.mu.Lock()
				rec, deleted := rr.rec, rr.deleted
				d.mu.Unlock()
				if deleted {
					stop()
					return
				}
				var np *Program
				if rec.Merchant != rec0.Merchant || rec.Show != rec0.Show || rec.Version != prog.Version {
					np, err = d.program(pctx, rec)
					if err != nil {
						log.Error("new script version not played; the old one goes on", zap.Error(err))
						np = nil
					}
				}
				p.Update(rec, np)
			}
		}
	})
	err = p.Run(pctx)
	stop()
	wg.Wait()
	d.ctl.Remove(rr.id)
	d.mu.Lock()
	rr.player = nil
	d.mu.Unlock()
	select {
	case <-gate.done:
		handed = true
		if errors.Is(err, errHandedOver) {
			err = nil
		}
		d.metrics.handovers.Inc()
		log.Info("room handed over at a line boundary")
	default:
	}
	if !lost && (handed || err == nil) {
		// What waited in this director (typed lines, answers, thanks…)
		// goes with the room (agenda.go).
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if cerr := p.FinalCheckpoint(cctx); cerr != nil {
			log.Warn("last checkpoint not stored; what waited since the last event is lost", zap.Error(cerr))
		}
		cancel()
	}
	d.logOwned("room " + string(rr.id) + " let go")
	switch {
	case errors.Is(err, bus.ErrFenced):
		log.Warn("room written by another director; dropped", zap.Error(err))
		// Let the fencing director's lease stand.
		sleepOr(ctx, d.cfg.LeaseTTL, nil)
		return false, nil
	case err != nil && !lost && ctx.Err() == nil && !d.draining.Load():
		log.Error("room stopped; playing it again from its last stored event", zap.Error(err))
		return false, &keptLease{lease, held}
	case err != nil:
		log.Error("room stopped", zap.Error(err))
	}
	if !lost {
		d.release(ctx, lease, log)
	}
	if err != nil {
		sleepOr(ctx, d.cfg.LeaseTTL/4, nil)
	}
	return handed, nil
}

// outageBound is how long a director playing a room goes on asking a
// store that does not answer (a renewal, a state save) before it gives
// the room up: three lease TTLs (15s by default) ride out a NATS stream
// leader election, which takes up to the servers' election timeout (4-9s
// in nats-server) after a server dies without handing its leaderships
// over.
func (d *Director) outageBound() time.Duration { return 3 * d.cfg.LeaseTTL }

// retryEvery is how far apart an unanswered renewal or state save is
// asked again: a tenth of the lease, at most 200ms, so that the holder
// gets its lease back before another director looks again (runRoom).
func retryEvery(ttl time.Duration) time.Duration { return min(ttl/10, 200*time.Millisecond) }

// renew renews lease, last written no earlier than held. A renewal that
// goes unanswered is asked again, retryEvery apart, up to outageBound
// after held: a leases bucket leader election does not drop the room.
// When the lease expired meanwhile (the election outlasted it) and no one
// else took the room, the director takes it again. The renewal's revision
// check, and the create's, keep it safe whenever they land; a director
// that took the room meanwhile makes it fail with bus.ErrLeaseHeld.
func (d *Director) renew(ctx context.Context, lease bus.Lease, held time.Time, log *zap.Logger) (bus.Lease, error) {
	end := held.Add(d.outageBound())
	for {
		actx, cancel := context.WithDeadline(ctx, end)
		l, err := d.renewLease(actx, lease)
		if errors.Is(err, bus.ErrLeaseHeld) && ctx.Err() == nil {
			// Expired, or taken: create it again, which fails if taken.
			var info bus.LeaseInfo
			var aerr error
			if l, info, aerr = d.b.AcquireLease(actx, lease.Room, d.cfg.ID); aerr == nil {
				log.Warn("lease expired while its bucket did not answer; taken again")
			} else if errors.Is(aerr, bus.ErrLeaseHeld) {
				l, err = lease, fmt.Errorf("%w (held by %q)", err, info.Owner)
			} else {
				l, err = lease, aerr
			}
			if aerr == nil {
				err = nil
			}
		}
		cancel()
		if err == nil || errors.Is(err, bus.ErrLeaseHeld) || ctx.Err() != nil {
			return l, err
		}
		wait := retryEvery(d.cfg.LeaseTTL)
		if time.Until(end) <= wait {
			return l, err
		}
		log.Warn("lease renewal failed; asking again while the lease lasts", zap.Error(err))
		if !sleepOr(ctx, wait, nil) {
			return l, err
		}
	}
}

func (d *Director) release(ctx context.Context, lease bus.Lease, log *zap.Logger) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	if err := d.b.ReleaseLease(rctx, lease); err != nil {
		log.Debug("release lease", zap.Error(err))
		return
	}
	// The others take the room at once rather than at their next poll.
	if err := d.b.PublishReleased(lease.Room); err != nil {
		log.Debug("publish lease release", zap.Error(err))
	}
}

// program loads the script version rec plays, parsed once per version in
// cfg.Scripts, and compiles it once per version for all rooms.
func (d *Director) program(ctx context.Context, rec avatar.Room) (*Program, error) {
	key := avatar.ScriptKey(rec.Merchant, rec.Show) + "@" + strconv.FormatUint(rec.Version, 10)
	d.mu.Lock()
	prog, ok := d.progs[key]
	d.mu.Unlock()
	if ok && rec.Version != 0 {
		return prog, nil
	}
	src, v, err := d.b.GetScript(ctx, rec.Merchant, rec.Show, rec.Version)
	if err != nil {
		return nil, fmt.Errorf("director: load script of room %s: %w", rec.ID, err)
	}
	vkey := avatar.ScriptKey(rec.Merchant, rec.Show) + "@" + strconv.FormatUint(v, 10)
	d.mu.Lock()
	prog, ok = d.progs[vkey]
	d.mu.Unlock()
	if ok {
		return prog, nil
	}
	show, probs := d.cfg.Scripts.Get(avatar.ScriptKey(rec.Merchant, rec.Show), v, src)
	if show == nil {
		return nil, fmt.Errorf("director: script %s version %d of room %s: %w", avatar.ScriptKey(rec.Merchant, rec.Show), v, rec.ID, probs.Err())
	}
	prog = Compile(show, v)
	d.mu.Lock()
	d.progs[vkey] = prog
	d.mu.Unlock()
	return prog, nil
}

func (d *Director) player(id avatar.RoomID) *Player {
	d.mu.Lock()
	defer d.mu.Unlock()
	if rr := d.rooms[id]; rr != nil {
		return rr.player
	}
	return nil
}

func (d *Director) input(in avatar.Input) {
	p := d.player(in.Room)
	if p == nil {
		return // not ours
	}
	if !p.Input(in) {
		d.log.Debug("viewer input dropped: player behind", zap.String("room", string(in.Room)))
	}
}

func (d *Director) viewers(r avatar.RoomID, rep avatar.ViewerReport) {
	p := d.player(r)
	if p == nil {
		return // not ours
	}
	if rep.Gateway == "" {
		d.log.Debug("viewer count report without a gateway", zap.String("room", string(r)))
		return
	}
	p.Viewers(rep.Gateway, rep.Count)
}

func (d *Director) control(c avatar.Control, reply func(avatar.ControlReply)) {
	p := d.player(c.Room)
	if p == nil {
		reply(avatar.ControlReply{Error: "room not playing here"})
		return
	}
	p.Control(c, reply)
}

// sleepOr2 waits d, or until ctx ends (false) or wake1 or wake2 fires.
func sleepOr2(ctx context.Context, d time.Duration, wake1, wake2 chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake1:
	case <-wake2:
	}
	return true
}

// sleepOr waits d, or until ctx ends (false) or wake fires (nil: never).
func sleepOr(ctx context.Context, d time.Duration, wake chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

// watchLeases keeps leaseSeen up to date from the leases bucket while
// some room waits for another director's lease, until ctx ends. It starts
// the watch when the first room waits and stops it a LeaseTTL after the
// last stopped waiting. While it cannot watch (the watch failed), the
// waiting rooms ask for their lease every LeaseTTL/4, as before there was
// a watch.
func (d *Director) watchLeases(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.leasesWanted:
		}
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- d.b.WatchLeases(wctx, d.onLease, d.leasesReady) }()
		idle := time.NewTicker(d.cfg.LeaseTTL)
		var err error
	watching:
		for {
			select {
			case err = <-done:
				break watching
			case <-idle.C:
				d.mu.Lock()
				n := d.awaiting
				d.mu.Unlock()
				if n == 0 {
					cancel()
					err = <-done
					break watching
				}
			}
		}
		idle.Stop()
		cancel()
		d.leasesWatched.Store(false)
		d.mu.Lock()
		clear(d.leaseSeen)
		again := d.awaiting > 0
		d.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			d.log.Warn("cannot watch the leases; asking for them instead", zap.Error(err))
			if !sleepOr(ctx, d.cfg.LeaseTTL, nil) {
				return
			}
		}
		if again {
			select {
			case d.leasesWanted <- struct{}{}:
			default:
			}
		}
	}
}

// leasesReady marks the watch up to date and wakes every room's wait, so
// that rooms waiting at TTL/4 while it started wait for the leases now.
func (d *Director) leasesReady() {
	d.leasesWatched.Store(true)
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, rr := range d.rooms {
		select {
		case rr.leaseNews <- struct{}{}:
		default:
		}
	}
}

// onLease records room r's lease as the watch gives it (nil: released)
// and wakes the room's wait for it.
func (d *Director) onLease(r avatar.RoomID, info *bus.LeaseInfo) {
	d.mu.Lock()
	if info == nil {
		delete(d.leaseSeen, r)
	} else {
		d.leaseSeen[r] = *info
	}
	rr := d.rooms[r]
	d.mu.Unlock()
	if rr == nil {
		return
	}
	select {
	case rr.leaseNews <- struct{}{}:
	default:
	}
}

// awaitLease waits until room rr's lease, held by another director (info,
// as the refused acquire read it), would have expired as last seen (each
// renewal the watch gives moves that on), or the watch says it was let
// go, or the room's record changes, or another director announces its
// release. It reports false if ctx ended.
func (d *Director) awaitLease(ctx context.Context, rr *roomRun, info bus.LeaseInfo) bool {
	d.mu.Lock()
	if d.awaiting++; d.awaiting == 1 {
		select {
		case d.leasesWanted <- struct{}{}:
		default:
		}
	}
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.awaiting--
		d.mu.Unlock()
	}()
	written := info.Written
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		d.mu.Lock()
		seen, ok := d.leaseSeen[rr.id]
		d.mu.Unlock()
		if ok && seen.Written.After(written) {
			written = seen.Written
		}
		// Just after it would expire, as last seen.
		wait := time.Until(written.Add(d.cfg.LeaseTTL)) + 20*time.Millisecond
		if !d.leasesWatched.Load() {
			// The watch is starting (its first news of the room wakes
			// this wait) or down: ask again at least every TTL/4.
			wait = min(wait, d.cfg.LeaseTTL/4)
		}
		t.Reset(max(wait, 50*time.Millisecond)) // never a busy loop, whatever the clocks say
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		case <-rr.changed:
			return true
		case <-rr.free:
			return true
		case <-rr.leaseNews:
			d.mu.Lock()
			_, ok := d.leaseSeen[rr.id]
			d.mu.Unlock()
			if !ok && d.leasesWatched.Load() {
				return true // let go
			}
		}
	}
}
