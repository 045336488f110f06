package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// Config says where NATS is. The zero value starts an embedded server with
// JetStream storing under ./data, reachable only in process.
type Config struct {
	// URL of an external NATS server or cluster; empty starts an embedded one.
	URL string
	// DataDir is where the embedded server stores JetStream data (default ./data).
	DataDir string
	// Listen, if set, makes the embedded server accept NATS clients on this
	// host:port (for a separate gateway or director process). Empty: in process only.
	Listen string
	// EventsMaxAge bounds how long room events are kept (default 24h).
	EventsMaxAge time.Duration
	// EventsMaxBytes bounds the events stream's size (default 1 GiB).
	EventsMaxBytes int64
	// RecordsMaxAge is how long the record of every room's events is kept
	// (default DefaultRecordsMaxAge, three years).
	RecordsMaxAge time.Duration
	// RecordsMaxBytes bounds the record's size; the oldest events go first
	// (default DefaultRecordsMaxBytes).
	RecordsMaxBytes int64
	// RecordsUncompressed stores the record without S2 compression (to
	// measure what compression saves; not for production).
	RecordsUncompressed bool
	// AuditMaxAge is how long the audit trail is kept (default
	// DefaultRecordsMaxAge, as the record).
	AuditMaxAge time.Duration
	// ReadOnly binds to the streams and buckets already there, creating
	// and changing none: for reading a stopped serve's data directory.
	ReadOnly bool
	// Name is the client connection name shown by the server.
	Name string
	// LeaseTTL is how long a room lease lives unless renewed (default 5s).
	LeaseTTL time.Duration
	// OrdersTTL is how long an order's idempotency record is kept, so a
	// replayed order webhook does not take stock twice (default 72h).
	OrdersTTL time.Duration
	// Replicas is how many servers of a cluster keep each stream and bucket
	// (default 1; 3 on the docker-compose cluster).
	Replicas int
	// Role is what this connection does (see Role). It chooses the reply
	// inbox prefix the server's permissions expect, and whether Open creates
	// the streams and buckets or only looks them up. Empty is RoleAdmin.
	Role Role
	// Auth is how to authenticate to an external server (URL).
	Auth Auth
	// RequestTimeout bounds each JetStream call of Open (default 5s); a call
	// that goes unanswered is tried again a few times.
	RequestTimeout time.Duration
	// StartTimeout bounds the whole of Open's setup (default 1 minute):
	// until then a setup call that goes unanswered (a fresh cluster still
	// electing stream leaders) is asked again with backoff, and a role that
	// only looks streams up waits for the role that creates them (gateways
	// and directors started together).
	StartTimeout time.Duration
	// Server, if set, is an embedded server someone else started and stops
	// (bustest does): Open connects to it in process instead of starting
	// one, and Close leaves it running. URL, DataDir and Listen are then
	// ignored.
	Server *server.Server
}

// Bus is a connection to NATS with avatarcast's stream and buckets ready.
// Its methods are safe for concurrent use.
type Bus struct {
	// Nothing here is exported: every subject and bucket is reached through
	// one typed method (events.go, inputs.go, rooms.go, state.go, ...), so
	// no caller depends on JetStream.
	nc     *nats.Conn
	js     jetstream.JetStream
	events jetstream.Stream
	// rooms maps a room ID to its avatar.Room, state to its avatar.State,
	// scripts a script key to its source (history = versions), leases a
	// room ID to the director playing it (expiring after LeaseTTL).
	rooms, state, scripts, leases jetstream.KeyValue
	// directors maps a live director's ID to its Presence (directors.go).
	directors jetstream.KeyValue
	// orders maps avatar.OrderKey to what an order did (see OrdersBucket).
	orders jetstream.KeyValue
	// audit is the stream of merchants' changes.
	audit jetstream.Stream
	// records is the long-kept record of every room's events (RecordsStream).
	records jetstream.Stream
	// auditing serializes this process's audit records per merchant (see
	// RecordAudit): they would otherwise race for the same number.
	auditing keyedLocks

	ns         *server.Server // nil when connected to an external server
	authDir    string         // where ns keeps its credentials, if it requires them
	reqTimeout time.Duration  // bounds each try of a retried JetStream call
	// violations counts what the server refused this connection.
	violations atomic.Uint64
	forged     atomic.Uint64 // see Forged
	log        *zap.Logger
}

// Open connects to NATS as cfg says, starting the embedded server if cfg.URL
// is empty, and creates or updates the stream and buckets. Close releases all.
func Open(ctx context.Context, cfg Config, log *zap.Logger) (*Bus, error) {
	b := &Bus{log: log.Named("bus")}
	if cfg.Name == "" {
		cfg.Name = "avatarcast"
	}
	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", zap.Error(err))
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			// A permissions violation names the refused subject: a role
			// that lacks a permission it needs shows here.
			if errors.Is(err, nats.ErrPermissionViolation) {
				b.violations.Add(1)
			}
			b.log.Warn("nats error", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats reconnected", zap.String("url", nc.ConnectedUrlRedacted())) }),
	}
	if cfg.Role == "" {
		cfg.Role = RoleAdmin
	}
	if _, err := RolePermissions(cfg.Role); err != nil {
		return nil, err
	}
	opts = append(opts, nats.CustomInboxPrefix(avatar.InboxPrefix(string(cfg.Role))))
	url := cfg.URL
	if cfg.Server != nil {
		url = ""
		opts = append(opts, nats.InProcessServer(cfg.Server))
	} else if url == "" {
		ns, authDir, err := startEmbedded(cfg)
		if err != nil {
			return nil, err
		}
		b.ns, b.authDir = ns, authDir
		opts = append(opts, nats.InProcessServer(ns))
		if authDir != "" {
			// serve's own components connect in process as admin.
			cfg.Auth = Auth{CredsFile: CredsFile(authDir, cfg.Role)}
		}
	}
	authOpts, err := cfg.Auth.options()
	if err != nil {
		b.stopServer()
		return nil, err
	}
	opts = append(opts, authOpts...)
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.stopServer()
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	b.nc = nc
	if err := b.setup(ctx, cfg); err != nil {
		nc.Close()
		b.stopServer()
		return nil, err
	}
	return b, nil
}

// Embedded reports whether b runs its own NATS server.
func (b *Bus) Embedded() bool { return b.ns != nil }

// ClientURL is the URL other processes can reach the embedded server at, or "".
func (b *Bus) ClientURL() string {
	if b.ns == nil || b.ns.Addr() == nil {
		return ""
	}
	return b.ns.ClientURL()
}

// Violations is how many publishes or subscriptions the server refused
// this connection for want of permission: more than 0 means the role lacks
// something it needs (or something tried what it must not).
func (b *Bus) Violations() uint64 { return b.violations.Load() }

// AuthDir is where the embedded server keeps each role's credentials, or ""
// if it requires none (it does when it listens beyond the process).
func (b *Bus) AuthDir() string { return b.authDir }

// startEmbedded starts the embedded server. Listening beyond the process,
// it requires credentials: each role's, kept under the data directory, and
// returns their directory.
func startEmbedded(cfg Config) (*server.Server, string, error) {
	dir := cfg.DataDir
	if dir == "" {
		dir = "data"
	}
	opts := &server.Options{
		ServerName: "avatarcast",
		JetStream:  true,
		StoreDir:   filepath.Join(dir, "jetstream"),
		NoSigs:     true, // the process owns signals; Close stops the server
		NoLog:      true,
		DontListen: cfg.Listen == "",
	}
	var authDir string
	if cfg.Listen != "" {
		host, port, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, "", fmt.Errorf("bus: nats listen address %q: %w", cfg.Listen, err)
		}
		opts.Host, opts.Port = host, port
		authDir = AuthDir(dir)
		if opts.Nkeys, err = loadOrCreateCreds(authDir); err != nil {
			return nil, "", err
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("bus: embedded server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, "", errors.New("bus: embedded server not ready after 10s")
	}
	return ns, authDir, nil
}

func (b *Bus) setup(ctx context.Context, cfg Config) error {
	js, err := jetstream.New(b.nc)
	if err != nil {
		return fmt.Errorf("bus: jetstream: %w", err)
	}
	b.js = js
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	b.reqTimeout = timeout
	replicas := max(cfg.Replicas, 1)
	if cfg.Role == RoleVoice || cfg.Role == RoleBridge {
		// A voice worker touches the audio store only (AudioStore), a
		// bridge the platform ingest only (SendPlatform).
		return nil
	}
	if cfg.ReadOnly {
		return b.bind(ctx)
	}
	maxAge, maxBytes := cfg.EventsMaxAge, cfg.EventsMaxBytes
	if maxAge == 0 {
		maxAge = 24 * time.Hour
	}
	if maxBytes == 0 {
		maxBytes = 1 << 30
	}
	provision := cfg.Role.Provisions()
	start := startRetry{deadline: time.Now().Add(cmp.Or(cfg.StartTimeout, time.Minute)), timeout: timeout, log: b.log}
	stream := func(sc jetstream.StreamConfig) (jetstream.Stream, error) {
		var s jetstream.Stream
		err := start.do(ctx, sc.Name, !provision, func(ctx context.Context) (err error) {
			if provision {
				s, err = js.CreateOrUpdateStream(ctx, sc)
			} else {
				s, err = js.Stream(ctx, sc.Name)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("bus: %s stream %s: %w", verb(provision), sc.Name, err)
		}
		b.checkReplicas(sc.Name, s.CachedInfo().Config.Replicas, replicas)
		return s, nil
	}
	b.events, err = stream(jetstream.StreamConfig{
		Name:        avatar.EventsStream,
		Description: "avatar events of every room, by room subject",
		Subjects:    []string{avatar.AllEventsSubject()},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		Discard:     jetstream.DiscardOld,
		Duplicates:  2 * time.Minute,
		Compression: jetstream.S2Compression,
		AllowDirect: true,
		Replicas:    replicas,
		// The live feed: the stream's leader republishes each event only
		// after storing it (see SubscribeEvents). Adding it to a stream
		// created by an older version is an ordinary config update.
		RePublish: &jetstream.RePublish{
			Source:      avatar.AllEventsSubject(),
			Destination: avatar.StoredEventsRepublish(),
		},
	})
	if err != nil {
		return err
	}
	kv := func(name, desc string, history uint8, ttl time.Duration) (jetstream.KeyValue, error) {
		var k jetstream.KeyValue
		err := start.do(ctx, name, !provision, func(ctx context.Context) (err error) {
			if provision {
				k, err = js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
					Bucket: name, Description: desc, History: history, Storage: jetstream.FileStorage,
					Replicas: replicas, TTL: ttl,
				})
			} else {
				k, err = js.KeyValue(ctx, name)
			}
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("bus: %s bucket %s: %w", verb(provision), name, err)
		}
		if st, err := k.Status(ctx); err == nil {
			if s, ok := st.(*jetstream.KeyValueBucketStatus); ok {
				b.checkReplicas(kvStream(name), s.StreamInfo().Config.Replicas, replicas)
			}
		}
		return k, nil
	}
	if b.rooms, err = kv(avatar.RoomsBucket, "room records", 1, 0); err != nil {
		return err
	}
	if b.state, err = kv(avatar.StateBucket, "room state snapshots for late joiners", 1, 0); err != nil {
		return err
	}
	if cfg.Role == RoleGateway {
		// A viewer-only gateway may not see scripts, leases, orders or audit.
		return nil
	}
	if b.scripts, err = kv(avatar.ScriptsBucket, "show script sources; history holds versions", 64, 0); err != nil {
		return err
	}
	leaseTTL := cfg.LeaseTTL
	if leaseTTL == 0 {
		leaseTTL = 5 * time.Second
	}
	if cfg.Role != RoleAPI {
		if b.leases, err = kv(avatar.LeasesBucket, "which director plays each room", 1, leaseTTL); err != nil {
			return err
		}
		if b.directors, err = kv(avatar.DirectorsBucket, "live directors and the rooms each holds", 1, leaseTTL); err != nil {
			return err
		}
	}
	ordersTTL := cfg.OrdersTTL
	if ordersTTL == 0 {
		ordersTTL = 72 * time.Hour
	}
	if cfg.Role != RoleDirector || provision {
		if b.orders, err = kv(avatar.OrdersBucket, "what each order did, by room and idempotency key", 1, ordersTTL); err != nil {
			return err
		}
	}
	b.audit, err = stream(jetstream.StreamConfig{
		Name:        avatar.AuditStream,
		Description: "every change merchants make: who, when, what",
		Subjects:    []string{avatar.AllAuditSubject()},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      cmp.Or(cfg.AuditMaxAge, DefaultRecordsMaxAge),
		Compression: jetstream.S2Compression,
		AllowDirect: true,
		Replicas:    replicas,
	})
	if err != nil {
		return err
	}
	if !provision {
		// The API reads the record (exports); it does not shape it.
		return start.do(ctx, avatar.RecordsStream, true, func(ctx context.Context) (err error) {
			b.records, err = js.Stream(ctx, avatar.RecordsStream)
			return err
		})
	}
	if err := start.do(ctx, avatar.RecordsStream, false, func(ctx context.Context) error { return b.setupRecords(ctx, cfg) }); err != nil {
		return err
	}
	return start.do(ctx, "questions", false, b.SetupQuestions)
}

func verb(provision bool) string {
	if provision {
		return "create"
	}
	return "look up"
}

// checkReplicas warns when a stream someone else made keeps fewer or more
// copies than configured (JetStream does not change replicas on lookup).
func (b *Bus) checkReplicas(stream string, have, want int) {
	if have != want {
		b.log.Warn("stream replicas differ from -nats-replicas", zap.String("stream", stream), zap.Int("replicas", have), zap.Int("want", want))
	}
}

// retry calls fn with a context bounded by timeout, up to 4 times while it
// fails for want of an answer (a stream whose leader just moved may leave
// the first request unanswered), waiting a little longer each time.
func retry(ctx context.Context, timeout time.Duration, fn func(context.Context) error) error {
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	var err error
	wait := 100 * time.Millisecond
	for attempt := 0; attempt < 4; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(wait):
			}
			wait *= 2
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		err = fn(actx)
		cancel()
		if err == nil || !unanswered(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// startRetry asks a setup call again until a start-up deadline: after no
// answer (a fresh cluster electing leaders), after a refusal a forming
// cluster gives (no peers for placement yet) and, for a lookup, after "not
// found" (the role that creates it has not yet), with backoff up to 2s.
type startRetry struct {
	deadline time.Time
	timeout  time.Duration
	log      *zap.Logger
}

func (s startRetry) do(ctx context.Context, what string, lookup bool, fn func(context.Context) error) error {
	ctx, cancel := context.WithDeadline(ctx, s.deadline)
	defer cancel()
	wait := 100 * time.Millisecond
	for {
		actx, acancel := context.WithTimeout(ctx, s.timeout)
		err := fn(actx)
		acancel()
		missing := lookup && (errors.Is(err, jetstream.ErrStreamNotFound) || errors.Is(err, jetstream.ErrBucketNotFound))
		if err == nil || !(unanswered(err) || missing || forming(err)) {
			return err
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (start-up time is over)", err)
		}
		s.log.Info("bus: setup not ready yet; asking again", zap.String("what", what), zap.Duration("in", wait), zap.Error(err))
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (start-up time is over)", err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// forming reports whether err is a JetStream refusal that a cluster still
// forming gives: its servers have not all announced themselves to the
// meta leader yet, so a create with replicas finds "no suitable peers for
// placement" (10005), or the meta layer is not yet available (10004,
// 10008). Worth asking again at start-up; afterwards it is a real refusal.
func forming(err error) bool {
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.ErrorCode {
	case 10004, 10005, 10008:
		return true
	}
	return false
}

// unanswered reports whether err means a JetStream request got no answer,
// which is worth asking again, rather than a refusal.
func unanswered(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, jetstream.ErrJetStreamNotEnabled)
}

// Close drains the connection, waiting for pending publishes and handlers,
// then stops the embedded server if Open started one (not Config.Server).
func (b *Bus) Close() error {
	var err error
	if b.nc != nil && !b.nc.IsClosed() {
		closed := make(chan struct{})
		b.nc.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if err = b.nc.Drain(); err != nil {
			b.nc.Close()
		} else {
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				b.nc.Close()
				err = errors.New("bus: drain timed out")
			}
		}
	}
	b.stopServer()
	return err
}

func (b *Bus) stopServer() {
	if b.ns != nil {
		b.ns.Shutdown()
		b.ns.WaitForShutdown()
	}
}

func logSubject(s string) zap.Field { return zap.String("subject", s) }
