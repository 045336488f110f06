package speech

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// words joins the texts of a track's words with '|'.
func words(tr Track) string {
	var b strings.Builder
	for i, w := range tr.Words {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(w.Text)
	}
	return b.String()
}

// visemes writes a track's visemes as "V@ms V@ms ...".
func visemes(tr Track) string {
	var b strings.Builder
	for i, v := range tr.Visemes {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s@%d", v.V, v.AtMS)
	}
	return b.String()
}

func TestTime(t *testing.T) {
	tests := []struct {
		name, text, lang string
		rate             float64
		dur              int
		words            string
	}{
		{"cjk two chars", "你好", "zh-CN", 0, 2 * hanMS, "你|好"},
		{"cjk full stop", "你好。", "zh-CN", 0, 2*hanMS + stopMS, "你|好"},
		{"cjk comma and stop", "你好，世界。", "zh", 0, 4*hanMS + commaMS + stopMS, "你|好|世|界"},
		{"cjk enumeration comma", "红、绿", "zh", 0, 2*hanMS + commaMS, "红|绿"},
		{"cjk number 99", "99元", "zh-CN", 0, 3*hanMS + hanMS, "99|元"}, // 九十九元
		{"cjk number 10", "10块", "zh-CN", 0, hanMS + hanMS, "10|块"},   // 十块
		{"cjk number 105", "105", "zh", 0, 4 * hanMS, "105"},          // 一百零五
		{"cjk thousands", "1,299", "zh", 0, 7 * hanMS, "1,299"},       // 一千二百九十九
		{"cjk ten thousand", "20005", "zh", 0, 4 * hanMS, "20005"},    // 二万零五
		{"cjk decimal", "3.5", "zh", 0, 3 * hanMS, "3.5"},             // 三点五
		{"cjk time", "10:30", "zh", 0, 4 * hanMS, "10:30"},            // 十点三十
		{"cjk year", "2024年", "zh", 0, 5 * hanMS, "2024|年"},           // 二零二四年
		{"cjk phone", "13800138000", "zh", 0, 11 * hanMS, "13800138000"},
		{"cjk percent", "50%", "zh", 0, 5 * hanMS, "50|%"}, // 百分之五十
		{"full-width digits", "９９", "zh", 0, 3 * hanMS, "９９"},
		{"english", "Hello world.", "en", 0, 3*latinMS + stopMS, "Hello|world"},
		{"english silent e", "make the cake", "en", 0, 3 * latinMS, "make|the|cake"},
		{"english endings", "jumped loves wanted boxes", "en", 0, 6 * latinMS, "jumped|loves|wanted|boxes"},
		{"english table", "table", "en", 0, 2 * latinMS, "table"},
		{"english number", "99", "en", 0, 3 * latinMS, "99"},        // nine-ty-nine
		{"english hundred", "1,250", "en", 0, 8 * latinMS, "1,250"}, // one thou-sand two hun-dred fif-ty
		{"english acronyms", "USB TV HTML", "en", 0, (3 + 2 + 4) * latinMS, "USB|TV|HTML"},
		{"english www", "WWW", "en", 0, 9 * latinMS, "WWW"},
		{"english contraction", "don't stop-motion", "en", 0, 4 * latinMS, "don't|stop-motion"},
		{"english question", "Ready? Go!", "en", 0, 3*latinMS + 2*stopMS, "Ready|Go"},
		{"english abbreviation dot", "e.g", "en", 0, 2 * latinMS, "e|g"},
		{"french", "Bonjour, je parle.", "fr", 0, 4*latinMS + commaMS + stopMS, "Bonjour|je|parle"},
		{"french elision", "aujourd'hui", "fr-FR", 0, 3 * latinMS, "aujourd'hui"},
		{"german", "Guten Tag", "de", 0, 3 * latinMS, "Guten|Tag"},
		{"spanish", "¿Cómo estás?", "es", 0, 4*latinMS + stopMS, "Cómo|estás"},
		{"mixed zh en digits", "这款iPhone 15只要5999元", "zh-CN",
			0, 2*hanMS + 2*latinMS + 2*hanMS + 2*hanMS + 7*hanMS + hanMS, "这|款|iPhone|15|只|要|5999|元"},
		{"ascii dash", "Tea - today", "en", 0, 3*latinMS + commaMS, "Tea|today"},
		{"hyphen silent", "010-1234", "zh", 0, (3 + 7) * hanMS, "010|1234"},
		{"punctuation run", "好!!!", "zh", 0, hanMS + stopMS, "好"},
		{"ellipsis", "好……", "zh", 0, hanMS + stopMS, "好"},
		{"comma then stop", "好，。", "zh", 0, hanMS + stopMS, "好"},
		{"leading pause", "……好", "zh", 0, stopMS + hanMS, "好"},
		{"rate 2", "你好", "zh", 2, hanMS, "你|好"},
		{"rate 0.5", "你好", "zh", 0.5, 4 * hanMS, "你|好"},
		{"rate negative", "你好", "zh", -3, 2 * hanMS, "你|好"},
		{"rate clamped", "你好", "zh", 100, 2 * hanMS / 4, "你|好"},
		{"empty", "", "en", 0, 0, ""},
		{"only spaces", "  \t ", "zh", 0, 0, ""},
		{"only punctuation", "。。！", "zh", 0, stopMS, ""},
		{"only commas", ",,", "en", 0, commaMS, ""},
		{"emoji silent", "好😀好", "zh", 0, 2 * hanMS, "好|好"},
		{"japanese", "ありがとう", "ja", 0, 5 * kanaMS, "あ|り|が|と|う"},
		{"japanese small kana", "キャット", "ja", 0, 3 * kanaMS, "キャッ|ト"},
		{"korean", "안녕하세요", "ko", 0, 5 * hangulMS, "안|녕|하|세|요"},
		{"russian", "привет", "ru", 0, 2 * latinMS, "привет"},
		{"no language", "Hi", "", 0, latinMS, "Hi"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := Time(tc.text, tc.lang, Voice{Rate: tc.rate})
			if tr.DurationMS != tc.dur {
				t.Errorf("Time(%q, %q, %v): duration %d ms, want %d", tc.text, tc.lang, tc.rate, tr.DurationMS, tc.dur)
			}
			if got := words(tr); got != tc.words {
				t.Errorf("Time(%q, %q, %v): words %q, want %q", tc.text, tc.lang, tc.rate, got, tc.words)
			}
			check(t, tc.text, tr)
		})
	}
}

func TestTimeVisemes(t *testing.T) {
	tests := []struct {
		name, text, lang string
		want             string
	}{
		{"empty", "", "zh", "rest@0"},
		{"only punctuation", "。", "zh", "rest@0"},
		{"han onset and vowel", "妈妈", "zh", "M@0 A@66 M@220 A@286 rest@440"},
		{"han pause", "我，你", "zh", "U@0 O@66 rest@220 L@470 E@536 rest@690"},
		{"han fallback", "龘", "zh", "O@0 rest@220"},
		{"latin letters", "mama", "en", "M@0 A@105 M@210 A@315 rest@420"},
		{"latin digraphs", "the shop", "en", "L@0 E@105 S@210 O@280 M@350 rest@420"},
		{"silent e", "make", "en", "M@0 A@105 rest@210"},
		{"we keeps e", "we", "en", "U@0 E@105 rest@210"},
		{"hangul coda", "밤", "ko", "M@0 A@51 M@127 rest@170"},
		{"leading pause", "，好", "zh", "rest@0 A@250 rest@470"},
		{"trailing pause", "好。", "zh", "A@0 rest@220"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := Time(tc.text, tc.lang, Voice{})
			if got := visemes(tr); got != tc.want {
				t.Errorf("Time(%q, %q): visemes %q, want %q", tc.text, tc.lang, got, tc.want)
			}
		})
	}
}

func TestOffsetMS(t *testing.T) {
	const text = "你好，欢迎！"
	tr := Time(text, "zh", Voice{})
	tests := []struct {
		name string
		off  int
		want int
	}{
		{"before start", -5, 0},
		{"first word", 0, 0},
		{"inside first word", 1, 0},
		{"second word", 3, hanMS},
		{"on the comma", 6, 2*hanMS + commaMS},
		{"after the comma", 9, 2*hanMS + commaMS},
		{"last word", 12, 3*hanMS + commaMS},
		{"on the final mark", 15, tr.DurationMS},
		{"end", len(text), tr.DurationMS},
		{"past end", 100, tr.DurationMS},
	}
	for _, tc := range tests {
		if got := tr.OffsetMS(tc.off); got != tc.want {
			t.Errorf("%s: Time(%q).OffsetMS(%d) = %d, want %d", tc.name, text, tc.off, got, tc.want)
		}
	}
	if got := (Track{}).OffsetMS(3); got != 0 {
		t.Errorf("Track{}.OffsetMS(3) = %d, want 0", got)
	}
}

func TestNumberSyllables(t *testing.T) {
	tests := []struct {
		in   string
		cjk  bool
		want int
	}{
		{"0", true, 1}, {"7", true, 1}, {"10", true, 1}, {"15", true, 2}, {"20", true, 2},
		{"99", true, 3}, {"100", true, 2}, {"110", true, 4}, {"1000", true, 2}, {"1005", true, 4},
		{"10000", true, 2}, {"100000000", true, 2}, {"123456789", true, 17},
		{"0", false, 2}, {"7", false, 2}, {"11", false, 3}, {"99", false, 3}, {"100", false, 3},
		{"1000000", false, 3}, {"3.14", false, 4}, {"007", false, 6},
	}
	for _, tc := range tests {
		if got := numberSyllables(tc.in, tc.cjk, false); got != tc.want {
			t.Errorf("numberSyllables(%q, cjk=%v) = %d, want %d", tc.in, tc.cjk, got, tc.want)
		}
	}
}

func TestHanShapes(t *testing.T) {
	for i := 1; i < len(hanShapes); i++ {
		if hanShapes[i-1].r >= hanShapes[i].r {
			t.Fatalf("hanShapes[%d] = %q after %q: not sorted; run go generate", i, hanShapes[i].r, hanShapes[i-1].r)
		}
	}
	tests := []struct {
		r    rune
		want string
	}{
		{'的', "LE"}, {'我', "UO"}, {'妈', "MA"}, {'是', "SE"}, {'过', "UO"}, {'发', "FA"}, {'一', "E"}, {'五', "U"},
	}
	for _, tc := range tests {
		s := hanShape(tc.r)
		got := visemeNames[s>>4] + visemeNames[s&0x0f]
		if got != tc.want {
			t.Errorf("hanShape(%q) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

// corpus is a spread of lines for the property tests.
var corpus = []struct{ text, lang string }{
	{"宝宝们，这款明前龙井只要99元！库存只有200份，喜欢的赶紧拍下吧。", "zh-CN"},
	{"欢迎来到博物馆。这件青铜鼎距今约三千年，纹饰精美；请看这里：", "zh"},
	{"这款iPhone 15 Pro Max只要5999元，下单再减¥100！", "zh-CN"},
	{"Welcome to the show! Today we have 3 amazing teas, only $19.99 each.", "en"},
	{"Bienvenue au musée. Cette statue date du XVIIe siècle, n'est-ce pas ?", "fr"},
	{"Grüß Gott! Die Führung beginnt um 10:30 Uhr.", "de"},
	{"¡Hola! ¿Qué tal? Cuesta 1.250,50 euros.", "es"},
	{"いらっしゃいませ！コーヒーは ５００円 です。", "ja"},
	{"안녕하세요, 반갑습니다. 오늘 특가 9,900원!", "ko"},
	{"Привет, друзья! Новинка — всего 990 ₽.", "ru"},
	{"مرحبا بكم، اليوم عرض خاص!", "ar"},
	{"Xin chào các bạn, hôm nay giảm giá 50%!", "vi"},
	{"e.g. visit example.com — or call 010-12345678.", "en"},
	{"", "en"}, {"。", "zh"}, {"  ", "en"}, {"\xff\xfe好", "zh"}, {"a\u0301e\u0308", "fr"},
	{"ー゙ッ", "ja"}, {"12345678901234567890", "zh"}, {"1,2,3.4.5:6", "en"},
	{strings.Repeat("好的，宝宝们", 30), "zh"}, // longer than the timer's fixed buffers
	{strings.Repeat("Wonderful tea, really. ", 30), "en"},
}

func TestProperties(t *testing.T) {
	for _, c := range corpus {
		for _, rate := range []float64{0, 0.7, 1, 1.3, 4} {
			tr := Time(c.text, c.lang, Voice{Rate: rate})
			check(t, c.text, tr)
			if again := Time(c.text, c.lang, Voice{Rate: rate}); !reflect.DeepEqual(tr, again) {
				t.Errorf("Time(%q, %q, %v) is not deterministic", c.text, c.lang, rate)
			}
		}
		slow, fast := Time(c.text, c.lang, Voice{}), Time(c.text, c.lang, Voice{Rate: 2})
		if d := slow.DurationMS - 2*fast.DurationMS; d < -1 || d > 1 {
			t.Errorf("Time(%q, %q): %d ms at rate 1 but %d ms at rate 2, want half", c.text, c.lang, slow.DurationMS, fast.DurationMS)
		}
	}
}

// check fails t if tr breaks an invariant of Time's result for text.
func check(t testing.TB, text string, tr Track) {
	t.Helper()
	if tr.DurationMS < 0 {
		t.Fatalf("Time(%q): duration %d < 0", text, tr.DurationMS)
	}
	if tr.Words == nil || tr.Visemes == nil {
		t.Fatalf("Time(%q): nil words or visemes", text)
	}
	end, endOff := 0, 0
	for i, w := range tr.Words {
		if w.Text == "" || w.Offset < endOff || w.Offset+len(w.Text) > len(text) || text[w.Offset:w.Offset+len(w.Text)] != w.Text {
			t.Fatalf("Time(%q): word %d %+v does not point at its bytes after offset %d", text, i, w, endOff)
		}
		if w.StartMS < end || w.EndMS <= w.StartMS || w.EndMS > tr.DurationMS {
			t.Fatalf("Time(%q): word %d %+v overlaps, is empty or ends past %d ms (previous ends at %d)", text, i, w, tr.DurationMS, end)
		}
		if got := tr.OffsetMS(w.Offset); got != w.StartMS {
			t.Fatalf("Time(%q): OffsetMS(%d) = %d, want word %d's start %d", text, w.Offset, got, i, w.StartMS)
		}
		end, endOff = w.EndMS, w.Offset+len(w.Text)
	}
	prev := -1
	for off := -1; off <= len(text)+1; off++ {
		got := tr.OffsetMS(off)
		if got < prev || got < 0 || got > tr.DurationMS {
			t.Fatalf("Time(%q): OffsetMS(%d) = %d after %d, want monotone within [0, %d]", text, off, got, prev, tr.DurationMS)
		}
		prev = got
	}
	if got := tr.OffsetMS(len(text)); got != tr.DurationMS {
		t.Fatalf("Time(%q): OffsetMS(len) = %d, want duration %d", text, got, tr.DurationMS)
	}
	if len(tr.Visemes) == 0 || tr.Visemes[len(tr.Visemes)-1].V != "rest" {
		t.Fatalf("Time(%q): visemes %v do not end with rest", text, tr.Visemes)
	}
	for i, v := range tr.Visemes {
		switch v.V {
		case "rest", "A", "E", "O", "U", "M", "F", "L", "S":
		default:
			t.Fatalf("Time(%q): viseme %d has unknown shape %q", text, i, v.V)
		}
		if v.AtMS < 0 || v.AtMS > tr.DurationMS {
			t.Fatalf("Time(%q): viseme %d at %d ms, outside [0, %d]", text, i, v.AtMS, tr.DurationMS)
		}
		if i > 0 && (v.AtMS <= tr.Visemes[i-1].AtMS || v.V == tr.Visemes[i-1].V) {
			t.Fatalf("Time(%q): viseme %d %+v after %+v: not later or a repeat", text, i, v, tr.Visemes[i-1])
		}
	}
	if len(tr.Words) > 0 && tr.Visemes[0].AtMS != 0 {
		t.Fatalf("Time(%q): first viseme at %d ms, want 0", text, tr.Visemes[0].AtMS)
	}
}

func FuzzTime(f *testing.F) {
	for _, c := range corpus {
		f.Add(c.text, c.lang, 1.0)
	}
	f.Fuzz(func(t *testing.T, text, lang string, rate float64) {
		tr := Time(text, lang, Voice{Rate: rate})
		check(t, text, tr)
		if again := Time(text, lang, Voice{Rate: rate}); !reflect.DeepEqual(tr, again) {
			t.Fatalf("Time(%q, %q, %v) is not deterministic", text, lang, rate)
		}
	})
}

var sink Track

func BenchmarkTime(b *testing.B) {
	lines := []struct{ name, text, lang string }{
		{"zh30", "宝宝们，这款明前龙井只要99元！库存只有200份，喜欢的赶紧拍下。", "zh-CN"},
		{"en20", "Welcome back, everyone! Today this lovely green tea is only 19 dollars, and we have just two hundred boxes left.", "en"},
	}
	for _, l := range lines {
		b.Run(l.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = Time(l.text, l.lang, Voice{})
			}
		})
	}
}

// TestDocExample keeps the track shown in docs/speech-timing.md true.
func TestDocExample(t *testing.T) {
	b, err := os.ReadFile("../../docs/speech-timing.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "```json\n")
	end := strings.Index(doc[start+8:], "```")
	var want Track
	if err := json.Unmarshal([]byte(doc[start+8:start+8+end]), &want); err != nil {
		t.Fatalf("docs/speech-timing.md: example track: %v", err)
	}
	const text = "宝宝们，只要99元！"
	if got := Time(text, "zh-CN", Voice{}); !reflect.DeepEqual(got, want) {
		t.Errorf("Time(%q, %q):\n got %+v\nwant %+v (docs/speech-timing.md)", text, "zh-CN", got, want)
	}
}
