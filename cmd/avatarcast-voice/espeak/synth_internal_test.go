package espeak

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar/voice"
)

// at is the 1-based SSML character position of the n-th occurrence (from 1)
// of word in s, as espeak-ng reports it in a word event.
func at(t *testing.T, s ssml, word string, n int) int {
	t.Helper()
	i := -1
	for range n {
		j := strings.Index(s.text[i+1:], word)
		if j < 0 {
			t.Fatalf("%q not in %q", word, s.text)
		}
		i += 1 + j
	}
	return utf8.RuneCountInString(s.text[:i]) + 1
}

// TestTimingsFromEvents: without the library, events shaped as espeak-ng
// sends them (positions in the SSML, marks by name, pauses as empty
// phonemes) become words at the right byte offsets, even one position off
// after a mark, marks at their times, and a mark past the last word at
// the end.
func TestTimingsFromEvents(t *testing.T) {
	text := "Tea & cake: only 19 dollars. Buy now!"
	req := voice.Request{Text: text, Lang: "en", Marks: []voice.Mark{
		{Name: "price", Offset: strings.Index(text, "19")},
		{Name: "buy", Offset: strings.Index(text, ". Buy") + 1}, // after the full stop: placed before Buy
		{Name: "end", Offset: len(text)},
	}}
	s := buildSSML(req)
	want := `<speak>Tea &amp; cake: only <mark name="price"/>19 dollars. <mark name="buy"/>Buy now!</speak>`
	if s.text != want {
		t.Fatalf("SSML\n got %s\nwant %s", s.text, want)
	}
	if s.placed["end"] || !s.placed["buy"] {
		t.Errorf("placed %v: want buy placed, end (past the last word) not", s.placed)
	}
	evs := []event{
		{kind: evWord, pos: at(t, s, "Tea", 1), length: 3, at: 0},
		{kind: evPhoneme, name: "t", at: 5}, {kind: evPhoneme, name: "iː", at: 60},
		{kind: evWord, pos: at(t, s, "&amp;", 1) + 4, length: 1, at: 200}, // espeak-ng points at the entity's end
		{kind: evPhoneme, name: "a", at: 210}, {kind: evPhoneme, name: "n", at: 300},
		{kind: evWord, pos: at(t, s, "cake", 1), length: 4, at: 400},
		{kind: evPhoneme, name: "k", at: 400}, {kind: evPhoneme, name: "eɪ", at: 450}, {kind: evPhoneme, name: "", at: 600},
		{kind: evWord, pos: at(t, s, "only", 1), length: 4, at: 800},
		{kind: evPhoneme, name: "əʊ", at: 800},
		{kind: evMark, name: "price", at: 1000},
		{kind: evWord, pos: at(t, s, "19", 1), length: 2, at: 1000},
		{kind: evPhoneme, name: "n", at: 1000},
		{kind: evWord, pos: at(t, s, "dollars", 1), length: 7, at: 1500},
		{kind: evPhoneme, name: "d", at: 1500}, {kind: evPhoneme, name: "", at: 1900},
		{kind: evMark, name: "buy", at: 2200},
		{kind: evWord, pos: at(t, s, "Buy", 1) + 1, length: 3, at: 2200}, // one off after a mark
		{kind: evPhoneme, name: "b", at: 2200}, {kind: evPhoneme, name: "aɪ", at: 2250},
		{kind: evWord, pos: at(t, s, "now", 1) + 1, length: 3, at: 2500},
		{kind: evPhoneme, name: "n", at: 2500}, {kind: evPhoneme, name: "aʊ", at: 2560}, {kind: evPhoneme, name: "", at: 2800},
	}
	a := timings(req, s, evs, 3000)
	var got []string
	for _, w := range a.Words {
		got = append(got, w.Text+"@"+itoa(w.Offset)+":"+itoa(w.StartMS)+"-"+itoa(w.EndMS))
	}
	wantWords := "Tea@0:0-200 &@4:200-400 cake@6:400-600 only@12:800-1000 19@17:1000-1500 dollars@20:1500-1900 Buy@29:2200-2500 now@33:2500-2800"
	if strings.Join(got, " ") != wantWords {
		t.Errorf("words\n got %s\nwant %s", strings.Join(got, " "), wantWords)
	}
	for _, w := range a.Words {
		if text[w.Offset:w.Offset+len(w.Text)] != w.Text {
			t.Errorf("word %q at %d is not the text there", w.Text, w.Offset)
		}
	}
	for name, ms := range map[string]int{"price": 1000, "buy": 2200, "end": 3000} {
		var m voice.Mark
		for _, x := range a.Marks {
			if x.Name == name {
				m = x
			}
		}
		if m.AtMS != ms {
			t.Errorf("mark %s at %d, want %d", name, m.AtMS, ms)
		}
	}
	if !a.Timed || a.DurationMS != 3000 || len(a.Phonemes) != 16 || a.Visemes[len(a.Visemes)-1].V != "rest" {
		t.Errorf("audio: timed %v, %d ms, %d phonemes, visemes %v", a.Timed, a.DurationMS, len(a.Phonemes), a.Visemes)
	}
}

func TestVoiceAndSettings(t *testing.T) {
	for lang, want := range map[string]string{"zh-CN": "cmn-latn-pinyin", "zh": "cmn-latn-pinyin", "cmn": "cmn-latn-pinyin", "zh-HK": "yue", "en": "en-us", "en-GB": "en", "fr": "fr", "fr-CA": "fr"} {
		if got := VoiceFor(voice.Request{Lang: lang}); got != want {
			t.Errorf("VoiceFor(%s) = %s, want %s", lang, got, want)
		}
	}
	if got := VoiceFor(voice.Request{Lang: "en", Voice: "en-gb-x-rp"}); got != "en-gb-x-rp" {
		t.Errorf("a named voice became %s", got)
	}
	for _, c := range []struct{ rate, want float64 }{{1, 175}, {2, 350}, {0.25, 80}, {4, 450}} {
		if got := wpm(c.rate); float64(got) != c.want {
			t.Errorf("wpm(%v) = %d, want %v", c.rate, got, c.want)
		}
	}
	if pitch(1) != 50 || pitch(2) != 99 || pitch(0.5) != 25 {
		t.Errorf("pitch: %d %d %d", pitch(1), pitch(2), pitch(0.5))
	}
	if c := (Config{}).withDefaults(); c.Bitrate != 24000 || c.Complexity != 5 {
		t.Errorf("defaults %+v", c)
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
