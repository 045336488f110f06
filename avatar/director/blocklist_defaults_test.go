package director

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestDefaultBlocklistNamesNotSpoken: with the shipped default list (what
// serve and director build unless -default-blocklist=false), a name holding
// a default word is neither addressed nor thanked, while a name that only
// holds one inside a longer Latin word (Cassandra: ass) is spoken.
func TestDefaultBlocklistNamesNotSpoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		r.p.eng.block = avatar.NewBlocklist(avatar.DefaultBlockedWords())
		r.untilSpeech(time.Minute, "tea-taste")
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "这个多少钱？", Name: "骗子王"}})
		r.p.Input(avatar.Input{Viewer: "v2", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "do you ship abroad?", Name: "Cassandra"}})
		r.p.Input(avatar.Input{Viewer: "v3", Type: avatar.MsgLike, Data: avatar.MessageData{Count: 1, Name: "傻逼"}})
		evs := r.until(2*time.Minute, "two replies and thanks", func(evs []avatar.Envelope) bool {
			return countType(evs, avatar.EventReply) >= 2 && slices.Contains(spokenLines(evs), "thanks")
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
		price, ship := replies[0], replies[1]
		if price.Name != "" || strings.Contains(price.Speech.Text, "骗子") || !strings.HasPrefix(price.Speech.Text, "有位朋友问，") {
			t.Errorf("reply to 骗子王: name %q, %q; want the generic address", price.Name, price.Speech.Text)
		}
		if ship.Name != "Cassandra" || !strings.HasPrefix(ship.Speech.Text, "Cassandra, ") {
			t.Errorf("reply to Cassandra: name %q, %q; want her named (ass is no word of her name)", ship.Name, ship.Speech.Text)
		}
		th := decode[avatar.Speech](t, evs[slices.IndexFunc(evs, isLine("thanks"))])
		if strings.Contains(th.Text, "傻逼") || th.Text != "谢谢这位朋友的点赞！" {
			t.Errorf("thank-you %q, want the generic one", th.Text)
		}
	})
}

// TestSpeakableWithDefaultList: names are judged with the default list by
// whole Latin words and Chinese substrings, case and full width folded.
func TestSpeakableWithDefaultList(t *testing.T) {
	e := &Engine{block: avatar.NewBlocklist(avatar.DefaultBlockedWords())}
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"小明", true},
		{"Cassandra", true},
		{"Dickens", true},
		{"Scunthorpe", true},
		{"奶茶控", true},
		{"骗子王", false},
		{"傻逼", false},
		{"Big Dick", false},
		{"ＦＵＣＫ", false},
		{"草泥马", false},
	} {
		if got := e.speakable(tc.name); got != tc.want {
			t.Errorf("speakable(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
