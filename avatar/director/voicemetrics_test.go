package director

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// choosyVoice renders each line in 50 ms as fakeResult, but the lines
// holding slow, which it never answers before the render's timeout, and
// those holding broken, which fail at once.
type choosyVoice struct {
	slow, broken string
	mu           sync.Mutex
	cached       map[string]bool
}

func (c *choosyVoice) Render(ctx context.Context, req voice.Request) (voice.Result, error) {
	switch {
	case strings.Contains(req.Text, c.slow):
		<-ctx.Done()
		return voice.Result{}, ctx.Err()
	case strings.Contains(req.Text, c.broken):
		return voice.Result{}, context.DeadlineExceeded
	}
	time.Sleep(50 * time.Millisecond)
	res := fakeResult(req)
	c.mu.Lock()
	res.Cached = c.cached[req.Text] // a second ask is a hit in the store
	c.cached[req.Text] = true
	c.mu.Unlock()
	return res, nil
}

// TestVoiceMetrics: the director's voice figures count renders asked,
// their results and times, the lines held for their render (in time,
// late, not waited for) and the lines spoken with audio or estimated by
// kind, with bounded labels.
func TestVoiceMetrics(t *testing.T) {
	met := newVoiceMetrics()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(met.collectors()...)
	synctest.Test(t, func(t *testing.T) {
		room := liveRoom("r", avatar.KindLivestream)
		room.Persona = avatar.Persona{ID: "xiaoya",
			Disclosure:       map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。"},
			SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。"}}
		p := NewPlayer(room, loadShow(t, "demo-live.yaml"), &memSink{}, zap.NewNop())
		// The thank-you is too slow (spoken estimated after VoiceWait);
		// the typed line fails.
		p.setVoice(&choosyVoice{slow: "点赞", broken: "欢迎新朋友", cached: map[string]bool{}}, met)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- p.Run(ctx) }()
		time.Sleep(3 * time.Second)
		p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "多少钱？"}})
		p.Input(avatar.Input{Viewer: "v3", Type: avatar.MsgLike})
		time.Sleep(20 * time.Second)
		p.Control(avatar.Control{Type: avatar.CtlSay, Text: "欢迎新朋友！"}, func(avatar.ControlReply) {})
		time.Sleep(40 * time.Second)
		synctest.Wait()
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
	count := func(c prometheus.Collector) float64 { return testutil.ToFloat64(c) }
	asked := count(met.asks)
	rendered, hit, failed := count(met.results.WithLabelValues("rendered")), count(met.results.WithLabelValues("hit")), count(met.results.WithLabelValues("failed"))
	t.Logf("asked %v: rendered %v hit %v failed %v", asked, rendered, hit, failed)
	if asked < 10 || rendered < 5 || failed < 2 {
		t.Errorf("renders asked %v, rendered %v, failed %v: want many asked and rendered, the slow and the broken line failed", asked, rendered, failed)
	}
	// Every render back is timed (the last asks may still be out at the end).
	if got := testutil.CollectAndCount(met.seconds); got != 1 {
		t.Errorf("%d render time series, want 1", got)
	}
	if n := histogramCount(t, reg, "avatarcast_director_voice_render_seconds"); n != uint64(rendered+hit+failed) {
		t.Errorf("%d render times observed, %v renders back", n, rendered+hit+failed)
	}
	for _, c := range []struct {
		outcome string
		min     float64
	}{{waitInTime, 1}, {waitLate, 1}, {waitSkipped, 1}} {
		if got := count(met.waits.WithLabelValues(c.outcome)); got < c.min {
			t.Errorf("waits %s: %v, want at least %v", c.outcome, got, c.min)
		}
	}
	for _, c := range []struct {
		kind, audio string
		min         float64
	}{
		{LineDisclosure, "true", 1}, {LineReply, "true", 1}, {LineScript, "true", 5},
		{LineThanks, "false", 1}, {LineSay, "false", 1},
	} {
		if got := count(met.lines.WithLabelValues(c.kind, c.audio)); got < c.min {
			t.Errorf("lines kind %s audio %s: %v, want at least %v", c.kind, c.audio, got, c.min)
		}
	}
	if n := testutil.CollectAndCount(met.lines); n > 12 {
		t.Errorf("%d line series, want at most 6 kinds × 2", n)
	}
	probs, err := testutil.GatherAndLint(reg)
	if err != nil || len(probs) > 0 {
		t.Errorf("metrics lint: %v %+v", err, probs)
	}
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetHistogram().GetSampleCount()
		}
	}
	t.Fatalf("no %s", name)
	return 0
}
