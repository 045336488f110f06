package director_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

const ttl = time.Second

// seed stores demo-live under merchant m and records room id playing it,
// with a fast voice so lines take about a second.
func seed(t *testing.T, b *bus.Bus, id avatar.RoomID) avatar.Room {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return bustest.SeedRoom(t, b, src, avatar.Room{ID: id, Kind: "livestream", Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Voice: avatar.Voice{Rate: 4}}})
}

func putRoom(t *testing.T, b *bus.Bus, rec avatar.Room) {
	t.Helper()
	bustest.PutRoom(t, b, rec)
}

// events reads room id's whole stored history.
func events(t *testing.T, b *bus.Bus, id avatar.RoomID) []avatar.Envelope {
	t.Helper()
	var out []avatar.Envelope
	err := b.Replay(context.Background(), id, 0, func(ev bus.StoredEvent) error {
		var e avatar.Envelope
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func speeches(t *testing.T, evs []avatar.Envelope) []string {
	var out []string
	for _, e := range evs {
		if e.Type == avatar.EventSpeech {
			var sp avatar.Speech
			if err := json.Unmarshal(e.Data, &sp); err != nil {
				t.Fatal(err)
			}
			out = append(out, sp.LineID)
		}
	}
	return out
}

func leaseOwner(b *bus.Bus, id avatar.RoomID) string {
	l, _, _ := b.LeaseHolder(context.Background(), id)
	return l.Owner
}

// waitFor polls cond every 20ms for up to limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	end := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTakeoverAfterOwnerDies plays a room with two directors on one NATS
// server: the owner's connection dies without releasing its lease, and the
// other director goes on from the line after the last one published, with
// no seq gap or repeat and no line spoken twice.
func TestTakeoverAfterOwnerDies(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl, Listen: "127.0.0.1:-1"})
	const room = "takeover"
	seed(t, b, room)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// d1 has its own connection, so it can die alone.
	// It connects as a director process does: with the director's
	// credentials, which the listening embedded server requires.
	b1, err := bus.Open(ctx, bus.Config{URL: b.ClientURL(), LeaseTTL: ttl, Name: "d1", Role: bus.RoleDirector,
		Auth: bus.Auth{CredsFile: bus.CredsFile(b.AuthDir(), bus.RoleDirector)}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx1, kill1 := context.WithCancel(ctx)
	d1 := director.New(director.Config{ID: "d1", LeaseTTL: ttl}, b1, zaptest.NewLogger(t).Named("d1"))
	done1 := make(chan error, 1)
	go func() { done1 <- d1.Run(ctx1) }()
	waitFor(t, 10*time.Second, "d1 plays", func() bool { return leaseOwner(b, room) == "d1" && len(speeches(t, events(t, b, room))) >= 2 })

	d2 := director.New(director.Config{ID: "d2", LeaseTTL: ttl}, b, zaptest.NewLogger(t).Named("d2"))
	done2 := make(chan error, 1)
	go func() { done2 <- d2.Run(ctx) }()
	waitFor(t, 10*time.Second, "more lines", func() bool { return len(speeches(t, events(t, b, room))) >= 4 })
	if o := leaseOwner(b, room); o != "d1" {
		t.Fatalf("lease owner %q while d1 lives, want d1", o)
	}

	// d1 dies: its connection goes, its lease is left to expire.
	_ = b1.Close()
	kill1()
	died := time.Now()
	<-done1
	before := len(events(t, b, room))
	waitFor(t, 5*ttl+5*time.Second, "d2 takes over", func() bool { return leaseOwner(b, room) == "d2" })
	waitFor(t, 15*time.Second, "d2 speaks", func() bool { return len(speeches(t, events(t, b, room)[before:])) >= 3 })
	evs := events(t, b, room)
	t.Logf("takeover: first event from d2 %v after d1 died (lease TTL %v)", time.Time(evs[before].TS).Sub(died).Round(time.Millisecond), ttl)
	// d2's metrics tell an operator what happened.
	reg := prometheus.NewRegistry()
	reg.MustRegister(d2.Collectors()...)
	for name, atLeast := range map[string]float64{
		"avatarcast_director_rooms_owned":           1,
		"avatarcast_director_takeovers_total":       1,
		"avatarcast_director_leases_acquired_total": 1,
	} {
		if v := gather(t, reg, name, ""); v < atLeast {
			t.Errorf("%s = %v, want at least %v", name, v, atLeast)
		}
	}
	if v := gather(t, reg, "avatarcast_director_events_total", "speech"); v < 3 {
		t.Errorf("d2 counted %v lines, want at least the 3 it spoke", v)
	}
	cancel()
	if err := <-done2; err != nil {
		t.Fatalf("d2.Run: %v", err)
	}

	evs = events(t, b, room)
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: gap or repeat at the handover", i, e.Seq)
		}
	}
	lines := speeches(t, evs)
	seen := map[string]int{}
	for i, l := range lines {
		if i > 0 && lines[i-1] == l {
			t.Errorf("line %s spoken twice in a row at %d", l, i)
		}
		seen[l]++
	}
	// demo-live's first pass has 8 distinct lines: none is spoken twice
	// before the show loops.
	want := []string{"greet-hello", "greet-ask", "greet-coupon", "tea-intro", "tea-taste", "tea-price", "tea-flash", "cup-intro", "cup-show", "cup-price"}
	for i, l := range lines {
		if i >= len(want) {
			break
		}
		if l != want[i] {
			t.Fatalf("lines %v, want them in script order %v with none repeated or skipped", lines, want)
		}
	}
	for _, e := range evs[before:] {
		if e.Type == avatar.EventShowStart {
			t.Errorf("takeover started the show again")
		}
	}
	if n := b1.Violations(); n != 0 {
		t.Errorf("NATS refused the director role %d things it does", n)
	}
}

// TestLifecycleAndControlsOverNATS drives a room through its record and
// answers a control over NATS request/reply.
func TestLifecycleAndControlsOverNATS(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	const room = "ctl"
	rec := seed(t, b, room)
	ctx, cancel := context.WithCancel(context.Background())
	d := director.New(director.Config{ID: "d", LeaseTTL: ttl}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, 10*time.Second, "playing", func() bool { return len(speeches(t, events(t, b, room))) >= 1 })

	// A notice is published at once and the reply names its seq.
	c := avatar.Control{Type: avatar.CtlNotice, Room: room, Text: "hello", Ref: "r1"}
	cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
	rep, err := b.Control(cctx, c)
	ccancel()
	if err != nil || !rep.OK || rep.Seq == 0 {
		t.Fatalf("notice reply %+v, %v; want ok with a seq", rep, err)
	}
	evs := events(t, b, room)
	if e := evs[rep.Seq-1]; e.Type != avatar.EventNotice {
		t.Errorf("event at reply seq %d is %s, want notice", rep.Seq, e.Type)
	}
	// Viewer input reaches the player through the bus.
	in := avatar.Input{Room: room, Viewer: "v", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "how much?", Name: "V"}}
	if err := b.PublishInput(room, in); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 15*time.Second, "reply", func() bool {
		for _, e := range events(t, b, room) {
			if e.Type == avatar.EventReply {
				return true
			}
		}
		return false
	})

	rec.Status = avatar.RoomStopped
	putRoom(t, b, rec)
	waitFor(t, 15*time.Second, "show.end", func() bool {
		evs := events(t, b, room)
		return evs[len(evs)-1].Type == avatar.EventShowEnd
	})
	st, ok, err := b.LoadState(context.Background(), room)
	if err != nil || !ok || st.Status != "ended" {
		t.Errorf("state %+v %v %v, want ended", st, ok, err)
	}
	// A new version that does not parse is never played.
	if _, err := b.PutScript(context.Background(), "m", "demo-live", []byte("id: [broken")); err != nil {
		t.Fatal(err)
	}
	// The room restarts on the good version it has.
	rec.Status, rec.Version = avatar.RoomPlaying, 0
	putRoom(t, b, rec)
	waitFor(t, 15*time.Second, "show.start on the old version", func() bool {
		evs := events(t, b, room)
		return speeches(t, evs)[len(speeches(t, evs))-1] == "greet-hello" && evs[len(evs)-1].Type != avatar.EventShowEnd
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// No director plays the room now: its lease is released and a control
	// finds no responder.
	if o := leaseOwner(b, room); o != "" {
		t.Errorf("lease still held by %q after shutdown", o)
	}
	cctx, ccancel = context.WithTimeout(context.Background(), time.Second)
	defer ccancel()
	if _, err := b.Control(cctx, c); err == nil {
		t.Error("control answered after the director stopped")
	}
}

// gather returns the value of metric name in reg (with label type=typ, if
// typ is set), or -1 if it is not there.
func gather(t *testing.T, reg *prometheus.Registry, name, typ string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if typ != "" && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != typ) {
				continue
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue()
			case m.Counter != nil:
				return m.Counter.GetValue()
			}
		}
	}
	return -1
}
