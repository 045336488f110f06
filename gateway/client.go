package gateway

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
)

const (
	pongWait   = 60 * time.Second
	pingEvery  = 25 * time.Second
	pingPhases = 16
	maxFrame   = 2048  // bytes of one viewer frame; larger ones get an error frame
	hardFrame  = 65536 // bytes of one viewer frame past which the socket is closed
	maxText    = 280   // runes of a comment or question
	maxStrikes = 20    // bad or limited frames before the socket is closed
	batchMax   = 64    // events coalesced into one write at most, during catch-up
)

// client is one viewer's connection. Its handler goroutine reads; the hub's
// shared writers write what is queued. Whoever wants the connection gone
// calls stop, once or many times; a writer then sends the close frame,
// closes the socket and closes finished.
//
// Frames are written to the socket (nc) by the client itself, not through
// gorilla's writer, which after a timed-out write refuses every later
// write: a timed-out write may have cut a frame in the middle, and only the
// client, knowing what is left of it (tail), can finish it and put the
// 4008 close frame after it. gorilla is used for the handshake and reads.
type client struct {
	hub    *Hub
	conn   *websocket.Conn
	nc     net.Conn // conn's socket
	room   *room
	viewer string
	ip     string
	limit  *rate.Limiter
	br     *bufio.Reader   // gorilla's read buffer, ours (see smallBufResponseWriter)
	raw    syscall.RawConn // the socket, to wait for data with a shallow stack
	phase  uint8           // which of the pingPhases ticks pings this client

	// lastSent is the last room seq written: by the handler before join,
	// then by whichever writer holds the client.
	lastSent atomic.Uint64

	mu          sync.Mutex
	q, spare    []*frame // waiting frames (nil: merged away) and the other buffer
	live        int      // non-nil frames in q
	queued      bool     // on the run queue or being written
	pingDue     bool
	stopping    bool
	closeCode   avatar.CloseCode
	closeDetail string
	finished    chan struct{} // closed once the socket is closed

	pongDue  bool
	pongData []byte // a ping's payload, to echo in the pong

	// wmu is held while writing to nc: by the writer holding the client,
	// or by the handler before the client joins its room.
	wmu sync.Mutex
	// tail is what a timed-out write left unwritten of its frame (wmu).
	tail []byte
	// deflate: the viewer accepted permessage-deflate; spans go to it
	// compressed (see frame.deflatedFrame). Set before it joins.
	deflate bool
	// dead is touched only by the writer holding the client.
	dead bool
}

func newClient(h *Hub, conn *websocket.Conn, rm *room, viewer, ip string) *client {
	c := &client{
		hub: h, conn: conn, nc: conn.NetConn(), room: rm, viewer: viewer, ip: ip,
		limit:    rate.NewLimiter(h.cfg.InputRate, h.cfg.InputBurst),
		phase:    uint8(rand.IntN(pingPhases)),
		finished: make(chan struct{}),
	}
	// gorilla's own handlers would write the pong or the close echo from
	// the reader, beside the writers: the writers do it.
	conn.SetPingHandler(c.pong)
	conn.SetCloseHandler(func(int, string) error { return nil }) // the reader ends; stop answers
	return c
}

// smallBufResponseWriter is the http.ResponseWriter given to gorilla's
// Upgrade: its Hijack hands over a small read buffer of ours, which gorilla
// then uses as the connection's, so that the reader can see whether it
// holds data before parking on the socket (waitReadable); and it watches
// gorilla's answer to the handshake, to learn whether the viewer's
// permessage-deflate offer was accepted.
type smallBufResponseWriter struct {
	http.ResponseWriter
	br   *bufio.Reader
	conn *handshakeConn
}

func (s *smallBufResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil || brw.Reader.Buffered() > 0 {
		return conn, brw, err // gorilla refuses the latter
	}
	// gorilla takes the hijacked reader if it is over 256 bytes. It
	// reads the socket itself, not through handshakeConn.
	s.br = bufio.NewReaderSize(conn, 384)
	s.conn = &handshakeConn{Conn: conn}
	return s.conn, bufio.NewReadWriter(s.br, brw.Writer), nil
}

// handshakeConn is the socket as gorilla's Upgrade sees it: the first write
// is its answer to the handshake, which says whether it accepted
// permessage-deflate (without context takeover, the only way it does).
type handshakeConn struct {
	net.Conn
	answered, deflate bool
}

func (h *handshakeConn) Write(b []byte) (int, error) {
	if !h.answered {
		h.answered = true
		h.deflate = bytes.Contains(b, []byte("\r\nSec-WebSocket-Extensions: permessage-deflate"))
	}
	return h.Conn.Write(b)
}

// logger returns a logger naming the client. It is built on demand: a
// logger per viewer would cost an idle viewer about a kilobyte.
func (c *client) logger() *zap.Logger {
	return c.hub.log.With(zap.String("room", string(c.room.id)), zap.String("viewer", c.viewer))
}

// enqueue adds f to the client's queue without blocking, and reports
// whether the caller must push the client on the run queue. A latest-wins
// frame replaces a waiting one with its key; an ephemeral one is skipped
// when the queue is half full; a must-arrive frame that finds the queue
// full stops the client as a slow consumer.
func (c *client) enqueue(f *frame) (schedule bool) {
	m := c.hub.metrics
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return false
	}
	switch f.class {
	case ephemeral:
		if c.live >= c.hub.cfg.QueueSize/2 {
			m.queueDrops.Inc()
			return false
		}
	case latestWins:
		for i := len(c.q) - 1; i >= 0; i-- {
			if g := c.q[i]; g != nil && g.key == f.key {
				// Drop the old one and append the new one, so frames
				// stay in seq order.
				c.q[i] = nil
				c.live--
				m.queueMerges.Inc()
				break
			}
		}
	}
	if c.live >= c.hub.cfg.QueueSize {
		return c.dropSlowLocked()
	}
	if len(c.q) >= 2*c.hub.cfg.QueueSize {
		c.compact()
	}
	c.q = append(c.q, f)
	c.live += f.events()
	if c.queued {
		return false
	}
	c.queued = true
	return true
}

// compact drops merged-away frames from q. c.mu is held.
func (c *client) compact() {
	n := 0
	for _, f := range c.q {
		if f != nil {
			c.q[n] = f
			n++
		}
	}
	clear(c.q[n:])
	c.q = c.q[:n]
}

// send queues f and schedules the client.
func (c *client) send(f *frame) {
	if c.enqueue(f) {
		c.hub.writers.push(c)
	}
}

// ping asks a writer to ping the client.
func (c *client) ping() {
	c.mu.Lock()
	c.pingDue = true
	sched := !c.queued && !c.stopping
	c.queued = c.queued || sched
	c.mu.Unlock()
	if sched {
		c.hub.writers.push(c)
	}
}

// pong asks a writer to answer a viewer's ping with data.
func (c *client) pong(data string) error {
	c.mu.Lock()
	c.pongDue, c.pongData = true, []byte(data)
	sched := !c.queued && !c.stopping
	c.queued = c.queued || sched
	c.mu.Unlock()
	if sched {
		c.hub.writers.push(c)
	}
	return nil
}

// dropSlowLocked stops the client as a slow consumer, whichever comes first
// of a full queue and a timed-out write, and counts the drop once. c.mu is
// held.
func (c *client) dropSlowLocked() (schedule bool) {
	if c.stopping {
		return false
	}
	c.hub.metrics.slowCloses.Inc()
	return c.stopLocked(avatar.CloseSlowConsumer, "")
}

// stop closes the connection with code, once; detail, if any, is said after
// the code's cause in the close reason (see closeReason).
func (c *client) stop(code avatar.CloseCode, detail string) {
	c.mu.Lock()
	sched := c.stopLocked(code, detail)
	c.mu.Unlock()
	if sched {
		c.hub.writers.push(c)
	}
}

func (c *client) stopLocked(code avatar.CloseCode, detail string) (schedule bool) {
	if c.stopping {
		return false
	}
	c.stopping, c.closeCode, c.closeDetail = true, code, detail
	if c.queued {
		return false
	}
	c.queued = true
	return true
}

// retryAfter is how long a viewer closed with code should wait before it
// reconnects, jittered so that they do not all come back at once.
func retryAfter(code avatar.CloseCode) time.Duration {
	lo, spread := 250*time.Millisecond, 2*time.Second // going away, and others
	switch code {
	case avatar.CloseSlowConsumer:
		lo, spread = time.Second, 3*time.Second
	case avatar.CloseAbuse:
		lo, spread = 10*time.Second, 10*time.Second
	}
	return lo + rand.N(spread)
}

// closeMessage is the payload of the close frame with code: the code, and
// the reason saying what happened (the code's cause, then detail), when to
// retry and where to resume (avatar.FormatCloseReason).
func closeMessage(code avatar.CloseCode, detail string, since uint64) []byte {
	return websocket.FormatCloseMessage(int(code), avatar.FormatCloseReason(avatar.CloseReason{
		Cause: code.Cause(), Detail: detail, RetryAfter: retryAfter(code), Since: since,
	}))
}

// flush is run by a writer: it writes everything waiting as one frame, a
// pong and a ping if due, and the close frame once the client is stopping.
// A write that times out drops the viewer as a slow consumer; the close
// frame then follows what is left of the frame it cut (see finish).
func (c *client) flush() {
	c.mu.Lock()
	q := c.q
	c.q, c.spare = c.spare[:0], nil
	c.live = 0
	ping, pong, pongData := c.pingDue, c.pongDue, c.pongData
	c.pingDue, c.pongDue, c.pongData = false, false, nil
	c.mu.Unlock()

	if !c.dead {
		var err error
		if len(q) > 0 {
			err = c.write(q)
		}
		if err == nil && pong {
			err = c.writeControl(opPong, pongData, c.hub.cfg.WriteTimeout)
		}
		if err == nil && ping {
			err = c.writeControl(opPing, nil, c.hub.cfg.WriteTimeout)
		}
		if err != nil {
			if isTimeout(err) {
				c.mu.Lock()
				c.dropSlowLocked()
				c.mu.Unlock()
				c.logger().Debug("write timed out: slow consumer")
			} else {
				c.dead = true
				c.conn.Close() // the reader fails and stops the client
			}
		}
	}
	c.mu.Lock()
	stopping, code, detail := c.stopping, c.closeCode, c.closeDetail
	c.mu.Unlock()
	handedOff := false
	if stopping && !c.dead {
		c.dead = true
		msg := closeMessage(code, detail, c.lastSent.Load())
		c.wmu.Lock()
		cut := c.tail != nil
		c.wmu.Unlock()
		if cut {
			// The viewer must first read the rest of a frame it was
			// cut off in: do not hold a writer while it does.
			handedOff = true
			go c.finish(msg)
		} else {
			_ = c.writeControl(opClose, msg, time.Second)
			c.hangUp()
		}
	}

	clear(q)
	c.mu.Lock()
	if cap(q) <= 32 {
		c.spare = q[:0] // keep small buffers; let an idle viewer's big one go
	}
	finished := stopping && c.dead
	again := !finished && (len(c.q) > 0 || c.pingDue || c.pongDue || c.stopping)
	c.queued = again
	c.mu.Unlock()
	if finished && !handedOff {
		close(c.finished)
		return
	}
	if again {
		c.hub.writers.push(c)
	}
}

// isTimeout reports whether err is a deadline passing. (Out of flush, so
// that the error variable is not moved to the heap on every flush.)
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// finish writes the rest of a frame that a timed-out write cut, then the
// close frame msg, within Config.CloseGrace, and closes the socket and finished:
// a viewer that reads slowly, or pauses, still learns why it was dropped
// and where to resume; one that is gone holds its socket a few seconds more.
func (c *client) finish(msg []byte) {
	defer close(c.finished)
	c.wmu.Lock()
	defer c.wmu.Unlock()
	bufs := net.Buffers{c.tail, appendHeader(make([]byte, 0, maxHeader+len(msg)), opClose, len(msg)), msg}
	c.tail = nil
	_ = c.nc.SetWriteDeadline(time.Now().Add(c.hub.cfg.CloseGrace))
	if _, err := bufs.WriteTo(c.nc); err != nil {
		c.conn.Close()
		return
	}
	c.hangUp()
}

// hangUp ends the connection after the close frame: the write side at once
// (a FIN right behind the close frame), the socket when the viewer's side
// ends (see Gateway.serveWS's reader) or Config.CloseGrace later. Closing
// it at once while the viewer's unread frames sit in the kernel's receive
// buffer makes the kernel reset the connection; so does an orphaned socket
// under memory pressure while the viewer is still reading what was sent.
// Either way a viewer can lose the close frame (and the resume point in its
// reason) before reading it.
func (c *client) hangUp() {
	if hc, ok := c.nc.(interface{ CloseWrite() error }); ok && hc.CloseWrite() == nil {
		time.AfterFunc(c.hub.cfg.CloseGrace, func() { c.conn.Close() })
		return
	}
	c.conn.Close()
}

// errCut is returned by writes after a timed-out write cut a frame: nothing
// but the rest of that frame and the close frame may follow it (finish).
var errCut = errors.New("gateway: an earlier write timed out")

// writeRaw writes bufs to the socket within timeout, in order. If it
// fails part way, the unwritten bytes are kept in c.tail, and later writes
// fail with errCut.
func (c *client) writeRaw(timeout time.Duration, bufs ...[]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.tail != nil {
		return errCut
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	if len(bufs) == 1 {
		n, err := c.nc.Write(bufs[0])
		if err != nil && n < len(bufs[0]) {
			c.tail = append([]byte(nil), bufs[0][n:]...)
		}
		return err
	}
	nb := net.Buffers(bufs) // WriteTo consumes what it wrote
	_, err := nb.WriteTo(c.nc)
	if err != nil {
		for _, b := range nb {
			c.tail = append(c.tail, b...)
		}
	}
	return err
}

// writeControl writes a control frame (ping, pong or close).
func (c *client) writeControl(op byte, data []byte, timeout time.Duration) error {
	var b [2 + 125]byte
	return c.writeRaw(timeout, append(appendHeader(b[:0], op, len(data)), data...))
}

// write writes fs, skipping merged-away frames and room events already
// sent: a span (catch-up shared by viewers, see room.span) as its own
// frame, from its shared framed bytes; the others as one frame between
// spans, the shared framed bytes when there is one, else a JSON array
// built in a pooled buffer. It may reorder fs.
func (c *client) write(fs []*frame) error {
	n, last, spans := 0, c.lastSent.Load(), false
	for _, f := range fs {
		if f == nil {
			continue
		}
		if f.seq != 0 {
			if f.seq <= last {
				continue // already sent during catch-up
			}
			last = f.seq
		}
		spans = spans || f.first != 0
		fs[n] = f
		n++
	}
	fs = fs[:n]
	if n == 0 {
		return nil
	}
	c.lastSent.Store(last)
	var err error
	size, frames := 0, 1
	switch {
	case n == 1 && fs[0].framed != nil:
		size = fs[0].payload()
		err = c.writeRaw(c.hub.cfg.WriteTimeout, c.framedOf(fs[0]))
	case !spans:
		buf := batchPool.Get().(*bytesBuffer)
		var b []byte
		b, size = frameBatch(buf, fs)
		err = c.writeRaw(c.hub.cfg.WriteTimeout, b)
		batchPool.Put(buf)
	default:
		var bufs [][]byte
		var pooled []*bytesBuffer
		for i := 0; i < n; {
			if fs[i].first != 0 || fs[i].framed != nil && (i+1 == n || fs[i+1].first != 0) {
				bufs = append(bufs, c.framedOf(fs[i]))
				size += fs[i].payload()
				i++
				continue
			}
			j := i + 1
			for j < n && fs[j].first == 0 {
				j++
			}
			buf := batchPool.Get().(*bytesBuffer)
			pooled = append(pooled, buf)
			b, payload := frameBatch(buf, fs[i:j])
			bufs = append(bufs, b)
			size += payload
			i = j
		}
		frames = len(bufs)
		err = c.writeRaw(c.hub.cfg.WriteTimeout, bufs...)
		for _, buf := range pooled {
			batchPool.Put(buf)
		}
	}
	if err != nil {
		return err
	}
	events := c.hub.metrics.wrote(fs, frames, size)
	c.room.figures.events.Add(uint64(events))
	c.room.figures.bytes.Add(uint64(size))
	return nil
}

// framedOf returns f's shared frame for c: a span compressed if c accepted
// compression and it pays, else as it is.
func (c *client) framedOf(f *frame) []byte {
	if c.deflate && f.first != 0 {
		if d := f.deflatedFrame(); d != nil {
			return d
		}
	}
	return f.framed
}

// frameBatch builds fs as one text frame in buf, the event or a JSON array
// of them, and returns it and its payload's size. The array is built after
// room for the longest header, and the header put right before it: one
// buffer, one write. The frame is valid until buf goes back to the pool.
func frameBatch(buf *bytesBuffer, fs []*frame) ([]byte, int) {
	var b []byte
	if len(fs) == 1 && fs[0].first == 0 {
		b = append(buf.b[:maxHeader], fs[0].raw...)
	} else {
		b = appendBatch(buf.b[:maxHeader], fs)
	}
	buf.b = b[:0]
	var hb [maxHeader]byte
	h := appendHeader(hb[:0], opText, len(b)-maxHeader)
	start := maxHeader - len(h)
	copy(b[start:], h)
	return b[start:], len(b) - maxHeader
}

// readLoop reads viewer frames until the connection fails; each is
// validated and forwarded, or answered with an error frame. Frames over
// maxFrame are skipped with an error frame; frames over hardFrame close
// the socket.
func (c *client) readLoop(forward func(avatar.Input) error) (peerDone bool) {
	// No gorilla read limit: past it gorilla writes its own close frame
	// (1009 with no reason) from this goroutine, beside the writers that
	// own the socket. readOne enforces hardFrame instead.
	c.conn.SetReadLimit(0)
	_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { return c.conn.SetReadDeadline(time.Now().Add(pongWait)) })
	strikes := 0
	for {
		if err := c.waitReadable(); err != nil {
			return true
		}
		typ, r, err := c.conn.NextReader()
		if err != nil {
			return true
		}
		_ = c.conn.SetReadDeadline(time.Now().Add(pongWait))
		e, err := c.readOne(typ, r, forward)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				c.stop(avatar.CloseTooLarge, fmt.Sprintf("frame over %d bytes", hardFrame))
				return false
			}
			// A bad frame (closed here) may have more behind it; else
			// the viewer's side failed.
			return !errors.Is(err, errBadUTF8)
		}
		if e == nil {
			continue
		}
		c.send(directFrame(c.room.id, avatar.EventError, e))
		c.hub.metrics.inputRefused.WithLabelValues(e.Code).Inc()
		if strikes++; strikes > maxStrikes {
			c.stop(avatar.CloseAbuse, "too many bad frames")
			return false
		}
	}
}

var (
	errBadUTF8  = errors.New("gateway: text frame is not UTF-8")
	errTooLarge = fmt.Errorf("gateway: frame over %d bytes", hardFrame)
)

// invalidAt returns the offset of the first byte of b that is not UTF-8.
func invalidAt(b []byte) int {
	off := 0
	for off < len(b) {
		r, n := utf8.DecodeRune(b[off:])
		if r == utf8.RuneError && n <= 1 {
			return off
		}
		off += n
	}
	return off
}

var readPool = sync.Pool{New: func() any { return new([maxFrame + 1]byte) }}

// readOne reads one frame from r, at most maxFrame bytes of it, and handles
// it. A longer frame is discarded and refused.
func (c *client) readOne(typ int, r io.Reader, forward func(avatar.Input) error) (*avatar.Error, error) {
	buf := readPool.Get().(*[maxFrame + 1]byte)
	defer readPool.Put(buf)
	n, err := io.ReadFull(r, buf[:])
	switch {
	case err == nil: // a full buffer: over maxFrame
		// Skip the rest, up to hardFrame in all: one byte more and the
		// frame is over it.
		if _, err := io.CopyN(io.Discard, r, hardFrame-maxFrame); err == nil {
			return nil, errTooLarge
		} else if !errors.Is(err, io.EOF) {
			return nil, err
		}
		return &avatar.Error{Code: avatar.CodeTooLarge, Message: fmt.Sprintf("frame over %d bytes", maxFrame)}, nil
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
	default:
		return nil, err
	}
	if typ == websocket.TextMessage && !utf8.Valid(buf[:n]) {
		// RFC 6455 8.1: a text frame that is not UTF-8 fails the
		// connection with 1007. Decoding it would quietly turn the bad
		// bytes into U+FFFD and pass them on to the room.
		c.stop(avatar.CloseBadUTF8, fmt.Sprintf("text frame is not UTF-8 (byte %d)", invalidAt(buf[:n])))
		c.hub.metrics.inputRefused.WithLabelValues(avatar.CodeBadUTF8).Inc()
		return nil, errBadUTF8
	}
	return c.handle(typ, buf[:n], forward), nil
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
		c.send(directFrame(c.room.id, avatar.EventPong, avatar.Pong{}))
		return nil
	}
	in := avatar.Input{Room: c.room.id, Viewer: c.viewer, Type: m.Type, Data: d, TS: time.Now().UTC()}
	if err := forward(in); err != nil {
		c.logger().Warn("forward viewer input", zap.Error(err))
		return &avatar.Error{Code: avatar.CodeInternal, Message: "internal error; try again"}
	}
	c.hub.metrics.inputs.WithLabelValues(string(m.Type)).Inc()
	if m.Type == avatar.MsgCart {
		// Counted as interest by the director; never an order.
		c.send(directFrame(c.room.id, avatar.EventCartOK, avatar.CartOK{SKU: d.SKU}))
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
	name, err := avatar.ParseName(d.Name)
	if err != nil {
		return &avatar.Error{Code: avatar.CodeBadName, Message: fmt.Sprintf(`"data.name": %v; a name has 1 to %d characters and no control, format or separator characters`, err, avatar.MaxNameRunes)}
	}
	d.Name = name
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
