package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// harness is a gateway on a loopback port over its own embedded NATS, with a
// room "r" that the test publishes events to as a director would.
type harness struct {
	t    *testing.T
	b    *bus.Bus
	url  string // ws://127.0.0.1:PORT
	seq  uint64
	stop func()
}

var noKeepAlive = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

func start(t *testing.T, cfg gateway.Config) *harness {
	t.Helper()
	b := bustest.Start(t)
	bustest.PutRoom(t, b, avatar.Room{ID: "r", Kind: "livestream", Title: "Test", Persona: avatar.Persona{ID: "p", Name: "P", Disclosure: map[string]string{"en": "AI-generated"}}})
	h := &harness{t: t, b: b}
	h.restart(cfg)
	return h
}

// inputs collects what the gateway forwards to room r's director.
func (h *harness) inputs(r avatar.RoomID) chan avatar.Input {
	h.t.Helper()
	got := make(chan avatar.Input, 64)
	sub, err := h.b.SubscribeInputs(r, func(in avatar.Input) { got <- in })
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = sub.Stop() })
	return got
}

// restart starts a new gateway (stopping the old one) on the same NATS.
func (h *harness) restart(cfg gateway.Config) {
	h.t.Helper()
	if h.stop != nil {
		h.stop()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	g := gateway.New(cfg, h.b, zaptest.NewLogger(h.t))
	go func() { done <- g.Serve(ctx, ln) }()
	h.url = "ws://" + ln.Addr().String()
	var once bool
	h.stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			h.t.Errorf("Serve: %v", err)
		}
	}
	h.t.Cleanup(h.stop)
	bustest.WaitFor(h.t, 10*time.Second, "gateway ready", func() bool {
		// No keep-alive: an idle connection would count against the
		// address's cap (Config.MaxConnsPerIP) in the tests that set one.
		resp, err := noKeepAlive.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// publish stores n events of room r as the director would.
func (h *harness) publish(n int) {
	h.t.Helper()
	for range n {
		h.seq++
		env, err := avatar.NewEnvelope("r", h.seq, time.Now(), avatar.EventNotice, avatar.Notice{Text: fmt.Sprint("n", h.seq)})
		if err != nil {
			h.t.Fatal(err)
		}
		raw, _ := json.Marshal(env)
		if _, err := h.b.PublishEvent(context.Background(), "r", h.seq, raw, "", 0); err != nil {
			h.t.Fatal(err)
		}
	}
}

type conn struct {
	t       *testing.T
	ws      *websocket.Conn
	pending []avatar.Envelope
}

func (h *harness) dial(query string) *conn {
	h.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(h.url+"/ws?"+query, nil)
	if err != nil {
		h.t.Fatalf("dial ?%s: %v", query, err)
	}
	h.t.Cleanup(func() { ws.Close() })
	return &conn{t: h.t, ws: ws}
}

func (c *conn) next() avatar.Envelope {
	c.t.Helper()
	for len(c.pending) == 0 {
		_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		evs, err := gateway.DecodeFrame(data)
		if err != nil {
			c.t.Fatal(err)
		}
		c.pending = append(c.pending, evs...)
	}
	e := c.pending[0]
	c.pending = c.pending[1:]
	return e
}

// expectSeqs reads events until it has seen room events from..to in order,
// and returns the direct frames (seq 0) seen on the way.
func (c *conn) expectSeqs(from, to uint64) []avatar.Envelope {
	c.t.Helper()
	var direct []avatar.Envelope
	for want := from; want <= to; {
		e := c.next()
		if e.Seq == 0 {
			direct = append(direct, e)
			continue
		}
		if e.Seq != want {
			c.t.Fatalf("got seq %d (%s), want %d", e.Seq, e.Type, want)
		}
		want++
	}
	return direct
}

func resumeOf(t *testing.T, frames []avatar.Envelope) *avatar.Resume {
	for _, f := range frames {
		if f.Type == avatar.EventResume {
			var r avatar.Resume
			if err := json.Unmarshal(f.Data, &r); err != nil {
				t.Fatal(err)
			}
			return &r
		}
	}
	return nil
}

// The whole window is loaded when the room opens, so a viewer 90 events
// behind a fresh gateway with a window of 128 is recovered.
func TestResumeWithinWindowAfterOpen(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 128})
	h.publish(100)
	c := h.dial("room=r&since=10")
	if e := c.next(); e.Type != avatar.EventHello {
		t.Fatalf("first frame %s, want hello", e.Type)
	}
	c.expectSeqs(11, 100)
	h.publish(5)
	direct := c.expectSeqs(101, 105)
	if r := resumeOf(t, append(direct, c.pending...)); r != nil && !r.Recovered {
		t.Errorf("resume = %+v, want recovered", r)
	}
}

func TestResumeAfterGatewayRestart(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 64})
	c := h.dial("room=r")
	c.next() // hello
	h.publish(30)
	c.expectSeqs(1, 30)
	h.restart(gateway.Config{RingSize: 64})
	h.publish(30) // while the viewer is away
	c2 := h.dial("room=r&since=30")
	c2.next() // hello
	c2.expectSeqs(31, 60)
}

func TestResumeBeyondRetentionSaysNotRecovered(t *testing.T) {
	h := start(t, gateway.Config{RingSize: 8})
	h.publish(50)
	// Retention dropped the room's first 40 events.
	bustest.PurgeEvents(t, h.b, 10)
	h.restart(gateway.Config{RingSize: 8}) // a fresh ring: only the stream is left
	c := h.dial("room=r&since=5")
	c.next() // hello
	e := c.next()
	if e.Type != avatar.EventResume {
		t.Fatalf("after hello: %s, want resume", e.Type)
	}
	var r avatar.Resume
	if err := json.Unmarshal(e.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Recovered || r.Since != 5 {
		t.Fatalf("resume = %+v, want since 5, recovered false", r)
	}
	// Live events follow on from the room's present.
	h.publish(3)
	c.expectSeqs(51, 53)
}
