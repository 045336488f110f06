package director

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestViewerIDsAndHostileNamesNotSpoken: a viewer without a name is never
// addressed by its id, and a name that is an advertising claim is not
// spoken; both are addressed generically in the reply's language, and a
// merged question names only the speakable names.
func TestViewerIDsAndHostileNamesNotSpoken(t *testing.T) {
	const id = "9a03e9cc-a31e-401f-8133-695d570ddbc8"
	const hostile = "全网最低价,治愈癌症"
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "tea-taste")
		r.p.Input(avatar.Input{Viewer: id, Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "这个多少钱？"}})
		r.p.Input(avatar.Input{Viewer: "v2", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "价格多少", Name: hostile}})
		r.p.Input(avatar.Input{Viewer: "v3", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "do you ship abroad?", Name: "Best price 9.9 yuan"}})
		r.p.Input(avatar.Input{Viewer: "v4", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "where is it from?", Name: "小明"}})
		r.p.Input(avatar.Input{Viewer: "v5", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "where is the tea from", Name: "shop.example.cn"}})
		evs := r.until(2*time.Minute, "three replies", func(evs []avatar.Envelope) bool {
			return countType(evs, avatar.EventReply) >= 3
		})
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		var replies []avatar.Reply
		for _, e := range evs {
			if e.Type == avatar.EventReply {
				replies = append(replies, decode[avatar.Reply](t, e))
			}
		}
		price, ship, origin := replies[0], replies[1], replies[2]
		for _, rp := range replies {
			for _, bad := range []string{id, "全网最低价", "治愈", "Best price", "shop.example"} {
				if strings.Contains(rp.Speech.Text, bad) || strings.Contains(rp.Name, bad) {
					t.Errorf("reply %q (name %q) speaks %q", rp.Speech.Text, rp.Name, bad)
				}
			}
		}
		if price.Viewer != id || price.Name != "" || !strings.HasPrefix(price.Speech.Text, "有位朋友问，") {
			t.Errorf("price reply to %s and %q: %q, want the generic Chinese address", price.Viewer, price.Name, price.Speech.Text)
		}
		if ship.Name != "" || !strings.HasPrefix(ship.Speech.Text, "A viewer asks: ") || ship.Speech.Lang != "en" {
			t.Errorf("shipping reply to %q: %q, want the generic English address", ship.Name, ship.Speech.Text)
		}
		if origin.Name != "小明" || !strings.HasPrefix(origin.Speech.Text, "小明, ") {
			t.Errorf("origin reply to %q: %q, want only 小明 named (the domain name merged, not spoken)", origin.Name, origin.Speech.Text)
		}
	})
}

// TestLikeFromHostileNameThankedGenerically: a like from a viewer whose
// name is a forbidden claim is thanked without the name.
func TestLikeFromHostileNameThankedGenerically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		r.p.Input(avatar.Input{Viewer: "9a03e9cc-a31e-401f-8133-695d570ddbc8", Type: avatar.MsgLike, Data: avatar.MessageData{Count: 1, Name: "全网最低价,治愈癌症"}})
		evs := r.untilSpeech(time.Minute, "thanks")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		sp := decode[avatar.Speech](t, evs[slices.IndexFunc(evs, isLine("thanks"))])
		if sp.Text != "谢谢这位朋友的点赞！" {
			t.Errorf("thank-you %q, want the generic one", sp.Text)
		}
		if sp.Translations["en"] != "Thanks for the likes!" {
			t.Errorf("thank-you translations %v, want the generic English", sp.Translations)
		}
	})
}

// TestBlockedNameAndQuestionMasked: a name holding a blocked word is not
// spoken, and the question quoted in the reply is masked like a comment.
func TestBlockedNameAndQuestionMasked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.p.eng.block = avatar.NewBlocklist([]string{"scam", "骗子"})
		r.untilSpeech(time.Minute, "greet-hello")
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "how much, SCAM shop?", Name: "ScamKing"}}) // Latin words match whole words: Scammer is none
		r.p.Input(avatar.Input{Viewer: "v2", Type: avatar.MsgLike, Data: avatar.MessageData{Name: "大骗子"}})
		evs := r.until(time.Minute, "reply and thanks", func(evs []avatar.Envelope) bool {
			return countType(evs, avatar.EventReply) >= 1 && slices.Contains(spokenLines(evs), "thanks")
		})
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		rp := decode[avatar.Reply](t, evs[slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })])
		if rp.Question != "how much, **** shop?" || rp.Name != "" || strings.Contains(strings.ToLower(rp.Speech.Text), "scam") {
			t.Errorf("reply %+v, want the question masked and the viewer addressed generically", rp)
		}
		th := decode[avatar.Speech](t, evs[slices.IndexFunc(evs, isLine("thanks"))])
		if strings.Contains(th.Text, "骗子") {
			t.Errorf("thank-you %q speaks a blocked name", th.Text)
		}
	})
}

func TestSpeakable(t *testing.T) {
	p := &Engine{block: avatar.NewBlocklist([]string{"spam"})}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"小明", true},
		{"Amy Lee", true},
		{"Élodie", true},
		{"Tom2", true},
		{"", false},
		{"9a03e9cc-a31e-401f-8133-695d570ddbc8", false},
		{"全网最低价,治愈癌症", false},
		{"best tea ever", false},
		{"cures cancer", false},
		{"SpamKing", false},
		{"小*明", false},
		{"99元包邮", false},
		{"九块九包邮", false},
		{"￥9.9", false},
		{"50% off", false},
		{"13800138000", false},
		{"a1b2c3", false},
		{"shop.example.cn", false},
		{"http://x", false},
		{"www.tea", false},
		{"me@example", false},
		{"Official\u202eDEMO", false},
		{"line\nbreak", false},
		{strings.Repeat("长", 25), false},
	} {
		if got := p.speakable(tc.name); got != tc.want {
			t.Errorf("speakable(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestViewerLangInLivestream: in a livestream one viewer's lang message
// changes nothing spoken; each line carries its other languages for the
// viewers' subtitles; the merchant's lang control switches the spoken
// language at the next line.
func TestViewerLangInLivestream(t *testing.T) {
	want := baseline(t, 5)
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, want[0])
		r.p.Input(avatar.Input{Viewer: "k", Type: avatar.MsgLang, Data: avatar.MessageData{Lang: "en"}})
		evs := r.untilSpeech(time.Minute, want[1])
		next := decode[avatar.Speech](t, evs[len(evs)-1])
		if next.Lang != "zh-CN" {
			t.Errorf("after a viewer's lang en the next line is in %s: %q, want zh-CN still", next.Lang, next.Text)
		}
		if tr := next.Translations["en"]; !strings.Contains(tr, "in the comments") || len(next.Translations) != 1 {
			t.Errorf("line %s translations %v, want its English only", next.LineID, next.Translations)
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlLang, Lang: "tlh"}); rep.OK {
			t.Errorf("lang control tlh: %+v, want refused (not a script language)", rep)
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlLang, Lang: "zh-CN"}); rep.OK {
			t.Errorf("lang control zh-CN while zh-CN is spoken: %+v, want refused", rep)
		}
		if rep := r.control(avatar.Control{Type: avatar.CtlLang, Lang: "en"}); !rep.OK {
			t.Fatalf("lang control en: %+v", rep)
		}
		evs = r.untilSpeech(time.Minute, want[2])
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		sp := decode[avatar.Speech](t, evs[len(evs)-1])
		if sp.Lang != "en" || sp.Translations["zh-CN"] == "" {
			t.Errorf("after the merchant's lang en: %+v, want English with the Chinese as translation", sp)
		}
		if st := r.sink.snapshot(); st.Lang != "en" || !slices.Equal(st.Languages, []string{"zh-CN", "en"}) {
			t.Errorf("state lang %q languages %v, want en of [zh-CN en]", st.Lang, st.Languages)
		}
	})
}

// TestTranslationsFillPlaceholders: a translation has its placeholders
// filled with live values and no cue marks.
func TestTranslationsFillPlaceholders(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.untilSpeech(time.Minute, "greet-hello")
		if rep := r.control(avatar.Control{Type: avatar.CtlPrice, SKU: "tea-01", Price: "95.00"}); !rep.OK {
			t.Fatalf("price: %+v", rep)
		}
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "多少钱", Name: "小明"}})
		evs := r.untilSpeech(time.Minute, "tea-intro")
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		rp := decode[avatar.Reply](t, evs[slices.IndexFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })])
		if en := rp.Speech.Translations["en"]; !strings.HasPrefix(en, "小明, The Longjing is 95 yuan") {
			t.Errorf("reply translations %v, want English with the live price", rp.Speech.Translations)
		}
		intro := decode[avatar.Speech](t, evs[len(evs)-1])
		if en := intro.Translations["en"]; en != "First, our pre-Qingming Longjing tea." {
			t.Errorf("tea-intro translation %q, want it without the cue mark", en)
		}
	})
}

func countType(evs []avatar.Envelope, typ avatar.EventType) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}
