package director

import (
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// metrics are a director's figures for Prometheus; labels are bounded
// (event types), never per room.
type metrics struct {
	events         *prometheus.CounterVec // by event type; speech: lines spoken
	acquired       prometheus.Counter
	takeovers      prometheus.Counter
	renewals       prometheus.Counter
	losses         prometheus.Counter
	handovers      prometheus.Counter
	controlSeconds prometheus.Histogram
	voice          *voiceMetrics // voicemetrics.go
}

func newMetrics() *metrics {
	return &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "avatarcast_director_events_total",
			Help: "Events this director published, by type; rate(...{type=\"speech\"}) is lines per second.",
		}, []string{"type"}),
		acquired: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_leases_acquired_total",
			Help: "Room leases this director acquired (it began playing the room).",
		}),
		takeovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_takeovers_total",
			Help: "Leases acquired after another director held the room: a takeover.",
		}),
		renewals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_lease_renewals_total",
			Help: "Room leases renewed.",
		}),
		losses: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_lease_losses_total",
			Help: "Room leases lost while playing (renewal failed; the room stopped here).",
		}),
		handovers: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_handovers_total",
			Help: "Rooms handed to another director at a line boundary (balancing, draining).",
		}),
		controlSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "avatarcast_director_control_seconds",
			Help:    "Time from a merchant control's arrival to its answer.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		voice: newVoiceMetrics(),
	}
}

// Collectors returns the director's metrics, to register where they are
// served (avatarcast director -addr serves /metrics).
func (d *Director) Collectors() []prometheus.Collector {
	m := d.metrics
	owned := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "avatarcast_director_rooms_owned",
		Help: "Rooms this director plays now (holds the lease of).",
	}, func() float64 { return float64(len(d.owned())) })
	cs := []prometheus.Collector{owned, m.events, m.acquired, m.takeovers, m.renewals, m.losses, m.handovers, m.controlSeconds}
	return append(cs, m.voice.collectors()...)
}

// owned returns the rooms this director plays, sorted.
func (d *Director) owned() []avatar.RoomID {
	d.mu.Lock()
	var ids []avatar.RoomID
	for id, rr := range d.rooms {
		if rr.player != nil {
			ids = append(ids, id)
		}
	}
	d.mu.Unlock()
	slices.Sort(ids)
	return ids
}

// logOwned logs what the director plays now, after a change (or at start):
// the count and the first rooms by name.
func (d *Director) logOwned(why string) {
	ids := d.owned()
	const most = 50
	names := make([]string, 0, min(len(ids), most))
	for _, id := range ids[:min(len(ids), most)] {
		names = append(names, string(id))
	}
	d.log.Info("rooms owned", zap.String("why", why), zap.Int("count", len(ids)), zap.Strings("rooms", names))
}

// timedControl answers c as control does and measures the time to answer.
func (d *Director) timedControl(c avatar.Control, reply func(avatar.ControlReply)) {
	start := time.Now()
	d.control(c, func(r avatar.ControlReply) {
		d.metrics.controlSeconds.Observe(time.Since(start).Seconds())
		reply(r)
	})
}
