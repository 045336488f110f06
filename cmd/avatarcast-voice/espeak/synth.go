// Package espeak is the espeak-ng synthesizer of the voice worker: it
// renders a line through libespeak-ng (cgo) into Ogg Opus with libopusenc,
// with the word, phoneme and SSML mark events of the synthesiser as its
// timings.
//
// The cgo part builds only with the build tag espeak (and cgo), so that
// `go vet ./...` and `go test ./...` pass on a machine without
// libespeak-ng-dev: without it New returns an error wrapping
// voice.ErrUnavailable and the tests that need the library skip. The
// worker binary that links it is bound by espeak-ng's GPL-3.0; nothing
// outside cmd/avatarcast-voice imports this package.
package espeak

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// Config tunes the synthesizer; the zero value is the default.
type Config struct {
	// Bitrate of the Opus stream in bits per second (default 24000: clear
	// speech, about 3 KB per spoken second).
	Bitrate int
	// Complexity of the Opus encoder, 0..10 (default 5). Encoding, not
	// espeak-ng, is most of a render's CPU; at 24 kbit/s speech sounds the
	// same at 5 as at 10 for about half the CPU.
	Complexity int
}

func (c Config) withDefaults() Config {
	if c.Bitrate <= 0 {
		c.Bitrate = 24000
	}
	c.Bitrate = min(max(c.Bitrate, 6000), 128000)
	if c.Complexity <= 0 {
		c.Complexity = 5
	}
	c.Complexity = min(c.Complexity, 10)
	return c
}

// Synth is the espeak-ng synthesizer; it is safe for concurrent use (calls
// into the library are serialised).
type Synth struct {
	cfg     Config
	version string
}

// ID names the library version and the encoding, for cache keys.
func (s *Synth) ID() string { return fmt.Sprintf("espeak-ng/%s/opus-%d", s.version, s.cfg.Bitrate) }

// VoiceFor is the espeak-ng voice req is spoken with: req.Voice, else the
// voice of its language. Mandarin is cmn-latn-pinyin, because Debian's
// default cmn voice reads its own pinyin as English.
func VoiceFor(req voice.Request) string {
	if req.Voice != "" {
		return req.Voice
	}
	l := strings.ToLower(req.Lang)
	switch {
	case l == "zh" || strings.HasPrefix(l, "zh-") || l == "cmn" || strings.HasPrefix(l, "cmn-"):
		if strings.Contains(l, "hk") || strings.Contains(l, "yue") {
			return "yue"
		}
		return "cmn-latn-pinyin"
	case l == "en" || l == "en-us":
		return "en-us"
	case strings.HasPrefix(l, "en-"):
		return "en"
	}
	if i := strings.IndexByte(l, '-'); i > 0 {
		return l[:i]
	}
	return l
}

// wpm is espeak-ng's rate (words per minute, 175 normal, 80..450) for rate.
func wpm(rate float64) int { return min(max(int(175*rate+0.5), 80), 450) }

// pitch is espeak-ng's pitch (0..99, 50 normal) for a pitch factor.
func pitch(p float64) int { return min(max(int(50*p+0.5), 0), 99) }

type evKind uint8

const (
	evWord evKind = iota + 1
	evPhoneme
	evMark
)

// event is one event of the synthesiser: pos and length in characters of
// the SSML text (pos counts from 1), at in ms of audio.
type event struct {
	kind        evKind
	pos, length int
	at          int
	name        string // phoneme (IPA) or mark name
}

// ssml is a request's text as sent to espeak-ng, with for each of its
// characters the byte range of the original text it came from.
type ssml struct {
	text       string
	start, end []int // per SSML character; -1 for markup
	src        string
	placed     map[string]bool // marks put in the text (the others are past the last word)
}

// buildSSML escapes req.Text into <speak>…</speak> and puts each mark
// before the first word at or after its offset. Never right after a
// sentence's final punctuation: espeak-ng drops such a mark and then
// reports text positions one off.
func buildSSML(req voice.Request) ssml {
	s := ssml{src: req.Text, placed: map[string]bool{}}
	at := map[int][]string{}
	for _, m := range req.Marks {
		i := nextWord(req.Text, m.Offset)
		if i < 0 {
			continue
		}
		at[i] = append(at[i], m.Name)
		s.placed[m.Name] = true
	}
	var b strings.Builder
	markup := func(t string) {
		b.WriteString(t)
		for range utf8.RuneCountInString(t) {
			s.start, s.end = append(s.start, -1), append(s.end, -1)
		}
	}
	markup("<speak>")
	for i, r := range req.Text {
		for _, name := range at[i] {
			markup(`<mark name="` + name + `"/>`)
		}
		size := utf8.RuneLen(r)
		if size < 0 {
			size = 1
		}
		t := string(r)
		switch r {
		case '<':
			t = "&lt;"
		case '>':
			t = "&gt;"
		case '&':
			t = "&amp;"
		case '"':
			t = "&quot;"
		}
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			t = " "
		}
		b.WriteString(t)
		for range utf8.RuneCountInString(t) {
			s.start, s.end = append(s.start, i), append(s.end, i+size)
		}
	}
	markup("</speak>")
	s.text = b.String()
	return s
}

// nextWord returns the byte offset of the first spoken character at or
// after off, or -1 past the last one.
func nextWord(text string, off int) int {
	for i, r := range text[off:] {
		if spoken(r) {
			return off + i
		}
	}
	return -1
}

// spoken reports whether espeak-ng reads r as (part of) a word: letters,
// digits, symbols, and the punctuation it reads aloud (& % @ #).
func spoken(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSymbol(r) || strings.ContainsRune("&%@#", r)
}

// wordChar reports whether the original text has a word character at byte i.
func (s ssml) wordChar(i int) bool {
	if i < 0 || i >= len(s.src) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s.src[i:])
	return spoken(r)
}

// wordStart reports whether SSML character i starts a word of the
// original text: a word character after a non-word one, or any Han
// character (espeak-ng makes each one a word).
func (s ssml) wordStart(i int) bool {
	if i < 0 || i >= len(s.start) || !s.wordChar(s.start[i]) {
		return false
	}
	b := s.start[i]
	if r, _ := utf8.DecodeRuneInString(s.src[b:]); b == 0 || unicode.Is(unicode.Han, r) {
		return true
	}
	p, _ := utf8.DecodeLastRuneInString(s.src[:b])
	return !unicode.IsLetter(p) && !unicode.IsDigit(p)
}

// span maps a word event (1-based SSML character pos, length in
// characters) to a byte range of the original text. espeak-ng's positions
// can be one off after a mark, so a position that does not start a word
// is moved by one to one that does.
func (s ssml) span(pos, length int) (int, int, bool) {
	i := pos - 1
	switch {
	case s.wordStart(i):
	case s.wordStart(i - 1):
		i--
	case s.wordStart(i + 1):
		i++
	case i >= 0 && i < len(s.start) && s.wordChar(s.start[i]):
	default:
		return 0, 0, false
	}
	j := min(i+max(length, 1)-1, len(s.end)-1)
	for j > i && s.end[j] < 0 {
		j--
	}
	return s.start[i], max(s.end[j], s.start[i]), true
}

// timings turns the synthesiser's events into the words, phonemes,
// visemes and marks of a line lasting durMS.
func timings(req voice.Request, s ssml, evs []event, durMS int) voice.Audio {
	a := voice.Audio{Timed: true}
	a.DurationMS = durMS
	a.Words = []speech.Word{}
	type wordAt struct {
		w   speech.Word
		idx int // index in evs
	}
	var words []wordAt
	last := -1
	for i, e := range evs {
		switch e.kind {
		case evPhoneme:
			a.Phonemes = append(a.Phonemes, voice.Phoneme{Ph: e.name, AtMS: min(e.at, durMS)})
		case evMark:
			if a.Marks == nil {
				a.Marks = []voice.Mark{}
			}
			a.Marks = append(a.Marks, voice.Mark{Name: e.name, AtMS: min(e.at, durMS)})
		case evWord:
			from, to, ok := s.span(e.pos, e.length)
			if !ok || from <= last {
				continue
			}
			last = from
			words = append(words, wordAt{speech.Word{Text: s.src[from:to], Offset: from, StartMS: min(e.at, durMS)}, i})
		}
	}
	// A word ends where the next begins, or at the first pause after it.
	for k := range words {
		end := durMS
		if k+1 < len(words) {
			end = words[k+1].w.StartMS
		}
		for _, e := range evs[words[k].idx+1:] {
			if e.kind == evWord || e.at >= end {
				break
			}
			if e.kind == evPhoneme && e.name == "" && e.at > words[k].w.StartMS {
				end = e.at
				break
			}
		}
		w := words[k].w
		w.EndMS = max(end, w.StartMS+1)
		if w.EndMS > durMS {
			w.EndMS = durMS
		}
		a.Words = append(a.Words, w)
	}
	a.Visemes = voice.Visemes(req.Lang, a.Phonemes, durMS)
	// Marks: each asked mark with its offset; one the synthesiser did not
	// report (past the last word, or dropped) is placed by the words, as
	// avatar/speech places a cue.
	got := map[string]int{}
	for _, m := range a.Marks {
		got[m.Name] = m.AtMS
	}
	a.Marks = nil
	for _, m := range req.Marks {
		at, ok := got[m.Name]
		if !ok {
			at = a.OffsetMS(m.Offset)
		}
		a.Marks = append(a.Marks, voice.Mark{Name: m.Name, Offset: m.Offset, AtMS: at})
	}
	return a
}
