package director

import (
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestEnginePlatformInputs: the platform bridge's inputs (gifts, follows,
// entries, shares, and comments with Platform set) never break the show:
// the engine takes each without an error and the script goes on; a
// platform viewer's FAQ question is answered like our own viewers'.
// (Thanking gifts and the like is the thanks section's, not this test's.)
func TestEnginePlatformInputs(t *testing.T) {
	live := loadShow(t, "demo-live.yaml")
	s := newSim(t, live, liveRoom("r", avatar.KindLivestream), MsgRestore{})
	s.untilLine(time.Minute, "greet-hello")
	in := func(typ avatar.MessageType, d avatar.MessageData) avatar.Input {
		return avatar.Input{Room: "r", Viewer: "douyin:u1", Type: typ, Data: d, TS: s.now, Platform: "douyin"}
	}
	for _, i := range []avatar.Input{
		in(avatar.MsgGift, avatar.MessageData{Name: "小红", Gift: &avatar.Gift{Name: "小心心", Count: 99, Value: 1}}),
		in(avatar.MsgGift, avatar.MessageData{}), // no gift at all: the engine must not trust the bridge
		in(avatar.MsgFollow, avatar.MessageData{Name: "小红"}),
		in(avatar.MsgEnter, avatar.MessageData{}),
		in(avatar.MsgShare, avatar.MessageData{Name: "小红"}),
		in(avatar.MsgLike, avatar.MessageData{Count: 1000}),
		in(avatar.MsgComment, avatar.MessageData{Name: "小红", Text: "这个多少钱？"}),
	} {
		s.send(MsgInput{Input: i}) // fails the test on an error
	}
	s.advance(time.Minute)
	if len(s.replies) != 0 {
		t.Fatalf("control replies %v, want none", s.replies)
	}
	var reply *avatar.Reply
	for _, o := range s.out {
		if o.Kind == OutEvent && o.Type == avatar.EventReply {
			r, ok := o.Data.(avatar.Reply)
			if !ok {
				t.Fatalf("reply data %T", o.Data)
			}
			reply = &r
		}
	}
	if reply == nil || reply.Viewer != "douyin:u1" || reply.FAQ != "faq-price" {
		t.Errorf("reply %+v, want faq-price answered to the platform viewer", reply)
	}
}
