package director

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/avatarcast/avatarcast/avatar"
)

// voiceMetrics are a director's figures of the voice, for Prometheus;
// labels are bounded (outcomes, kinds of line), never per room or line.
// A nil *voiceMetrics counts nothing.
type voiceMetrics struct {
	asks     prometheus.Counter
	results  *prometheus.CounterVec // rendered, hit, failed
	seconds  prometheus.Histogram
	waits    *prometheus.CounterVec // in_time, late, skipped
	waitSecs prometheus.Histogram
	lines    *prometheus.CounterVec // kind × audio
}

// How a line held for its render ended (the wait label).
const (
	waitInTime  = "in_time" // its render came back within VoiceWait
	waitLate    = "late"    // VoiceWait passed first: spoken estimated
	waitSkipped = "skipped" // not waited for: failed a moment ago, no worker, renders late a moment ago
)

func newVoiceMetrics() *voiceMetrics {
	m := &voiceMetrics{
		asks: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "avatarcast_director_voice_renders_requested_total",
			Help: "Lines this director asked the voice to render (ahead, prepared, or held for).",
		}),
		results: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "avatarcast_director_voice_renders_total",
			Help: "Renders back from the voice, by result: rendered (synthesised now), hit (from the audio store), failed (error or timeout).",
		}, []string{"result"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "avatarcast_director_voice_render_seconds",
			Help:    "Time from asking the voice for a line to its answer, failed ones included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .2, .3, .5, 1, 2.5, 5},
		}),
		waits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "avatarcast_director_voice_waits_total",
			Help: "Lines not rendered ahead that the show held for their render, by outcome: in_time, late (spoken estimated after the wait), skipped (not waited for).",
		}, []string{"outcome"}),
		waitSecs: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "avatarcast_director_voice_wait_seconds",
			Help:    "How long a line held for its render waited (in time or late; VoiceWait is the most).",
			Buckets: []float64{.005, .01, .025, .05, .1, .15, .2, .25, .3},
		}),
		lines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "avatarcast_director_voice_lines_total",
			Help: "Lines spoken, by kind (script, reply, say, thanks, disclosure, notice) and whether with audio (audio=\"true\") or estimated.",
		}, []string{"kind", "audio"}),
	}
	for _, r := range []string{"rendered", "hit", "failed"} {
		m.results.WithLabelValues(r)
	}
	for _, w := range []string{waitInTime, waitLate, waitSkipped} {
		m.waits.WithLabelValues(w)
	}
	return m
}

func (m *voiceMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.asks, m.results, m.seconds, m.waits, m.waitSecs, m.lines}
}

func (m *voiceMetrics) requested() {
	if m != nil {
		m.asks.Inc()
	}
}

func (m *voiceMetrics) rendered(d rendered) {
	if m == nil {
		return
	}
	m.seconds.Observe(d.took.Seconds())
	switch {
	case d.err != nil:
		m.results.WithLabelValues("failed").Inc()
	case d.res.Cached:
		m.results.WithLabelValues("hit").Inc()
	default:
		m.results.WithLabelValues("rendered").Inc()
	}
}

// waited counts a line held for its render that waited d (skipped: 0,
// not timed).
func (m *voiceMetrics) waited(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.waits.WithLabelValues(outcome).Inc()
	if outcome != waitSkipped {
		m.waitSecs.Observe(d.Seconds())
	}
}

// spoken counts event o if it speaks a line.
func (m *voiceMetrics) spoken(o *Out) {
	if m == nil || o.Line == "" || o.Type != avatar.EventSpeech && o.Type != avatar.EventReply {
		return
	}
	audio := "false"
	if o.Voiced {
		audio = "true"
	}
	m.lines.WithLabelValues(lineKindLabel(o.Line), audio).Inc()
}

// lineKindLabel bounds the kind label to the known kinds.
func lineKindLabel(k string) string {
	switch k {
	case LineScript, LineReply, LineSay, LineThanks, LineDisclosure:
		return k
	}
	return LineNotice
}
