package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// openTestRoom opens room r holding events 1..n on a hub of cfg.
func openTestRoom(t *testing.T, cfg Config, n uint64) *room {
	t.Helper()
	b := bustest.Start(t)
	publishN(t, b, "r", 1, n)
	h := newHub(cfg.withDefaults(), b, zap.NewNop(), "t")
	t.Cleanup(h.writers.stop)
	r, err := h.room(context.Background(), "r")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.unsubscribe)
	return r
}

// wsPair returns the two ends of a real WebSocket on loopback: the
// viewer's (ws) and the gateway's (sconn), both closed when the test ends.
func wsPair(t *testing.T) (ws, sconn *websocket.Conn) {
	t.Helper()
	conns := make(chan *websocket.Conn, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, err := (&websocket.Upgrader{}).Upgrade(w, req, nil)
		if err != nil {
			t.Error(err)
			return
		}
		conns <- conn
	}))
	t.Cleanup(srv.Close)
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	sconn = <-conns
	t.Cleanup(func() { sconn.Close() })
	return ws, sconn
}

// seqsOf decodes a text frame's payload (one event or an array) into its
// seqs.
func seqsOf(t *testing.T, data []byte) []uint64 {
	t.Helper()
	evs, err := DecodeFrame(data)
	if err != nil {
		t.Fatalf("frame %.80s…: %v", data, err)
	}
	seqs := make([]uint64, len(evs))
	for i, e := range evs {
		seqs[i] = e.Seq
	}
	return seqs
}

// A span is built once per range and shared: viewers resuming from the
// same seq get the same frame, whose payload is the ring's events in
// order; a span of one event is the ring's frame; and however many ranges
// are asked for, a room keeps a bounded number of spans.
func TestSpansSharedAndBounded(t *testing.T) {
	r := openTestRoom(t, Config{RingSize: 1024}, 700)
	r.mu.Lock()
	defer r.mu.Unlock()
	a, b := r.span(301, 384), r.span(301, 384)
	if a != b {
		t.Fatal("two viewers resuming over 301..384 got two spans, want one shared")
	}
	if a.first != 301 || a.seq != 384 || a.events() != 84 {
		t.Fatalf("span 301..384: first %d, seq %d, %d events", a.first, a.seq, a.events())
	}
	_, payload, ok := strings.Cut(string(a.framed), "[")
	if !ok {
		t.Fatalf("span not framed as an array: %.40q", a.framed)
	}
	seqs := seqsOf(t, []byte("["+payload))
	if len(seqs) != 84 || seqs[0] != 301 || seqs[83] != 384 {
		t.Fatalf("span 301..384 carries %d events, %v…", len(seqs), seqs[:min(3, len(seqs))])
	}
	for i, s := range seqs {
		if s != 301+uint64(i) {
			t.Fatalf("span event %d has seq %d", i, s)
		}
	}
	if f := r.span(500, 500); f != r.ring[500%uint64(len(r.ring))] {
		t.Fatal("a span of one event is not the ring's frame")
	}
	for first := uint64(1); first < 600; first++ {
		r.span(first, first+10)
	}
	if n, most := len(r.spans), len(r.ring)/chunkEvents+maxSpans; n > most {
		t.Fatalf("room keeps %d spans after 600 ranges, want at most %d", n, most)
	}
}

// A span in a viewer's queue counts as the events it carries: the slow
// consumer rule drops a viewer at the same depth whether its catch-up came
// as one span or as single frames.
func TestQueuedSpanCountsItsEvents(t *testing.T) {
	r := openTestRoom(t, Config{RingSize: 1024, QueueSize: 128}, 300)
	c := &client{hub: r.hub, room: r, finished: make(chan struct{})}
	r.mu.Lock()
	sp := r.span(101, 200)
	singles := []*frame{}
	for s := uint64(201); s <= 228; s++ {
		singles = append(singles, r.ring[s%uint64(len(r.ring))])
	}
	extra := r.ring[229%uint64(len(r.ring))]
	r.mu.Unlock()
	c.enqueue(sp)
	for _, f := range singles {
		c.enqueue(f)
	}
	if c.stopping {
		t.Fatalf("dropped with %d events queued, queue size 128", c.live)
	}
	c.enqueue(extra) // the 129th event
	if !c.stopping || c.closeCode != avatar.CloseSlowConsumer {
		t.Fatalf("129 events queued (a span of 100 and 29 single frames), queue size 128: not dropped as a slow consumer (live %d)", c.live)
	}
}

// write sends spans from their shared bytes as frames of their own and
// batches the frames between them, in order, over a real WebSocket; events
// already sent are skipped.
func TestWriteSpansAndBatches(t *testing.T) {
	r := openTestRoom(t, Config{RingSize: 1024}, 400)
	ws, sconn := wsPair(t)
	c := &client{hub: r.hub, room: r, conn: sconn, nc: sconn.NetConn(), finished: make(chan struct{})}
	r.mu.Lock()
	ring := func(s uint64) *frame { return r.ring[s%uint64(len(r.ring))] }
	fs := []*frame{
		ring(5), // already sent: skipped
		r.span(11, 20), ring(21), directFrame("r", avatar.EventPong, avatar.Pong{}), ring(22),
		r.span(23, 40), r.span(41, 60), ring(61),
	}
	r.mu.Unlock()
	c.lastSent.Store(10)
	if err := c.write(fs); err != nil {
		t.Fatal(err)
	}
	want := [][]uint64{
		seqRange(11, 20), {21, 0, 22}, seqRange(23, 40), seqRange(41, 60), {61},
	}
	for i, w := range want {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		got := seqsOf(t, data)
		if len(got) != len(w) {
			t.Fatalf("frame %d carries seqs %v, want %v", i, got, w)
		}
		for j := range w {
			if got[j] != w[j] {
				t.Fatalf("frame %d carries seqs %v, want %v", i, got, w)
			}
		}
	}
	if c.lastSent.Load() != 61 {
		t.Fatalf("lastSent %d after writing up to 61", c.lastSent.Load())
	}
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// A joining viewer's first queue (the newest part of its catch-up and
// resume{recovered: true}) is written by its own handler, not by the
// shared writers, which would wait behind viewers still reading their
// catch-up: here there are no writers at all, and it still arrives.
func TestJoinWritesItsFirstQueueItself(t *testing.T) {
	b := bustest.Start(t)
	bustest.PutRoom(t, b, avatar.Room{ID: "r", Kind: "livestream", Title: "T"})
	publishN(t, b, "r", 1, 700)
	g := New(Config{RingSize: 1024, QueueSize: 256}, b, zap.NewNop())
	g.hub.writers.stop() // nobody takes clients off the run queue
	rm, err := g.hub.room(context.Background(), "r")
	if err != nil {
		t.Fatal(err)
	}
	defer rm.unsubscribe()
	ws, sconn := wsPair(t)
	c := newClient(g.hub, sconn, rm, "v", "127.0.0.1")
	since := uint64(300)
	errc := make(chan error, 1)
	go func() { errc <- g.start(context.Background(), c, rm, avatar.Room{ID: "r"}, &since, "") }()
	if err := ReadCatchUp(ws, since+1, 700); err != nil {
		t.Fatalf("%v (the resume frame was left to the writers?)", err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}
