package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
)

// Close codes sent to viewers, in the private range 4000-4999. Each close
// reason says where to resume: "since=N".
const (
	CloseSlowConsumer = 4008 // the viewer fell too far behind
	CloseAbuse        = 4009 // too many bad or rate-limited frames
)

const (
	writeWait   = 10 * time.Second
	pongWait    = 60 * time.Second
	pingEvery   = 25 * time.Second
	maxFrame    = 2048 // bytes of one viewer frame
	maxText     = 280  // runes of a comment or question
	maxStrikes  = 20   // bad or limited frames before the socket is closed
	batchFrames = 64   // events coalesced into one write at most
)

// client is one viewer's connection. The handler goroutine reads; one writer
// goroutine writes everything queued on send. Whoever wants the connection
// gone calls stop, once or many times.
type client struct {
	conn   *websocket.Conn
	room   *room
	viewer string
	log    *zap.Logger
	send   chan *frame
	limit  *rate.Limiter

	// lastSent is the last room seq written, touched only by the goroutine
	// writing (the handler before join, the writer after).
	lastSent uint64

	stopOnce  sync.Once
	done      chan struct{}
	closeCode int
	closeMsg  string
}

func newClient(conn *websocket.Conn, rm *room, viewer string, queue int, log *zap.Logger) *client {
	return &client{
		conn: conn, room: rm, viewer: viewer, log: log,
		send:  make(chan *frame, queue),
		limit: rate.NewLimiter(rate.Limit(5), 10),
		done:  make(chan struct{}),
	}
}

// enqueue hands f to the writer without blocking; a client whose queue is
// full is dropped as a slow consumer.
func (c *client) enqueue(f *frame) {
	select {
	case c.send <- f:
	default:
		c.stop(CloseSlowConsumer, "slow_consumer")
	}
}

// stop closes the connection with code and reason once; the writer sends
// the close frame with the resume hint.
func (c *client) stop(code int, reason string) {
	c.stopOnce.Do(func() {
		c.closeCode, c.closeMsg = code, reason
		close(c.done)
	})
}

// writeLoop writes queued frames, coalescing what is waiting into one JSON
// array frame, and pings, until stop. It then sends the close frame.
func (c *client) writeLoop() {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	batch := make([]*frame, 0, batchFrames)
	var buf []byte
	for {
		select {
		case f := <-c.send:
			batch = append(batch[:0], f)
		drain:
			for len(batch) < batchFrames {
				select {
				case f := <-c.send:
					batch = append(batch, f)
				default:
					break drain
				}
			}
			var err error
			buf, err = c.write(batch, buf)
			if err != nil {
				c.stop(websocket.CloseAbnormalClosure, "write failed")
				c.conn.Close()
				return
			}
		case <-ping.C:
			if err := c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.stop(websocket.CloseAbnormalClosure, "ping failed")
				c.conn.Close()
				return
			}
		case <-c.done:
			msg := websocket.FormatCloseMessage(c.closeCode, fmt.Sprintf("%s; resume since=%d", c.closeMsg, c.lastSent))
			_ = c.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
			c.conn.Close()
			return
		}
	}
}

// write writes fs, skipping room events already sent, as one frame: the
// shared prepared frame when there is one event, else a JSON array built in
// buf, which it returns for reuse.
func (c *client) write(fs []*frame, buf []byte) ([]byte, error) {
	n := 0
	for _, f := range fs {
		if f.seq != 0 {
			if f.seq <= c.lastSent {
				continue // already sent during catch-up
			}
			c.lastSent = f.seq
		}
		fs[n] = f
		n++
	}
	fs = fs[:n]
	if n == 0 {
		return buf, nil
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeWait))
	if n == 1 && fs[0].pm != nil {
		return buf, c.conn.WritePreparedMessage(fs[0].pm)
	}
	if n == 1 {
		return buf, c.conn.WriteMessage(websocket.TextMessage, fs[0].raw)
	}
	buf = appendBatch(buf[:0], fs)
	return buf, c.conn.WriteMessage(websocket.TextMessage, buf)
}

// readLoop reads viewer frames until the connection fails or stop; each is
// validated and forwarded, or answered with an error frame.
func (c *client) readLoop(forward func(avatar.Input) error) {
	c.conn.SetReadLimit(maxFrame)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	strikes := 0
	for {
		typ, data, err := c.conn.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				c.stop(websocket.CloseMessageTooBig, fmt.Sprintf("%s: frame over %d bytes", avatar.CodeTooLarge, maxFrame))
			}
			return
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		e := c.handle(typ, data, forward)
		if e == nil {
			continue
		}
		c.enqueue(directFrame(c.room.id, avatar.EventError, e))
		if strikes++; strikes > maxStrikes {
			c.stop(CloseAbuse, "too many bad frames")
			return
		}
	}
}

// handle checks one viewer frame and forwards it; it returns what to tell
// the viewer if the frame is refused.
func (c *client) handle(typ int, data []byte, forward func(avatar.Input) error) *avatar.Error {
	if typ != websocket.TextMessage {
		return &avatar.Error{Code: avatar.CodeBadFrame, Message: "frames must be text (JSON)"}
	}
	var m avatar.Message
	if err := json.Unmarshal(data, &m); err != nil {
		return &avatar.Error{Code: avatar.CodeBadFrame, Message: "frame is not a JSON object: " + err.Error()}
	}
	if m.Type == "" {
		return &avatar.Error{Code: avatar.CodeBadFrame, Message: `frame has no "type"`}
	}
	if !c.limit.Allow() {
		return &avatar.Error{Code: avatar.CodeRateLimited, Message: "too many messages; slow down"}
	}
	var d avatar.MessageData
	if len(m.Data) > 0 && string(m.Data) != "null" {
		if err := json.Unmarshal(m.Data, &d); err != nil {
			return &avatar.Error{Code: avatar.CodeBadField, Message: `"data": ` + err.Error()}
		}
	}
	if e := validate(m.Type, &d); e != nil {
		return e
	}
	if m.Type == avatar.MsgPing {
		c.enqueue(directFrame(c.room.id, avatar.EventPong, avatar.Pong{}))
		return nil
	}
	in := avatar.Input{Room: c.room.id, Viewer: c.viewer, Type: m.Type, Data: d, TS: time.Now().UTC()}
	if err := forward(in); err != nil {
		c.log.Warn("forward viewer input", zap.Error(err))
		return &avatar.Error{Code: avatar.CodeInternal, Message: "internal error; try again"}
	}
	return nil
}

// validate checks the fields each message type needs.
func validate(t avatar.MessageType, d *avatar.MessageData) *avatar.Error {
	bad := func(format string, a ...any) *avatar.Error {
		return &avatar.Error{Code: avatar.CodeBadField, Message: fmt.Sprintf(format, a...)}
	}
	text := func() *avatar.Error {
		d.Text = strings.TrimSpace(d.Text)
		switch n := utf8.RuneCountInString(d.Text); {
		case n == 0:
			return bad(`%s needs "data.text"`, t)
		case n > maxText:
			return bad(`%s "data.text" is %d characters, at most %d`, t, n, maxText)
		}
		return nil
	}
	if utf8.RuneCountInString(d.Name) > 32 {
		return bad(`"data.name" is over 32 characters`)
	}
	switch t {
	case avatar.MsgComment, avatar.MsgQuestion:
		return text()
	case avatar.MsgLike:
		if d.Count == 0 {
			d.Count = 1
		}
		if d.Count < 1 || d.Count > 100 {
			return bad(`like "data.count" must be 1-100, got %d`, d.Count)
		}
	case avatar.MsgTap:
		if d.Target == "" || len(d.Target) > 64 {
			return bad(`tap needs "data.target", an exhibit or option id of at most 64 bytes`)
		}
	case avatar.MsgLang:
		if d.Lang == "" || len(d.Lang) > 16 {
			return bad(`lang needs "data.lang", a language tag such as "en" or "zh-CN"`)
		}
	case avatar.MsgCart:
		if d.SKU == "" || len(d.SKU) > 64 {
			return bad(`cart needs "data.sku"`)
		}
	case avatar.MsgPing:
	default:
		return &avatar.Error{Code: avatar.CodeUnknownType, Message: fmt.Sprintf("unknown type %q; viewers may send comment, like, question, tap, lang, cart, ping", t)}
	}
	return nil
}
