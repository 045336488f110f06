package main

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// TestDirectorRepliesWithTheWorkersVoice: a director and the real
// espeak-ng worker on one NATS: the spoken disclosure that opens the show
// and a viewer's FAQ answer, lines no look-ahead could foresee, are spoken
// with the worker's audio (/audio/KEY.ogg, in the store) and the
// synthesiser's timings. Skips without espeak-ng (go test -tags espeak).
func TestDirectorRepliesWithTheWorkersVoice(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Second})
	startWorker(t, b)
	src, err := os.ReadFile("../../scripts/demo-live.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const room = "voiced"
	bustest.SeedRoom(t, b, src, avatar.Room{ID: room, Kind: avatar.KindLivestream, Merchant: "m", Show: "demo-live",
		Status: avatar.RoomPlaying, Persona: avatar.Persona{ID: "p", Voice: avatar.Voice{Rate: 2},
			Disclosure:       map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。"},
			SpokenDisclosure: map[string]string{"zh-CN": "大家好，我是AI虚拟主播。"}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := director.New(director.Config{ID: "d", LeaseTTL: time.Second, Voice: b.VoiceClient(5 * time.Second)}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()

	read := func() []avatar.Envelope {
		var out []avatar.Envelope
		err := b.Replay(context.Background(), room, 0, func(ev bus.StoredEvent) error {
			var e avatar.Envelope
			if err := json.Unmarshal(ev.Data, &e); err != nil {
				return err
			}
			out = append(out, e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	find := func(what string, match func(avatar.Envelope) bool) avatar.Envelope {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			for _, e := range read() {
				if match(e) {
					return e
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("no %s in 30 s", what)
		return avatar.Envelope{}
	}
	store, err := b.AudioStore(context.Background(), bus.AudioConfig{})
	if err != nil {
		t.Fatal(err)
	}
	check := func(what string, sp avatar.Speech) {
		t.Helper()
		key, ok := strings.CutSuffix(strings.TrimPrefix(sp.Audio, "/audio/"), ".ogg")
		if !ok || !voice.ValidKey(key) || sp.Timing != avatar.TimingSynth || sp.DurationMS <= 0 || len(sp.Words) == 0 || len(sp.Visemes) == 0 {
			t.Fatalf("%s %q: audio %q timing %q, %d ms, %d words: want the worker's audio and timings", what, sp.Text, sp.Audio, sp.Timing, sp.DurationMS, len(sp.Words))
		}
		data, _, err := store.Audio(context.Background(), key, voice.FormatOggOpus)
		if err != nil || !strings.HasPrefix(string(data), "OggS") {
			t.Errorf("%s: audio %s not in the store as Ogg: %v", what, key, err)
		}
	}
	e := find("disclosure", func(e avatar.Envelope) bool { return e.Type == avatar.EventSpeech })
	var first avatar.Speech
	if err := json.Unmarshal(e.Data, &first); err != nil || first.LineID != avatar.DisclosureLineID {
		t.Fatalf("first line %+v (%v), want the disclosure", first.LineID, err)
	}
	check("disclosure", first)

	if err := b.PublishInput(room, avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "这个多少钱？"}, TS: time.Now()}); err != nil {
		t.Fatal(err)
	}
	e = find("reply", func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })
	var r avatar.Reply
	if err := json.Unmarshal(e.Data, &r); err != nil {
		t.Fatal(err)
	}
	if r.FAQ != "faq-price" {
		t.Errorf("reply from FAQ %q, want faq-price", r.FAQ)
	}
	check("FAQ reply", r.Speech)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
