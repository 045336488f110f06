package director

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// BenchmarkLeasesTwoDirectors counts what two directors sharing 1,000
// paused rooms ask of NATS once they have settled (each holds about
// half), and one director holding them all: the messages clients send to the server and the server sends to
// clients per second, from the server's own counters. The rooms are
// paused, so what remains is the leases' and the directors' own traffic
// (renewals, presence, and what a director does about the rooms the other
// holds), not the shows'. cores is the whole process's CPU (both
// directors and the server).
func BenchmarkLeasesTwoDirectors(b *testing.B) {
	for _, dirs := range []int{1, 2} {
		b.Run(fmt.Sprintf("directors=%d", dirs), func(b *testing.B) { benchLeases(b, dirs) })
	}
}

func benchLeases(b *testing.B, dirs int) {
	const n = 1000
	ns, err := server.NewServer(&server.Options{
		ServerName: "avatarcast", JetStream: true, StoreDir: filepath.Join(b.TempDir(), "jetstream"),
		NoSigs: true, NoLog: true, DontListen: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	ns.Start()
	defer ns.Shutdown()
	if !ns.ReadyForConnections(10 * time.Second) {
		b.Fatal("server not ready")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open := func(name string) *bus.Bus {
		bs, err := bus.Open(ctx, bus.Config{Server: ns, Name: name}, zap.NewNop())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = bs.Close() })
		return bs
	}
	admin := open("admin")
	v, err := admin.PutScript(ctx, "m", "bench", []byte(benchScript))
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		rec := avatar.Room{ID: avatar.RoomID(fmt.Sprintf("bench-%d", i)), Kind: "livestream", Merchant: "m", Show: "bench",
			Version: v, Status: avatar.RoomPaused}
		if _, err := admin.PutRoom(ctx, rec); err != nil {
			b.Fatal(err)
		}
	}
	var ds []*Director
	done := make(chan error, dirs)
	for i := range dirs {
		d := New(Config{ID: fmt.Sprintf("d%d", i)}, open(fmt.Sprintf("director-%d", i)), zap.NewNop())
		ds = append(ds, d)
		go func() { done <- d.Run(ctx) }()
	}
	held := func() (int, int) {
		var c [2]int
		for i, d := range ds[:min(2, len(ds))] {
			d.mu.Lock()
			c[i] = d.leased
			d.mu.Unlock()
		}
		return c[0], c[1]
	}
	for deadline := time.Now().Add(2 * time.Minute); ; {
		if a, c := held(); a+c == n {
			break
		}
		if time.Now().After(deadline) {
			a, c := held()
			b.Fatalf("%d + %d of %d rooms leased after two minutes", a, c, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(6 * time.Second) // balanced, and past the first tries
	v0, _ := ns.Varz(nil)
	t0, cpu0 := time.Now(), cpuTime()
	b.ResetTimer()
	time.Sleep(10 * time.Second)
	b.StopTimer()
	v1, _ := ns.Varz(nil)
	secs, cpu := time.Since(t0).Seconds(), cpuTime()-cpu0
	a, c := held()
	cancel()
	for range ds {
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(v1.InMsgs-v0.InMsgs)/secs, "msgs-in/s")
	b.ReportMetric(float64(v1.OutMsgs-v0.OutMsgs)/secs, "msgs-out/s")
	b.ReportMetric(cpu.Seconds()/secs, "cores")
	b.ReportMetric(float64(a), "rooms-d0")
	b.ReportMetric(float64(c), "rooms-d1")
}
