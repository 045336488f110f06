package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestEndedShowInBrowser: the viewer page counts its own viewer from the
// start; when the merchant stops the show it takes the last line (a
// flash sale's pitch, say) off the screen, says the show has ended and
// stops taking comments, the same after a reload (from hello); when the
// show starts again it takes comments again.
func TestEndedShowInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	viewport(t, ctx, 390, 844)
	do(t, ctx, "open the viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	status := `document.getElementById("status").dataset.state`
	waitJS(t, ctx, status+` === "live"`, 20*time.Second, "live")
	waitJS(t, ctx, `window.avatarClient && avatarClient.lastSeq > 0`, 20*time.Second, "hello")
	if n := text(t, ctx, "#viewer-count"); n == "0" {
		t.Errorf("viewer count %q with this viewer in the room", n)
	}
	control(t, s, "demo-live", "say", `{"text":"限时秒杀马上开始，大家准备好。","placement":"now"}`)
	waitJS(t, ctx, `document.getElementById("subtitle").textContent.includes("限时秒杀")`, 30*time.Second, "the typed line on the subtitle")

	ended := func(when string) {
		t.Helper()
		waitJS(t, ctx, status+` === "ended"`, 30*time.Second, "ended, "+when)
		if sub := text(t, ctx, "#subtitle"); strings.Contains(sub, "限时秒杀") || !strings.Contains(sub, "直播已结束") {
			t.Errorf("%s: subtitle reads %q, want the end of the show and not the last line", when, sub)
		}
		if !eval[bool](t, ctx, `document.getElementById("say-text").disabled && document.querySelector("#say button[type=submit]").disabled`) {
			t.Errorf("%s: the comment box still takes comments", when)
		}
	}
	control(t, s, "demo-live", "stop", "")
	ended("on show.end")
	shot(t, ctx, "viewer-ended")
	do(t, ctx, "reload", chromedp.Reload())
	waitJS(t, ctx, `window.avatarClient && avatarClient.lastSeq > 0`, 20*time.Second, "hello after the reload")
	ended("from hello")

	control(t, s, "demo-live", "start", "")
	waitJS(t, ctx, status+` === "live"`, 30*time.Second, "live again")
	if eval[bool](t, ctx, `document.getElementById("say-text").disabled`) {
		t.Error("started again: the comment box still refuses comments")
	}
}
