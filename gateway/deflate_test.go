package gateway_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway"
)

// countingConn counts the bytes read from a socket.
type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// resumeCounting resumes room r after since with a gorilla client that
// offers permessage-deflate or not, checks that every event after since
// up to upto arrives once and in order, then resume{recovered: true}, and
// returns the bytes it read from the socket.
func (h *harness) resumeCounting(since, upto uint64, deflate bool) int64 {
	h.t.Helper()
	var n atomic.Int64
	d := &websocket.Dialer{
		EnableCompression: deflate,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return countingConn{c, &n}, nil
		},
	}
	ws, resp, err := d.Dial(fmt.Sprintf("%s/ws?room=r&since=%d", h.url, since), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	defer ws.Close()
	if got := strings.Contains(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate"); got != deflate {
		h.t.Fatalf("offered compression %v, got %q", deflate, resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	if err := gateway.ReadCatchUp(ws, since+1, upto); err != nil {
		h.t.Fatalf("compression %v: %v", deflate, err)
	}
	return n.Load()
}

// A viewer that offers permessage-deflate (as browsers do) gets its
// catch-up compressed: every event once and in order, in a fraction of
// the bytes; one that does not gets it as it is. Live events after the
// resume arrive either way.
func TestCatchUpCompressedWhenOffered(t *testing.T) {
	cfg := gateway.Config{RingSize: 1024, ResumeRate: -1}
	h := start(t, cfg)
	h.publishFast(700, 200)
	h.restart(cfg)
	plain := h.resumeCounting(200, 700, false)
	deflated := h.resumeCounting(200, 700, true)
	if deflated*2 > plain {
		t.Errorf("500 events of catch-up: %d bytes compressed, %d plain; want under half", deflated, plain)
	}
	// A compressing viewer goes on with live events, sent as they are.
	c := h.dialDeflate(700)
	h.publishFast(3, 50)
	for want := uint64(701); want <= 703; want++ {
		if e := c.nextOf(avatar.EventNotice); e.Seq != want {
			t.Fatalf("live event seq %d, want %d", e.Seq, want)
		}
	}
}

// dialDeflate joins room r after since, offering permessage-deflate.
func (h *harness) dialDeflate(since uint64) *conn {
	h.t.Helper()
	ws, _, err := (&websocket.Dialer{EnableCompression: true}).Dial(fmt.Sprintf("%s/ws?room=r&since=%d", h.url, since), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { ws.Close() })
	return &conn{t: h.t, ws: ws}
}

// In real Chromium, which offers permessage-deflate on every socket, a
// resume's compressed catch-up arrives whole and in order.
func TestBrowserResumesCompressed(t *testing.T) {
	ctx := chromium(t)
	cfg := gateway.Config{RingSize: 1024, ResumeRate: -1}
	h := start(t, cfg)
	h.publishFast(700, 200)
	h.restart(cfg)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.httpURL()+"/healthz")); err != nil {
		t.Fatal(err)
	}
	evalJS[bool](t, ctx, `(() => {
		window.got = {next: 201, bad: "", done: false, ext: ""};
		const ws = new WebSocket("ws://" + location.host + "/ws?room=r&since=200");
		ws.onopen = () => { got.ext = ws.extensions; };
		ws.onmessage = (m) => {
			const d = JSON.parse(m.data);
			for (const e of Array.isArray(d) ? d : [d]) {
				if (e.seq > 0) {
					if (e.seq !== got.next) got.bad = got.bad || ("seq " + e.seq + ", want " + got.next);
					got.next = e.seq + 1;
				} else if (e.type === "resume") {
					got.done = e.data.recovered === true;
				}
			}
		};
		return true;
	})()`)
	waitJS(t, ctx, `got.done || got.bad !== ""`)
	if bad := evalJS[string](t, ctx, `got.bad`); bad != "" {
		t.Fatal(bad)
	}
	if next := evalJS[float64](t, ctx, `got.next`); next != 701 {
		t.Fatalf("resumed up to %v, want 700", next-1)
	}
	if ext := evalJS[string](t, ctx, `got.ext`); !strings.Contains(ext, "permessage-deflate") {
		t.Fatalf("Chromium's socket extensions %q: compression not negotiated", ext)
	}
}
