package avatar_test

import (
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

func TestPlatformEventCheck(t *testing.T) {
	ok := func() avatar.PlatformEvent {
		return avatar.PlatformEvent{Platform: "douyin", MsgID: "m1", Type: avatar.MsgComment, User: avatar.PlatformUser{ID: "u1", Name: " 小红 "}, Text: "  你好 👩‍👩‍👧  "}
	}
	e := ok()
	if p := e.Check(); p != nil {
		t.Fatalf("Check(%+v) = %v, want nil", ok(), p)
	}
	if e.User.Name != "小红" || e.Text != "你好 👩‍👩‍👧" {
		t.Errorf("normalised to name %q text %q, want both trimmed (the emoji's joiners kept)", e.User.Name, e.Text)
	}
	in := e.Input("r1", time.Unix(0, 0))
	if in.Viewer != "douyin:u1" || in.Platform != "douyin" || in.Room != "r1" || in.Data.Name != "小红" {
		t.Errorf("Input = %+v", in)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*avatar.PlatformEvent)
		field string
	}{
		{"upper-case platform", func(e *avatar.PlatformEvent) { e.Platform = "Douyin" }, "platform"},
		{"long platform", func(e *avatar.PlatformEvent) { e.Platform = strings.Repeat("a", 17) }, "platform"},
		{"no msg_id", func(e *avatar.PlatformEvent) { e.MsgID = "" }, "msg_id"},
		{"non-ASCII msg_id", func(e *avatar.PlatformEvent) { e.MsgID = "消息" }, "msg_id"},
		{"newline in user id", func(e *avatar.PlatformEvent) { e.User.ID = "u\n1" }, "user.id"},
		{"bidi name", func(e *avatar.PlatformEvent) { e.User.Name = "a\u202eb" }, "user.name"},
		{"invalid UTF-8 text", func(e *avatar.PlatformEvent) { e.Text = "a\xffb" }, "text"},
		{"zero-width space in text", func(e *avatar.PlatformEvent) { e.Text = "a\u200bb" }, "text"},
		{"text on a like", func(e *avatar.PlatformEvent) { e.Type = avatar.MsgLike }, "text"},
		{"gift on a comment", func(e *avatar.PlatformEvent) { e.Gift = &avatar.Gift{Name: "g", Count: 1} }, "gift"},
		{"gift name with a line break inside", func(e *avatar.PlatformEvent) {
			e.Type, e.Text, e.Gift = avatar.MsgGift, "", &avatar.Gift{Name: "g\nh", Count: 1}
		}, "gift.name"},
		{"huge gift value", func(e *avatar.PlatformEvent) {
			e.Type, e.Text, e.Gift = avatar.MsgGift, "", &avatar.Gift{Name: "g", Count: 1, Value: avatar.MaxGiftValue + 1}
		}, "gift.value"},
		{"viewer-only type", func(e *avatar.PlatformEvent) { e.Type = avatar.MsgTap }, "type"},
	} {
		e := ok()
		tc.edit(&e)
		if p := e.Check(); p == nil || p.Field != tc.field || p.Code == "" {
			t.Errorf("%s: Check(%+v) = %v, want a problem on %s", tc.name, e, p, tc.field)
		}
	}
}

func TestMaskPlatform(t *testing.T) {
	e := avatar.PlatformEvent{User: avatar.PlatformUser{Name: "Scam王"}, Text: "no scam", Gift: &avatar.Gift{Name: "scam花"}}
	avatar.NewBlocklist([]string{"scam"}).MaskPlatform(&e)
	if e.User.Name != "****王" || e.Text != "no ****" || e.Gift.Name != "****花" {
		t.Errorf("masked %+v %+v", e, e.Gift)
	}
}
