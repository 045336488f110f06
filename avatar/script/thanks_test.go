package script

import (
	"testing"
	"time"
)

// TestThanksModel checks what Parse makes of a good thanks: section:
// rules in file order with their thresholds, cooldowns (set and default),
// variants and words for an unnamed viewer.
func TestThanksModel(t *testing.T) {
	s, ps := ParseFile("testdata/thanks-good.yaml")
	if s == nil || len(ps) > 0 {
		t.Fatalf("ParseFile(thanks-good) problems:\n%s", ps)
	}
	th := s.Thanks
	if th == nil {
		t.Fatal("Thanks = nil, want the section")
	}
	if th.Names != 2 || th.Someone["zh-CN"] != "这位老板" || th.Someone["en"] != "our friend" {
		t.Errorf("Names, Someone = %d, %v; want 2, {这位老板, our friend}", th.Names, th.Someone)
	}
	g, sh := th.Rule(ThankGift), th.Rule(ThankShare)
	if g == nil || sh == nil || th.Rule(ThankLike) != nil || len(th.Rules) != 2 {
		t.Fatalf("Rules = %+v, want gift and share only", th.Rules)
	}
	if g.Min != 100 || g.Cooldown != ThanksDefaultCooldown[ThankGift] || len(g.Lines) != 1 || g.Lines[0].Emotion != "happy" {
		t.Errorf("gift rule = %+v, want min 100, default cooldown, one happy line", g)
	}
	if sh.Min != 1 || sh.Cooldown != time.Minute {
		t.Errorf("share rule: min %d cooldown %v, want 1, 1m", sh.Min, sh.Cooldown)
	}
	if got := g.Lines[0].Say["zh-CN"].Text; got != "谢谢{name}送的{count}个{gift}，一共{total}！" {
		t.Errorf("gift line text = %q: variables must stay as written", got)
	}
	if l := s.Line("s-1"); l == nil || l != &sh.Lines[0] {
		t.Errorf("Line(s-1) = %p, want the share rule's line", l)
	}
	var none *Thanks
	if none.Rule(ThankGift) != nil {
		t.Error("(*Thanks)(nil).Rule(gift) != nil")
	}
}

func TestExpandThanks(t *testing.T) {
	vals := map[string]string{"name": "小明、Amy", "gift": "小心心", "count": "3"}
	for _, c := range []struct{ in, want string }{
		{"谢谢{name}的{count}个{gift}！", "谢谢小明、Amy的3个小心心！"},
		{"{total} and {price:tea-01} and {x}", "{total} and {price:tea-01} and {x}"},
		{"no braces", "no braces"},
		{"{{name}}", "{小明、Amy}"},
	} {
		got := ExpandThanks(c.in, func(n string) (string, bool) { v, ok := vals[n]; return v, ok })
		if got != c.want {
			t.Errorf("ExpandThanks(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
