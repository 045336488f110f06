package bus

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
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
}

// Bus is a connection to NATS with avatarcast's stream and buckets ready.
// Its methods are safe for concurrent use.
type Bus struct {
	NC     *nats.Conn
	JS     jetstream.JetStream
	Events jetstream.Stream
	// Rooms maps a room ID to its avatar.Room, State to its avatar.State,
	// Scripts a script key to its source (history = versions), Leases a room
	// ID to the director playing it (expiring after LeaseTTL).
	Rooms, State, Scripts, Leases jetstream.KeyValue
	// Orders maps avatar.OrderKey to what an order did (see OrdersBucket).
	Orders jetstream.KeyValue
	// Audit is the stream of merchants' changes.
	Audit jetstream.Stream
	// Records is the long-kept record of every room's events (RecordsStream).
	Records jetstream.Stream

	ns  *server.Server // nil when connected to an external server
	log *zap.Logger
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
		nats.ReconnectHandler(func(nc *nats.Conn) { b.log.Info("nats reconnected", zap.String("url", nc.ConnectedUrlRedacted())) }),
	}
	url := cfg.URL
	if url == "" {
		ns, err := startEmbedded(cfg)
		if err != nil {
			return nil, err
		}
		b.ns = ns
		opts = append(opts, nats.InProcessServer(ns))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.stopServer()
		return nil, fmt.Errorf("bus: connect: %w", err)
	}
	b.NC = nc
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

func startEmbedded(cfg Config) (*server.Server, error) {
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
	if cfg.Listen != "" {
		host, port, err := splitHostPort(cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("bus: nats listen address %q: %w", cfg.Listen, err)
		}
		opts.Host, opts.Port = host, port
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("bus: embedded server: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, errors.New("bus: embedded server not ready after 10s")
	}
	return ns, nil
}

func (b *Bus) setup(ctx context.Context, cfg Config) error {
	js, err := jetstream.New(b.NC)
	if err != nil {
		return fmt.Errorf("bus: jetstream: %w", err)
	}
	b.JS = js
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
	b.Events, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        avatar.EventsStream,
		Description: "avatar events of every room, by room subject",
		Subjects:    []string{avatar.AllEventsSubject()},
		Storage:     jetstream.FileStorage,
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		Discard:     jetstream.DiscardOld,
		Duplicates:  2 * time.Minute,
		Compression: jetstream.S2Compression,
		AllowDirect: true,
		Replicas:    max(cfg.Replicas, 1),
		// The live feed: the stream's leader republishes each event only
		// after storing it (see SubscribeEvents). Adding it to a stream
		// created by an older version is an ordinary config update.
		RePublish: &jetstream.RePublish{
			Source:      avatar.AllEventsSubject(),
			Destination: avatar.StoredEventsRepublish(),
		},
	})
	if err != nil {
		return fmt.Errorf("bus: create stream %s: %w", avatar.EventsStream, err)
	}
	kv := func(name, desc string, history uint8, ttl time.Duration) (jetstream.KeyValue, error) {
		k, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: name, Description: desc, History: history, Storage: jetstream.FileStorage,
			Replicas: max(cfg.Replicas, 1), TTL: ttl,
		})
		if err != nil {
			return nil, fmt.Errorf("bus: create bucket %s: %w", name, err)
		}
		return k, nil
	}
	if b.Rooms, err = kv(avatar.RoomsBucket, "room records", 1, 0); err != nil {
		return err
	}
	if b.State, err = kv(avatar.StateBucket, "room state snapshots for late joiners", 1, 0); err != nil {
		return err
	}
	if b.Scripts, err = kv(avatar.ScriptsBucket, "show script sources; history holds versions", 64, 0); err != nil {
		return err
	}
	leaseTTL := cfg.LeaseTTL
	if leaseTTL == 0 {
		leaseTTL = 5 * time.Second
	}
	if b.Leases, err = kv(avatar.LeasesBucket, "which director plays each room", 1, leaseTTL); err != nil {
		return err
	}
	ordersTTL := cfg.OrdersTTL
	if ordersTTL == 0 {
		ordersTTL = 72 * time.Hour
	}
	if b.Orders, err = kv(avatar.OrdersBucket, "what each order did, by room and idempotency key", 1, ordersTTL); err != nil {
		return err
	}
	b.Audit, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        avatar.AuditStream,
		Description: "every change merchants make: who, when, what",
		Subjects:    []string{avatar.AllAuditSubject()},
		Storage:     jetstream.FileStorage,
		MaxAge:      cmp.Or(cfg.AuditMaxAge, DefaultRecordsMaxAge),
		Compression: jetstream.S2Compression,
		AllowDirect: true,
		Replicas:    max(cfg.Replicas, 1),
	})
	if err != nil {
		return fmt.Errorf("bus: create stream %s: %w", avatar.AuditStream, err)
	}
	return b.setupRecords(ctx, cfg)
}

// Close drains the connection, waiting for pending publishes and handlers,
// then stops the embedded server if there is one.
func (b *Bus) Close() error {
	var err error
	if b.NC != nil && !b.NC.IsClosed() {
		closed := make(chan struct{})
		b.NC.SetClosedHandler(func(*nats.Conn) { close(closed) })
		if err = b.NC.Drain(); err != nil {
			b.NC.Close()
		} else {
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				b.NC.Close()
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
