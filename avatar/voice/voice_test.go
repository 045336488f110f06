package voice_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// fixture is 1875 ms of English as the espeak-ng worker encodes it.
func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/en-19-dollars.ogg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseOggOpus(t *testing.T) {
	b := fixture(t)
	o, err := voice.ParseOggOpus(b)
	if err != nil {
		t.Fatal(err)
	}
	if o.Channels != 1 || o.InputRate != 22050 || o.DurationMS != 1875 || o.PreSkip == 0 {
		t.Errorf("ParseOggOpus: %+v, want mono from 22050 Hz, 1875 ms, a pre-skip", o)
	}
	bad := map[string][]byte{
		"empty":     nil,
		"truncated": b[:len(b)-10],
		"flipped":   append(append([]byte{}, b[:100]...), append([]byte{b[100] ^ 1}, b[101:]...)...),
		"not ogg":   []byte("ID3\x04 this is an mp3"),
		"no eos":    b[:len(b)/2], // cut at a page boundary or not: both fail
	}
	for name, in := range bad {
		if _, err := voice.ParseOggOpus(in); err == nil {
			t.Errorf("ParseOggOpus(%s): no error", name)
		}
	}
}

func TestShape(t *testing.T) {
	for _, c := range []struct{ lang, ph, want string }{
		{"en", "m", "M"}, {"en", "aʊ", "A"}, {"en", "əʊ", "O"}, {"en", "iː", "E"}, {"en", "ʃ", "S"}, {"en", "k", ""}, {"en", "", "rest"},
		{"zh-CN", "ɕ", "S"}, {"zh-CN", "ɤ", "E"}, {"zh-CN", "y", "U"}, {"zh-CN", "ɑu", "A"}, {"zh-CN", "tɕʰ", "S"}, {"zh", "p", "M"},
		{"fr", "ʁ", ""}, {"fr", "ɔ̃", "O"}, {"fr", "ə", "O"}, {"fr", "ɥ", "U"}, {"fr", "y", "U"}, {"fr-CA", "v", "F"},
	} {
		if got := voice.Shape(c.lang, c.ph); got != c.want {
			t.Errorf("Shape(%q, %q) = %q, want %q", c.lang, c.ph, got, c.want)
		}
	}
}

func TestVisemesGuarantees(t *testing.T) {
	phs := []voice.Phoneme{{"b", 30}, {"ɑu", 60}, {"", 200}, {"p", 200}, {"ɑu", 240}, {"m", 420}, {"ə", 494}, {"n", 543}, {"", 623}, {"", 623}, {"k", 700}, {"a", 690}, {"a", 900}}
	vs := voice.Visemes("zh-CN", phs, 950)
	if vs[0].AtMS != 0 || vs[len(vs)-1].V != "rest" {
		t.Fatalf("Visemes: %v: want the first at 0 and the last rest", vs)
	}
	for i := 1; i < len(vs); i++ {
		if vs[i].AtMS <= vs[i-1].AtMS || vs[i].V == vs[i-1].V || vs[i].AtMS > 950 {
			t.Errorf("Visemes: %v: %d breaks the guarantees", vs, i)
		}
	}
	want := "rest@0 M@30 A@60 M@200 A@240 M@420 E@494 L@543 rest@623 A@690 rest@950"
	var got []string
	for _, v := range vs {
		got = append(got, v.V+"@"+itoa(v.AtMS))
	}
	if strings.Join(got, " ") != want {
		t.Errorf("Visemes:\n got %s\nwant %s", strings.Join(got, " "), want)
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

func TestKeyAndValidate(t *testing.T) {
	r := voice.Request{Text: "你好", Lang: "zh-CN"}
	k := voice.Key("s", r)
	if !voice.ValidKey(k) {
		t.Fatalf("Key %q is not a ValidKey", k)
	}
	r1 := r
	r1.Rate = 1 // the default, spelled out
	if voice.Key("s", r1) != k {
		t.Error("rate 0 and rate 1 give different keys")
	}
	for name, o := range map[string]voice.Request{
		"text": {Text: "你好!", Lang: "zh-CN"}, "lang": {Text: "你好", Lang: "zh-TW"}, "voice": {Text: "你好", Lang: "zh-CN", Voice: "x"},
		"rate": {Text: "你好", Lang: "zh-CN", Rate: 1.2}, "pitch": {Text: "你好", Lang: "zh-CN", Pitch: 1.2},
		"mark": {Text: "你好", Lang: "zh-CN", Marks: []voice.Mark{{Name: "a", Offset: 3}}},
	} {
		if voice.Key("s", o) == k {
			t.Errorf("a different %s gives the same key", name)
		}
	}
	if voice.Key("t", r) == k {
		t.Error("another synthesizer gives the same key")
	}
	for _, bad := range []voice.Request{
		{Lang: "en"}, {Text: "hi"}, {Text: strings.Repeat("a", voice.MaxText+1), Lang: "en"}, {Text: "\xff", Lang: "en"},
		{Text: "hi", Lang: "en", Voice: "a b"}, {Text: "hi", Lang: "en", Marks: []voice.Mark{{Name: `x"/><audio src="y`, Offset: 0}}},
		{Text: "hi", Lang: "en", Marks: []voice.Mark{{Name: "a", Offset: 3}}}, {Text: "hi", Lang: "en", Marks: []voice.Mark{{Name: "a"}, {Name: "a"}}},
	} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v): nil, want an error", bad)
		}
	}
	for _, k := range []string{"", "../etc/passwd", strings.Repeat("A", 64), k + "0"} {
		if voice.ValidKey(k) {
			t.Errorf("ValidKey(%q): true", k)
		}
	}
}

// memStore is a voice.Store in memory that counts writes.
type memStore struct {
	mu   sync.Mutex
	meta map[string]voice.Result
	puts int
}

func (m *memStore) Get(_ context.Context, key string) (voice.Result, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.meta[key]
	return r, ok, nil
}

func (m *memStore) Put(_ context.Context, res voice.Result, _ []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.meta == nil {
		m.meta = map[string]voice.Result{}
	}
	m.meta[res.Key] = res
	m.puts++
	return nil
}

// fakeSynth returns the fixture without timings, or fails.
type fakeSynth struct {
	data  []byte
	fail  error
	mu    sync.Mutex
	calls int
}

func (f *fakeSynth) ID() string { return "fake" }
func (f *fakeSynth) Synthesize(context.Context, voice.Request) (voice.Audio, error) {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if f.fail != nil {
		return voice.Audio{}, f.fail
	}
	return voice.Audio{Data: f.data, Format: voice.FormatOggOpus}, nil
}

// TestCacheRendersOnceAndEstimatesUntimed: the first render synthesises
// and stores; the next is a hit; untimed audio gets the text's estimate
// scaled to the audio's real duration, marks included.
func TestCacheRendersOnceAndEstimatesUntimed(t *testing.T) {
	st, sy := &memStore{}, &fakeSynth{data: fixture(t)}
	c := &voice.Cache{Synth: sy, Store: st}
	line := "Only 19 dollars today."
	req := voice.Request{Text: line, Lang: "en", Marks: []voice.Mark{{Name: "price", Offset: strings.Index(line, "19")}}}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := c.Render(context.Background(), req); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	res, err := c.Render(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if sy.calls != 1 || st.puts != 1 || !res.Cached {
		t.Errorf("synthesised %d times, stored %d, last cached %v: want once, once, true", sy.calls, st.puts, res.Cached)
	}
	if s := c.Stats(); s.Misses != 1 || s.Hits != 4 {
		t.Errorf("Stats %+v, want 1 miss and 4 hits", s)
	}
	est := speech.Time(line, "en", speech.Voice{})
	if res.Timed || res.Timing() != avatar.TimingEstimate || res.DurationMS != 1875 || len(res.Words) != len(est.Words) {
		t.Fatalf("result %+v: want untimed, 1875 ms, the estimate's %d words", res, len(est.Words))
	}
	if last := res.Words[len(res.Words)-1]; last.EndMS > 1875 || last.EndMS*est.DurationMS/1875 < est.Words[len(est.Words)-1].EndMS-1 {
		t.Errorf("last word %+v is not the estimate's %+v scaled to 1875 ms", last, est.Words[len(est.Words)-1])
	}
	if at, ok := res.MarkMS("price"); !ok || at != res.OffsetMS(req.Marks[0].Offset) || at == 0 {
		t.Errorf("mark price at %d (%v), want the start of 19", at, ok)
	}
	if res.URL() != "/audio/"+res.Key+".ogg" {
		t.Errorf("URL %q", res.URL())
	}
}

func TestCacheRefusesBadAudioAndFailures(t *testing.T) {
	st := &memStore{}
	boom := errors.New("boom")
	for name, sy := range map[string]*fakeSynth{"fails": {fail: boom}, "not ogg": {data: []byte("RIFF....WAVE")}} {
		c := &voice.Cache{Synth: sy, Store: st}
		if _, err := c.Render(context.Background(), voice.Request{Text: "hi", Lang: "en"}); err == nil {
			t.Errorf("%s: no error", name)
		}
		if c.Stats().Failures != 1 || st.puts != 0 {
			t.Errorf("%s: %+v, %d stored: want a failure and nothing stored", name, c.Stats(), st.puts)
		}
	}
}

func TestApply(t *testing.T) {
	res := voice.Result{Key: strings.Repeat("ab", 32), Format: voice.FormatOggOpus, Timed: true,
		Track: speech.Track{DurationMS: 900, Words: []speech.Word{{Text: "hi", StartMS: 10, EndMS: 400}}, Visemes: []speech.Viseme{{V: "rest"}, {V: "E", AtMS: 40}, {V: "rest", AtMS: 400}}}}
	sp := avatar.Speech{LineID: "l", Text: "hi", Lang: "en", DurationMS: 300}
	res.Apply(&sp)
	if sp.Audio != "/audio/"+res.Key+".ogg" || sp.Timing != avatar.TimingSynth || sp.DurationMS != 900 || len(sp.Words) != 1 || sp.Words[0].EndMS != 400 || len(sp.Visemes) != 3 {
		t.Errorf("Apply: %+v", sp)
	}
}

func TestLineRequest(t *testing.T) {
	r := voice.LineRequest("今天只要99元", "zh-CN", 1.1, []int{12, 99, -1})
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	want := []voice.Mark{{Name: "c0", Offset: 12}, {Name: "c1", Offset: len("今天只要99元")}, {Name: "c2", Offset: 0}}
	if len(r.Marks) != 3 || r.Marks[0] != want[0] || r.Marks[1] != want[1] || r.Marks[2] != want[2] || r.Rate != 1.1 {
		t.Errorf("LineRequest: %+v, want marks %v", r, want)
	}
	res := voice.Result{Marks: []voice.Mark{{Name: voice.CueMark(1), AtMS: 700}}}
	if at, ok := res.MarkMS(voice.CueMark(1)); !ok || at != 700 {
		t.Errorf("MarkMS(CueMark(1)) = %d, %v", at, ok)
	}
}
