package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// TestServeSpeaksWithTheVoice: with the real voice worker (espeak-ng),
// serve's director speaks the demo show's lines with audio it rendered
// ahead: a speech event names /audio/KEY.ogg with the synthesiser's
// timings, the gateway serves that audio, and its real length is the
// line's duration.
func TestServeSpeaksWithTheVoice(t *testing.T) {
	var log syncBuffer
	s, b := serveWithVoiceWorker(t, &log)
	defer s.stop()

	// The lines said before the worker was ready have no audio; the next
	// ones are rendered ahead while the one before is spoken.
	var voiced []avatar.Speech
	deadline := time.Now().Add(90 * time.Second)
	for len(voiced) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no speech with audio after 90 s:\n%s", log.String())
		}
		time.Sleep(500 * time.Millisecond)
		voiced = voiced[:0]
		err := b.Replay(context.Background(), "demo-live", 0, func(ev bus.StoredEvent) error {
			var env struct {
				Type avatar.EventType `json:"type"`
				Data json.RawMessage  `json:"data"`
			}
			if err := json.Unmarshal(ev.Data, &env); err != nil {
				return err
			}
			if env.Type != avatar.EventSpeech {
				return nil
			}
			var sp avatar.Speech
			if err := json.Unmarshal(env.Data, &sp); err != nil {
				return err
			}
			if sp.Audio != "" {
				voiced = append(voiced, sp)
			}
			return nil
		})
		if err != nil && !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
	}
	for _, sp := range voiced {
		if !regexp.MustCompile(`^/audio/[0-9a-f]{64}\.ogg$`).MatchString(sp.Audio) || sp.Timing != avatar.TimingSynth {
			t.Errorf("line %s: audio %q timing %q, want /audio/KEY.ogg and synth", sp.LineID, sp.Audio, sp.Timing)
		}
		resp, err := http.Get(s.base + sp.Audio)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", sp.Audio, resp.Status)
		}
		ogg, err := voice.ParseOggOpus(body)
		if err != nil {
			t.Fatalf("GET %s: %v", sp.Audio, err)
		}
		runes := utf8.RuneCountInString(sp.Text)
		t.Logf("%s (%s): %q: %d ms of audio, %d bytes, %d words, %.0f ms a character", sp.LineID, sp.Lang, sp.Text,
			sp.DurationMS, len(body), len(sp.Words), float64(sp.DurationMS)/float64(runes))
		if d := ogg.DurationMS - sp.DurationMS; d < -1 || d > 1 {
			t.Errorf("line %s: speech says %d ms, its audio is %d ms", sp.LineID, sp.DurationMS, ogg.DurationMS)
		}
		// Mandarin at espeak-ng's default rate: 150-400 ms a character
		// (punctuation counts as a character, and pauses).
		if per := sp.DurationMS / runes; sp.Lang == "zh-CN" && (per < 100 || per > 500) {
			t.Errorf("line %s: %d ms for %d characters, not Mandarin speech", sp.LineID, sp.DurationMS, runes)
		}
		if n := len(sp.Words); n == 0 || sp.Words[n-1].EndMS > sp.DurationMS {
			t.Errorf("line %s: %d words, the last ending after the audio", sp.LineID, n)
		}
	}
}
