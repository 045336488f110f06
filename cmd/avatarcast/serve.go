package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/gateway"
)

// common holds the flags every long-running command shares.
type common struct {
	natsURL, logLevel, logFormat *string
	replicas                     *int
	recordsMaxAge, auditMaxAge   *time.Duration
	recordsMaxBytes              *int
	natsAuth
}

// natsAuth holds the flags that say how to authenticate to an external NATS.
type natsAuth struct {
	creds, user, password, token *string
	tlsCA, tlsCert, tlsKey       *string
}

func natsAuthFlags(f *flags) natsAuth {
	return natsAuth{
		creds:    f.string("nats-creds", "", "NATS credentials file: a .creds file or an nkey seed file (serve -nats-listen writes one per role under DATA/nats-auth)"),
		user:     f.string("nats-user", "", "NATS user name (with -nats-password)"),
		password: f.secret("nats-password", "NATS password"),
		token:    f.secret("nats-token", "NATS authorization token"),
		tlsCA:    f.string("nats-tls-ca", "", "PEM file of the CAs NATS servers' certificates must chain to"),
		tlsCert:  f.string("nats-tls-cert", "", "PEM file of this client's TLS certificate for NATS (with -nats-tls-key)"),
		tlsKey:   f.string("nats-tls-key", "", "PEM file of this client's TLS key for NATS"),
	}
}

func commonFlags(f *flags) common {
	return common{
		natsURL:   f.string("nats-url", "", "NATS server URLs, comma-separated seeds (nats://a:4222,nats://b:4222); empty starts an embedded server (serve only)"),
		logLevel:  f.string("log-level", "info", "log level: debug, info, warn or error"),
		logFormat: f.string("log-format", "console", "log format: console or json"),
		replicas:  f.int("nats-replicas", 1, "servers of a NATS cluster that keep each stream and bucket"),
		// Every command that opens the bus creates or updates the streams,
		// so each takes the retention flags: give them all the same values.
		recordsMaxAge:   f.duration("records-max-age", bus.DefaultRecordsMaxAge, "how long the record of every room's events is kept"),
		recordsMaxBytes: f.int("records-max-bytes", bus.DefaultRecordsMaxBytes, "bytes the record may take on disk; the oldest events go first"),
		auditMaxAge:     f.duration("audit-max-age", bus.DefaultRecordsMaxAge, "how long the audit trail of merchants' changes is kept"),
		natsAuth:        natsAuthFlags(f),
	}
}

// busConfig is the bus configuration the common flags give, named name,
// connecting as role.
func (c common) busConfig(name string, role bus.Role) bus.Config {
	return bus.Config{URL: *c.natsURL, Name: name, Replicas: *c.replicas, Role: role, Auth: c.auth(),
		RecordsMaxAge: *c.recordsMaxAge, RecordsMaxBytes: int64(*c.recordsMaxBytes), AuditMaxAge: *c.auditMaxAge}
}

// auth is how to authenticate to an external NATS.
func (c natsAuth) auth() bus.Auth {
	return bus.Auth{CredsFile: *c.creds, User: *c.user, Password: *c.password, Token: *c.token,
		TLSCA: *c.tlsCA, TLSCert: *c.tlsCert, TLSKey: *c.tlsKey}
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("serve", getenv, stderr)
	addr := f.string("addr", "127.0.0.1:8080", "HTTP and WebSocket listen address")
	data := f.string("data", "./data", "directory where the embedded NATS server stores JetStream data")
	scripts := f.string("scripts", "./scripts", "directory of show scripts to play, one room each")
	personas := f.string("personas", "./configs/personas.yaml", "personas file")
	natsListen := f.string("nats-listen", "", "also accept NATS clients on this host:port (empty: in process only)")
	merchants := f.string("merchants", "./configs/merchants.yaml", "merchant API accounts and their token hashes")
	voiceMode := f.string("voice", "auto", `the voice worker: "auto" (avatarcast-voice next to this binary, on PATH, or built from the source tree), "off", or its path`)
	c := commonFlags(f)
	gw := gatewayFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	log, err := newLogger(stderr, *c.logLevel, *c.logFormat)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()

	ps, rooms, sources, err := loadShows(*personas, *scripts, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	vw, noVoice := findVoiceWorker(*voiceMode, *data)
	listen := *natsListen
	if vw != nil && listen == "" && *c.natsURL == "" {
		// The worker is another process: the embedded NATS listens on
		// loopback, on a port of its choosing, with credentials.
		listen = "127.0.0.1:-1"
	}
	b, err := bus.Open(ctx, serveConfig(c, *data, listen), log)
	if err != nil {
		ln.Close()
		return err
	}
	if b.Embedded() {
		log.Info("embedded NATS started", zap.String("data", *data), zap.String("nats", b.ClientURL()))
		if dir := b.AuthDir(); dir != "" {
			// Where the credentials are, never what they are.
			log.Info("embedded NATS requires credentials; give other processes their role's file with -nats-creds",
				zap.String("director", bus.CredsFile(dir, bus.RoleDirector)),
				zap.String("gateway", bus.CredsFile(dir, bus.RoleGateway)),
				zap.String("api", bus.CredsFile(dir, bus.RoleAPI)))
		}
	}
	if rooms, err = publishRooms(ctx, b, rooms, sources, log); err != nil {
		ln.Close()
		return errors.Join(err, b.Close())
	}
	// One cache of parsed script versions: the API and the director parse
	// each stored version once between them.
	shows := script.NewCache(0)
	gwCfg := gw.config()
	merchantAPI, err := newMerchantAPI(b, *merchants, ps, shows, getenv, filepath.Join(*data, demoTokenFile), gwCfg.BlockedWords, log)
	if err != nil {
		ln.Close()
		return errors.Join(err, b.Close())
	}
	gwCfg.API = merchantAPI.Handler()
	answers, err := answersClient(getenv, gwCfg.BlockedWords, log)
	if err != nil {
		ln.Close()
		return errors.Join(err, b.Close())
	}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "avatarcast: serving %s\n", base)
	for _, a := range rooms {
		log.Info("room ready", zap.String("room", string(a.Room.ID)), zap.String("open", base+"/rooms/"+string(a.Room.ID)))
	}
	// The director renders its lines with the voice worker(s) when serve
	// runs one or NATS is another's (workers may run elsewhere); with no
	// worker a render fails at once and the line is spoken without audio.
	var voiceFor voice.Provider
	if vw != nil || *c.natsURL != "" {
		voiceFor = b.VoiceClient(5 * time.Second)
	}
	parts := []func(context.Context) error{
		// One blocklist: the gateway masks its words, the director
		// refuses to speak a name that holds one.
		func(ctx context.Context) error {
			return director.New(director.Config{BlockedWords: gwCfg.BlockedWords, Scripts: shows, Answers: answers, Voice: voiceFor}, b, log).Run(ctx)
		},
		func(ctx context.Context) error { return gateway.New(gwCfg, b, log).Serve(ctx, ln) },
		// Stops rooms whose licence expires mid-show.
		merchantAPI.Run,
		// Platform events from bridges inside the cluster (NATS).
		merchantAPI.ServeBridges,
	}
	if vw != nil {
		vw.natsURL, vw.creds, vw.stderr, vw.log = *c.natsURL, *c.creds, stderr, log
		if b.Embedded() {
			vw.natsURL, vw.creds = b.ClientURL(), ""
			if dir := b.AuthDir(); dir != "" {
				vw.creds = bus.CredsFile(dir, bus.RoleVoice)
			}
		}
		parts = append(parts, vw.run)
	} else {
		log.Warn("voice: no worker (" + noVoice + "); speech events carry no audio; pages fall back to the browser's speech synthesis")
	}
	return errors.Join(serveParts(ctx, log, parts...), b.Close())
}

// serveParts runs each part until ctx ends or one fails, and waits for all.
func serveParts(ctx context.Context, log *zap.Logger, parts ...func(context.Context) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, p := range parts {
		g.Go(func() error { return p(ctx) })
	}
	err := g.Wait()
	log.Info("stopped", zap.Error(err))
	return err
}

func runGateway(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	f := newFlags("gateway", getenv, stderr)
	addr := f.string("addr", "127.0.0.1:8080", "HTTP and WebSocket listen address")
	personas := f.string("personas", "./configs/personas.yaml", "personas file, for the merchant API's checks")
	merchants := f.string("merchants", "./configs/merchants.yaml", "merchant API accounts and their token hashes")
	serveAPI := f.string("api", "on", `"on": also serve the merchant API (connects to NATS as role api); "off": viewers only (role gateway, which cannot read scripts nor send controls)`)
	c := commonFlags(f)
	gw := gatewayFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *serveAPI != "on" && *serveAPI != "off" {
		return fmt.Errorf("gateway: -api %q: want on or off", *serveAPI)
	}
	if *c.natsURL == "" {
		return errors.New("gateway: -nats-url (AVATARCAST_NATS_URL) is required; 'serve' runs everything in one process")
	}
	ps, err := loadPersonas(*personas)
	if err != nil {
		return err
	}
	log, err := newLogger(stderr, *c.logLevel, *c.logFormat)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	role := bus.RoleAPI
	if *serveAPI == "off" {
		role = bus.RoleGateway
	}
	b, err := bus.Open(ctx, c.busConfig("avatarcast-gateway", role), log)
	if err != nil {
		ln.Close()
		return err
	}
	cfg := gw.config()
	parts := []func(context.Context) error{func(ctx context.Context) error { return gateway.New(cfg, b, log).Serve(ctx, ln) }}
	if role == bus.RoleAPI {
		a, err := newMerchantAPI(b, *merchants, ps, nil, getenv, "", cfg.BlockedWords, log)
		if err != nil {
			ln.Close()
			return errors.Join(err, b.Close())
		}
		// Each API gateway checks licences; a room's record changes once.
		cfg.API = a.Handler()
		parts = append(parts, a.Run, a.ServeBridges)
	}
	fmt.Fprintf(stdout, "avatarcast: serving http://%s\n", ln.Addr())
	return errors.Join(serveParts(ctx, log, parts...), b.Close())
}

func runDirector(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	f := newFlags("director", getenv, stderr)
	scripts := f.string("scripts", "", "if set, store this directory's show scripts and record a demo room for each (as serve does)")
	personas := f.string("personas", "./configs/personas.yaml", "personas file")
	block := blocklistFlags(f) // give the gateways' flags: one list masks and refuses
	addr := f.string("addr", "", "if set, serve /livez, /readyz and /metrics on this host:port (for probes and Prometheus)")
	c := commonFlags(f)
	if err := f.parse(args); err != nil {
		return err
	}
	if *c.natsURL == "" {
		return errors.New("director: -nats-url (AVATARCAST_NATS_URL) is required; 'serve' runs everything in one process")
	}
	log, err := newLogger(stderr, *c.logLevel, *c.logFormat)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	var rooms []assignment
	var sources map[string][]byte
	if *scripts != "" {
		if _, rooms, sources, err = loadShows(*personas, *scripts, log); err != nil {
			return err
		}
	}
	b, err := bus.Open(ctx, c.busConfig("avatarcast-director", bus.RoleDirector), log)
	if err != nil {
		return err
	}
	if _, err := publishRooms(ctx, b, rooms, sources, log); err != nil {
		return errors.Join(err, b.Close())
	}
	blocked := block.blockedWords()
	answers, err := answersClient(getenv, blocked, log)
	if err != nil {
		return errors.Join(err, b.Close())
	}
	// Lines are rendered by the voice workers on this NATS, if any (none:
	// each render fails at once, and lines are spoken without audio).
	d := director.New(director.Config{BlockedWords: blocked, Answers: answers, Voice: b.VoiceClient(5 * time.Second)}, b, log)
	if *addr == "" {
		return errors.Join(d.Run(ctx), b.Close())
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return errors.Join(fmt.Errorf("listen: %w", err), b.Close())
	}
	log.Info("director probes and metrics", zap.String("addr", ln.Addr().String()))
	return errors.Join(serveParts(ctx, log, d.Run, func(ctx context.Context) error { return serveDirectorHTTP(ctx, ln, d, b) }), b.Close())
}

func serveConfig(c common, data, listen string) bus.Config {
	cfg := c.busConfig("avatarcast-serve", bus.RoleAdmin)
	cfg.DataDir, cfg.Listen = data, listen
	return cfg
}
