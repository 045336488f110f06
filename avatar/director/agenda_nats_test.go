package director_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// TestAgendaOverNATS: two directors on a listening NATS server, each with
// its own connection. Mid-line, a viewer asks a question and the merchant
// types a line (placed next), answered ok by director A; then A drains
// (SIGTERM: it hands the room over at the line boundary) or dies (its
// connection goes, its lease expires). Director B says the typed line
// exactly once, and after a hand-over answers the question too; the
// room's seqs have no gap and no line is said twice.
func TestAgendaOverNATS(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const typed = "Now 20% off for the next 5 minutes!"
	for _, how := range []string{"drain", "kill"} {
		t.Run(how, func(t *testing.T) {
			b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl, Listen: "127.0.0.1:-1"})
			const room = "agenda"
			// Rate 1: lines of a few seconds, so the line the typed one
			// waits for is still being spoken when A goes.
			bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: "livestream", Merchant: "m", Show: "demo-live",
				Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Voice: avatar.Voice{Rate: 1}}})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// a reaches NATS through a proxy the test can cut: a dies
			// without a word (no release, no last checkpoint).
			px := newCutProxy(t, b.ClientURL())
			b1, err := bus.Open(ctx, bus.Config{URL: px.url(), LeaseTTL: ttl, Name: "a", Role: bus.RoleDirector,
				Auth: bus.Auth{CredsFile: bus.CredsFile(b.AuthDir(), bus.RoleDirector)}}, zaptest.NewLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			ctx1, stop1 := context.WithCancel(ctx)
			defer stop1()
			by := &publishers{by: map[uint64]string{}}
			da := director.New(director.Config{ID: "a", LeaseTTL: ttl, Sink: by.sink(b1, "a")}, b1, zaptest.NewLogger(t).Named("a"))
			done1 := make(chan error, 1)
			go func() { done1 <- da.Run(ctx1) }()
			waitFor(t, 10*time.Second, "a plays", func() bool { return leaseOwner(b, room) == "a" && len(speeches(t, events(t, b, room))) >= 1 })
			db := director.New(director.Config{ID: "b", LeaseTTL: ttl, Sink: by.sink(b, "b")}, b, zaptest.NewLogger(t).Named("b"))
			done2 := make(chan error, 1)
			go func() { done2 <- db.Run(ctx) }()
			// a hears that b is alive (presence, every TTL/3): it will
			// hand the room over when it drains.
			time.Sleep(2 * ttl)

			// Just after a line's speech is stored: mid-line.
			n := len(speeches(t, events(t, b, room)))
			waitFor(t, 15*time.Second, "a new line", func() bool { return len(speeches(t, events(t, b, room))) > n })
			q := avatar.Input{Room: room, Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Name: "Amy", Text: "how much is the tea?"}}
			if err := b.PublishInput(room, q); err != nil {
				t.Fatal(err)
			}
			cctx, ccancel := context.WithTimeout(ctx, 5*time.Second)
			rep, err := b.Control(cctx, avatar.Control{Type: avatar.CtlSay, Room: room, Text: typed})
			ccancel()
			if err != nil || !rep.OK {
				t.Fatalf("say: %+v, %v", rep, err)
			}
			switch how {
			case "drain":
				stop1() // as SIGTERM: b is alive, so the room is handed over
				if err := <-done1; err != nil {
					t.Fatalf("a.Run: %v", err)
				}
				_ = b1.Close()
			case "kill":
				// a's connection goes: it neither publishes, renews nor
				// releases; its lease expires.
				px.cut()
			}
			waitFor(t, 5*ttl+5*time.Second, "b takes over", func() bool { return leaseOwner(b, room) == "b" })
			var before int
			waitFor(t, 30*time.Second, "b says the typed line, answers, and goes on", func() bool {
				evs := events(t, b, room)
				if before = by.first("b") - 1; before < 0 { // b's first event
					return false
				}
				return saidCount(t, evs, typed) > 0 && (how == "kill" || len(replyFAQs(t, evs)) > 0) && len(speeches(t, evs[before:])) >= 3
			})
			cancel()
			if err := <-done2; err != nil {
				t.Fatalf("b.Run: %v", err)
			}
			if how == "kill" {
				<-done1 // a's Run ends with its context; its errors are those of a dead connection
				_ = b1.Close()
			}

			evs := events(t, b, room)
			for i, e := range evs {
				if e.Seq != uint64(i+1) {
					t.Fatalf("event %d has seq %d: gap or repeat", i, e.Seq)
				}
			}
			if got := saidCount(t, evs, typed); got != 1 {
				t.Errorf("typed line said %d times, want once", got)
			}
			for i := max(before-6, 0); i < min(before+4, len(evs)); i++ {
				t.Logf("%d %s %s by %s %.80s", evs[i].Seq, time.Time(evs[i].TS).Format("05.000"), evs[i].Type, by.of(evs[i].Seq), evs[i].Data)
			}
			if got := saidCount(t, evs[before:], typed); got != 1 {
				t.Errorf("typed line said %d times by b, want once (it waited in a when a went)", got)
			}
			faqs := replyFAQs(t, evs)
			if how == "drain" && (len(faqs) != 1 || faqs[0] != "faq-price" || len(replyFAQs(t, evs[before:])) != 1) {
				t.Errorf("answers %v (by b: %v), want faq-price once, by b", faqs, replyFAQs(t, evs[before:]))
			}
			if len(faqs) > 1 {
				t.Errorf("answers %v: the question answered twice", faqs)
			}
			lines := speeches(t, evs)
			for i := 1; i < len(lines); i++ {
				if lines[i] == lines[i-1] {
					t.Errorf("line %s said twice in a row", lines[i])
				}
			}
			if how == "drain" {
				if last := evs[before-1]; last.Type != avatar.EventCheckpoint {
					t.Logf("a's last event: %s (nothing waited since its last event)", last.Type)
				}
			}
		})
	}
}

// cutProxy forwards TCP connections to a NATS server until cut.
type cutProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newCutProxy(t *testing.T, serverURL string) *cutProxy {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: u.Host}
	t.Cleanup(p.cut)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
	return p
}

func (p *cutProxy) url() string { return "nats://" + p.ln.Addr().String() }

// cut closes the proxy and every connection through it.
func (p *cutProxy) cut() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// publishers notes which director published each seq of the room.
type publishers struct {
	mu sync.Mutex
	by map[uint64]string
}

type notingSink struct {
	director.BusSink
	p  *publishers
	id string
}

func (s notingSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	tok, err := s.BusSink.Publish(ctx, r, seq, raw, cursor, expect)
	if err == nil {
		s.p.mu.Lock()
		s.p.by[seq] = s.id
		s.p.mu.Unlock()
	}
	return tok, err
}

func (p *publishers) sink(b *bus.Bus, id string) director.Sink {
	return notingSink{BusSink: director.BusSink{B: b}, p: p, id: id}
}

func (p *publishers) of(seq uint64) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.by[seq]
}

// first is the first seq id published (0: none).
func (p *publishers) first(id string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := 0
	for seq, who := range p.by {
		if who == id && (f == 0 || int(seq) < f) {
			f = int(seq)
		}
	}
	return f
}

// saidCount counts the speech and reply events whose text holds text.
func saidCount(t *testing.T, evs []avatar.Envelope, text string) int {
	t.Helper()
	n := 0
	for _, e := range evs {
		var sp avatar.Speech
		switch e.Type {
		case avatar.EventSpeech:
			if err := json.Unmarshal(e.Data, &sp); err != nil {
				t.Fatal(err)
			}
		case avatar.EventReply:
			var r avatar.Reply
			if err := json.Unmarshal(e.Data, &r); err != nil {
				t.Fatal(err)
			}
			sp = r.Speech
		}
		if strings.Contains(sp.Text, text) {
			n++
		}
	}
	return n
}

// replyFAQs returns the FAQ entry of each reply event.
func replyFAQs(t *testing.T, evs []avatar.Envelope) []string {
	t.Helper()
	var out []string
	for _, e := range evs {
		if e.Type == avatar.EventReply {
			var r avatar.Reply
			if err := json.Unmarshal(e.Data, &r); err != nil {
				t.Fatal(err)
			}
			out = append(out, r.FAQ)
		}
	}
	return out
}
