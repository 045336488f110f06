package director

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// countSink wraps a Sink (nil: discard everything) and counts spoken lines.
type countSink struct {
	next   Sink
	lines  atomic.Int64
	events atomic.Int64
}

var speechType = []byte(`"type":"speech"`)

func (s *countSink) Last(ctx context.Context, r avatar.RoomID) (uint64, uint64, string, error) {
	if s.next == nil {
		return 0, 0, "", nil
	}
	return s.next.Last(ctx, r)
}

func (s *countSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	s.events.Add(1)
	if bytes.Contains(raw, speechType) {
		s.lines.Add(1)
	}
	if s.next == nil {
		return expect + 1, nil
	}
	return s.next.Publish(ctx, r, seq, raw, cursor, expect)
}

func (s *countSink) SaveState(ctx context.Context, r avatar.RoomID, st avatar.State) error {
	if s.next == nil {
		return nil
	}
	return s.next.SaveState(ctx, r, st)
}

func (s *countSink) LoadState(ctx context.Context, r avatar.RoomID) (avatar.State, bool, error) {
	if s.next == nil {
		return avatar.State{}, false, nil
	}
	return s.next.LoadState(ctx, r)
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func liveBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}

// benchScript is a livestream pitch whose lines, at voice rate 2.9, take
// about 0.6 s, so with the breath between lines a room speaks about a line
// a second. Its lines have cues, placeholders (timed per room) and plain
// text (timed once for all rooms).
const benchScript = `
id: bench
kind: livestream
title: {en: Bench}
persona: p
languages: [en]
catalog:
  - {sku: tea, title: {en: Tea}, price: 99, list_price: 129, currency: CNY, stock: 100000}
segments:
  - id: pitch
    product: tea
    steps:
      - {id: a, say: {en: "Fresh [show:tea] tea today."}, emotion: happy}
      - {id: b, say: {en: "Only {price:tea} yuan."}}
      - {id: c, say: {en: "Sweet and nutty."}, gesture: point}
      - {id: d, say: {en: "Order it now."}}
`

// benchRooms plays n rooms of benchScript with real timers for a measured
// window and reports CPU per spoken line, lines per second per room and
// memory per room.
func benchRooms(b *testing.B, n int, next Sink, window time.Duration) {
	show, probs := script.Parse("bench.yaml", []byte(benchScript))
	if show == nil {
		b.Fatal(probs.Err())
	}
	prog := Compile(show, 1)
	sink := &countSink{next: next}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	base := liveBytes()
	for i := range n {
		room := avatar.Room{ID: avatar.RoomID(fmt.Sprintf("bench-%d", i)), Kind: "livestream", Status: avatar.RoomPlaying,
			Persona: avatar.Persona{Voice: avatar.Voice{Rate: 2.9}}}
		p := NewPlayer(room, prog, sink, zap.NewNop())
		wg.Go(func() {
			// Spread the starts over a second, as rooms are not in step.
			time.Sleep(rand.N(time.Second))
			if err := p.Run(ctx); err != nil {
				b.Error(err)
			}
		})
	}
	time.Sleep(2 * time.Second) // all started, caches warm
	mem := liveBytes() - base
	lines0, events0, cpu0, t0 := sink.lines.Load(), sink.events.Load(), cpuTime(), time.Now()
	b.ResetTimer()
	time.Sleep(window)
	b.StopTimer()
	lines, events, cpu, wall := sink.lines.Load()-lines0, sink.events.Load()-events0, cpuTime()-cpu0, time.Since(t0)
	cancel()
	wg.Wait()
	b.ReportMetric(float64(cpu.Microseconds())/float64(lines), "cpu-µs/line")
	b.ReportMetric(float64(lines)/wall.Seconds()/float64(n), "lines/s/room")
	b.ReportMetric(float64(events)/float64(lines), "events/line")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
	b.ReportMetric(float64(mem)/float64(n), "bytes/room")
}

// BenchmarkRooms plays many rooms in one process against a sink that
// discards events (the director's own cost).
//
//	go test ./avatar/director -run '^$' -bench Rooms -benchtime 1x
func BenchmarkRooms(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("rooms=%d", n), func(b *testing.B) { benchRooms(b, n, nil, 5*time.Second) })
	}
}

// BenchmarkRoomsNATS is BenchmarkRooms publishing every event to an
// embedded JetStream server, fenced, and saving state to KV (the whole
// process: director and server).
func BenchmarkRoomsNATS(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("rooms=%d", n), func(b *testing.B) {
			bs := bustest.StartConfig(b, bus.Config{})
			benchRooms(b, n, BusSink{B: bs}, 5*time.Second)
		})
	}
}

// BenchmarkNotice times a merchant notice from the control to its event
// being stored, with the player mid-line (in-memory sink).
func BenchmarkNotice(b *testing.B) {
	prog := loadShow(b, "demo-live.yaml")
	sink := &memSink{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := NewPlayer(avatar.Room{ID: "n", Status: avatar.RoomPlaying}, prog, sink, zap.NewNop())
	go func() { _ = p.Run(ctx) }()
	done := make(chan avatar.ControlReply, 1)
	for b.Loop() {
		p.Control(avatar.Control{Type: avatar.CtlNotice, Text: "gift wrap", Ref: "ref"}, func(r avatar.ControlReply) { done <- r })
		if r := <-done; !r.OK {
			b.Fatal(r.Error)
		}
	}
}

// BenchmarkNoticeNATS times a notice end to end over embedded NATS: the
// request on the control subject, the director's reply, and the event with
// its ref arriving on the room's events subject.
func BenchmarkNoticeNATS(b *testing.B) {
	bs := bustest.StartConfig(b, bus.Config{})
	prog := loadShow(b, "demo-live.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const room = "notice"
	p := NewPlayer(avatar.Room{ID: room, Status: avatar.RoomPlaying}, prog, BusSink{B: bs}, zap.NewNop())
	go func() { _ = p.Run(ctx) }()
	cs := bs.ServeControls(ctx, func(c avatar.Control, reply func(avatar.ControlReply)) { p.Control(c, reply) })
	defer cs.Close()
	if err := cs.Add(room); err != nil {
		b.Fatal(err)
	}
	got := make(chan string, 16)
	sub, err := bs.SubscribeEvents(room, func(ev bus.StoredEvent) {
		if bytes.Contains(ev.Data, []byte(`"type":"notice"`)) {
			got <- string(ev.Data)
		}
	})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sub.Stop() }()
	i := 0
	for b.Loop() {
		i++
		ref := fmt.Sprintf("ref-%d", i)
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := bs.Control(cctx, avatar.Control{Type: avatar.CtlNotice, Room: room, Text: "gift wrap", Ref: ref})
		cancel()
		if err != nil {
			b.Fatal(err)
		}
		for ev := range got {
			if bytes.Contains([]byte(ev), []byte(`"ref":"`+ref+`"`)) {
				break
			}
		}
	}
}

// BenchmarkDirectorNATS runs the whole Director against embedded NATS: it
// watches n room records, leases every room (renewing each lease every
// TTL/3), loads the script from KV and plays. Figures are for the whole
// process, NATS server included.
func BenchmarkDirectorNATS(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("rooms=%d", n), func(b *testing.B) {
			bs := bustest.StartConfig(b, bus.Config{})
			ctx, cancel := context.WithCancel(context.Background())
			v, err := bs.PutScript(ctx, "m", "bench", []byte(benchScript))
			if err != nil {
				b.Fatal(err)
			}
			for i := range n {
				rec := avatar.Room{ID: avatar.RoomID(fmt.Sprintf("bench-%d", i)), Kind: "livestream", Merchant: "m", Show: "bench",
					Version: v, Status: avatar.RoomPlaying, Persona: avatar.Persona{Voice: avatar.Voice{Rate: 2.9}}}
				if _, err := bs.PutRoom(ctx, rec); err != nil {
					b.Fatal(err)
				}
			}
			sink := &countSink{next: BusSink{B: bs}}
			base := liveBytes()
			core, logs := observer.New(zap.WarnLevel)
			d := New(Config{ID: "bench", Sink: sink}, bs, zap.New(core))
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			// Wait until every room is playing, then let it settle.
			for deadline := time.Now().Add(time.Minute); ; {
				d.mu.Lock()
				playing := 0
				for _, rr := range d.rooms {
					if rr.player != nil {
						playing++
					}
				}
				d.mu.Unlock()
				if playing == n {
					break
				}
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d rooms playing after a minute", playing, n)
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(3 * time.Second)
			mem := liveBytes() - base
			lines0, events0, cpu0, t0 := sink.lines.Load(), sink.events.Load(), cpuTime(), time.Now()
			// The rooms started together and speak in step, so a longer
			// window keeps lines/s/room from aliasing.
			b.ResetTimer()
			time.Sleep(10 * time.Second)
			b.StopTimer()
			lines, events, cpu, wall := sink.lines.Load()-lines0, sink.events.Load()-events0, cpuTime()-cpu0, time.Since(t0)
			cancel()
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(cpu.Microseconds())/float64(lines), "cpu-µs/line")
			b.ReportMetric(float64(lines)/wall.Seconds()/float64(n), "lines/s/room")
			b.ReportMetric(float64(events)/float64(lines), "events/line")
			b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cores")
			b.ReportMetric(float64(mem)/float64(n), "bytes/room")
			if w := logs.Len(); w > 0 {
				b.Logf("%d warnings, first: %v", w, logs.All()[0].Message)
				for _, e := range logs.All()[:min(5, w)] {
					b.Log(e.Message, e.ContextMap())
				}
			}
		})
	}
}
