package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar"
)

// platformComment is a batch of one Douyin comment for POST …/inputs.
func platformComment(msgID, user, name, text string) string {
	b, _ := json.Marshal(avatar.PlatformBatch{Inputs: []avatar.PlatformEvent{{
		Platform: "douyin", MsgID: msgID, Type: avatar.MsgComment, User: avatar.PlatformUser{ID: user, Name: name}, Text: text,
	}}})
	return string(b)
}

// TestPlatformCommentReachesRoom: through a real serve, a Douyin comment
// posted to the merchant API's inputs shows in a WebSocket viewer's
// danmaku with its platform and its blocked word masked, and reaches the
// director, which answers it from the FAQ by the (masked) name.
func TestPlatformCommentReachesRoom(t *testing.T) {
	const token = "bridge-e2e-token-0123456789"
	s := startServeEnv(t, t.TempDir(), map[string]string{"AVATARCAST_DEMO_TOKEN": token}, io.Discard, "-log-level", "warn", "-blocked-words", "scam")
	v := dial(t, s, "room=demo-live")
	v.hello()
	send := func(i int) {
		t.Helper()
		code, m := apiCall(t, s, token, "POST", "/api/v1/rooms/demo-live/inputs", "application/json",
			platformComment(fmt.Sprintf("dy-%d", i), "MS4wLjABAAAA-u1", "scam小红", "这个多少钱？"))
		if code != 200 || m["taken"] != float64(1) {
			t.Fatalf("post inputs: HTTP %d %v", code, m)
		}
	}
	send(0)
	sawComment := false
	// A comment sent before serve's director listens is not answered:
	// send it again (as a new message) until the answer comes.
	deadline, again, n := time.Now().Add(2*time.Minute), time.Now().Add(25*time.Second), 1
	for {
		if now := time.Now(); now.After(deadline) {
			t.Fatalf("no reply to the platform comment within 2 minutes (comment shown: %v)", sawComment)
		} else if now.After(again) {
			again = now.Add(25 * time.Second)
			send(n)
			n++
		}
		e := v.next(30 * time.Second)
		switch e.Type {
		case avatar.EventComment:
			var c avatar.Comment
			if err := json.Unmarshal(e.Data, &c); err != nil {
				t.Fatal(err)
			}
			if c.Platform != "douyin" || c.Viewer != "douyin:MS4wLjABAAAA-u1" || c.Name != "****小红" || c.Text != "这个多少钱？" {
				t.Fatalf("danmaku comment %+v, want the douyin comment with the name masked", c)
			}
			sawComment = true
		case avatar.EventReply:
			var r avatar.Reply
			if err := json.Unmarshal(e.Data, &r); err != nil {
				t.Fatal(err)
			}
			if r.Viewer != "douyin:MS4wLjABAAAA-u1" || r.FAQ != "faq-price" || strings.Contains(r.Speech.Text, "scam") {
				t.Fatalf("reply %+v, want faq-price to the douyin viewer, never speaking the blocked word", r)
			}
			if !sawComment {
				t.Fatal("the reply came before the comment reached the danmaku")
			}
			return
		}
	}
}

// TestPlatformBadgeInBrowser: in real Chromium, a bridged comment flies
// across the viewer page with a small badge naming its platform, and the
// comment list shows the badge too.
func TestPlatformBadgeInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	errs := recordErrors(ctx)
	do(t, ctx, "open viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	waitJS(t, ctx, `document.getElementById("persona-name").textContent.includes("AI")`, 20*time.Second, "hello")
	code, m := apiCall(t, s, pagesToken, "POST", "/api/v1/rooms/demo-live/inputs", "application/json",
		platformComment("badge-1", "u1", "小红", "<b>hello</b> from douyin"))
	if code != 200 || m["taken"] != float64(1) {
		t.Fatalf("post inputs: HTTP %d %v", code, m)
	}
	waitJS(t, ctx, `[...document.querySelectorAll("#danmaku .bullet")].some(b => b.dataset.platform === "douyin" && b.querySelector("small.platform")?.textContent === "抖音" && b.textContent.includes("<b>hello</b> from douyin"))`,
		10*time.Second, "a flying comment with the Douyin badge, its text as text")
	waitJS(t, ctx, `[...document.querySelectorAll("#comments li")].some(li => li.querySelector("small.platform")?.textContent === "抖音" && li.textContent.includes("小红"))`,
		10*time.Second, "the comment list with the badge")
	if n := eval[int](t, ctx, `document.querySelectorAll("#danmaku b, #comments li b b").length`); n != 0 {
		t.Errorf("the comment's markup became %d elements; user text must go in as text", n)
	}
	errs.check(t, ctx)
}
