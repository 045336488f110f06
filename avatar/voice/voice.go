package voice

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/speech"
)

// Format is an audio encoding a provider returns; it is part of the
// contract (pages choose a player by it): add values, never rename them.
type Format string

// FormatOggOpus is Opus (RFC 6716) in an Ogg container (RFC 7845), mono,
// at a speech bitrate: what the espeak-ng worker writes.
const FormatOggOpus Format = "ogg-opus"

// Ext is the file extension audio of format f is served under.
func (f Format) Ext() string {
	if f == FormatOggOpus {
		return "ogg"
	}
	return "bin"
}

// MIME is the Content-Type audio of format f is served with.
func (f Format) MIME() string {
	if f == FormatOggOpus {
		return "audio/ogg; codecs=opus"
	}
	return "application/octet-stream"
}

// Limits of a Request: a line is short (a script line or a reply), so a
// request over them is refused before anything renders it.
const (
	MaxText  = 2000 // bytes of Request.Text
	MaxMarks = 32
	maxName  = 64 // bytes of a voice or mark name
)

// Request asks for one spoken line.
type Request struct {
	Text string `json:"text"` // plain text, UTF-8, at most MaxText bytes
	Lang string `json:"lang"` // BCP 47: "zh-CN", "en", "fr"
	// Voice is the provider's voice name ("cmn-latn-pinyin", "en-us",
	// "alloy"); empty picks the provider's voice for Lang.
	Voice string `json:"voice,omitempty"`
	// Rate is the speaking rate, 1 (or 0) normal, 1.2 20% faster;
	// clamped to [0.25, 4] as speech.Voice.Rate is.
	Rate float64 `json:"rate,omitempty"`
	// Pitch scales the voice's pitch, 1 (or 0) normal; clamped to [0.5, 2].
	Pitch float64 `json:"pitch,omitempty"`
	// Marks are cue points of the line, by name (a cue id): a provider
	// with real timings reports when speech reaches each one.
	Marks []Mark `json:"marks,omitempty"`
}

// Mark is a named point of a line: at byte Offset of Request.Text (a
// script cue's offset), reached at AtMS from the start of the audio.
type Mark struct {
	Name   string `json:"name"`            // [A-Za-z0-9_.-]{1,64}, unique in the line
	Offset int    `json:"offset"`          // byte offset in Request.Text, 0..len(Text)
	AtMS   int    `json:"at_ms,omitempty"` // in a Result: when speech reaches the mark
}

// Phoneme is one phoneme (IPA) as the synthesiser spoke it, from AtMS; an
// empty Ph is a pause.
type Phoneme struct {
	Ph   string `json:"ph"`
	AtMS int    `json:"at_ms"`
}

// Audio is what a Synthesizer returns: encoded audio and, when Timed, the
// word, phoneme and mark timings the synthesiser itself reported.
type Audio struct {
	Data   []byte
	Format Format
	// Track holds the duration and the word and viseme tracks. A
	// synthesizer that is not Timed may leave it empty: Cache estimates it.
	speech.Track
	Phonemes []Phoneme
	Marks    []Mark
	Timed    bool
}

// Result is a rendered line: where its audio is (Key, in the audio
// store; URL for pages), and its real duration with its tracks. Words and
// Visemes use avatar/speech's shapes, so a Result's Track replaces
// speech.Time's estimate as it is.
type Result struct {
	Key    string `json:"key"` // content address: hex SHA-256 of what was asked (see Key)
	Format Format `json:"format"`
	Bytes  int    `json:"bytes"` // size of the audio
	speech.Track
	Phonemes []Phoneme `json:"phonemes,omitempty"`
	Marks    []Mark    `json:"marks,omitempty"`
	// Timed: the words, visemes and marks come from the synthesiser's own
	// events; false: estimated from the text (avatar/speech) and scaled to
	// the audio's real duration.
	Timed bool `json:"timed"`
	// Cached: this render was served from the store, not synthesised now.
	Cached bool `json:"cached,omitempty"`
}

// URL is the path the gateways serve the audio at.
func (r Result) URL() string { return AudioPath(r.Key, r.Format) }

// AudioPath is the gateway path of audio key in format f: /audio/KEY.EXT.
func AudioPath(key string, f Format) string { return "/audio/" + key + "." + f.Ext() }

// Timing is the timing source of r, as the speech event names it
// (avatar.Speech.Timing).
func (r Result) Timing() string {
	if r.Timed {
		return avatar.TimingSynth
	}
	return avatar.TimingEstimate
}

// MarkMS returns when speech reaches mark name, and whether r has it.
func (r Result) MarkMS(name string) (int, bool) {
	for _, m := range r.Marks {
		if m.Name == name {
			return m.AtMS, true
		}
	}
	return 0, false
}

// Synthesizer turns one line into audio. Synthesize must be safe for
// concurrent use (it may serialise) and honour ctx.
type Synthesizer interface {
	Synthesize(ctx context.Context, req Request) (Audio, error)
	// ID names the synthesizer, its version and its output settings
	// ("espeak-ng/1.51/opus-24k"): it is part of every cache key, so a new
	// version renders anew.
	ID() string
}

// A Hearer is a Synthesizer that honours only some of a request's
// settings: Hears returns req as it is rendered, the settings it ignores
// set to their defaults (an HTTP service without a pitch parameter: Pitch
// 0). Cache keys the audio by that, so a line is not rendered again for a
// setting that changes nothing, and its key does not claim a setting the
// audio does not have.
type Hearer interface {
	Hears(req Request) Request
}

// Provider renders a line and says where its audio is. The director calls
// one before a line is due; on an error it speaks the line without audio
// (estimated timings, the pages' own fallback).
type Provider interface {
	Render(ctx context.Context, req Request) (Result, error)
}

// ErrUnavailable is wrapped by a Provider that has nothing to render with
// (no worker answers, a synthesizer built without its library).
var ErrUnavailable = errors.New("voice: no voice available")

// Validate reports what is wrong with r, or nil.
func (r Request) Validate() error {
	switch {
	case r.Text == "":
		return errors.New("voice: empty text")
	case len(r.Text) > MaxText:
		return fmt.Errorf("voice: text of %d bytes, over %d", len(r.Text), MaxText)
	case !utf8.ValidString(r.Text):
		return errors.New("voice: text is not UTF-8")
	case !token(r.Lang, 35):
		return fmt.Errorf("voice: bad language tag %q", r.Lang)
	case r.Voice != "" && !token(r.Voice, maxName):
		return fmt.Errorf("voice: bad voice name %q", r.Voice)
	case len(r.Marks) > MaxMarks:
		return fmt.Errorf("voice: %d marks, over %d", len(r.Marks), MaxMarks)
	case r.Rate != r.Rate || r.Pitch != r.Pitch:
		return errors.New("voice: rate or pitch is NaN")
	}
	seen := make(map[string]bool, len(r.Marks))
	for _, m := range r.Marks {
		if !token(m.Name, maxName) {
			return fmt.Errorf("voice: bad mark name %q", m.Name)
		}
		if seen[m.Name] {
			return fmt.Errorf("voice: mark %q twice", m.Name)
		}
		seen[m.Name] = true
		if m.Offset < 0 || m.Offset > len(r.Text) {
			return fmt.Errorf("voice: mark %q at byte %d, outside the text (%d bytes)", m.Name, m.Offset, len(r.Text))
		}
	}
	return nil
}

// token reports whether s is 1..n bytes of [A-Za-z0-9_.+-].
func token(s string, n int) bool {
	if s == "" || len(s) > n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-' || c == '+') {
			return false
		}
	}
	return true
}

// RateOf returns r's rate clamped as speech.Voice does (0 = 1).
func (r Request) RateOf() float64 {
	if !(r.Rate > 0) {
		return 1
	}
	return min(max(r.Rate, 0.25), 4)
}

// PitchOf returns r's pitch clamped to [0.5, 2] (0 = 1).
func (r Request) PitchOf() float64 {
	if !(r.Pitch > 0) {
		return 1
	}
	return min(max(r.Pitch, 0.5), 2)
}

// Key is the content address of what synthesizer synth renders for r: the
// hex SHA-256 of the synthesizer, text, language, voice, clamped rate and
// pitch and the marks. The same line asked again has the same key.
func Key(synth string, r Request) string {
	marks := make([]Mark, len(r.Marks))
	for i, m := range r.Marks {
		marks[i] = Mark{Name: m.Name, Offset: m.Offset}
	}
	b, _ := json.Marshal(struct {
		V                  int
		Synth, Text, Lang  string
		Voice, Rate, Pitch string
		Marks              []Mark
	}{1, synth, r.Text, r.Lang, r.Voice,
		strconv.FormatFloat(r.RateOf(), 'f', 3, 64), strconv.FormatFloat(r.PitchOf(), 'f', 3, 64), marks})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ValidKey reports whether k looks like a Key (64 lower-case hex digits),
// so a path a viewer sends names nothing else.
func ValidKey(k string) bool {
	if len(k) != 64 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// Apply puts r into the speech event sp: its audio URL, its real
// duration, its word and viseme tracks and where they come from. The
// director calls it on a line it rendered before the line is due.
func (r Result) Apply(sp *avatar.Speech) {
	sp.Audio = r.URL()
	sp.Timing = r.Timing()
	sp.DurationMS = r.DurationMS
	sp.Words = make([]avatar.Word, len(r.Words))
	for i, w := range r.Words {
		sp.Words[i] = avatar.Word(w)
	}
	sp.Visemes = make([]avatar.Viseme, len(r.Visemes))
	for i, v := range r.Visemes {
		sp.Visemes[i] = avatar.Viseme(v)
	}
}

// CueMark is the name of the mark of a line's i-th cue (from 0), so the
// director asks for cue marks and finds their times by the same names.
func CueMark(i int) string { return "c" + strconv.Itoa(i) }

// LineRequest asks for text spoken in lang at rate, with a mark at each
// byte offset of cues (a script line's cue offsets, in order), named
// CueMark(i). Offsets outside the text are clamped to it.
func LineRequest(text, lang string, rate float64, cues []int) Request {
	r := Request{Text: text, Lang: lang, Rate: rate}
	for i, at := range cues {
		if i >= MaxMarks {
			break
		}
		r.Marks = append(r.Marks, Mark{Name: CueMark(i), Offset: min(max(at, 0), len(text))})
	}
	return r
}
