package gateway

import (
	"cmp"
	"slices"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// TopRooms is how many rooms the per-room metrics name by default: the
// rooms with the most viewers on this gateway, so the labels stay bounded
// however many rooms there are.
const TopRooms = 10

// roomFigures are a room's delivery counts on this gateway, kept for the
// per-room metrics (atomics: written by the writers, read at a scrape).
type roomFigures struct {
	events atomic.Uint64 // events delivered to the room's viewers
	bytes  atomic.Uint64 // payload bytes written to them
}

// topRooms is a Prometheus collector naming only the n rooms with the
// most viewers on this gateway at each scrape: viewers, events and bytes
// delivered, and the last seq. A room that leaves the top n leaves the
// series, as any label set may; counters are kept by the room while it is
// open, so they are monotonic while it is named.
type topRooms struct {
	hub                        *Hub
	n                          int
	viewers, events, bytes, at *prometheus.Desc
}

func newTopRooms(h *Hub, n int) *topRooms {
	const ns = "avatarcast_gateway_room_"
	room := []string{"room"}
	return &topRooms{
		hub: h, n: n,
		viewers: prometheus.NewDesc(ns+"viewers", "Viewers of the room on this gateway, for the rooms with the most (see TopRooms).", room, nil),
		events:  prometheus.NewDesc(ns+"events_out_total", "Events delivered to the room's viewers on this gateway since it opened here.", room, nil),
		bytes:   prometheus.NewDesc(ns+"bytes_out_total", "Payload bytes written to the room's viewers on this gateway since it opened here.", room, nil),
		at:      prometheus.NewDesc(ns+"last_seq", "The last seq of the room this gateway delivered.", room, nil),
	}
}

func (t *topRooms) Describe(ch chan<- *prometheus.Desc) {
	ch <- t.viewers
	ch <- t.events
	ch <- t.bytes
	ch <- t.at
}

func (t *topRooms) Collect(ch chan<- prometheus.Metric) {
	type row struct {
		r       *room
		viewers int
	}
	t.hub.mu.Lock()
	rows := make([]row, 0, len(t.hub.rooms))
	for _, r := range t.hub.rooms {
		rows = append(rows, row{r: r})
	}
	t.hub.mu.Unlock()
	for i := range rows {
		rows[i].r.mu.Lock()
		rows[i].viewers = len(rows[i].r.clients)
		rows[i].r.mu.Unlock()
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.viewers != b.viewers {
			return b.viewers - a.viewers
		}
		return cmp.Compare(a.r.id, b.r.id)
	})
	for _, w := range rows[:min(t.n, len(rows))] {
		id := string(w.r.id)
		w.r.mu.Lock()
		last := w.r.last
		w.r.mu.Unlock()
		ch <- prometheus.MustNewConstMetric(t.viewers, prometheus.GaugeValue, float64(w.viewers), id)
		ch <- prometheus.MustNewConstMetric(t.events, prometheus.CounterValue, float64(w.r.figures.events.Load()), id)
		ch <- prometheus.MustNewConstMetric(t.bytes, prometheus.CounterValue, float64(w.r.figures.bytes.Load()), id)
		ch <- prometheus.MustNewConstMetric(t.at, prometheus.GaugeValue, float64(last), id)
	}
}
