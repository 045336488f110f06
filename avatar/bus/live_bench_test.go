package bus_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// BenchmarkLiveEvent measures publish-to-subscriber latency of one event
// on the embedded server: "raw" is the subject directors publish on (what
// gateways read before issue 19), "stored" the stream's republished feed
// that SubscribeEvents reads now. It reports the median and p99 from the
// start of PublishEvent to the subscriber's callback.
func BenchmarkLiveEvent(b *testing.B) {
	for _, mode := range []string{"raw", "stored"} {
		b.Run(mode, func(b *testing.B) {
			bb := bustest.Start(b)
			got := make(chan time.Time, 1)
			if mode == "raw" {
				sub, err := bb.NC.Subscribe(avatar.EventsSubject("r"), func(*nats.Msg) { got <- time.Now() })
				if err != nil {
					b.Fatal(err)
				}
				defer sub.Unsubscribe()
			} else {
				sub, err := bb.SubscribeEvents("r", func(bus.StoredEvent) { got <- time.Now() })
				if err != nil {
					b.Fatal(err)
				}
				defer sub.Stop()
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
