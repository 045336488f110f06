package director_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// countingVoice renders every line as its estimate made 300 ms longer,
// counting asks by text.
type countingVoice struct {
	mu    sync.Mutex
	asked map[string]int
}

func (c *countingVoice) Render(ctx context.Context, req voice.Request) (voice.Result, error) {
	c.mu.Lock()
	c.asked[req.Text]++
	c.mu.Unlock()
	res := voice.Result{Key: voice.Key("counting", req), Format: voice.FormatOggOpus, Timed: true}
	res.Track = speech.Time(req.Text, req.Lang, speech.Voice{Rate: req.Rate})
	res.DurationMS += 300
	return res, nil
}

func voicedSpeeches(t *testing.T, evs []avatar.Envelope) (voiced, silent []avatar.Speech) {
	for _, e := range evs {
		if e.Type != avatar.EventSpeech {
			continue
		}
		var sp avatar.Speech
		if err := json.Unmarshal(e.Data, &sp); err != nil {
			t.Fatal(err)
		}
		if sp.Audio != "" {
			voiced = append(voiced, sp)
		} else {
			silent = append(silent, sp)
		}
	}
	return voiced, silent
}

// TestDirectorVoiceOverNATS: a director given a voice speaks every line
// with its audio (rendered ahead; the first held for its render), each
// line rendered once;
// given the real client with no worker on the NATS, the show goes on
// without audio.
func TestDirectorVoiceOverNATS(t *testing.T) {
	for _, tc := range []struct {
		name   string
		worker bool
	}{{"rendered ahead", true}, {"no worker", false}} {
		t.Run(tc.name, func(t *testing.T) {
			b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
			const room = "voiced"
			seed(t, b, room)
			prov := &countingVoice{asked: map[string]int{}}
			var vp voice.Provider = prov
			if !tc.worker {
				vp = b.VoiceClient(time.Second)
			}
			ctx, cancel := context.WithCancel(context.Background())
			d := director.New(director.Config{ID: "d", LeaseTTL: ttl, Voice: vp}, b, zaptest.NewLogger(t))
			done := make(chan error, 1)
			go func() { done <- d.Run(ctx) }()
			waitFor(t, 20*time.Second, "six lines", func() bool { return len(speeches(t, events(t, b, room))) >= 6 })
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			evs := events(t, b, room)
			for i, e := range evs {
				if e.Seq != uint64(i+1) {
					t.Fatalf("event %d has seq %d: a gap or a repeat", i, e.Seq)
				}
			}
			voiced, silent := voicedSpeeches(t, evs)
			if !tc.worker {
				if len(voiced) != 0 {
					t.Errorf("%d lines with audio and no worker", len(voiced))
				}
				return
			}
			// The first line goes out in the player's first step, before
			// anything was rendered: it is held for its render.
			if len(silent) != 0 || len(voiced) < 6 {
				t.Errorf("%d lines with audio, %d without; want all with", len(voiced), len(silent))
			}
			for _, sp := range voiced {
				if sp.Timing != avatar.TimingSynth || sp.DurationMS != speech.Time(sp.Text, sp.Lang, speech.Voice{Rate: 4}).DurationMS+300 {
					t.Errorf("line %s: timing %q, %d ms, want the render's", sp.LineID, sp.Timing, sp.DurationMS)
				}
			}
			prov.mu.Lock()
			defer prov.mu.Unlock()
			for text, n := range prov.asked {
				if n != 1 {
					t.Errorf("%q rendered %d times, want once", text, n)
				}
			}
		})
	}
}
