package bus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// DefaultPlatformWindow is how long a platform message id is remembered
// (Platform.FirstSeen) unless OpenPlatform is given another window.
const DefaultPlatformWindow = 10 * time.Minute

// Platform is what the merchant API keeps for platform bridges: the
// message ids seen within the window (avatar.PlatformSeenBucket, shared by
// every API gateway, so a push repeated to another gateway is dropped
// too) and each room's bridge settings (avatar.BridgesBucket). Its methods
// are safe for concurrent use.
type Platform struct {
	b       *Bus
	seen    jetstream.KeyValue
	bridges jetstream.KeyValue
	window  time.Duration
}

// OpenPlatform creates the platform buckets, or updates them (the seen
// bucket's entries live window, default DefaultPlatformWindow), with as
// many replicas as the rooms bucket, and returns them. The merchant API
// opens them on first use; it needs the permission to provision them
// (roles admin and api).
func (b *Bus) OpenPlatform(ctx context.Context, window time.Duration) (*Platform, error) {
	if window <= 0 {
		window = DefaultPlatformWindow
	}
	replicas := 1
	if st, err := b.rooms.Status(ctx); err == nil {
		if s, ok := st.(*jetstream.KeyValueBucketStatus); ok {
			replicas = max(s.StreamInfo().Config.Replicas, 1)
		}
	}
	p := &Platform{b: b, window: window}
	for _, c := range []struct {
		kv  *jetstream.KeyValue
		cfg jetstream.KeyValueConfig
	}{
		{&p.seen, jetstream.KeyValueConfig{Bucket: avatar.PlatformSeenBucket, Description: "platform message ids seen lately, per room",
			History: 1, TTL: window, Storage: jetstream.FileStorage, Replicas: replicas}},
		{&p.bridges, jetstream.KeyValueConfig{Bucket: avatar.BridgesBucket, Description: "each room's platform bridge tokens (hashes) and push secrets",
			History: 1, Storage: jetstream.FileStorage, Replicas: replicas}},
	} {
		err := retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
			*c.kv, err = b.js.CreateOrUpdateKeyValue(ctx, c.cfg)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("bus: create bucket %s: %w", c.cfg.Bucket, err)
		}
	}
	return p, nil
}

// Window is how long a message id is remembered.
func (p *Platform) Window() time.Duration { return p.window }

// FirstSeen records that room r got platform's message msgID and reports
// whether this is the first time within the window: false means a
// repeat, to be dropped. Any message id is fine (it is hashed); platform
// is a single token (avatar.ParsePlatform).
func (p *Platform) FirstSeen(ctx context.Context, r avatar.RoomID, platform, msgID string) (bool, error) {
	key := avatar.PlatformSeenKey(r, platform, msgDigest(msgID))
	_, err := p.seen.Create(ctx, key, nil)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("bus: record platform message %s: %w", key, err)
	}
	return true, nil
}

// Forget undoes FirstSeen for a message that could not be passed on, so
// the platform's next try is taken.
func (p *Platform) Forget(ctx context.Context, r avatar.RoomID, platform, msgID string) error {
	key := avatar.PlatformSeenKey(r, platform, msgDigest(msgID))
	if err := p.seen.Purge(ctx, key); err != nil {
		return fmt.Errorf("bus: forget platform message %s: %w", key, err)
	}
	return nil
}

func msgDigest(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// Bridges returns room r's bridge settings and their revision; a room
// with none gets the zero RoomBridges and revision 0.
func (p *Platform) Bridges(ctx context.Context, r avatar.RoomID) (avatar.RoomBridges, uint64, error) {
	v, rev, err := getJSON[avatar.RoomBridges](ctx, p.bridges, string(r), "bridges of room "+string(r))
	if errors.Is(err, ErrNotFound) {
		return avatar.RoomBridges{}, 0, nil
	}
	return v, rev, err
}

// PutBridges stores room r's bridge settings if they are still at
// revision rev (0: there were none) and returns the new revision;
// ErrChanged if someone else wrote them since.
func (p *Platform) PutBridges(ctx context.Context, r avatar.RoomID, v avatar.RoomBridges, rev uint64) (uint64, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return 0, fmt.Errorf("bus: encode bridges of room %s: %w", r, err)
	}
	var n uint64
	if rev == 0 {
		n, err = p.bridges.Create(ctx, string(r), data)
	} else {
		n, err = p.bridges.Update(ctx, string(r), data, rev)
	}
	if revisionMismatch(err) {
		return 0, fmt.Errorf("%w: bridges of room %s", ErrChanged, r)
	}
	if err != nil {
		return 0, fmt.Errorf("bus: store bridges of room %s: %w", r, err)
	}
	return n, nil
}

// PlatformFunc ingests one batch of room r's platform events and says
// what became of each; it is called on its own goroutine and should
// answer within the platforms' two seconds.
type PlatformFunc func(ctx context.Context, r avatar.RoomID, batch avatar.PlatformBatch) avatar.PlatformReply

// ServePlatform answers batches that bridges inside the cluster send on
// avatar.PlatformSubject (SendPlatform), in queue group
// avatar.PlatformQueue, so each batch is handled by one API gateway, at
// most workers at a time (default 8; more wait). Only requests from the
// bridge, API and admin roles are answered. It returns once the
// subscription is in place; Stop ends it.
func (b *Bus) ServePlatform(ctx context.Context, workers int, fn PlatformFunc) (*PlatformServer, error) {
	if workers <= 0 {
		workers = 8
	}
	sem := make(chan struct{}, workers)
	s := &PlatformServer{}
	subj := avatar.PlatformSubject("*")
	sub, err := b.nc.QueueSubscribe(subj, avatar.PlatformQueue, func(m *nats.Msg) {
		if !fromRoles(m.Reply, RoleBridge, RoleAPI, RoleAdmin) {
			b.dropForged(m.Subject)
			return
		}
		sem <- struct{}{}
		s.mu.Lock()
		if s.stopped {
			s.mu.Unlock()
			<-sem
			return
		}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer func() { <-sem; s.wg.Done() }()
			var reply avatar.PlatformReply
			var batch avatar.PlatformBatch
			if err := json.Unmarshal(m.Data, &batch); err != nil {
				reply = avatar.PlatformReply{Code: avatar.PlatformCodeBadBatch, Error: "not a batch of platform events: " + err.Error()}
			} else {
				reply = fn(ctx, roomOfSubject(m.Subject), batch)
			}
			data, _ := json.Marshal(reply)
			if err := m.Respond(data); err != nil {
				b.log.Warn("platform reply", logSubject(m.Subject), zap.Error(err))
			}
		}()
	})
	if err != nil {
		return nil, fmt.Errorf("bus: serve %s: %w", subj, err)
	}
	if err := b.nc.FlushTimeout(max(b.reqTimeout, time.Second)); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("bus: serve %s: %w", subj, err)
	}
	s.sub = sub
	return s, nil
}

// PlatformServer is ServePlatform's subscription.
type PlatformServer struct {
	sub     *nats.Subscription
	mu      sync.Mutex
	stopped bool
	wg      sync.WaitGroup
}

// Stop unsubscribes and waits for the batches in hand to be answered.
func (s *PlatformServer) Stop() error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	err := s.sub.Unsubscribe()
	s.wg.Wait()
	return err
}

// ErrNoIngest: SendPlatform found no API gateway answering platform
// batches (none runs, or none answered in time).
var ErrNoIngest = errors.New("bus: no API gateway takes platform events")

// SendPlatform sends a batch of room r's platform events to the merchant
// API's ingest (ServePlatform) and returns its answer; ErrNoIngest if
// nobody answered by ctx's deadline.
func (b *Bus) SendPlatform(ctx context.Context, r avatar.RoomID, batch avatar.PlatformBatch) (avatar.PlatformReply, error) {
	var reply avatar.PlatformReply
	data, err := json.Marshal(batch)
	if err != nil {
		return reply, fmt.Errorf("bus: encode platform batch of room %s: %w", r, err)
	}
	m, err := b.nc.RequestWithContext(ctx, avatar.PlatformSubject(r), data)
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) {
		return reply, fmt.Errorf("%w: room %s", ErrNoIngest, r)
	}
	if err != nil {
		return reply, fmt.Errorf("bus: send platform batch of room %s: %w", r, err)
	}
	if err := json.Unmarshal(m.Data, &reply); err != nil {
		return reply, fmt.Errorf("bus: platform reply of room %s: %w", r, err)
	}
	return reply, nil
}
