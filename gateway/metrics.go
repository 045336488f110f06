package gateway

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are one gateway's Prometheus metrics, in its own registry (no
// global state), served on GET /metrics.
type metrics struct {
	reg          *prometheus.Registry
	conns        prometheus.Gauge
	rooms        prometheus.Gauge
	eventsIn     prometheus.Counter
	framesOut    prometheus.Counter
	eventsOut    prometheus.Counter
	bytesOut     prometheus.Counter
	queueDrops   prometheus.Counter
	queueMerges  prometheus.Counter
	slowCloses   prometheus.Counter
	resumes      *prometheus.CounterVec
	refusedConns *prometheus.CounterVec
	inputs       *prometheus.CounterVec
	inputRefused *prometheus.CounterVec
	latency      prometheus.Histogram
}

func newMetrics() *metrics {
	const ns = "avatarcast_gateway_"
	m := &metrics{
		reg:          prometheus.NewRegistry(),
		conns:        prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "connections", Help: "Open viewer WebSockets."}),
		rooms:        prometheus.NewGauge(prometheus.GaugeOpts{Name: ns + "rooms", Help: "Rooms subscribed on this gateway."}),
		eventsIn:     prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "events_in_total", Help: "Room events received from NATS (each framed once)."}),
		framesOut:    prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "frames_out_total", Help: "WebSocket data frames written to viewers."}),
		eventsOut:    prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "events_out_total", Help: "Events delivered to viewers (several may share a frame)."}),
		bytesOut:     prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "bytes_out_total", Help: "Payload bytes written to viewers."}),
		queueDrops:   prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "queue_drops_total", Help: "Ephemeral frames (comments) skipped for a viewer that is behind."}),
		queueMerges:  prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "queue_merges_total", Help: "Latest-wins frames that replaced a waiting one."}),
		slowCloses:   prometheus.NewCounter(prometheus.CounterOpts{Name: ns + "slow_closes_total", Help: "Viewers dropped as slow consumers (full queue or write timeout)."}),
		resumes:      prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "resumes_total", Help: "Reconnects with since=N, by whether every event was recovered."}, []string{"recovered"}),
		refusedConns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "refused_connections_total", Help: "Connections refused, by reason: per_ip and global when accepted (limits.go), origin and token before a WebSocket upgrade."}, []string{"reason"}),
		inputs:       prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "inputs_total", Help: "Viewer messages accepted, by type."}, []string{"type"}),
		inputRefused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ns + "inputs_refused_total", Help: "Viewer frames refused with an error frame, by code."}, []string{"code"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    ns + "delivery_seconds",
			Help:    "From an event's envelope ts to the end of the write that carried it to a viewer; one sample per write, of its oldest event.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
	}
	m.reg.MustRegister(m.conns, m.rooms, m.eventsIn, m.framesOut, m.eventsOut, m.bytesOut, m.queueDrops, m.queueMerges,
		m.slowCloses, m.resumes, m.refusedConns, m.inputs, m.inputRefused, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// wrote counts one write of fs in frames frames (size payload bytes) and
// its latency; it returns the number of events written.
func (m *metrics) wrote(fs []*frame, frames, size int) int {
	m.framesOut.Add(float64(frames))
	events := 0
	for _, f := range fs {
		events += f.events()
	}
	m.eventsOut.Add(float64(events))
	m.bytesOut.Add(float64(size))
	var oldest time.Time
	for _, f := range fs {
		if f.seq != 0 && !f.ts.IsZero() && (oldest.IsZero() || f.ts.Before(oldest)) {
			oldest = f.ts
		}
	}
	if !oldest.IsZero() {
		m.latency.Observe(time.Since(oldest).Seconds())
	}
	return events
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
