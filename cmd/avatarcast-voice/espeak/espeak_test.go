package espeak_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/cmd/avatarcast-voice/espeak"
)

// synth returns the real espeak-ng synthesizer, or skips: this build does
// not link it (run with -tags espeak after `bash .ci/deps`).
func synth(t testing.TB) *espeak.Synth {
	t.Helper()
	s, err := espeak.New(espeak.Config{})
	if errors.Is(err, voice.ErrUnavailable) {
		t.Skip("espeak-ng not linked: go test -tags espeak (needs libespeak-ng-dev, libopusenc-dev)")
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var lines = []struct {
	name, lang, text string
	cue              string // text the cue mark sits before
	minMS, maxMS     int
}{
	{"zh", "zh-CN", "宝宝们，这款龙井只要99元！今天下单还送一个杯子。", "99元", 3000, 9000},
	{"en", "en", "Welcome to our shop. This green tea is only 19 dollars today. Buy now!", "19 dollars", 3000, 9000},
	{"fr", "fr", "Bonjour et bienvenue. Ce vase date de la dynastie Song. Regardez la couleur du glaçage !", "la couleur", 3000, 10000},
}

// TestRenderZhEnFr: a line in each language renders to valid Ogg Opus
// whose container duration matches the synthesiser's audio, with word and
// viseme tracks from the synthesiser's events inside that duration, and
// the cue mark reported at the start of the word it precedes.
func TestRenderZhEnFr(t *testing.T) {
	s := synth(t)
	for _, l := range lines {
		t.Run(l.name, func(t *testing.T) {
			off := strings.Index(l.text, l.cue)
			req := voice.Request{Text: l.text, Lang: l.lang, Marks: []voice.Mark{{Name: "cue-1", Offset: off}, {Name: "end", Offset: len(l.text)}}}
			a, err := s.Synthesize(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			o, err := voice.ParseOggOpus(a.Data)
			if err != nil {
				t.Fatalf("audio is not valid Ogg Opus: %v", err)
			}
			if o.Channels != 1 || o.InputRate != 22050 {
				t.Errorf("OpusHead: %d channels at %d Hz, want mono 22050", o.Channels, o.InputRate)
			}
			if d := o.DurationMS - a.DurationMS; d < -2 || d > 2 {
				t.Errorf("container says %d ms, synthesiser %d ms", o.DurationMS, a.DurationMS)
			}
			if a.DurationMS < l.minMS || a.DurationMS > l.maxMS {
				t.Errorf("duration %d ms, want %d..%d", a.DurationMS, l.minMS, l.maxMS)
			}
			if !a.Timed || len(a.Phonemes) < 10 {
				t.Fatalf("timed %v with %d phonemes, want the synthesiser's phoneme events", a.Timed, len(a.Phonemes))
			}
			checkTrack(t, l.text, a.Track)
			// Words are the synthesiser's: each starts where a phoneme
			// event does, and they are not avatar/speech's estimate.
			starts := map[int]bool{}
			for _, p := range a.Phonemes {
				starts[p.AtMS] = true
			}
			est := speech.Time(l.text, l.lang, speech.Voice{})
			same := len(est.Words) == len(a.Words)
			for i, w := range a.Words {
				if same && est.Words[i].StartMS != w.StartMS {
					same = false
				}
			}
			if same {
				t.Errorf("words %v equal the text estimate", a.Words)
			}
			var cue, end voice.Mark
			for _, m := range a.Marks {
				switch m.Name {
				case "cue-1":
					cue = m
				case "end":
					end = m
				}
			}
			var word speech.Word
			for _, w := range a.Words {
				if w.Offset == off {
					word = w
				}
			}
			if word.Text == "" {
				t.Fatalf("no word at the cue's offset %d: %v", off, a.Words)
			}
			if cue.AtMS != word.StartMS || cue.AtMS == 0 {
				t.Errorf("cue mark at %d ms, want %d (the start of %q)", cue.AtMS, word.StartMS, word.Text)
			}
			if end.AtMS != a.DurationMS {
				t.Errorf("mark past the last word at %d ms, want the end %d", end.AtMS, a.DurationMS)
			}
			t.Logf("%s: %d ms, %d bytes (%.0f B/s), %d words, %d visemes, cue %q at %d ms",
				l.lang, a.DurationMS, len(a.Data), float64(len(a.Data))*1000/float64(a.DurationMS), len(a.Words), len(a.Visemes), l.cue, cue.AtMS)
		})
	}
}

// checkTrack checks the guarantees of docs/speech-timing.md on a track.
func checkTrack(t *testing.T, text string, tr speech.Track) {
	t.Helper()
	if len(tr.Words) < 5 {
		t.Fatalf("%d words: %v", len(tr.Words), tr.Words)
	}
	prevEnd := 0
	for _, w := range tr.Words {
		if text[w.Offset:w.Offset+len(w.Text)] != w.Text {
			t.Errorf("word %q at %d is not the text there", w.Text, w.Offset)
		}
		if w.StartMS >= w.EndMS || w.StartMS < prevEnd || w.EndMS > tr.DurationMS {
			t.Errorf("word %+v out of order (previous end %d, duration %d)", w, prevEnd, tr.DurationMS)
		}
		prevEnd = w.EndMS
	}
	vs := tr.Visemes
	if len(vs) < 5 || vs[0].AtMS != 0 || vs[len(vs)-1].V != "rest" {
		t.Fatalf("visemes %v: want several, first at 0, last rest", vs)
	}
	shapes := map[string]bool{}
	for i, v := range vs {
		shapes[v.V] = true
		if v.AtMS > tr.DurationMS || (i > 0 && (v.AtMS <= vs[i-1].AtMS || v.V == vs[i-1].V)) {
			t.Errorf("viseme %d %+v after %+v (duration %d)", i, v, vs[max(i-1, 0)], tr.DurationMS)
		}
		switch v.V {
		case "rest", "A", "E", "O", "U", "M", "F", "L", "S":
		default:
			t.Errorf("viseme %q is not a renderer's shape", v.V)
		}
	}
	if len(shapes) < 5 {
		t.Errorf("only shapes %v", shapes)
	}
}

// TestVoiceHonoured: a persona's synthesiser voice reaches espeak-ng:
// the same request is spoken with the same phonemes, the British voice
// with other ones than the default American, and a voice espeak-ng does
// not have is an error naming it. (Pitch changes no phoneme nor timing;
// its mapping to espeakPITCH is TestVoiceAndSettings'.)
func TestVoiceHonoured(t *testing.T) {
	s := synth(t)
	ctx := context.Background()
	phonemes := func(req voice.Request) string {
		t.Helper()
		a, err := s.Synthesize(ctx, req)
		if err != nil {
			t.Fatalf("%+v: %v", req, err)
		}
		var b strings.Builder
		for _, p := range a.Phonemes {
			b.WriteString(p.Ph + " ")
		}
		return b.String()
	}
	base := voice.Request{Text: "Welcome to our shop, the hot tea is ready.", Lang: "en", Pitch: 1.5}
	us := phonemes(base)
	if again := phonemes(base); again != us {
		t.Fatalf("the same request spoke %q then %q: nothing below would tell", us, again)
	}
	gb := base
	gb.Voice = "en-gb-x-rp"
	if got := phonemes(gb); got == us {
		t.Errorf("voice en-gb-x-rp spoke the default en-us phonemes %q", got)
	}
	bad := base
	bad.Voice = "no-such-voice"
	if _, err := s.Synthesize(ctx, bad); err == nil || !strings.Contains(err.Error(), "no-such-voice") {
		t.Errorf("unknown voice: %v, want an error naming it", err)
	}
}
