package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"go.uber.org/zap/zaptest"
)

// TestConsoleUnansweredAndPreviewInBrowser drives the console in headless
// Chromium against a real serve: the questions nothing answered in a room,
// newest first with the guard's reasons; "Add to FAQ" opens the script with
// a FAQ entry of the question's keywords, the merchant writes the answer
// and saves; a private preview of unsaved text plays in the console's
// drawer, cannot be fetched without its cookie nor seen by another
// merchant, is not on the index, and stops when the merchant stops it.
func TestConsoleUnansweredAndPreviewInBrowser(t *testing.T) {
	const demoToken = "demo-token-for-console-0123456789"
	const acmeToken = "acme-token-for-console-0123456789"
	ctx := browser(t)
	dir := t.TempDir()
	env := twoMerchants(t, dir, demoToken, acmeToken)
	port := freePort(t)
	data := filepath.Join(dir, "data")
	s := startServeEnv(t, data, env, io.Discard,
		"-log-level", "warn", "-nats-listen", "127.0.0.1:"+strconv.Itoa(port))

	// Two questions no FAQ matched in demo-live, as a director records
	// them (with the director's own NATS credentials).
	b, err := bus.Open(context.Background(), bus.Config{URL: "nats://127.0.0.1:" + strconv.Itoa(port), Role: bus.RoleDirector,
		Auth: bus.Auth{CredsFile: bus.CredsFile(bus.AuthDir(data), bus.RoleDirector)}}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	now := time.Now().UTC()
	for _, q := range []avatar.Question{
		{Room: "demo-live", Merchant: "demo", Lang: "zh-CN", Text: "茶叶是有机的吗？", Asked: now.Add(-2 * time.Minute), Answered: avatar.AnsweredFallback,
			Spoken: []string{"这个问题我记下了，稍后请客服回复您。"}, Error: "no model"},
		{Room: "demo-live", Merchant: "demo", Lang: "zh-CN", Text: "这是全网最好的茶吗？", Asked: now.Add(-time.Minute), Answered: avatar.AnsweredRefused, Model: "qwen2.5:3b",
			Refused: []avatar.RefusedSentence{{Text: "这是全网最好的茶。", Reasons: []avatar.GuardReason{{Code: avatar.GuardAbsoluteClaim, Msg: "superlative", Phrase: "全网最好"}}}},
			Spoken:  []string{"这个我得核实一下，客服会在消息里回复您。"}},
	} {
		if err := b.RecordQuestion(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}

	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	typeText := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: s})
			return err
		})
	}

	run("open the console at 1440x900", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(s.base+"/console/"))
	run("sign in", chromedp.SetValue(chromedp.ID("#token"), demoToken), chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	waitJS(t, ctx, `!!document.querySelector('[data-script="demo-live"]')`, 20*time.Second, "the demo script in the list")

	// The room's questions nothing answered: newest first, with what the
	// viewer got and the guard's reasons.
	run("rooms", chromedp.Click(chromedp.CSS(`#tabs [data-tab="rooms"]`)))
	waitJS(t, ctx, `!!document.querySelector('[data-room="demo-live"]')`, 10*time.Second, "demo-live in the room list")
	run("open demo-live", chromedp.Click(chromedp.CSS(`[data-room="demo-live"]`)))
	waitJS(t, ctx, `document.querySelectorAll("#unanswered-rows tr[data-answered]").length === 2`, 20*time.Second, "two unanswered questions")
	rows := eval(`Array.from(document.querySelectorAll("#unanswered-rows tr")).map(r => r.dataset.answered + ":" + r.textContent).join("\n")`)
	lines := strings.Split(rows, "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "refused:") || !strings.Contains(lines[0], "这是全网最好的茶吗") ||
		!strings.Contains(lines[0], "absolute-claim") || !strings.Contains(lines[0], "全网最好") || !strings.HasPrefix(lines[1], "fallback:") ||
		!strings.Contains(lines[1], "茶叶是有机的吗") || !strings.Contains(lines[1], "no model") {
		t.Errorf("unanswered rows, want the refused one first with its reason:\n%s", rows)
	}
	eval(`(document.getElementById("unanswered-card").scrollIntoView(), "ok")`)
	screenshot(t, ctx, "console-unanswered")

	// Add the organic question to the FAQ: the script opens with a new
	// entry, the cursor in its empty answer; the merchant types it and saves.
	run("add to FAQ", chromedp.Click(chromedp.CSS(`#unanswered-rows tr[data-answered="fallback"] [data-add-faq]`)))
	waitJS(t, ctx, `!document.getElementById("view-scripts").hidden && document.querySelector("#editor .cm-content").textContent.includes("faq-new-1")`, 20*time.Second, "the new FAQ entry in the editor")
	run("write the answers", typeText("是的，我们的龙井通过了有机认证。"),
		chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.ArrowLeft), typeText("Yes, our Longjing is certified organic."))
	waitJS(t, ctx, `document.getElementById("editor-state").textContent.includes("unsaved")`, 10*time.Second, "unsaved changes")
	screenshot(t, ctx, "console-add-to-faq")
	run("save", chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
	waitJS(t, ctx, `/Saved as version \d+/.test(document.getElementById("save-result").textContent)`, 20*time.Second, "saved as a new version")
	status, body := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/demo-live", "", "")
	src, _ := body["source"].(string)
	// At the FAQ's indentation, whichever form the script's faq has (a
	// list, or entries beside fallback and filler).
	newEntry := regexp.MustCompile(`(?m)^( *)- id: faq-new-1\n +match:\n +zh-CN: \[茶叶, 有机\]\n`)
	if status != 200 || !newEntry.MatchString(src) || !strings.Contains(src, `zh-CN: "是的，我们的龙井通过了有机认证。"`) || !strings.Contains(src, `en: "Yes, our Longjing is certified organic."`) {
		t.Errorf("saved script (HTTP %d) lacks the new FAQ entry:\n%s", status, src)
	}

	// A preview of unsaved text: plays in the drawer for this merchant.
	run("change the text", typeText("（草稿）"))
	waitJS(t, ctx, `document.getElementById("editor-state").textContent.includes("unsaved")`, 10*time.Second, "unsaved changes")
	run("preview", chromedp.Click(chromedp.ID("#script-preview")))
	waitJS(t, ctx, `!document.getElementById("preview").hidden`, 20*time.Second, "the preview drawer")
	waitJS(t, ctx, `(() => { try { const d = document.getElementById("preview-frame").contentDocument; return d.location.pathname.startsWith("/rooms/preview-") && d.getElementById("subtitle").textContent.length > 0; } catch (e) { return false; } })()`,
		40*time.Second, "the preview speaking in the drawer")
	id := strings.TrimPrefix(eval(`document.getElementById("preview-frame").contentDocument.location.pathname`), "/rooms/")
	if href := eval(`document.getElementById("preview-frame").contentDocument.location.href`); strings.Contains(href, "preview=") {
		t.Errorf("the token stays in the viewer's URL: %s", href)
	}
	screenshot(t, ctx, "console-preview")
	status, body = apiCall(t, s, demoToken, "GET", "/api/v1/previews/"+id, "", "")
	if room, _ := body["room"].(map[string]any); status != 200 || room == nil || room["status"] != avatar.RoomPlaying || room["preview"].(map[string]any)["script"] == "" {
		t.Errorf("the preview of unsaved text (HTTP %d): %v", status, body)
	}
	// The same browser without its cookie, another merchant, the index:
	// none of them sees it.
	if got := eval(`fetch("/rooms/` + id + `", {credentials: "omit"}).then(r => String(r.status))`); got != "404" {
		t.Errorf("the preview page without the cookie: HTTP %s, want 404", got)
	}
	if got := eval(`fetch("/rooms/` + id + `/public.json").then(r => String(r.status))`); got != "200" {
		t.Errorf("the preview's public.json with the cookie: HTTP %s, want 200", got)
	}
	if got := eval(`fetch("/").then(r => r.text())`); strings.Contains(got, id) || !strings.Contains(got, "demo-live") {
		t.Errorf("the index lists the preview %s, or not demo-live", id)
	}
	if st, _ := apiCall(t, s, acmeToken, "GET", "/api/v1/previews/"+id, "", ""); st != 404 {
		t.Errorf("acme gets demo's preview: HTTP %d", st)
	}
	if _, l := apiCall(t, s, acmeToken, "GET", "/api/v1/rooms", "", ""); strings.Contains(toJSON(l), id) {
		t.Errorf("acme's rooms list demo's preview: %v", l)
	}

	// The preview is one of the merchant's rooms, marked so, steered as any.
	run("rooms", chromedp.Click(chromedp.CSS(`#tabs [data-tab="rooms"]`)))
	waitJS(t, ctx, `!!document.querySelector('[data-room="`+id+`"] .badge')`, 10*time.Second, "the preview in the room list, marked")
	run("open the preview room", chromedp.Click(chromedp.CSS(`[data-room="`+id+`"]`)))
	waitJS(t, ctx, `document.querySelector("#room-detail h2").textContent === "`+id+`" && document.getElementById("mon-now").textContent.length > 0 && !!document.querySelector("#room-detail .room-head button:not([disabled])[title^='Open the private']")`, 20*time.Second, "the preview's monitor")
	eval(`(document.getElementById("room-detail").scrollTop = 0, "ok")`)
	screenshot(t, ctx, "console-preview-room")

	// Stopping it deletes the room: the drawer closes, the page is gone.
	run("stop the preview", chromedp.Click(chromedp.ID("#preview-stop")))
	waitJS(t, ctx, `document.getElementById("preview").hidden`, 10*time.Second, "the drawer closed")
	if st, _ := apiCall(t, s, demoToken, "GET", "/api/v1/previews/"+id, "", ""); st != 404 {
		t.Errorf("the stopped preview: HTTP %d, want 404", st)
	}
	for deadline := time.Now().Add(10 * time.Second); eval(`fetch("/rooms/`+id+`").then(r => String(r.status))`) != "404"; {
		if time.Now().After(deadline) {
			t.Fatal("the stopped preview's page still there after 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var scripts struct{ Scripts []struct{ ID string } }
	_, l := apiCall(t, s, demoToken, "GET", "/api/v1/scripts", "", "")
	_ = json.Unmarshal([]byte(toJSON(l)), &scripts)
	for _, sc := range scripts.Scripts {
		if strings.HasPrefix(sc.ID, "_preview") {
			t.Errorf("the preview's text is listed as a script: %s", sc.ID)
		}
	}
}
