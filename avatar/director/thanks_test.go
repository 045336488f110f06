package director

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// thanksScript thanks every kind, with short cooldowns where a test needs
// them; its script lines all start with "s-".
const thanksScript = `
id: thanks
kind: livestream
title: {zh-CN: 谢谢, en: Thanks}
persona: p
languages: [zh-CN, en]
catalog:
  - {sku: tea-01, title: {zh-CN: 龙井, en: Longjing}, price: 99, stock: 500}
segments:
  - id: s
    steps:
      - {id: s-1, say: {zh-CN: 这是第一句。, en: Line one.}}
      - {id: s-2, say: {zh-CN: 这是第二句。, en: Line two.}}
      - {id: s-3, say: {zh-CN: 这是第三句。, en: Line three.}}
thanks:
  names: 2
  gift:
    min_value: 10
    cooldown: %s
    lines:
      - id: t-gift-1
        say: {zh-CN: "谢谢{name}送的{count}个{gift}，一共{total}钻！", en: "Thank you {name} for {count} {gift}, {total} diamonds!"}
        emotion: happy
      - id: t-gift-2
        say: {zh-CN: "感谢{name}的{gift}！", en: "Thanks {name} for the {gift}!"}
  follow:
    cooldown: %s
    lines:
      - {id: t-follow, say: {zh-CN: "欢迎{name}关注！", en: "Thanks for following, {name}!"}}
  enter:
    cooldown: %s
    lines:
      - {id: t-enter, say: {zh-CN: "欢迎{name}进来，一共{count}位！", en: "Welcome, {name}!"}}
  like:
    min_count: 10
    cooldown: %s
    lines:
      - {id: t-like, say: {zh-CN: "谢谢{name}的{count}个赞！", en: "Thanks {name} for {count} likes!"}}
  share:
    cooldown: %s
    lines:
      - {id: t-share, say: {zh-CN: "谢谢{name}的分享！", en: "Thanks for sharing, {name}!"}}
`

// thanksProg compiles thanksScript with every cooldown set to cooldown.
func thanksProg(t testing.TB, cooldown string) *Program {
	t.Helper()
	src := fmt.Sprintf(thanksScript, cooldown, cooldown, cooldown, cooldown, cooldown)
	show, probs := script.Parse("thanks.yaml", []byte(src))
	if show == nil || len(probs) > 0 {
		t.Fatalf("thanks script: %v", probs)
	}
	return Compile(show, 1)
}

func gift(viewer, name, gift string, count int, value int64) MsgInput {
	return MsgInput{Input: avatar.Input{Viewer: "douyin:" + viewer, Type: avatar.MsgGift, Platform: "douyin",
		Data: avatar.MessageData{Name: name, Gift: &avatar.Gift{Name: gift, Count: count, Value: value}}}}
}

func platformIn(typ avatar.MessageType, viewer, name string, count int) MsgInput {
	return MsgInput{Input: avatar.Input{Viewer: "douyin:" + viewer, Type: typ, Platform: "douyin",
		Data: avatar.MessageData{Name: name, Count: count}}}
}

// thankYous returns the speeches of thank-you lines (ids "t-…") so far.
func thankYous(evs []timedOut) []avatar.Speech {
	var out []avatar.Speech
	for _, e := range evs {
		if sp, ok := speechOf(e.Out); ok && strings.HasPrefix(sp.LineID, "t-") {
			out = append(out, sp)
		}
	}
	return out
}

// thanksSim starts a room of prog and plays on to its first script line,
// so input sent next is taken while a line is spoken.
func thanksSim(t *testing.T, prog *Program) *sim {
	t.Helper()
	s := newSim(t, prog, liveRoom("r", avatar.KindLivestream), MsgRestore{})
	s.untilLine(time.Minute, "s-1")
	return s
}

// untilThanks plays on until n thank-yous were spoken.
func (s *sim) untilThanks(n int) []avatar.Speech {
	s.t.Helper()
	s.until(time.Minute, fmt.Sprintf("%d thank-yous", n), func(evs []timedOut) bool { return len(thankYous(evs)) >= n })
	return thankYous(s.events())
}

func TestThanks(t *testing.T) {
	for _, tc := range []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a gift above the threshold is thanked by name with its value", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(gift("u1", "小明", "小心心", 3, 10))
			th := s.untilThanks(1)[0]
			if th.LineID != "t-gift-1" || th.Text != "谢谢小明送的3个小心心，一共30钻！" {
				t.Errorf("thank-you %s %q, want t-gift-1 naming 小明, 3 小心心 worth 30", th.LineID, th.Text)
			}
			if th.Translations["en"] != "Thank you 小明 for 3 小心心, 30 diamonds!" {
				t.Errorf("translations %v, want the English with the same values", th.Translations)
			}
			// The next line is the script's, from where it was.
			if lines := outLines(s.untilLine(time.Minute, "s-2")); !slices.Equal(lines[len(lines)-3:], []string{"s-1", "t-gift-1", "s-2"}) {
				t.Errorf("lines %v, want s-1 (the gift came during it), the thank-you, s-2", lines)
			}
		}},
		{"a gift below the threshold is not thanked", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(gift("u1", "小明", "小心心", 3, 3)) // worth 9 < 10
			s.advance(time.Minute)
			if th := thankYous(s.events()); len(th) != 0 {
				t.Errorf("thank-yous %v for a gift worth 9, want none (threshold 10)", th)
			}
		}},
		{"gifts that arrive together are coalesced, biggest givers named", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(gift("u1", "小明", "小心心", 1, 10))
			s.send(gift("u2", "Amy", "玫瑰", 2, 10))
			s.send(gift("u3", "小红", "小心心", 5, 10))
			s.send(gift("u1", "小明", "小心心", 4, 10)) // 小明 now gave 50
			th := s.untilThanks(1)
			if len(th) != 1 || th[0].Text != "谢谢小明、小红等送的12个小心心、玫瑰，一共120钻！" {
				t.Errorf("thank-yous %v, want one naming the two biggest givers and others, 12 gifts worth 120", th)
			}
			if got := th[0].Translations["en"]; got != "Thank you 小明, 小红 and others for 12 小心心 and 玫瑰, 120 diamonds!" {
				t.Errorf("English %q", got)
			}
			s.advance(time.Minute)
			if n := len(thankYous(s.events())); n != 1 {
				t.Errorf("%d thank-yous, want the gifts thanked once", n)
			}
		}},
		{"variants rotate, never the same twice in a row", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "1ms"))
			var ids []string
			for i := range 4 {
				s.send(gift("u1", "小明", "小心心", 1, 10))
				th := s.untilThanks(i + 1)
				ids = append(ids, th[i].LineID)
			}
			if !slices.Equal(ids, []string{"t-gift-1", "t-gift-2", "t-gift-1", "t-gift-2"}) {
				t.Errorf("variants %v, want them rotating", ids)
			}
		}},
		{"follow, enter, share and like are thanked by their templates", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(platformIn(avatar.MsgFollow, "u1", "Amy", 0))
			s.send(platformIn(avatar.MsgEnter, "u2", "小红", 0))
			s.send(platformIn(avatar.MsgEnter, "u3", "Bob", 0))
			s.send(platformIn(avatar.MsgShare, "u4", "", 0))
			s.send(MsgInput{Input: avatar.Input{Viewer: "w1", Type: avatar.MsgLike, Data: avatar.MessageData{Name: "小明", Count: 4}}})
			s.send(platformIn(avatar.MsgLike, "u5", "Cat", 6))
			th := s.untilThanks(4)
			got := map[string]string{}
			for _, sp := range th {
				got[sp.LineID] = sp.Text
			}
			want := map[string]string{
				"t-follow": "欢迎Amy关注！",
				"t-enter":  "欢迎小红、Bob进来，一共2位！",
				"t-share":  "谢谢这位朋友的分享！",
				"t-like":   "谢谢小明、Cat的10个赞！",
			}
			for id, w := range want {
				if got[id] != w {
					t.Errorf("%s: %q, want %q", id, got[id], w)
				}
			}
			// Come together, they are thanked in the order of
			// script.ThankKinds, at most three before a script line.
			ids := outLines(s.events())
			i := slices.Index(ids, "t-follow")
			if i < 0 || !slices.Equal(ids[i:i+3], []string{"t-follow", "t-share", "t-like"}) || !strings.HasPrefix(ids[i+3], "s-") || ids[i+4] != "t-enter" {
				t.Errorf("lines %v, want follow, share, like, a script line, then enter", ids)
			}
		}},
		{"likes below the count are not thanked yet", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(platformIn(avatar.MsgLike, "u5", "Cat", 9))
			s.advance(time.Minute)
			if th := thankYous(s.events()); len(th) != 0 {
				t.Fatalf("thank-yous %v for 9 likes, want none (10 needed)", th)
			}
			s.send(platformIn(avatar.MsgLike, "u6", "Dan", 1))
			if th := s.untilThanks(1); th[0].Text != "谢谢Cat、Dan的10个赞！" {
				t.Errorf("thank-you %q, want the 10 likes thanked", th[0].Text)
			}
		}},
		{"hostile names and gift names are not spoken", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.e.block = avatar.NewBlocklist([]string{"大骗子"})
			s.e.thanks.guard = guard.New(guard.Config{Blocked: []string{"大骗子"}})
			hostile := []string{"大骗子", "全网最低价", "加我薇信", "x dot com", "一三八一二三四五六七八", "Amy*", "www.scam.cn", "da pian zi"}
			for i, h := range hostile {
				s.send(gift(fmt.Sprint("h", i), h, h, 1, 10))
			}
			th := s.untilThanks(1)
			if th[0].Text != "谢谢各位朋友送的8个礼物，一共80钻！" {
				t.Errorf("thank-you %q, want neither name nor gift spoken", th[0].Text)
			}
			for _, h := range hostile {
				for _, said := range []string{th[0].Text, th[0].Translations["en"]} {
					if strings.Contains(said, h) {
						t.Errorf("%q spoken in %q", h, said)
					}
				}
			}
			if en := th[0].Translations["en"]; en != "Thank you everyone for 8 gifts, 80 diamonds!" {
				t.Errorf("English %q, want the generic words", en)
			}
		}},
		{"a gift name too long is not spoken", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			long := strings.Repeat("心", MaxGiftNameRunes+1)
			s.send(gift("u1", "小明", long, 1, 10))
			if th := s.untilThanks(1); th[0].Text != "谢谢小明送的1个礼物，一共10钻！" {
				t.Errorf("thank-you %q, want the gift named generically", th[0].Text)
			}
		}},
		{"a gift without a platform is refused", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			m := gift("u1", "小明", "小心心", 1, 10)
			m.Input.Platform = ""
			s.send(m)
			bad := gift("u2", "Amy", "玫瑰", -1, 10)
			s.send(bad)
			s.advance(time.Minute)
			if th := thankYous(s.events()); len(th) != 0 {
				t.Errorf("thank-yous %v, want none for a gift no bridge sent or of a negative count", th)
			}
		}},
		{"the cooldown holds what comes next for one thank-you", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "30s"))
			s.send(gift("u1", "小明", "小心心", 1, 10))
			first := s.untilThanks(1)
			at := s.now
			s.send(gift("u2", "Amy", "玫瑰", 1, 10))
			s.send(gift("u3", "Bob", "玫瑰", 1, 10))
			th := s.untilThanks(2)
			evs := s.events()
			var when time.Time
			for _, e := range evs {
				if sp, ok := speechOf(e.Out); ok && sp.LineID == th[1].LineID && e.at.After(at) {
					when = e.at
				}
			}
			if when.Sub(at) < 30*time.Second-time.Second || th[1].Text != "感谢Amy、Bob的玫瑰！" {
				t.Errorf("after %q: second thank-you %q %v later, want Amy and Bob together after the 30s cooldown", first[0].Text, th[1].Text, when.Sub(at))
			}
		}},
		{"clear drops a due thank-you", func(t *testing.T) {
			s := thanksSim(t, thanksProg(t, "5s"))
			s.send(gift("u1", "小明", "小心心", 1, 10))
			s.send(platformIn(avatar.MsgFollow, "u2", "Amy", 0))
			if r := s.control(avatar.Control{Type: avatar.CtlClear}); !r.OK {
				t.Fatalf("clear: %+v", r)
			}
			s.advance(time.Minute)
			if th := thankYous(s.events()); len(th) != 0 {
				t.Errorf("thank-yous %v after clear, want none", th)
			}
		}},
		{"a show without thanks keeps the built-in like thank-you and ignores gifts", func(t *testing.T) {
			show, probs := script.Parse("cues.yaml", []byte(cuesScript))
			if show == nil {
				t.Fatal(probs.Err())
			}
			s := newSim(t, Compile(show, 1), liveRoom("r", avatar.KindLivestream), MsgRestore{})
			s.send(gift("u1", "小明", "小心心", 1, 10))
			s.send(MsgInput{Input: avatar.Input{Viewer: "w1", Type: avatar.MsgLike, Data: avatar.MessageData{Name: "Amy", Count: 1}}})
			evs := s.untilLine(time.Minute, "thanks")
			_, sp := lineEvent(t, evs, "thanks")
			if sp.Text != "Thanks for the likes, Amy!" {
				t.Errorf("like thank-you %q, want the built-in one", sp.Text)
			}
			s.advance(time.Minute)
			for _, id := range outLines(s.events()) {
				if id != "thanks" && id != "long" && id != "next" {
					t.Errorf("line %s spoken, want only the script and the like thank-you", id)
				}
			}
		}},
	} {
		t.Run(tc.name, tc.run)
	}
}

// TestThanksStorm sends 10,000 gifts from distinct viewers, with follows,
// entries, shares and likes among them, with every cooldown at 1ms: script
// lines keep coming, at most AnswerBurst thank-yous between two, and what
// waits to be thanked stays within its bounds.
func TestThanksStorm(t *testing.T) {
	prog := thanksProg(t, "1ms")
	t.Run("lines", func(t *testing.T) { storm10k(t, prog) })
	// Pauses between the lines: still at most three between two lines.
	src := fmt.Sprintf(thanksScript, "1ms", "1ms", "1ms", "1ms", "1ms")
	for _, id := range []string{"s-1", "s-2"} {
		i := strings.Index(src, "{id: "+id)
		j := i + strings.Index(src[i:], "\n") + 1
		src = src[:j] + "      - pause: 2s\n" + src[j:]
	}
	show, probs := script.Parse("thanks-pauses.yaml", []byte(src))
	if show == nil || len(probs) > 0 {
		t.Fatalf("thanks script with pauses: %v", probs)
	}
	t.Run("pauses", func(t *testing.T) { storm10k(t, Compile(show, 1)) })
}

func storm10k(t *testing.T, prog *Program) {
	s := thanksSim(t, prog)
	kinds := []avatar.MessageType{avatar.MsgFollow, avatar.MsgEnter, avatar.MsgShare, avatar.MsgLike}
	maxNames, maxGifts := 0, 0
	for i := range 10000 {
		name := storm(i)
		s.send(gift(name, name, "礼物"+storm(i%7), 1+i%3, 10))
		if i%10 == 0 {
			s.send(platformIn(kinds[i/10%len(kinds)], name, name, 5))
		}
		for _, p := range s.e.thanks.pend {
			maxNames, maxGifts = max(maxNames, len(p.names)), max(maxGifts, len(p.gifts))
		}
		s.advance(20 * time.Millisecond)
	}
	if maxNames > MaxThankNames || maxGifts > MaxThankGifts {
		t.Errorf("kept up to %d names and %d gift names, want at most %d and %d", maxNames, maxGifts, MaxThankNames, MaxThankGifts)
	}
	ids := outLines(s.events())
	script, run, most := 0, 0, 0
	for _, id := range ids {
		if strings.HasPrefix(id, "s-") {
			script++
			run = 0
			continue
		}
		run++
		most = max(most, run)
	}
	if most > AnswerBurst {
		t.Errorf("%d thank-yous in a row, want at most %d between script lines", most, AnswerBurst)
	}
	// 200 s of storm: a script line every dozen seconds or so still, and
	// the thank-yous keep coming too.
	if script < 10 || len(thankYous(s.events())) < 2*script {
		t.Errorf("%d script lines and %d thank-yous in 200s of storm; lines: %v", script, len(thankYous(s.events())), ids)
	}
	t.Logf("storm: %d script lines, %d thank-yous", script, len(thankYous(s.events())))
}

// storm names viewer i with letters only ("baab"), a speakable name.
func storm(i int) string {
	b := []byte{'v'}
	for {
		b = append(b, byte('a'+i%26))
		i /= 26
		if i == 0 {
			return string(b)
		}
	}
}

// BenchmarkThanksGift is what one platform gift costs the engine while a
// line is spoken: taken into what waits (a name checked only when kept).
func BenchmarkThanksGift(b *testing.B) {
	prog := thanksProg(b, "5s")
	e := NewEngine(liveRoom("r", avatar.KindLivestream), prog, nil)
	now := t0
	if _, _, err := e.Update(now, MsgRestore{}); err != nil {
		b.Fatal(err)
	}
	msgs := make([]MsgInput, 10000)
	for i := range msgs {
		msgs[i] = gift(storm(i), storm(i), "小心心", 1+i%5, 10)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := e.Update(now, msgs[i%len(msgs)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
