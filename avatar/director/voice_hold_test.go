package director

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// heldKinds are the lines not known ahead that TestEngineHoldsLinesForTheirVoice
// makes the engine speak, by line id prefix: the disclosure, a typed
// line, an FAQ answer, the fallback and a thank-you.
var heldKinds = []struct{ id, kind string }{
	{avatar.DisclosureLineID, LineDisclosure},
	{"say-", LineSay},
	{"faq-price-1", LineReply},
	{"fallback-", LineReply},
	{"thanks", LineThanks},
}

// holdScenario plays the demo show with a spoken disclosure; after its
// first line a viewer asks the price (an FAQ entry), another asks what no
// entry answers (the fallback), a third likes the show, and the merchant
// types a line. It returns the events until all of them were spoken.
func holdScenario(t *testing.T, render func(voice.Request) (*voice.Result, time.Duration)) *sim {
	t.Helper()
	room := liveRoom("r", avatar.KindLivestream)
	room.Persona = avatar.Persona{ID: "xiaoya",
		Disclosure:       map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。", "en": "An AI-generated presenter."},
		SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。", "en": "Hello, I am Xiaoya, an AI presenter."}}
	s := &sim{t: t, e: NewEngine(room, loadShow(t, "demo-live.yaml"), nil), now: t0}
	if render != nil {
		s.voices = &readyVoices{lines: map[lineKey]voice.Result{}}
		s.render = render
		s.e.SetVoices(s.voices)
	}
	s.send(MsgRestore{})
	s.untilLine(time.Minute, "greet-hello")
	s.advance(200 * time.Millisecond)
	for _, in := range []avatar.Input{
		{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "多少钱？"}},
		{Viewer: "v2", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "你们老板是谁？"}},
		{Viewer: "v3", Type: avatar.MsgLike},
	} {
		s.send(MsgInput{Input: in})
	}
	if r := s.control(avatar.Control{Type: avatar.CtlSay, Text: "欢迎新朋友！"}); !r.OK {
		t.Fatalf("say: %+v", r)
	}
	s.until(2*time.Minute, "every held line", func(evs []timedOut) bool {
		lines := outLines(evs)
		for _, k := range heldKinds {
			if !slices.ContainsFunc(lines, func(id string) bool { return strings.HasPrefix(id, k.id) }) {
				return false
			}
		}
		return true
	})
	return s
}

// TestEngineHoldsLinesForTheirVoice: every line the engine chooses on the
// spot (the disclosure, a typed line, an FAQ answer, the fallback, a
// thank-you) is held for its render: the engine asks for it (OutRender)
// and speaks it with its audio when the render is back within VoiceWait;
// when it fails, the line is spoken at once exactly as a voiceless engine
// speaks it, and when it is late, exactly that VoiceWait later.
func TestEngineHoldsLinesForTheirVoice(t *testing.T) {
	const quick = 100 * time.Millisecond
	voiceless := holdScenario(t, nil).events()

	t.Run("in time", func(t *testing.T) {
		var asked []voice.Request
		s := holdScenario(t, func(req voice.Request) (*voice.Result, time.Duration) {
			asked = append(asked, req)
			res := fakeResult(req)
			return &res, quick
		})
		evs := s.events()
		for _, k := range heldKinds {
			i := slices.IndexFunc(evs, func(e timedOut) bool {
				sp, ok := speechOf(e.Out)
				return ok && strings.HasPrefix(sp.LineID, k.id)
			})
			e := evs[i]
			sp, _ := speechOf(e.Out)
			res := fakeResult(s.e.lineRequest(sp.Text, sp.Lang, nil))
			if sp.Audio != res.URL() || sp.Timing != avatar.TimingSynth || sp.DurationMS != res.DurationMS {
				t.Errorf("%s line %s: audio %q timing %q %d ms, want the render's %q synth %d ms", k.kind, sp.LineID, sp.Audio, sp.Timing, sp.DurationMS, res.URL(), res.DurationMS)
			}
			if e.Line != k.kind || !e.Voiced {
				t.Errorf("%s line %s: out says kind %q voiced %v", k.kind, sp.LineID, e.Line, e.Voiced)
			}
			if !slices.ContainsFunc(asked, func(r voice.Request) bool { return r.Text == sp.Text }) {
				t.Errorf("%s line %q spoken with audio, never asked for", k.kind, sp.Text)
			}
			// Held from when it was chosen (and asked for) until its
			// render came back.
			ri := slices.IndexFunc(s.outsOf(OutRender), func(o timedOut) bool { return o.Render.Text == sp.Text })
			if ri < 0 {
				t.Errorf("%s line %q: no OutRender", k.kind, sp.Text)
			} else if r := s.outsOf(OutRender)[ri]; !e.at.Equal(r.at.Add(quick)) {
				t.Errorf("%s line spoken %v after it was asked for, want when its render came back (%v)", k.kind, e.at.Sub(r.at), quick)
			}
		}
	})

	t.Run("failed", func(t *testing.T) {
		held := 0
		s := holdScenario(t, func(voice.Request) (*voice.Result, time.Duration) { held++; return nil, 0 })
		if held == 0 {
			t.Fatal("no line held for its render")
		}
		if got := s.events(); !reflect.DeepEqual(got, voiceless) {
			t.Errorf("a failed render changed what was said or when:\n%s\n%s", outSummary(got), outSummary(voiceless))
		}
	})

	t.Run("late", func(t *testing.T) {
		s := holdScenario(t, func(voice.Request) (*voice.Result, time.Duration) { return nil, -1 })
		got := s.events()
		if len(got) < len(voiceless) {
			t.Fatalf("%d events with late renders, %d without a voice", len(got), len(voiceless))
		}
		lines := 0
		for i, want := range voiceless {
			e := got[i]
			if e.Type != want.Type || !reflect.DeepEqual(e.Data, want.Data) || e.Line != want.Line || e.Voiced {
				t.Fatalf("event %d with late renders: %s %+v\nwithout a voice: %s %+v", i, e.Type, e.Data, want.Type, want.Data)
			}
			// Every line so far (and the one this event opens) was held
			// VoiceWait before it was spoken, no more.
			if late := e.at.Sub(want.at); late > time.Duration(lines+1)*VoiceWait {
				t.Errorf("event %d (%s) %v later than without a voice, after %d lines held at most %v each", i, e.Type, late, lines, VoiceWait)
			}
			if _, ok := speechOf(e.Out); ok {
				lines++
			}
		}
		_, sp := lineEvent(t, got, avatar.DisclosureLineID)
		if at := got[slices.IndexFunc(got, func(e timedOut) bool { return e.Type == avatar.EventSpeech })].at; at != t0.Add(VoiceWait) {
			t.Errorf("disclosure %q spoken at %v, want after VoiceWait (%v)", sp.Text, at.Sub(t0), VoiceWait)
		}
	})
}

// TestPlayerVoicesEveryLine: with a voice that renders a line in 50 ms,
// every line a player speaks has its audio: the disclosure that opens the
// show, FAQ answers, the fallback, a thank-you and a typed line, not only
// the script's lines rendered ahead.
func TestPlayerVoicesEveryLine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		room := liveRoom("r", avatar.KindLivestream)
		room.Persona = avatar.Persona{ID: "xiaoya",
			Disclosure:       map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。"},
			SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。"}}
		sink := &memSink{}
		p := NewPlayer(room, loadShow(t, "demo-live.yaml"), sink, zap.NewNop())
		prov := &fakeVoice{delay: 50 * time.Millisecond}
		p.SetVoice(prov)
		ctx, cancel := context.WithCancel(context.Background())
		errc := make(chan error, 1)
		go func() { errc <- p.Run(ctx) }()
		time.Sleep(3 * time.Second) // in the first script line
		for _, in := range []avatar.Input{
			{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "多少钱？"}},
			{Viewer: "v2", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "你们老板是谁？"}},
			{Viewer: "v3", Type: avatar.MsgLike},
		} {
			p.Input(in)
		}
		p.Control(avatar.Control{Type: avatar.CtlSay, Text: "欢迎新朋友！"}, func(avatar.ControlReply) {})
		time.Sleep(time.Minute)
		synctest.Wait()
		cancel()
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range sink.all() {
			var sp avatar.Speech
			switch e.Type {
			case avatar.EventSpeech:
				sp = decode[avatar.Speech](t, e)
			case avatar.EventReply:
				sp = decode[avatar.Reply](t, e).Speech
			default:
				continue
			}
			for _, k := range heldKinds {
				if strings.HasPrefix(sp.LineID, k.id) {
					seen[k.kind+" "+k.id] = true
				}
			}
			if !strings.HasPrefix(sp.Audio, "/audio/") || sp.Timing != avatar.TimingSynth {
				t.Errorf("%s %s (seq %d) spoken without audio (timing %q)", e.Type, sp.LineID, e.Seq, sp.Timing)
			}
		}
		if len(seen) != len(heldKinds) {
			t.Errorf("spoken: %v, want one of each of %v", seen, heldKinds)
		}
	})
}

// TestUpcomingNamesAnswers: once viewers' questions are queued, the lines
// the engine names as upcoming are their answers as it then says them,
// addressed by name (an FAQ answer, the fallback), so the driver renders
// them while the current line is spoken and they need not wait.
func TestUpcomingNamesAnswers(t *testing.T) {
	v := &readyVoices{lines: map[lineKey]voice.Result{}}
	s := &sim{t: t, e: NewEngine(liveRoom("r", avatar.KindLivestream), loadShow(t, "demo-live.yaml"), nil), now: t0,
		voices: v, render: func(voice.Request) (*voice.Result, time.Duration) { return nil, 0 }}
	s.e.SetVoices(v)
	s.send(MsgRestore{})
	s.untilLine(time.Minute, "greet-hello")
	s.advance(200 * time.Millisecond)
	s.send(MsgInput{Input: avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "多少钱？", Name: "小红"}}})
	s.send(MsgInput{Input: avatar.Input{Viewer: "v2", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "你们老板是谁？", Name: "阿明"}}})
	up := s.e.Upcoming(2)
	if len(up) != 2 || !strings.HasPrefix(up[0].Text, "小红，龙井") || !strings.HasPrefix(up[1].Text, "阿明，") {
		t.Fatalf("upcoming with two questions queued: %+v, want their answers addressed by name", up)
	}
	n := len(v.looked)
	s.until(time.Minute, "both answers", func(evs []timedOut) bool {
		lines := outLines(evs)
		return slices.Contains(lines, "faq-price-1") && slices.ContainsFunc(lines, func(id string) bool { return strings.HasPrefix(id, "fallback-") })
	})
	for _, want := range up {
		if !slices.ContainsFunc(v.looked[n:], func(r voice.Request) bool { return keyOf(r) == keyOf(want) }) {
			t.Errorf("upcoming %q was not the line looked up when spoken: %+v", want.Text, v.looked[n:])
		}
	}
}
