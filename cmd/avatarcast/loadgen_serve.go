package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/gateway"
)

// serveBench is the server side of a load harness run ('loadgen -serve'):
// it listens on addr, prints "listening ws://HOST:PORT", waits for SIGUSR1,
// publishes synthetic notices at rate for duration, and serves until ctx
// ends. kind "ours" is the avatarcast gateway over an embedded NATS
// server; "baseline" is a bare gorilla broadcaster: a reader and a writer
// goroutine per viewer, one PreparedMessage per event, no coalescing.
func serveBench(ctx context.Context, kind, addr string, viewers int, rate float64, size, history int, duration time.Duration, stdout, stderr io.Writer) error {
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("loadgen: listen: %w", err)
	}
	var publish func(seq uint64, raw []byte) error
	var serve func(ctx context.Context) error
	switch kind {
	case "ours":
		dir, err := os.MkdirTemp("", "avatarcast-loadgen-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		log := zap.NewNop()
		b, err := bus.Open(ctx, bus.Config{DataDir: dir, Name: "loadgen"}, log)
		if err != nil {
			return err
		}
		defer b.Close()
		room := avatar.Room{ID: "bench", Kind: "livestream", Title: "Load test", Status: avatar.RoomPlaying,
			Persona: avatar.Persona{ID: "bench", Name: "Bench", Disclosure: map[string]string{"en": "AI-generated presenter"}}}
		if _, err := b.PutRoom(ctx, room); err != nil {
			return err
		}
		g := gateway.New(gateway.Config{MaxConnsPerIP: -1, MaxConns: -1, QueueSize: 1024, ResumeRate: -1}, b, log)
		serve = func(ctx context.Context) error { return g.Serve(ctx, ln) }
		publish = func(seq uint64, raw []byte) error {
			_, err := b.PublishEvent(ctx, "bench", seq, raw, "", 0)
			return err
		}
	case "baseline":
		bb := &baseline{clients: map[*baselineClient]struct{}{}}
		srv := &http.Server{Handler: bb, ReadHeaderTimeout: 10 * time.Second}
		serve = func(ctx context.Context) error {
			go func() { <-ctx.Done(); _ = srv.Close(); bb.closeAll() }()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		}
		publish = bb.broadcast
	default:
		return fmt.Errorf("loadgen: -serve %q: want ours or baseline", kind)
	}
	pad := strings.Repeat("x", max(0, size-200))
	var seq uint64
	for range history {
		// The room's past, for a resume storm (-resume-storm).
		seq++
		env, err := avatar.NewEnvelope("bench", seq, time.Now(), avatar.EventNotice, avatar.Notice{Text: pad, Ref: strconv.FormatUint(seq, 10)})
		if err != nil {
			return err
		}
		raw, _ := json.Marshal(env)
		if err := publish(seq, raw); err != nil {
			return fmt.Errorf("loadgen: publish history: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	if kind == "ours" {
		waitHealthy("http://" + ln.Addr().String() + "/healthz")
	}
	fmt.Fprintf(stdout, "listening ws://%s\n", ln.Addr())
	defer startProfiles("server-"+kind, stderr)()
	select {
	case <-usr1:
	case <-ctx.Done():
		return <-done
	case err := <-done:
		return err
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(stdout, "before publishing: %d goroutines, heap in use %.1f MiB, stacks %.1f MiB, runtime total %.1f MiB\n",
		runtime.NumGoroutine(), float64(ms.HeapInuse)/(1<<20), float64(ms.StackInuse)/(1<<20), float64(ms.Sys-ms.HeapReleased)/(1<<20))
	tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
	end := time.After(duration)
publishing:
	for {
		select {
		case <-ctx.Done():
			break publishing
		case <-end:
			break publishing
		case now := <-tick.C:
			seq++
			env, err := avatar.NewEnvelope("bench", seq, now, avatar.EventNotice, avatar.Notice{Text: pad, Ref: strconv.FormatInt(time.Now().UnixNano(), 10)})
			if err != nil {
				return err
			}
			raw, _ := json.Marshal(env)
			if err := publish(seq, raw); err != nil {
				fmt.Fprintf(stderr, "loadgen: publish: %v\n", err)
			}
		}
	}
	tick.Stop()
	fmt.Fprintf(stdout, "published %d events\n", seq)
	<-ctx.Done()
	return <-done
}

func waitHealthy(u string) {
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(u)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
}

// baseline is the common WebSocket broadcaster the harness compares
// against: gorilla with default 4 KiB buffers, a reader and a writer
// goroutine per viewer, each event framed once (PreparedMessage) and
// written as its own frame.
type baseline struct {
	up      websocket.Upgrader
	mu      sync.Mutex
	clients map[*baselineClient]struct{}
}

type baselineClient struct {
	conn *websocket.Conn
	send chan *websocket.PreparedMessage
	once sync.Once
}

func (c *baselineClient) close() { c.once.Do(func() { close(c.send) }) }

func (bb *baseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	conn, err := bb.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &baselineClient{conn: conn, send: make(chan *websocket.PreparedMessage, 1024)}
	hello, _ := json.Marshal(avatar.Envelope{Room: "bench", Type: avatar.EventHello, Data: json.RawMessage(`{"seq":0}`), TS: avatar.Time(time.Now())})
	if err := conn.WriteMessage(websocket.TextMessage, hello); err != nil {
		conn.Close()
		return
	}
	bb.mu.Lock()
	bb.clients[c] = struct{}{}
	bb.mu.Unlock()
	go func() { // writer
		ping := time.NewTicker(25 * time.Second)
		defer ping.Stop()
		defer conn.Close()
		for {
			select {
			case pm, ok := <-c.send:
				if !ok {
					return
				}
				_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if err := conn.WritePreparedMessage(pm); err != nil {
					return
				}
			case <-ping.C:
				if err := conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(10*time.Second)); err != nil {
					return
				}
			}
		}
	}()
	for { // reader
		if _, _, err := conn.ReadMessage(); err != nil {
			break
		}
	}
	bb.mu.Lock()
	delete(bb.clients, c)
	bb.mu.Unlock()
	c.close()
}

func (bb *baseline) broadcast(_ uint64, raw []byte) error {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, raw)
	if err != nil {
		return err
	}
	bb.mu.Lock()
	defer bb.mu.Unlock()
	for c := range bb.clients {
		select {
		case c.send <- pm:
		default: // too slow: drop it
			delete(bb.clients, c)
			c.close()
		}
	}
	return nil
}

func (bb *baseline) closeAll() {
	bb.mu.Lock()
	defer bb.mu.Unlock()
	for c := range bb.clients {
		c.conn.Close()
	}
}
