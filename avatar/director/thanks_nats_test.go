package director_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
)

// TestThanksOverNATS publishes platform gifts as a bridge's inputs
// (bus.PublishInput, Input.Platform set) to a real director playing
// demo-live on an embedded NATS server: the gifts above the script's
// threshold are thanked in one speech naming the givers with the gifts'
// worth; the gift below it, the blocked names (one by its sound, which
// the director's guard hears) and the hostile gift name are not spoken.
func TestThanksOverNATS(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: ttl})
	const room = "gifts"
	rec := seed(t, b, room)
	ctx, cancel := context.WithCancel(context.Background())
	d := director.New(director.Config{ID: "d", LeaseTTL: ttl, BlockedWords: []string{"骗子"}}, b, zaptest.NewLogger(t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, 10*time.Second, "playing", func() bool { return len(speeches(t, events(t, b, room))) >= 1 })

	send := func(viewer, name, giftName string, count int, value int64) {
		t.Helper()
		in := avatar.Input{Room: room, Viewer: "douyin:" + viewer, Type: avatar.MsgGift, Platform: "douyin", TS: time.Now(),
			Data: avatar.MessageData{Name: name, Gift: &avatar.Gift{Name: giftName, Count: count, Value: value}}}
		if err := b.PublishInput(room, in); err != nil {
			t.Fatal(err)
		}
	}
	// Paused, the show takes input and speaks nothing, so all six
	// gifts wait for the same thank-you whatever the timing.
	rec.Status = avatar.RoomPaused
	putRoom(t, b, rec)
	waitFor(t, 10*time.Second, "paused", func() bool {
		st, ok, err := b.LoadState(ctx, room)
		return ok && err == nil && st.Status == avatar.ShowPaused
	})
	send("u1", "小明", "小心心", 3, 10)     // 30
	send("u2", "Amy", "小心心", 1, 10)    // 10
	send("u3", "大骗子", "小心心", 2, 10)    // 20, name blocked
	send("u4", "阿强", "加我薇信", 1, 10)    // 10, gift name a contact invitation
	send("u5", "Lowball", "小心心", 1, 1) // 1: below min_value 10
	send("u6", "片子", "小心心", 2, 10)     // 20, name sounds like a blocked word
	time.Sleep(200 * time.Millisecond) // core NATS: let the director take them in
	rec.Status = avatar.RoomPlaying
	putRoom(t, b, rec)

	var th *avatar.Speech
	waitFor(t, 30*time.Second, "a gift thank-you", func() bool {
		for _, e := range events(t, b, room) {
			var sp avatar.Speech
			if e.Type == avatar.EventSpeech && json.Unmarshal(e.Data, &sp) == nil && strings.HasPrefix(sp.LineID, "thank-gift-") {
				th = &sp
				return true
			}
		}
		return false
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Names: the three biggest speakable givers (小明 30, Amy 10, 阿强
	// 10, in the order they came; 片子's 20 would have named it), others
	// for the blocked ones; 9 gifts worth 90 (the one below the threshold
	// is not counted).
	want := "谢谢小明、Amy、阿强等送的9个小心心等礼物，一共90抖币，心意收到啦！"
	if th.LineID != "thank-gift-1" || th.Text != want {
		t.Errorf("thank-you %s %q, want thank-gift-1 %q", th.LineID, th.Text, want)
	}
	for _, bad := range []string{"骗子", "薇信", "Lowball", "片子"} {
		if strings.Contains(th.Text, bad) || strings.Contains(th.Translations["en"], bad) {
			t.Errorf("%q spoken in %q / %q", bad, th.Text, th.Translations["en"])
		}
	}
	if !strings.Contains(th.Translations["en"], "90 coins") {
		t.Errorf("English %q, want the worth in it", th.Translations["en"])
	}
}
