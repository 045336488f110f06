package bus_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// BenchmarkLiveEvent measures publish-to-subscriber latency of one event
// on the embedded server: "raw" is the subject directors publish on (what
// gateways read before issue 19), "stored" the stream's republished feed
// that SubscribeEvents reads now. It reports the median and p99 from the
// start of PublishEvent to the subscriber's callback. "r3" runs on three
// routed servers with an R3 stream, the subscriber on another server than
// the publisher.
func BenchmarkLiveEvent(b *testing.B) {
	for _, mode := range []string{"raw", "stored", "raw/r3", "stored/r3"} {
		b.Run(mode, func(b *testing.B) {
			bb, sb := open(b, strings.HasSuffix(mode, "/r3"))
			got := make(chan time.Time, 1)
			if strings.HasPrefix(mode, "raw") {
				sub, err := sb.RawNC().Subscribe(avatar.EventsSubject("r"), func(*nats.Msg) { got <- time.Now() })
				if err != nil {
					b.Fatal(err)
				}
				defer sub.Unsubscribe()
			} else {
				sub, err := sb.SubscribeEvents("r", func(bus.StoredEvent) { got <- time.Now() })
				if err != nil {
					b.Fatal(err)
				}
				defer sub.Stop()
			}
			if err := sb.Flush(); err != nil {
				b.Fatal(err)
			}
			raw := make([]byte, 250)
			ctx := context.Background()
			lat := make([]time.Duration, 0, b.N)
			var seq uint64
			for b.Loop() {
				seq++
				t0 := time.Now()
				if _, err := bb.PublishEvent(ctx, "r", seq, raw, "", 0); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, (<-got).Sub(t0))
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// open returns a publishing and a subscribing Bus: one embedded server, or
// clients of different servers of a three-server cluster.
func open(b *testing.B, cluster bool) (pub, sub *bus.Bus) {
	if !cluster {
		bb := bustest.Start(b)
		return bb, bb
	}
	c := bustest.NewCluster(b, 3)
	pub = c.Open(bus.Config{Name: "pub"})
	// A client of the last server only.
	sub, err := bus.Open(context.Background(), bus.Config{URL: c.Servers[2].ClientURL(), Replicas: 3}, zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sub.Close() })
	return pub, sub
}
