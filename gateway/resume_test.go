package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

// countStreamReads counts the events requested from the events stream by
// direct gets (a batched request counts its batch size) until the returned
// function is called, which gives the count.
func (h *harness) countStreamReads() func() int64 {
	h.t.Helper()
	var n atomic.Int64
	count := func(data []byte) {
		var req struct {
			Batch int64 `json:"batch"`
		}
		_ = json.Unmarshal(data, &req)
		n.Add(max(req.Batch, 1))
	}
	var syncs []func()
	for _, s := range []string{"$JS.API.DIRECT.GET." + avatar.EventsStream, "$JS.API.DIRECT.GET." + avatar.EventsStream + ".>"} {
		syncs = append(syncs, bustest.Snoop(h.t, h.b, s, count))
	}
	return func() int64 {
		for _, sync := range syncs {
			sync()
		}
		return n.Load()
	}
}

// putState stores room r's state snapshot as the director would.
func (h *harness) putState(st avatar.State) {
	h.t.Helper()
	if err := h.b.SaveState(context.Background(), "r", st); err != nil {
		h.t.Fatal(err)
	}
}

// since=0 on a room with more events than the resume window gets
// resume{recovered: false} with the state and goes on from it, served
// from memory: it does not read the room's history from the stream.
func TestSinceZeroBeyondWindowNotRecovered(t *testing.T) {
	cfg := gateway.Config{RingSize: 64}
	h := start(t, cfg)
	h.publish(500)
	h.putState(avatar.State{Seq: 480, Status: "playing"})
	h.restart(cfg)
	first := h.dial("room=r") // opens the room: the window is loaded
	first.next()

	reads := h.countStreamReads()
	c := h.dial("room=r&since=0")
	if e := c.next(); e.Type != avatar.EventHello {
		t.Fatalf("first frame %s, want hello", e.Type)
	}
	e := c.next()
	if e.Type != avatar.EventResume {
		t.Fatalf("after hello: %s, want resume", e.Type)
	}
	var r avatar.Resume
	if err := json.Unmarshal(e.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.Recovered || r.Since != 0 || r.State == nil || r.State.Seq != 480 {
		t.Fatalf("resume = %+v, want since 0, recovered false, the state at 480", r)
	}
	c.expectSeqs(481, 500)
	if n := reads(); n > 0 {
		t.Errorf("since=0 read %d events from the stream, want none (served from the window)", n)
	}
	h.publish(2)
	c.expectSeqs(501, 502)
}

// A viewer whose missed events are older than ResumeMaxAge is beyond the
// window in time, even though the ring holds them.
func TestResumeWindowInTime(t *testing.T) {
	cfg := gateway.Config{RingSize: 64, ResumeMaxAge: time.Minute}
	h := start(t, cfg)
	old := time.Now().Add(-time.Hour)
	for seq := uint64(1); seq <= 20; seq++ {
		ts := old
		if seq > 10 {
			ts = time.Now()
		}
		env, _ := avatar.NewEnvelope("r", seq, ts, avatar.EventNotice, avatar.Notice{Text: fmt.Sprint("n", seq)})
		raw, _ := json.Marshal(env)
		if _, err := h.b.PublishEvent(context.Background(), "r", seq, raw, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	h.seq = 20
	recent := h.dial("room=r&since=12")
	recent.next() // hello
	direct := recent.expectSeqs(13, 20)
	h.publish(1)
	direct = append(direct, recent.expectSeqs(21, 21)...)
	if r := resumeOf(t, append(direct, recent.pending...)); r == nil || !r.Recovered {
		t.Fatalf("since=12 (missed events a second old): resume %+v, want recovered", r)
	}
	stale := h.dial("room=r&since=5")
	stale.next() // hello
	if r := resumeOf(t, []avatar.Envelope{stale.next()}); r == nil || r.Recovered {
		t.Fatalf("since=5 (missed events an hour old): resume %+v, want not recovered", r)
	}
}

// Resumes are limited per address; plain joins are not.
func TestResumeRateLimitPerAddress(t *testing.T) {
	h := start(t, gateway.Config{ResumeRate: 0.001, ResumeBurst: 2})
	h.publish(3)
	for range 2 {
		c := h.dial("room=r&since=1")
		c.next()
	}
	_, resp, err := websocket.DefaultDialer.Dial(h.url+"/ws?room=r&since=1", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("third resume from one address: err %v, response %+v; want 429 with Retry-After", err, resp)
	}
	c := h.dial("room=r") // a plain join still gets in
	if e := c.next(); e.Type != avatar.EventHello {
		t.Fatalf("plain join after the limit: %s, want hello", e.Type)
	}
}

// A storm of viewers resuming after a gateway restart is served from the
// window loaded once when the room opened: every viewer gets every event
// exactly once, and the stream is read once for the room, not per viewer.
func TestResumeStormServedFromWindow(t *testing.T) {
	cfg := gateway.Config{RingSize: 1024, ResumeRate: -1}
	h := start(t, cfg)
	h.publishFast(700, 200)
	h.restart(cfg)
	reads := h.countStreamReads()
	const viewers, behind = 40, 400
	var wg sync.WaitGroup
	errs := make(chan error, viewers)
	for range viewers {
		wg.Go(func() {
			ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%s/ws?room=r&since=%d", h.url, 700-behind), nil)
			if err != nil {
				errs <- err
				return
			}
			defer ws.Close()
			if err := gateway.ReadCatchUp(ws, 700-behind+1, 700); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Opening the room loads the window: the last event, a binary search
	// and three batches. Per viewer it would be 400 each.
	if n := reads(); n > 4*256+40 {
		t.Errorf("%d viewers %d events behind read %d events from the stream, want about one window's worth", viewers, behind, n)
	}
}
