package guard_test

import (
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
)

// With the shipped default list, ordinary sentences pass: most default
// words are matched only as written, not by sound (青色 is no 情色) nor
// spelled out across words ("grapefruit" holds no blocked word).
func TestDefaultListLeavesOrdinarySentences(t *testing.T) {
	g := guard.New(guard.Config{Blocked: avatar.DefaultBlockedWords()})
	for _, s := range []string{
		"这款青色款很受欢迎。", "本单包邮。", "今天来扫货吧。", "这是我们的拣货中心。", "我们见人就推荐。",
		"纸张很厚实。", "若只是试用，小样就够了。", "这件衣服很适合你。", "欢迎大家来到直播间。",
		"Grapefruit juice is fresh today.", "This is a great therapist pick.", "The canal always floods.",
		"Peacock blue is in stock.", "Analysis shows it lasts.", "This hit the shelves today.",
		"Our cocktail glasses are back.", "It is a bit cheaper today.", "Who reads the label first?",
	} {
		if rs := g.Check(s, nil); len(rs) > 0 {
			t.Errorf("Check(%q) with the default list = %+v, want no refusal", s, rs)
		}
	}
}

// The default list's words are refused as written, and its strongest by
// sound and spelled out too.
func TestDefaultListRefuses(t *testing.T) {
	g := guard.New(guard.Config{Blocked: avatar.DefaultBlockedWords()})
	for _, tc := range []struct{ in, code string }{
		{"你个傻逼。", avatar.GuardBlockedWord},
		{"这是情色内容。", avatar.GuardBlockedWord},
		{"That is bullshit.", avatar.GuardBlockedWord},
		{"你个沙比。", avatar.GuardBlockedSound},
		{"谢谢片子。", avatar.GuardBlockedSound},
		{"草你吗。", avatar.GuardBlockedSound},
		{"f u c k this.", avatar.GuardBlockedSound},
	} {
		rs := g.Check(tc.in, nil)
		if len(rs) == 0 || rs[0].Code != tc.code {
			t.Errorf("Check(%q) = %+v, want %s", tc.in, rs, tc.code)
		}
	}
}
