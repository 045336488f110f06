package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestScheduleInBrowser gives demo-live a daily window two hours from now
// (so it goes off air), then, in headless Chromium set to Shanghai time:
// the viewer page says when the show starts, in the viewer's time, both on
// show.end and from hello after a reload; the console's room view shows
// the schedule and its next window, refuses an overlapping window with the
// API's problem, and saves a good one.
func TestScheduleInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "viewer in Shanghai", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return err
	}))
	from := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Hour)
	to := from.Add(time.Hour).Format("15:04")
	if to == "00:00" {
		to = "24:00"
	}
	body := fmt.Sprintf(`{"daily":[{"start":%q,"end":%q}],"tz":"UTC"}`, from.Format("15:04"), to)

	do(t, ctx, "open the viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	status := `document.getElementById("status").dataset.state`
	waitJS(t, ctx, status+` === "live"`, 20*time.Second, "live")
	if code, m := apiCall(t, s, pagesToken, "PUT", "/api/v1/rooms/demo-live/schedule", "application/json", body); code != 200 || m["on_air"] != false {
		t.Fatalf("PUT schedule: HTTP %d %v", code, m)
	}
	want := from.In(shanghai).Format("15:04") // the page speaks zh-CN: a 24-hour clock
	waitJS(t, ctx, status+` === "scheduled"`, 60*time.Second, "off air, on show.end")
	if got := text(t, ctx, "#status"); !strings.Contains(got, want) {
		t.Errorf("status reads %q, want the start %s Shanghai time", got, want)
	}
	shot(t, ctx, "viewer-scheduled")
	do(t, ctx, "reload", chromedp.Reload())
	waitJS(t, ctx, `window.avatarClient && avatarClient.lastSeq > 0`, 20*time.Second, "hello after the reload")
	waitJS(t, ctx, status+` === "scheduled"`, 10*time.Second, "off air, from hello")

	// The console.
	do(t, ctx, "open the console",
		chromedp.EmulateViewport(1440, 1000),
		chromedp.Navigate(s.base+"/console/"),
		chromedp.SetValue(chromedp.ID("#token"), pagesToken),
		chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	waitJS(t, ctx, `!!document.querySelector('#tabs [data-tab="rooms"]') && !document.getElementById("view-scripts").hidden`, 20*time.Second, "signed in")
	do(t, ctx, "rooms", chromedp.Click(chromedp.CSS(`#tabs [data-tab="rooms"]`)))
	waitJS(t, ctx, `!!document.querySelector('[data-room="demo-live"]')`, 20*time.Second, "demo-live in the list")
	do(t, ctx, "open demo-live", chromedp.Click(chromedp.CSS(`[data-room="demo-live"]`)))
	summary := `document.getElementById("sched-summary")`
	waitJS(t, ctx, `!!`+summary+` && `+summary+`.dataset.state === "off"`, 20*time.Second, "the schedule's summary")
	if got := text(t, ctx, "#sched-summary"); !strings.Contains(got, "next on air") || !strings.Contains(got, want) {
		t.Errorf("summary reads %q, want the next window from %s (the console's Shanghai time)", got, want)
	}
	rows := eval[string](t, ctx, `[...document.querySelectorAll(".sched-window")].map(r => r.querySelector("[name=wstart]").value + "-" + r.querySelector("[name=wend]").value).join(",") + "|" + document.querySelector("#schedule-form [name=tz]").value`)
	if wantRows := from.Format("15:04") + "-" + strings.Replace(to, "24:00", "00:00", 1) + "|UTC"; rows != wantRows {
		t.Errorf("windows in the form %q, want %q", rows, wantRows)
	}

	// An overlapping window is refused with the API's problem.
	do(t, ctx, "add an overlapping window", chromedp.Click(chromedp.ID("#sched-add")))
	eval[bool](t, ctx, `(() => { const rs = document.querySelectorAll(".sched-window"); const r = rs[rs.length - 1];
		r.querySelector("[name=wstart]").value = rs[0].querySelector("[name=wstart]").value;
		r.querySelector("[name=wend]").value = rs[0].querySelector("[name=wend]").value; return true; })()`)
	do(t, ctx, "save", chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)))
	waitJS(t, ctx, `document.getElementById("sched-error").textContent.includes("overlaps")`, 10*time.Second, "the overlap refused")
	screenshot(t, ctx, "console-schedule-refused")

	// A good second window is saved and shown.
	second := from.Add(3 * time.Hour).Format("15:04")
	eval[bool](t, ctx, `(() => { const rs = document.querySelectorAll(".sched-window"); const r = rs[rs.length - 1];
		r.querySelector("[name=wstart]").value = "`+second+`"; r.querySelector("[name=wend]").value = "`+from.Add(4*time.Hour).Format("15:04")+`"; return true; })()`)
	do(t, ctx, "save again", chromedp.Click(chromedp.CSS(`#schedule-form button[type=submit]`)))
	waitJS(t, ctx, `document.getElementById("toast").textContent === "Schedule saved."`, 10*time.Second, "saved")
	if got := text(t, ctx, "#sched-error"); got != "" {
		t.Errorf("error after a good save: %q", got)
	}
	if code, m := apiCall(t, s, pagesToken, "GET", "/api/v1/rooms/demo-live/schedule", "", ""); code != 200 || len(m["schedule"].(map[string]any)["daily"].([]any)) != 2 {
		t.Errorf("GET schedule after the console saved: HTTP %d %v, want two windows", code, m)
	}
	screenshot(t, ctx, "console-schedule")
}
