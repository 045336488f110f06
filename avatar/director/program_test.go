package director

import (
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

func TestMatchFAQ(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	museum := loadShow(t, "demo-museum.yaml")
	for _, tc := range []struct {
		name string
		prog *Program
		text string
		room string // the room's language
		faq  string // "" = no match
		lang string
	}{
		{"chinese, no spaces", live, "请问这个茶多少钱呀", "zh-CN", "faq-price", "zh-CN"},
		{"full-width latin", live, "ＨＯＷ　ＭＵＣＨ？", "zh-CN", "faq-price", "en"},
		{"case folded", live, "What's the PRICE", "zh-CN", "faq-price", "en"},
		{"whole words only", live, "great relationship with tea", "zh-CN", "", ""},
		{"word at the end", live, "can you ship", "zh-CN", "faq-shipping", "en"},
		{"longest keyword wins", live, "shipping price", "zh-CN", "faq-shipping", "en"},
		{"nothing", live, "hello everyone", "zh-CN", "", ""},
		{"french", museum, "Quels sont les horaires ?", "zh-CN", "faq-hours", "fr"},
		{"shared keyword, room language", museum, "PHOTO interdite?", "fr", "faq-photo", "fr"},
		{"shared keyword, script order", museum, "PHOTO interdite?", "zh-CN", "faq-photo", "en"},
		{"museum chinese", museum, "可以拍照吗", "zh-CN", "faq-photo", "zh-CN"},
	} {
		i, lang := tc.prog.match(tc.text, tc.room)
		got := ""
		if i >= 0 {
			got = tc.prog.Show.FAQ[i].ID
		}
		if got != tc.faq || (got != "" && lang != tc.lang) {
			t.Errorf("%s: match(%q) = %q in %q, want %q in %q", tc.name, tc.text, got, lang, tc.faq, tc.lang)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"ＡＢＣ　ｄｅｆ！":           "abc def!",
		"  Hello\t\nWorld  ": "hello world",
		"多少钱？":               "多少钱?",
		"Ça coûte":           "ça coûte",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAnswerQueueBounded(t *testing.T) {
	p := NewEngine(liveRoom("r", "livestream"), loadShow(t, "demo-live.yaml"), zap.NewNop())
	for i := range 20 {
		p.ask(i, "en", "v", "V", "q")
	}
	if len(p.answers) != MaxAnswers || p.answers[0].faq != 20-MaxAnswers {
		t.Fatalf("%d answers waiting, first for %d; want %d, the oldest dropped", len(p.answers), p.answers[0].faq, MaxAnswers)
	}
	// The same question again, from another viewer, merges; from the same
	// viewer it is dropped.
	p.ask(19, "en", "w", "W", "q")
	p.ask(19, "en", "w", "W", "q")
	if a := p.answers[len(p.answers)-1]; len(p.answers) != MaxAnswers || len(a.viewers) != 2 {
		t.Errorf("after repeats: %d answers, last for %v; want merged", len(p.answers), a.viewers)
	}
}

// TestShuffleNeverRepeatsBackToBack loops a shuffled pitch: every pass
// says each line once, and a pass never starts with the line the last one
// ended with.
func TestShuffleNeverRepeatsBackToBack(t *testing.T) {
	src := `
id: shuffle
kind: livestream
title: {en: Shuffle}
persona: p
languages: [en]
segments:
  - id: pitch
    order: shuffle
    steps:
      - {id: a, say: {en: "One."}}
      - {id: b, say: {en: "Two."}}
      - {id: c, say: {en: "Three."}}
`
	show, probs := script.Parse("shuffle.yaml", []byte(src))
	if show == nil {
		t.Fatal(probs.Err())
	}
	synctest.Test(t, func(t *testing.T) {
		r := start(t, Compile(show, 1), liveRoom("s", "livestream"), &memSink{})
		evs := r.until(time.Hour, "150 lines", func(evs []avatar.Envelope) bool { return len(spokenLines(evs)) >= 150 })
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		lines := spokenLines(evs)[:150]
		for i := 1; i < len(lines); i++ {
			if lines[i] == lines[i-1] {
				t.Fatalf("line %s twice in a row at %d: %v", lines[i], i, lines[max(0, i-5):i+1])
			}
		}
		orders := map[string]bool{}
		for i := 0; i+3 <= len(lines); i += 3 {
			pass := lines[i] + lines[i+1] + lines[i+2]
			if len(map[byte]bool{pass[0]: true, pass[1]: true, pass[2]: true}) != 3 {
				t.Fatalf("pass %d is %v, want each line once", i/3, lines[i:i+3])
			}
			orders[pass] = true
		}
		if len(orders) < 3 {
			t.Errorf("only %d orders in 50 passes, want shuffling", len(orders))
		}
	})
}
