// Package wsclient is a Go client for avatarcast rooms: it connects to a
// gateway's /ws, reconnects on its own with since=<last seq seen> after a
// drop (waiting the retry_after_ms the gateway's close reason asked for, as
// avatar.ParseCloseReason reads it, else a jittered backoff), and hands each event to the caller once and in seq order,
// whether it came alone or in a JSON array frame. Tests and the loadgen
// command use it; gateway/web/static/client.js behaves the same.
//
// It imports only the avatar contract and gorilla/websocket, never the
// gateway itself.
package wsclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// Event is one event as received. Data is owned by the callee only during
// the OnEvent call.
type Event struct {
	Seq  uint64
	TS   time.Time
	Type avatar.EventType
	Data json.RawMessage
}

// Config says where to connect and what to do with events. Only URL and
// Room are required.
type Config struct {
	URL    string // the gateway's base, ws://host:port
	Room   avatar.RoomID
	Lang   string
	Token  string      // kiosk device token, sent as ?token=
	Header http.Header // e.g. Origin
	Since  uint64      // resume after this seq on the first connect (0: join live)
	// Dialer dials; nil is websocket.DefaultDialer. Set NetDialContext to
	// pick a source address.
	Dialer *websocket.Dialer
	// OnEvent is called from Run's goroutine for each event: room events
	// (seq > 0) once each and in increasing seq, and frames for this
	// viewer (hello, resume, error, pong, and gateway events like viewers
	// and comment) as they come.
	OnEvent func(Event)
	// OnClose is called when a connection ends, with the close code (1006
	// when the socket just broke) and reason.
	OnClose func(code int, reason string)
	// MaxBackoff caps the wait between reconnects (default 30s).
	MaxBackoff time.Duration
	// Reconnect false makes Run return after the first connection ends.
	Reconnect bool
	// SeqsOnly is for load tools simulating thousands of viewers on one
	// machine: a frame that is a JSON array of room events (a catch-up, a
	// burst) is scanned for each event's seq instead of decoded, and its
	// events reach OnEvent with Seq alone (no TS, Type or Data). An array
	// holding any other event (seq 0) is decoded as usual, and so are
	// single events. Dedupe and the gap count work as usual: an event the
	// scan missed or found twice shows as a gap or a duplicate.
	SeqsOnly bool
}

// Stats counts what a client saw. Skipped counts room seqs that never
// arrived, outside a resume that said recovered:false. Latest-wins events
// (viewers, sale.update) may be merged away by a gateway under load, so a
// stream carrying them can skip seqs by design.
type Stats struct {
	Connects, Events, Duplicates, Skipped int64
}

// Client is one viewer. Send is safe for concurrent use with Run.
type Client struct {
	cfg     Config
	lastSeq uint64
	stats   Stats
	seqKey  []byte // what precedes an envelope's seq (see Config.SeqsOnly)

	mu   sync.Mutex
	conn *websocket.Conn
}

// New returns a client; call Run to connect.
func New(cfg Config) *Client {
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	if cfg.Dialer == nil {
		cfg.Dialer = websocket.DefaultDialer
	}
	return &Client{cfg: cfg, lastSeq: cfg.Since, seqKey: []byte(`,"room":"` + string(cfg.Room) + `","seq":`)}
}

// LastSeq is the last room seq seen. Call it from OnEvent or after Run.
func (c *Client) LastSeq() uint64 { return c.lastSeq }

// Stats returns the counts so far. Call it from OnEvent or after Run.
func (c *Client) Stats() Stats { return c.stats }

// ErrRefused is returned by Run when the gateway answers the upgrade with
// a status that retrying will not change (400, 401, 403, 404).
var ErrRefused = errors.New("wsclient: refused")

// Run connects and reads until ctx ends, then closes the socket and
// returns nil; with Reconnect false it returns when the first connection
// ends. Dial failures are retried with backoff, except ErrRefused.
func (c *Client) Run(ctx context.Context) error {
	failures := 0
	for {
		wait, err := c.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrRefused) {
			return err
		}
		if !c.cfg.Reconnect {
			return err
		}
		if err != nil {
			failures++
		} else {
			failures = 0
		}
		if wait == 0 {
			d := min(c.cfg.MaxBackoff, 250*time.Millisecond<<min(failures, 10))
			wait = d/2 + rand.N(d/2+1)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// URL is the socket URL of the next connect.
func (c *Client) URL() string {
	q := url.Values{"room": {string(c.cfg.Room)}}
	if c.cfg.Lang != "" {
		q.Set("lang", c.cfg.Lang)
	}
	if c.cfg.Token != "" {
		q.Set("token", c.cfg.Token)
	}
	if c.lastSeq > 0 {
		q.Set("since", strconv.FormatUint(c.lastSeq, 10))
	}
	return c.cfg.URL + "/ws?" + q.Encode()
}

// session runs one connection; it returns how long the gateway asked to
// wait before the next one, if it said.
func (c *Client) session(ctx context.Context) (wait time.Duration, err error) {
	conn, resp, err := c.cfg.Dialer.DialContext(ctx, c.URL(), c.cfg.Header)
	if err != nil {
		if resp != nil {
			switch resp.StatusCode {
			case 400, 401, 403, 404:
				return 0, fmt.Errorf("%w: %s", ErrRefused, resp.Status)
			}
			if s := resp.Header.Get("Retry-After"); s != "" {
				if n, err := strconv.Atoi(s); err == nil {
					wait = time.Duration(n) * time.Second
				}
			}
		}
		return wait, err
	}
	c.stats.Connects++
	c.mu.Lock()
	c.conn = conn
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), time.Now().Add(time.Second))
		conn.Close()
	})
	defer func() {
		stop()
		c.mu.Lock()
		c.conn = nil
		c.mu.Unlock()
		conn.Close()
	}()
	var batch []wireEvent
	for {
		// A frame is read into a pooled buffer, held only until its
		// events are delivered (their Data alias it): ReadMessage would
		// allocate and zero a new one for every frame, and a buffer per
		// client would hold the largest frame each ever had.
		var buf *[]byte
		var data []byte
		_, r, err := conn.NextReader()
		if err == nil {
			buf = framePool.Get().(*[]byte)
			data, err = readAll(r, (*buf)[:0])
			*buf = data
		}
		if err != nil {
			if buf != nil {
				framePool.Put(buf)
			}
			code, reason := websocket.CloseAbnormalClosure, err.Error()
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				code, reason = ce.Code, ce.Text
				// A reason not ours (a proxy's, say) leaves the wait to
				// the backoff.
				if r, err := avatar.ParseCloseReason(ce.Text); err == nil {
					wait = r.RetryAfter
				}
			}
			if c.cfg.OnClose != nil {
				c.cfg.OnClose(code, reason)
			}
			return wait, nil
		}
		if c.cfg.SeqsOnly {
			seqs := seqsPool.Get().(*[]uint64)
			var ok bool
			*seqs, ok = scanSeqs(data, c.seqKey, (*seqs)[:0])
			if ok {
				for _, s := range *seqs {
					c.deliver(&wireEvent{Seq: s})
				}
			}
			seqsPool.Put(seqs)
			if ok {
				framePool.Put(buf)
				continue
			}
		}
		batch, err = decodeFrame(data, batch[:0])
		if err == nil {
			for i := range batch {
				c.deliver(&batch[i])
			}
		} // else not ours to judge; a gateway sends only JSON
		clear(batch)
		framePool.Put(buf)
	}
}

var framePool = sync.Pool{New: func() any { return new([]byte) }}

// readAll reads r to its end into buf, growing it as needed (ReadMessage
// would allocate, and zero, a new buffer for every frame).
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

type wireEvent struct {
	Seq  uint64           `json:"seq"`
	TS   avatar.Time      `json:"ts"`
	Type avatar.EventType `json:"type"`
	Data json.RawMessage  `json:"data"`
}

func (c *Client) deliver(w *wireEvent) {
	switch {
	case w.Seq > 0 && w.Seq <= c.lastSeq:
		c.stats.Duplicates++
		return
	case w.Seq > 0:
		if c.lastSeq > 0 && w.Seq > c.lastSeq+1 {
			c.stats.Skipped += int64(w.Seq - c.lastSeq - 1)
		}
		c.lastSeq = w.Seq
	case w.Type == avatar.EventHello:
		var h struct {
			Seq uint64 `json:"seq"`
		}
		if json.Unmarshal(w.Data, &h) == nil && h.Seq > c.lastSeq {
			c.lastSeq = h.Seq
		}
	case w.Type == avatar.EventResume:
		var r avatar.Resume
		if json.Unmarshal(w.Data, &r) == nil && !r.Recovered && r.State != nil && r.State.Seq > c.lastSeq {
			c.lastSeq = r.State.Seq
		}
	}
	if w.Seq > 0 {
		c.stats.Events++
	}
	if c.cfg.OnEvent != nil {
		c.cfg.OnEvent(Event{Seq: w.Seq, TS: time.Time(w.TS), Type: w.Type, Data: w.Data})
	}
}

// Send sends a viewer message; it fails when not connected.
func (c *Client) Send(typ avatar.MessageType, data avatar.MessageData) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	msg, err := json.Marshal(avatar.Message{Type: typ, Data: raw})
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil {
		return errors.New("wsclient: not connected")
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteMessage(websocket.TextMessage, msg)
}
