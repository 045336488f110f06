package bus

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/avatarcast/avatarcast/avatar"
)

// Role is what a NATS connection may do. When the embedded server listens
// beyond the process, or on a cluster set up from configs/nats, each
// process connects as one role and the server enforces its permissions
// (RolePermissions):
//
//   - RoleGateway: the viewer side of a gateway. It publishes viewer input,
//     chat and viewer counts and reads room records, state snapshots and
//     events. It cannot read scripts, audit or orders, nor send a control.
//   - RoleAPI: a gateway that also serves the merchant API. The API writes
//     scripts, room records, orders and audit records and sends controls,
//     so it is a role of its own: an internet-facing gateway that does not
//     serve the API (-merchants "") runs as RoleGateway, and a leaked
//     gateway credential cannot forge a control past the API's audit.
//   - RoleDirector: plays rooms. It reads rooms and scripts, holds leases,
//     writes state and events, reads input and answers controls. It also
//     creates the streams and buckets (Provisions).
//   - RoleVoice: a voice worker (cmd/avatarcast-voice). It answers render
//     requests in the workers' queue group and reads and writes the audio
//     store (creating it); nothing else. The gateway and API roles read
//     the audio store to serve /audio.
//   - RoleBridge: a platform bridge running inside the cluster (a
//     livestream platform's comments and gifts). It sends batches of
//     platform events to the API's ingest (avatar.PlatformSubject,
//     request/reply) and reads the answers; nothing else. The API
//     validates, deduplicates and rate-limits them as over HTTP.
//   - RoleAdmin: everything; serve's in-process components and operators.
type Role string

// The roles; their names are the NATS user names in configs/nats.
const (
	RoleAdmin    Role = "admin"
	RoleDirector Role = "director"
	RoleGateway  Role = "gateway"
	RoleAPI      Role = "api"
	RoleVoice    Role = "voice"
	RoleBridge   Role = "bridge"
)

// Roles lists every role, in the order credentials are written.
var Roles = []Role{RoleAdmin, RoleDirector, RoleGateway, RoleAPI, RoleVoice, RoleBridge}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("bus: unknown NATS role %q (want admin, director, gateway, api, voice or bridge)", s)
}

// Provisions reports whether a connection with role r creates and updates
// the streams and buckets; the other roles only look them up.
func (r Role) Provisions() bool { return r == RoleAdmin || r == RoleDirector || r == "" }

// JetStream API subjects are the NATS server's, not avatarcast's; these
// build them for our streams (avatar/subject.go names the streams).
const (
	jsAPI = "$JS.API."
	jsFC  = "$JS.FC."
)

func kvStream(bucket string) string    { return "KV_" + bucket }
func kvSubjects(bucket string) string  { return "$KV." + bucket + ".>" }
func objStream(bucket string) string   { return "OBJ_" + bucket }
func objSubjects(bucket string) string { return "$O." + bucket + ".>" }

// readStream lets a role look a stream up, get messages from it (direct or
// not) and watch it through an ordered consumer (KV watches and history).
func readStream(s string) []string {
	return []string{
		jsAPI + "STREAM.INFO." + s,
		jsAPI + "DIRECT.GET." + s, jsAPI + "DIRECT.GET." + s + ".>",
		jsAPI + "STREAM.MSG.GET." + s,
		jsAPI + "CONSUMER.CREATE." + s + ".>", jsAPI + "CONSUMER.CREATE." + s,
		jsAPI + "CONSUMER.INFO." + s + ".>", jsAPI + "CONSUMER.DELETE." + s + ".>",
		jsAPI + "CONSUMER.MSG.NEXT." + s + ".>",
		jsFC + s + ".>",
	}
}

// provision lets a role create and update a stream.
func provision(s string) []string {
	return []string{jsAPI + "STREAM.CREATE." + s, jsAPI + "STREAM.UPDATE." + s}
}

// RolePermissions returns what role r may publish and subscribe to. Replies
// come to the role's own inbox prefix (avatar.InboxPrefix), so no role reads
// another's answers (a gateway cannot see the API's script reads).
func RolePermissions(r Role) (*server.Permissions, error) {
	var pub, sub []string
	inbox := avatar.InboxPrefix(string(r)) + ".>"
	events, rooms, state := avatar.EventsStream, kvStream(avatar.RoomsBucket), kvStream(avatar.StateBucket)
	gatewayPub := func() []string {
		p := []string{avatar.AllInputSubject(), avatar.ChatSubject("*"), avatar.AllViewersSubject()}
		// The audio store too: a gateway serves /audio from it.
		for _, s := range []string{events, rooms, state, objStream(avatar.AudioBucket)} {
			p = append(p, readStream(s)...)
		}
		return p
	}
	// Viewers are fed from the stream's republished feed only.
	gatewaySub := []string{avatar.StoredEventsSubject("*"), avatar.ChatSubject("*"), avatar.AllViewersSubject(), inbox}
	var resp *server.ResponsePermission
	switch r {
	case RoleAdmin:
		return &server.Permissions{Publish: &server.SubjectPermission{Allow: []string{">"}}, Subscribe: &server.SubjectPermission{Allow: []string{">"}}}, nil
	case RoleGateway:
		pub, sub = gatewayPub(), gatewaySub
	case RoleAPI:
		pub, sub = gatewayPub(), gatewaySub
		pub = append(pub, avatar.ControlSubject("*"), avatar.AllAuditSubject(),
			kvSubjects(avatar.ScriptsBucket), kvSubjects(avatar.RoomsBucket), kvSubjects(avatar.OrdersBucket))
		for _, s := range []string{kvStream(avatar.ScriptsBucket), kvStream(avatar.OrdersBucket), avatar.AuditStream, avatar.RecordsStream, avatar.QuestionsStream} {
			pub = append(pub, readStream(s)...)
		}
		// The merchants' licences and personas are the API's alone: it
		// creates their buckets (Bus.OpenLicences, Bus.OpenPersonas;
		// creating reads the account's limits).
		pub = append(pub, jsAPI+"INFO")
		// So are the platform bridges' buckets (Bus.OpenPlatform).
		for _, b := range []string{avatar.LicencesBucket, avatar.PersonasBucket, avatar.PlatformSeenBucket, avatar.BridgesBucket} {
			pub = append(pub, kvSubjects(b))
			pub = append(pub, readStream(kvStream(b))...)
			pub = append(pub, provision(kvStream(b))...)
		}
		// It ingests the batches of bridges inside the cluster, one API
		// gateway per batch (queue group), and answers each once.
		sub = append(sub, avatar.PlatformSubject("*")+" "+avatar.PlatformQueue)
		resp = &server.ResponsePermission{MaxMsgs: 1}
	case RoleDirector:
		// $JS.API.INFO: creating a bucket reads the account's limits.
		pub = []string{avatar.AllEventsSubject(), kvSubjects(avatar.StateBucket), kvSubjects(avatar.LeasesBucket), jsAPI + "INFO"}
		// Directors share the rooms: each says it is alive and how many
		// rooms it holds, and when it lets a room go (directors.go).
		pub = append(pub, kvSubjects(avatar.DirectorsBucket), avatar.LeaseReleasedSubject())
		// It records audit events too (a sale refused, a runaway loop ended).
		pub = append(pub, avatar.AllAuditSubject())
		// It asks voice workers to render its lines (VoiceClient).
		pub = append(pub, avatar.VoiceRenderSubject())
		for _, s := range []string{events, rooms, state, kvStream(avatar.ScriptsBucket), kvStream(avatar.LeasesBucket), kvStream(avatar.DirectorsBucket), avatar.AuditStream, avatar.RecordsStream} {
			pub = append(pub, readStream(s)...)
		}
		// The director creates the record too (RecordsStream, sourced from
		// the events stream by the server itself).
		for _, s := range []string{events, avatar.AuditStream, avatar.RecordsStream, rooms, state, kvStream(avatar.ScriptsBucket), kvStream(avatar.LeasesBucket), kvStream(avatar.DirectorsBucket), kvStream(avatar.OrdersBucket)} {
			pub = append(pub, provision(s)...)
			if s == kvStream(avatar.OrdersBucket) {
				pub = append(pub, jsAPI+"STREAM.INFO."+s)
			}
		}
		// serve's -scripts seeding from a director writes demo scripts and rooms.
		pub = append(pub, kvSubjects(avatar.ScriptsBucket), kvSubjects(avatar.RoomsBucket))
		// It records the questions nothing answered, for the merchant.
		pub = append(pub, avatar.AllQuestionsSubject(), jsAPI+"STREAM.INFO."+avatar.QuestionsStream)
		pub = append(pub, provision(avatar.QuestionsStream)...)
		sub = []string{avatar.AllInputSubject(), avatar.ControlSubject("*"), avatar.AllViewersSubject(), avatar.LeaseReleasedSubject(), inbox}
		resp = &server.ResponsePermission{MaxMsgs: 1} // answers to controls
	case RoleVoice:
		// It keeps the audio store: creates it (reading the account's
		// limits), reads and writes objects, purges an object's old
		// chunks when it is written again.
		audio := objStream(avatar.AudioBucket)
		pub = append([]string{objSubjects(avatar.AudioBucket), jsAPI + "INFO", jsAPI + "STREAM.PURGE." + audio}, readStream(audio)...)
		pub = append(pub, provision(audio)...)
		// Render requests only in the workers' queue group (a worker
		// cannot listen in on every render beside the queue); it answers
		// each once.
		sub = []string{avatar.VoiceRenderSubject() + " " + avatar.VoiceQueue, inbox}
		resp = &server.ResponsePermission{MaxMsgs: 1}
	case RoleBridge:
		pub = []string{avatar.PlatformSubject("*")}
		sub = []string{inbox}
	default:
		return nil, fmt.Errorf("bus: unknown NATS role %q", r)
	}
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: pub},
		Subscribe: &server.SubjectPermission{Allow: sub},
		Response:  resp,
	}, nil
}

// AuthDir is where the embedded server keeps its generated credentials,
// under its data directory: one nkey seed file per role (0600).
func AuthDir(dataDir string) string { return filepath.Join(dataDir, "nats-auth") }

// CredsFile is role r's credentials file in dir (see AuthDir).
func CredsFile(dir string, r Role) string { return filepath.Join(dir, string(r)+".nk") }

// loadOrCreateCreds returns the nkey users of every role, reading each
// role's seed from dir or, the first time, generating it there (dir 0700,
// files 0600). An operator may also put their own seeds there before the
// first start.
func loadOrCreateCreds(dir string) ([]*server.NkeyUser, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("bus: credentials directory: %w", err)
	}
	var users []*server.NkeyUser
	for _, r := range Roles {
		path := CredsFile(dir, r)
		seed, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			kp, err := nkeys.CreateUser()
			if err != nil {
				return nil, fmt.Errorf("bus: create %s credentials: %w", r, err)
			}
			if seed, err = kp.Seed(); err != nil {
				return nil, fmt.Errorf("bus: create %s credentials: %w", r, err)
			}
			if err := writeSecret(path, seed); err != nil {
				return nil, fmt.Errorf("bus: write %s credentials: %w", r, err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("bus: read %s credentials: %w", r, err)
		}
		kp, err := nkeys.FromSeed(bytes.TrimSpace(seed))
		if err != nil {
			return nil, fmt.Errorf("bus: %s: not an nkey user seed", path)
		}
		pub, err := kp.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("bus: %s: %w", path, err)
		}
		perms, err := RolePermissions(r)
		if err != nil {
			return nil, err
		}
		users = append(users, &server.NkeyUser{Nkey: pub, Permissions: perms})
	}
	return users, nil
}

// writeSecret writes data to path readable by its owner only, replacing
// nothing: a file that appears meanwhile is an error.
func writeSecret(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	return errors.Join(err, f.Close())
}

// Auth is how a client authenticates to NATS. At most one of CredsFile,
// User or Token is set. None of it is ever logged.
type Auth struct {
	// CredsFile is a NATS .creds file (user JWT and seed, for an operator-mode
	// cluster) or an nkey seed file (as the embedded server writes to AuthDir).
	CredsFile string
	// User and Password, as in configs/nats/auth.conf.
	User, Password string
	// Token is a server's authorization token.
	Token string
	// TLSCA, if set, is the PEM file of the CAs the server's certificate must
	// chain to; TLSCert and TLSKey, if set, the client's certificate and key.
	TLSCA, TLSCert, TLSKey string
}

// options returns the nats.Options for a.
func (a Auth) options() ([]nats.Option, error) {
	var opts []nats.Option
	n := 0
	for _, s := range []string{a.CredsFile, a.User, a.Token} {
		if s != "" {
			n++
		}
	}
	if n > 1 {
		return nil, errors.New("bus: give one of a credentials file, a user or a token, not several")
	}
	if a.Password != "" && a.User == "" {
		return nil, errors.New("bus: a NATS password needs a user")
	}
	switch {
	case a.CredsFile != "":
		data, err := os.ReadFile(a.CredsFile)
		if err != nil {
			return nil, fmt.Errorf("bus: credentials file: %w", err)
		}
		if strings.Contains(string(data), "BEGIN NATS USER JWT") {
			opts = append(opts, nats.UserCredentials(a.CredsFile))
		} else {
			o, err := nats.NkeyOptionFromSeed(a.CredsFile)
			if err != nil {
				return nil, fmt.Errorf("bus: credentials file %s: not a .creds file nor an nkey seed", a.CredsFile)
			}
			opts = append(opts, o)
		}
	case a.User != "":
		opts = append(opts, nats.UserInfo(a.User, a.Password))
	case a.Token != "":
		opts = append(opts, nats.Token(a.Token))
	}
	if a.TLSCA == "" && a.TLSCert == "" && a.TLSKey == "" {
		return opts, nil
	}
	if (a.TLSCert == "") != (a.TLSKey == "") {
		return nil, errors.New("bus: a TLS client certificate needs its key, and a key its certificate")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if a.TLSCA != "" {
		pem, err := os.ReadFile(a.TLSCA)
		if err != nil {
			return nil, fmt.Errorf("bus: TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("bus: TLS CA %s: no PEM certificate", a.TLSCA)
		}
		cfg.RootCAs = pool
	}
	if a.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(a.TLSCert, a.TLSKey)
		if err != nil {
			return nil, fmt.Errorf("bus: TLS client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return append(opts, nats.Secure(cfg)), nil
}
