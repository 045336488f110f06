package bus_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// violations collects the permission violations the server reports to a
// connection.
type violations struct {
	mu   sync.Mutex
	errs []string
}

func (v *violations) handler(_ *nats.Conn, _ *nats.Subscription, err error) {
	if errors.Is(err, nats.ErrPermissionViolation) {
		v.mu.Lock()
		v.errs = append(v.errs, err.Error())
		v.mu.Unlock()
	}
}

// saw reports whether the server refused something on subject; it flushes
// first, so the server has answered everything sent before.
func (v *violations) saw(t *testing.T, nc *nats.Conn, subject string) bool {
	t.Helper()
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	// The violation is reported before the PONG, but its handler runs on
	// nats.go's callback goroutine: wait for it.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		v.mu.Lock()
		for _, e := range v.errs {
			if strings.Contains(e, `"`+subject+`"`) {
				v.mu.Unlock()
				return true
			}
		}
		v.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestListeningServerRequiresCredentials starts the embedded server
// listening on loopback: a connection without credentials is refused, the
// gateway's credentials can neither read the scripts bucket nor send a
// control, and serve's in-process components go on working.
func TestListeningServerRequiresCredentials(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	if b.AuthDir() == "" {
		t.Fatal("listening embedded server keeps no credentials")
	}
	for _, r := range bus.Roles {
		fi, err := os.Stat(bus.CredsFile(b.AuthDir(), r))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s credentials mode %v, want 0600", r, fi.Mode().Perm())
		}
	}
	// serve's components, in process.
	if _, err := b.PutScript(ctx, "m", "show", []byte("secret script")); err != nil {
		t.Fatalf("in-process PutScript: %v", err)
	}

	if nc, err := nats.Connect(b.ClientURL()); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Fatalf("connect without credentials: %v, want an authorization violation", err)
	}

	// A gateway process: it opens with its credentials and does a gateway's work.
	g := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleGateway, Name: "gw"})
	v := &violations{}
	g.RawNC().SetErrorHandler(v.handler)
	const room = avatar.RoomID("r1")
	if _, err := b.PublishEvent(ctx, room, 1, []byte(`{"seq":1}`), "", 0); err != nil {
		t.Fatal(err)
	}
	if ev, ok, err := g.LastEvent(ctx, room); err != nil || !ok || ev.Seq != 1 {
		t.Fatalf("gateway LastEvent = %+v, %v, %v", ev, ok, err)
	}
	n := 0
	if err := g.Replay(ctx, room, 0, func(bus.StoredEvent) error { n++; return nil }); err != nil || n != 1 {
		t.Fatalf("gateway Replay: %d events, %v", n, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	ready := make(chan struct{})
	go func() { _ = g.WatchRooms(wctx, func(avatar.RoomID, *avatar.Room) {}, func() { close(ready) }) }()
	<-ready
	cancel()
	in := make(chan avatar.Input, 1)
	sub, err := b.SubscribeInputs(room, func(i avatar.Input) { in <- i })
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	if err := g.PublishInput(room, avatar.Input{Type: avatar.MsgLike}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-in:
		if got.Type != avatar.MsgLike || got.Room != room {
			t.Errorf("input %+v, want a like in room %s", got, room)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the gateway's input never reached the director's subscription")
	}
	if n := g.Violations(); n != 0 {
		t.Fatalf("NATS refused the gateway role %d things a gateway does", n)
	}
	if g.RawScripts() != nil {
		t.Error("a gateway's bus has the scripts bucket")
	}
	if _, _, err := g.GetScript(ctx, "m", "show", 0); !errors.Is(err, bus.ErrNoScripts) {
		t.Errorf("gateway GetScript: %v, want ErrNoScripts", err)
	}

	// What it must not do. Publishing is refused by the server, reported
	// to the connection as a permissions violation.
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Second)
	defer rcancel()
	scriptGet := "$JS.API.DIRECT.GET.KV_" + avatar.ScriptsBucket + ".$KV." + avatar.ScriptsBucket + "." + avatar.ScriptKey("m", "show")
	if m, err := g.RawNC().RequestWithContext(rctx, scriptGet, nil); err == nil {
		t.Fatalf("gateway read a script: %q", m.Data)
	}
	if !v.saw(t, g.RawNC(), scriptGet) {
		t.Errorf("no permissions violation for %s", scriptGet)
	}
	if err := g.RawNC().Publish(avatar.ControlSubject(room), []byte(`{"type":"pause"}`)); err != nil {
		t.Fatal(err)
	}
	if !v.saw(t, g.RawNC(), avatar.ControlSubject(room)) {
		t.Errorf("no permissions violation for a control")
	}
	for _, s := range []string{"$KV." + avatar.ScriptsBucket + ".>", avatar.InboxPrefix(string(bus.RoleAPI)) + ".>", avatar.ControlSubject("*")} {
		if _, err := g.RawNC().SubscribeSync(s); err != nil {
			t.Fatal(err)
		}
		if !v.saw(t, g.RawNC(), s) {
			t.Errorf("gateway may subscribe to %s", s)
		}
	}

	// The merchant API's role may do both.
	a := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleAPI, Name: "api"})
	if src, _, err := a.GetScript(ctx, "m", "show", 0); err != nil || string(src) != "secret script" {
		t.Fatalf("api GetScript = %q, %v", src, err)
	}
	if vs, err := a.ScriptVersions(ctx, "m", "show"); err != nil || len(vs) != 1 {
		t.Fatalf("api ScriptVersions = %v, %v", vs, err)
	}
	// A director process answers the control with its own credentials.
	d := bustest.OpenAs(t, b, bus.Config{Role: bus.RoleDirector, Name: "director"})
	if err := d.RecordAudit(ctx, bus.AuditRecord{Merchant: "m", Action: "director-test"}); err != nil {
		t.Fatalf("director audit: %v", err)
	}
	// It may ask a voice worker to render a line: with none running, the
	// answer is "no worker" at once, not a permissions violation.
	if _, err := d.VoiceClient(5*time.Second).Render(ctx, voice.Request{Text: "Hello.", Lang: "en"}); !errors.Is(err, voice.ErrUnavailable) {
		t.Fatalf("director voice render with no worker: %v, want voice.ErrUnavailable", err)
	}
	srv := d.ServeControls(ctx, func(c avatar.Control, reply func(avatar.ControlReply)) { reply(avatar.ControlReply{}) })
	defer srv.Close()
	if err := srv.Add(room); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil { // the server has the subscription
		t.Fatal(err)
	}
	cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
	defer ccancel()
	if _, err := a.Control(cctx, avatar.Control{Room: room, Type: "pause"}); err != nil {
		t.Fatalf("api control: %v", err)
	}
	if err := a.RecordAudit(ctx, bus.AuditRecord{Merchant: "m", Action: "test"}); err != nil {
		t.Fatalf("api audit: %v", err)
	}
	if recs, err := a.AuditLog(ctx, "m", 0, 10); err != nil || len(recs) != 2 {
		t.Fatalf("api AuditLog = %v, %v", recs, err)
	}
	for _, x := range []*bus.Bus{a, d} {
		if err := x.Flush(); err != nil {
			t.Fatal(err)
		}
		if n := x.Violations(); n != 0 {
			t.Errorf("NATS refused %d things a role does", n)
		}
	}
}
