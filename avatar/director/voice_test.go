package director

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// fakeResult is what a timed provider would render for req: the text's
// estimated track made 700 ms longer, each mark 250 ms after the
// estimated word (so a test tells a mark's time from the estimate's).
func fakeResult(req voice.Request) voice.Result {
	tr := speech.Time(req.Text, req.Lang, speech.Voice{Rate: req.Rate})
	res := voice.Result{Key: voice.Key("fake", req), Format: voice.FormatOggOpus, Bytes: 100, Timed: true}
	res.Track = tr
	res.DurationMS = tr.DurationMS + 700
	for _, m := range req.Marks {
		res.Marks = append(res.Marks, voice.Mark{Name: m.Name, Offset: m.Offset, AtMS: tr.OffsetMS(m.Offset) + 250})
	}
	return res
}

// readyVoices is a Voices with the lines given ready, recording what the
// engine looked up.
type readyVoices struct {
	lines  map[lineKey]voice.Result
	looked []voice.Request
}

func (v *readyVoices) Ready(req voice.Request) (voice.Result, bool) {
	v.looked = append(v.looked, req)
	res, ok := v.lines[keyOf(req)]
	return res, ok
}

func cuesProgram(t *testing.T) *Program {
	t.Helper()
	show, probs := script.Parse("cues.yaml", []byte(cuesScript))
	if show == nil {
		t.Fatal(probs.Err())
	}
	return Compile(show, 1)
}

// TestEngineSpeaksRenderedLines: a line whose audio is ready carries it,
// with the synthesiser's timings, and its cues fire at their marks and the
// next line after the audio; without a result the engine says exactly
// what it says with no voice at all.
func TestEngineSpeaksRenderedLines(t *testing.T) {
	prog := cuesProgram(t)
	long := prog.Show.Segments[0].Steps[0].Line.Say["en"]
	req := voice.LineRequest(long.Text, "en", 0, []int{long.Cues[0].At, long.Cues[1].At})
	res := fakeResult(req)

	run := func(v *readyVoices) (*sim, []timedOut) {
		s := &sim{t: t, e: NewEngine(liveRoom("r", avatar.KindLivestream), prog, nil), now: t0}
		if v != nil {
			s.e.SetVoices(v)
			// A line not ready is held for its render: the driver says
			// at once that it will not come.
			s.voices = v
			s.render = func(voice.Request) (*voice.Result, time.Duration) { return nil, 0 }
		}
		s.send(MsgRestore{})
		return s, s.untilLine(time.Minute, "next")
	}

	t.Run("ready", func(t *testing.T) {
		v := &readyVoices{lines: map[lineKey]voice.Result{keyOf(req): res}}
		_, evs := run(v)
		if len(v.looked) == 0 || !reflect.DeepEqual(v.looked[0], req) {
			t.Fatalf("engine looked up %+v, want %+v (text, language, a mark per cue)", v.looked, req)
		}
		e, sp := lineEvent(t, evs, "long")
		if sp.Audio != res.URL() || sp.Timing != avatar.TimingSynth || sp.DurationMS != res.DurationMS {
			t.Errorf("speech audio %q timing %q duration %d, want %q synth %d", sp.Audio, sp.Timing, sp.DurationMS, res.URL(), res.DurationMS)
		}
		if len(sp.Words) != len(res.Words) || len(sp.Visemes) != len(res.Visemes) {
			t.Errorf("speech has %d words %d visemes, want the result's %d and %d", len(sp.Words), len(sp.Visemes), len(res.Words), len(res.Visemes))
		}
		rest := eventsAfter(evs, "long")
		coupon, show := rest[0], rest[1]
		if coupon.Type != avatar.EventCoupon || show.Type != avatar.EventProductShow {
			t.Fatalf("after the line: %s, want coupon then product.show", outSummary(rest))
		}
		for i, c := range []timedOut{coupon, show} {
			at, _ := res.MarkMS(voice.CueMark(i))
			if want := e.at.Add(time.Duration(at) * time.Millisecond); !c.at.Equal(want) {
				t.Errorf("cue %d (%s) fired %v into the line, want at its mark, %d ms", i, c.Type, c.at.Sub(e.at), at)
			}
		}
		next, _ := lineEvent(t, evs, "next")
		if want := lineEnd(e, sp).Add(LineGap); !next.at.Equal(want) {
			t.Errorf("next line %v after the long one, want the audio's %d ms and a breath", next.at.Sub(e.at), res.DurationMS)
		}
	})

	t.Run("not ready", func(t *testing.T) {
		v := &readyVoices{} // looked up, never found
		_, with := run(v)
		_, without := run(nil)
		if len(v.looked) == 0 {
			t.Fatal("the engine never asked for a rendered line")
		}
		if !reflect.DeepEqual(with, without) {
			t.Errorf("events without a render differ from a voiceless engine's:\n%s\n%s", outSummary(with), outSummary(without))
		}
		_, sp := lineEvent(t, with, "long")
		if sp.Audio != "" || sp.Timing != "" {
			t.Errorf("an estimated line has audio %q timing %q", sp.Audio, sp.Timing)
		}
	})
}

// TestUpcoming: after a line starts, the engine names the next lines it
// will say (filled, with their cues' marks), merchant lines first.
func TestUpcoming(t *testing.T) {
	prog := cuesProgram(t)
	s := newSim(t, prog, liveRoom("r", avatar.KindLivestream), MsgRestore{})
	s.untilLine(time.Minute, "long")
	up := s.e.Upcoming(2)
	if len(up) != 2 || up[0].Text != "Next line." || !strings.HasPrefix(up[1].Text, "Here is a coupon") || len(up[1].Marks) != 2 {
		t.Fatalf("upcoming after the long line: %+v, want the next line, then the long one again (the loop) with 2 marks", up)
	}
	if r := s.control(avatar.Control{Type: avatar.CtlSay, Text: "Welcome, everyone!"}); !r.OK {
		t.Fatal(r)
	}
	if up := s.e.Upcoming(2); len(up) != 2 || up[0].Text != "Welcome, everyone!" || up[1].Text != "Next line." {
		t.Errorf("upcoming with a typed line waiting: %+v, want it first", up)
	}
}

// fakeVoice is a voice.Provider that records what it is asked; it renders
// fakeResult, or fails with err, or (slow) never answers before ctx ends.
type fakeVoice struct {
	mu    sync.Mutex
	delay time.Duration // each render takes this long
	asked []string
	at    []time.Time
	err   error
	slow  bool
}

func (f *fakeVoice) Render(ctx context.Context, req voice.Request) (voice.Result, error) {
	f.mu.Lock()
	f.asked = append(f.asked, req.Text)
	f.at = append(f.at, time.Now())
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-ctx.Done():
			return voice.Result{}, ctx.Err()
		}
	}
	if f.slow {
		<-ctx.Done()
		return voice.Result{}, ctx.Err()
	}
	if f.err != nil {
		return voice.Result{}, f.err
	}
	return fakeResult(req), nil
}

func (f *fakeVoice) times() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.at...)
}

func (f *fakeVoice) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// startVoiced runs a player of prog with voice prov (nil: none) in the
// current bubble.
func startVoiced(t *testing.T, prog *Program, prov voice.Provider) (*memSink, func()) {
	sink, _, stop := startVoicedPlayer(t, prog, prov)
	return sink, stop
}

func startVoicedPlayer(t *testing.T, prog *Program, prov voice.Provider) (*memSink, *Player, func()) {
	t.Helper()
	sink := &memSink{}
	p := NewPlayer(liveRoom("r", avatar.KindLivestream), prog, sink, zap.NewNop())
	if prov != nil {
		p.SetVoice(prov)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- p.Run(ctx) }()
	return sink, p, func() {
		cancel()
		if err := <-errc; err != nil {
			t.Error(err)
		}
	}
}

// spokenLine is a published line: its id and whether it has audio.
type spokenLine struct {
	id    string
	audio string
	seq   uint64
}

func voicedLines(t *testing.T, evs []avatar.Envelope) []spokenLine {
	var out []spokenLine
	for _, e := range evs {
		if e.Type == avatar.EventSpeech {
			sp := decode[avatar.Speech](t, e)
			out = append(out, spokenLine{sp.LineID, sp.Audio, e.Seq})
		}
	}
	return out
}

// TestPlayerRendersAhead: the player renders the next line while one is
// spoken, so every line after the first has its audio when it is due (the
// first, chosen before anything was rendered, is held for its render),
// and each line is rendered once however often the loop says it.
func TestPlayerRendersAhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		prog := cuesProgram(t)
		prov := &fakeVoice{}
		sink, stop := startVoiced(t, prog, prov)
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		stop()
		lines := voicedLines(t, sink.all())
		if len(lines) < 6 {
			t.Fatalf("%d lines in 2 minutes", len(lines))
		}
		for _, l := range lines {
			if !strings.HasPrefix(l.audio, "/audio/") {
				t.Errorf("line %s (seq %d) spoken without audio: not rendered ahead", l.id, l.seq)
			}
		}
		if got := prov.calls(); len(got) != 2 {
			t.Errorf("provider asked %d times (%q), want each of the 2 lines once", len(got), got)
		}
	})
}

// TestPlayerNeverWaitsForTheVoice: a provider that fails at once
// (no worker, or broken) changes nothing in what is said or when: the
// lines go out without audio, as with no voice; with no worker the
// player stops asking for a while (VoiceBackoff) instead of every line.
// One that never answers changes nothing in what is said, and when by
// VoiceWait for a line held for its render, after which no line is held
// for VoiceBackoff.
func TestPlayerNeverWaitsForTheVoice(t *testing.T) {
	prog := cuesProgram(t)
	play := func(prov voice.Provider) []avatar.Envelope {
		var evs []avatar.Envelope
		synctest.Test(t, func(t *testing.T) {
			var sink *memSink
			var stop func()
			if prov == nil {
				sink, stop = startVoiced(t, prog, nil)
			} else {
				sink, stop = startVoiced(t, prog, prov)
			}
			time.Sleep(time.Minute)
			synctest.Wait()
			stop()
			evs = sink.all()
		})
		return evs
	}
	silent := play(nil)
	unavailable := &fakeVoice{err: errors.Join(errors.New("no worker"), voice.ErrUnavailable)}
	broken := &fakeVoice{err: errors.New("worker: espeak-ng crashed")}
	slow := &fakeVoice{slow: true}
	for name, prov := range map[string]*fakeVoice{"unavailable": unavailable, "broken": broken, "slow": slow} {
		evs := play(prov)
		if len(evs) != len(silent) {
			t.Errorf("%s provider: %d events, a voiceless player %d", name, len(evs), len(silent))
		}
		for i := range min(len(evs), len(silent)) {
			x, y := evs[i], silent[i]
			x.ID, y.ID = "", "" // random
			if name == "slow" {
				// Held VoiceWait, once per VoiceBackoff at most: over a
				// minute, at most 12 × VoiceWait late.
				if late := time.Time(x.TS).Sub(time.Time(y.TS)); late < 0 || late > time.Minute/VoiceBackoff*VoiceWait {
					t.Errorf("slow provider: event %d is %v late", i, late)
				}
				x.TS = y.TS
			}
			a, _ := json.Marshal(x)
			b, _ := json.Marshal(y)
			if string(a) != string(b) {
				t.Errorf("%s provider: event %d is\n%.300s\nwithout a voice\n%.300s", name, i, a, b)
				break
			}
		}
		for _, l := range voicedLines(t, evs) {
			if l.audio != "" {
				t.Errorf("%s provider: line %s has audio %q", name, l.id, l.audio)
			}
		}
	}
	// No worker: after a failure the next ask is VoiceBackoff later (the
	// asks of one moment fail together).
	at := unavailable.times()
	if len(at) == 0 {
		t.Fatal("no worker: the provider was never asked")
	}
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap != 0 && gap < VoiceBackoff {
			t.Errorf("no worker: asked again %v after a failure, want VoiceBackoff (%v)", gap, VoiceBackoff)
		}
	}
	// A line that failed is asked again VoiceBackoff later at the
	// earliest, not in a loop.
	last := map[string]time.Time{}
	for i, text := range broken.calls() {
		at := broken.times()[i]
		if prev, ok := last[text]; ok && at.Sub(prev) < VoiceBackoff {
			t.Errorf("broken provider: %q asked again %v after it failed, want VoiceBackoff (%v)", text, at.Sub(prev), VoiceBackoff)
		}
		last[text] = at
	}
	if len(last) != 2 {
		t.Errorf("broken provider asked for %d lines, want the 2", len(last))
	}
	if n := len(slow.calls()); n == 0 {
		t.Error("slow provider never asked")
	}
}

// TestUpcomingNamesWhatIsSaid: over ten minutes of the demo shows, the
// lines the engine names as upcoming when a line starts are the lines it
// then looks up (same text, language, rate and marks), so renders ahead
// are found. Not foreseen: the first line (said in the first Update).
// (A line after a change no one could know of, a viewer count or a price
// changed mid-line, would not be either.)
func TestUpcomingNamesWhatIsSaid(t *testing.T) {
	for _, name := range []string{"demo-live.yaml", "demo-museum.yaml"} {
		t.Run(name, func(t *testing.T) {
			prog := loadShow(t, name)
			v := &readyVoices{}
			room := liveRoom("r", string(prog.Show.Kind))
			room.Persona.Voice.Rate = 1.2
			s := &sim{t: t, e: NewEngine(room, prog, nil), now: t0}
			s.e.SetVoices(v)
			s.send(MsgRestore{})
			foreseen := map[lineKey]bool{}
			hit, lines := 0, 0
			end := t0.Add(10 * time.Minute)
			for !s.wake.IsZero() && s.wake.Before(end) {
				s.now = s.wake
				n := len(v.looked)
				out := s.send(MsgTick{})
				if !spoke(out) {
					continue
				}
				for _, req := range v.looked[n:] {
					lines++
					if foreseen[keyOf(req)] {
						hit++
					}
				}
				foreseen = map[lineKey]bool{}
				for _, req := range s.e.Upcoming(LookAhead) {
					foreseen[keyOf(req)] = true
				}
			}
			t.Logf("%d of %d lines foreseen", hit, lines)
			if lines < 20 || hit != lines-1 {
				t.Errorf("%d of %d lines foreseen, want all but the first", hit, lines)
			}
		})
	}
}

const pauseScript = `
id: pause
kind: livestream
title: {en: Pause}
persona: p
languages: [en]
segments:
  - id: s
    steps:
      - {id: hi, say: {en: "Hello there."}}
      - pause: 30s
`

// TestTypedLineWaitsBrieflyForItsVoice: a merchant's line that would be
// spoken at once (the show is in a pause) waits up to VoiceWait for its
// render: a quick render gives it audio; a slow one is not waited for
// (the line goes out estimated, before the render is back).
func TestTypedLineWaitsBrieflyForItsVoice(t *testing.T) {
	show, probs := script.Parse("pause.yaml", []byte(pauseScript))
	if show == nil {
		t.Fatal(probs.Err())
	}
	prog := Compile(show, 1)
	for _, tc := range []struct {
		name  string
		delay time.Duration
		audio bool
	}{{"quick render", VoiceWait / 3, true}, {"slow render", 3 * VoiceWait, false}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				prov := &fakeVoice{delay: tc.delay}
				sink, p, stop := startVoicedPlayer(t, prog, prov)
				defer stop()
				time.Sleep(5 * time.Second) // in the pause, after "hi"
				synctest.Wait()
				got := make(chan avatar.ControlReply, 1)
				p.Control(avatar.Control{Type: avatar.CtlSay, Text: "Welcome, everyone!"}, func(r avatar.ControlReply) { got <- r })
				time.Sleep(VoiceWait + time.Millisecond)
				synctest.Wait()
				if r := <-got; !r.OK {
					t.Fatalf("say: %+v", r)
				}
				var say *spokenLine
				for _, l := range voicedLines(t, sink.all()) {
					if strings.HasPrefix(l.id, "say-") {
						say = &l
					}
				}
				if say == nil {
					t.Fatalf("the typed line was not spoken within VoiceWait: %s", summary(sink.all()))
				}
				if has := say.audio != ""; has != tc.audio {
					t.Errorf("typed line audio %q, want audio: %v", say.audio, tc.audio)
				}
			})
		})
	}
}

// TestPersonaVoiceSettings: the persona's synthesiser voice, pitch and
// rate go into every line the engine looks up and every line it asks
// ahead for, and a line rendered in another voice is not taken for it.
func TestPersonaVoiceSettings(t *testing.T) {
	prog := cuesProgram(t)
	long := prog.Show.Segments[0].Steps[0].Line.Say["en"]
	room := liveRoom("r", avatar.KindLivestream)
	room.Persona.Voice = avatar.Voice{ID: "host", Rate: 1.1, SynthVoice: "en-gb-x-rp", Pitch: 1.3}
	plain := voice.LineRequest(long.Text, "en", 1.1, []int{long.Cues[0].At, long.Cues[1].At})
	want := plain
	want.Voice, want.Pitch = "en-gb-x-rp", 1.3

	run := func(v *readyVoices) []timedOut {
		s := &sim{t: t, e: NewEngine(room, prog, nil), now: t0}
		s.e.SetVoices(v)
		s.send(MsgRestore{})
		evs := s.untilLine(time.Minute, "next")
		for _, r := range s.e.Upcoming(3) {
			if r.Voice != "en-gb-x-rp" || r.Pitch != 1.3 || r.Rate != 1.1 {
				t.Errorf("upcoming %q asks voice %q pitch %g rate %g, want the persona's en-gb-x-rp 1.3 1.1", r.Text, r.Voice, r.Pitch, r.Rate)
			}
		}
		return evs
	}

	v := &readyVoices{lines: map[lineKey]voice.Result{keyOf(want): fakeResult(want)}}
	evs := run(v)
	if len(v.looked) == 0 || !reflect.DeepEqual(v.looked[0], want) {
		t.Fatalf("engine looked up %+v, want %+v (the persona's voice and pitch)", v.looked, want)
	}
	if _, sp := lineEvent(t, evs, "long"); sp.Audio == "" {
		t.Error("the line rendered in the persona's voice was not spoken with its audio")
	}

	other := &readyVoices{lines: map[lineKey]voice.Result{keyOf(plain): fakeResult(plain)}}
	if _, sp := lineEvent(t, run(other), "long"); sp.Audio != "" {
		t.Errorf("a line rendered in the default voice was spoken for the persona's: audio %q", sp.Audio)
	}
}
