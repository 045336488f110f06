package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestConsoleInBrowser drives the merchant console at /console/ in headless
// Chromium against a real serve: sign in, lint as one types, a refused
// save that keeps the text, a fixed save, a diff of two versions, a room
// created, started, steered and paused, a refused control with its reason,
// and a second merchant who sees nothing of the first's.
func TestConsoleInBrowser(t *testing.T) {
	const demoToken = "demo-token-for-console-0123456789"
	const acmeToken = "acme-token-for-console-0123456789"
	ctx := browser(t)
	dir := t.TempDir()
	env := twoMerchants(t, dir, demoToken, acmeToken)
	s := startServeEnv(t, filepath.Join(dir, "data"), env, io.Discard, "-log-level", "warn")
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	greetLine := 0 // 1-based line of the first Chinese greeting
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, "欢迎来到春茶上新直播间") {
			greetLine = i + 1
			break
		}
	}
	if greetLine == 0 {
		t.Fatal("scripts/demo-live.yaml has no 欢迎来到春茶上新直播间 line")
	}
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	key := func(k string, n int, mods ...chromedp.Modifier) chromedp.Action[chromedp.Void] {
		var opts []chromedp.KeyOption
		if len(mods) > 0 {
			opts = append(opts, chromedp.KeyModifiers(mods...))
		}
		steps := make([]chromedp.Action[chromedp.Void], n)
		for i := range steps {
			steps[i] = chromedp.KeyEvent(k, opts...)
		}
		return chromedp.Steps(steps...)
	}
	// typeText enters text as an input method commits it (CJK included).
	typeText := func(s string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.InsertText, input.InsertTextParams{Text: s})
			return err
		})
	}
	// clickLine scrolls the editor's line holding text into view and
	// clicks it, as a person would, leaving the cursor on that line.
	lineAt := func(ctx context.Context, text string) ([]float64, error) {
		js := `(async () => {
				const sc = document.querySelector("#editor .cm-scroller");
				const find = () => Array.from(document.querySelectorAll("#editor .cm-line")).find(e => e.textContent.includes(` + strconv.Quote(text) + `));
				const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)));
				sc.scrollTop = 0;
				await frame();
				for (let i = 0; i < 200 && !find(); i++) {
					sc.scrollTop += sc.clientHeight / 2;
					await frame();
				}
				const l = find();
				if (!l) return [];
				l.scrollIntoView({block: "center"});
				await new Promise(r => requestAnimationFrame(() => setTimeout(r, 20)));
				const r = l.getBoundingClientRect(); return [r.left + 40, r.top + r.height / 2]; })()`
		return chromedp.Run(ctx, chromedp.Evaluate[[]float64](js, chromedp.EvalAwaitPromise))

	}
	clickLine := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			xy, err := lineAt(ctx, text)
			if err != nil {
				return err
			}
			if len(xy) != 2 {
				return fmt.Errorf("no editor line holds %q", text)
			}
			return chromedp.Do(ctx, chromedp.MouseClickXY(xy[0], xy[1]))
		})
	}

	run("open the console at 1440x900",
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(s.base+"/console/"))
	// The token never goes into a URL or a cookie.
	run("sign in", chromedp.SetValue(chromedp.ID("#token"), demoToken), chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	waitJS(t, ctx, `!!document.querySelector('[data-script="demo-live"]')`, 20*time.Second, "the demo script in the list")
	cookie, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie + "|" + location.href`))
	if strings.Contains(cookie, demoToken) {
		t.Errorf("the token is in a cookie or the URL: %q", cookie)
	}

	// Open the demo script; its first lint comes back with no error.
	run("open demo-live", chromedp.Click(chromedp.CSS(`[data-script="demo-live"]`)))
	waitJS(t, ctx, `document.querySelector("#editor .cm-content") && document.querySelector("#editor .cm-content").textContent.includes("id: demo-live")`, 10*time.Second, "the script in the editor")
	waitJS(t, ctx, `/\(0 errors/.test(document.getElementById("lint-count").textContent)`, 20*time.Second, "a clean first lint")

	// Type an absolute claim at the end of the greeting: its problem shows
	// at that line, in the list and the gutter, and nothing is stored.
	run("type a claim", clickLine("欢迎来到春茶上新直播间"), key(kb.End, 1), typeText("全网最低"))
	waitJS(t, ctx, `!!document.querySelector('#problems li.error[data-code="absolute-claim"][data-line="`+itoa(greetLine)+`"]')`, 20*time.Second, "the claim's problem at its line")
	waitJS(t, ctx, `!!document.querySelector("#editor .cm-lint-marker-error")`, 10*time.Second, "an error marker in the gutter")
	msg := text(t, ctx, `#problems li.error[data-code="absolute-claim"]`)
	if !strings.Contains(msg, "全网最低") || !strings.Contains(msg, "Advertising Law") || !strings.Contains(msg, "docs: absolute-claim") {
		t.Errorf("the claim's problem reads %q; want the phrase, the rule and a docs link", msg)
	}
	screenshot(t, ctx, "console-lint")
	if code, m := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/demo-live/versions", "", ""); code != 200 || len(m["versions"].([]any)) != 1 {
		t.Errorf("versions after typing: HTTP %d %v; want only the seeded one", code, m)
	}

	// Break it further and save: 422, every problem shown, the text kept.
	run("name a persona that does not exist and save",
		clickLine("persona: xiaoya"), key(kb.End, 1), typeText("-nobody"),
		chromedp.Click(chromedp.ID("#script-save")))
	waitJS(t, ctx, `document.getElementById("save-result").classList.contains("bad")`, 10*time.Second, "the refused save")
	res := text(t, ctx, "#save-result")
	if !strings.Contains(res, "Not saved") || !strings.Contains(res, "absolute-claim") || !strings.Contains(res, "unknown-persona") {
		t.Errorf("the refused save says %q; want both problems", res)
	}
	for _, typed := range []string{"persona: xiaoya-nobody", "我是小雅。全网最低"} {
		if xy, err := lineAt(ctx, typed); err != nil || len(xy) != 2 {
			t.Errorf("after the 422 the editor lost %q (%v)", typed, err)
		}
	}
	screenshot(t, ctx, "console-save-422")

	// Fix both and save with Ctrl+S: a new version. (Versions are the
	// bucket's revisions: numbers go up but are not consecutive.)
	run("fix and save",
		clickLine("persona: xiaoya-nobody"), key(kb.End, 1), key(kb.Backspace, len("-nobody")),
		clickLine("全网最低"), key(kb.End, 1), key(kb.Backspace, 4), typeText("今天有好茶"),
		key("s", 1, chromedp.ModifierCtrl))
	waitJS(t, ctx, `document.getElementById("save-result").classList.contains("ok") && document.getElementById("save-result").textContent.includes("Saved as version")`, 10*time.Second, "the save of a new version")
	if code, m := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/demo-live", "", ""); code != 200 || !strings.Contains(m["source"].(string), "今天有好茶") || strings.Contains(m["source"].(string), "bogus") {
		t.Errorf("stored script after the fix: HTTP %d; want the fixed text", code)
	}

	// Diff the seeded version with the new one, side by side.
	waitJS(t, ctx, `document.querySelectorAll("#diff-a option").length == 2`, 10*time.Second, "two versions to compare")
	run("diff", chromedp.Click(chromedp.CSS(`#diff-form button[type=submit]`)))
	waitJS(t, ctx, `!document.getElementById("diff").hidden && document.querySelectorAll("#diff-table tr.chg").length == 1`, 10*time.Second, "one changed line in the diff")
	row := text(t, ctx, "#diff-table tr.chg")
	if !strings.Contains(row, "欢迎来到春茶上新直播间！我是小雅。") || !strings.Contains(row, "今天有好茶") || !strings.Contains(row, itoa(greetLine)) {
		t.Errorf("the diff's changed row reads %q", row)
	}
	screenshot(t, ctx, "console-diff")
	run("close the diff", chromedp.Click(chromedp.ID("#diff-close")))

	// Acknowledge a claim with a reason, edit the reason, save: the ack is
	// in the stored script and the finding is no longer an error.
	const reason1, reason2 = "比价机构核实过的全网最低价，报告见商品页。", "第三方比价机构二〇二六年报告核实的最低价，见商品页。"
	run("type the claim again", clickLine("我是小雅。今天有好茶"), key(kb.End, 1), typeText("全网最低"))
	waitJS(t, ctx, `!!document.querySelector('#problems li.error[data-code="absolute-claim"] [data-ack-open]')`, 20*time.Second, "the claim with its Acknowledge button")
	run("acknowledge it", chromedp.Click(chromedp.CSS(`#problems li.error[data-code="absolute-claim"] [data-ack-open]`)),
		chromedp.SetValue(chromedp.CSS(`#problems li.error[data-code="absolute-claim"] .ack-form input`), reason1),
		chromedp.Click(chromedp.CSS(`#problems li.error[data-code="absolute-claim"] .ack-form button`)))
	waitJS(t, ctx, `!!document.querySelector('#problems li.ack[data-code="absolute-claim"]') && !document.querySelector("#problems li.error")`, 20*time.Second, "the claim acknowledged, no error left")
	run("edit the ack's reason", chromedp.SetValue(chromedp.CSS(`#acks input[data-ack="0"]`), reason2),
		chromedp.Click(chromedp.CSS(`#acks li button`)))
	waitJS(t, ctx, `Array.from(document.querySelectorAll('#problems li.ack[data-code="absolute-claim"]')).some(li => li.textContent.includes(`+strconv.Quote(reason2)+`)) && !document.querySelector("#problems li.error")`, 20*time.Second, "acknowledged with the edited reason")
	screenshot(t, ctx, "console-ack")
	// The last save's answer is hidden once the text is edited; wait for a
	// new one to show.
	run("save with the ack", chromedp.Click(chromedp.ID("#script-save")))
	waitJS(t, ctx, `!document.getElementById("save-result").hidden`, 10*time.Second, "the answer to the save with the ack")
	if res := text(t, ctx, "#save-result"); !strings.HasPrefix(res, "Saved as version") {
		t.Errorf("the save with the ack: %q", res)
	}
	if code, m := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/demo-live", "", ""); code != 200 || !strings.Contains(m["source"].(string), "acks:") ||
		!strings.Contains(m["source"].(string), reason2) || strings.Contains(m["source"].(string), reason1) {
		t.Errorf("stored script after the ack: HTTP %d; want an acks list with the edited reason:\n%v", code, m["source"])
	}

	// Create a room, start it from the console, watch it as a viewer.
	run("create a room",
		chromedp.Click(chromedp.CSS(`#tabs [data-tab="rooms"]`)),
		chromedp.SetValue(chromedp.ID("#room-id"), "console-live"),
		chromedp.SetValue(chromedp.ID("#room-script"), "demo-live"),
		chromedp.Click(chromedp.CSS("#room-form button[type=submit]")))
	waitJS(t, ctx, `document.getElementById("room-status") && document.getElementById("room-status").textContent == "stopped"`, 10*time.Second, "the new room, stopped")
	run("start it", chromedp.Click(chromedp.CSS(`#room-detail [data-op="start"]`)))
	waitJS(t, ctx, `document.getElementById("room-status").textContent == "playing"`, 10*time.Second, "the room playing")
	v := dial(t, s, "room=console-live")
	vh := v.hello()
	waitJS(t, ctx, `document.getElementById("mon-now").textContent.length > 0`, 30*time.Second, "a line in the console's monitor")

	// say: applied, and spoken to the viewer.
	const line = "感谢大家来到直播间，新朋友请点关注。"
	run("say", chromedp.SetValue(chromedp.CSS(`[data-control="say"] textarea`), line),
		chromedp.SetValue(chromedp.CSS(`[data-control="say"] select[name="placement"]`), "queue"),
		chromedp.Click(chromedp.CSS(`[data-control="say"] button[type=submit]`)))
	waitJS(t, ctx, `!!document.querySelector('#answers li.ok[data-type="say"]')`, 10*time.Second, "say applied")
	// The placement chosen by the say box reached the director.
	_, audit := apiCall(t, s, demoToken, "GET", "/api/v1/audit?limit=50", "", "")
	placed := ""
	for _, r := range audit["records"].([]any) {
		if r := r.(map[string]any); r["action"] == "control.say" {
			placed, _ = r["detail"].(map[string]any)["control"].(map[string]any)["placement"].(string)
			break
		}
	}
	if placed != "queue" {
		t.Errorf("the say box sent placement %q, want queue", placed)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		if time.Now().After(deadline) {
			t.Fatal("the viewer never heard the line said from the console")
		}
		e := v.next(60 * time.Second)
		if e.Type != avatar.EventSpeech {
			continue
		}
		var sp avatar.Speech
		if err := json.Unmarshal(e.Data, &sp); err != nil {
			t.Fatal(err)
		}
		if sp.Text == line {
			break
		}
	}
	waitJS(t, ctx, `document.getElementById("mon-now").textContent.includes("感谢大家来到直播间") || document.getElementById("mon-lines").textContent.includes("感谢大家来到直播间")`, 30*time.Second, "the said line in the console's monitor")

	// Download the room's record: a file named after the room and the
	// window, holding the line said, streamed to its end.
	downloads := t.TempDir()
	run("allow downloads", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, cdpbrowser.SetDownloadBehavior,
			cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
		return err
	}))
	run("download the record", chromedp.Click(chromedp.CSS(`#record-form button[type=submit]`)))
	waitJS(t, ctx, `!!document.getElementById("record-progress").dataset.file`, 30*time.Second, "the record downloaded")
	file, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("record-progress").dataset.file`))
	if !regexp.MustCompile(`^record-console-live-start-\d{8}T\d{6}Z\.ndjson$`).MatchString(file) {
		t.Errorf("record file name %q, want record-console-live-start-<to>.ndjson", file)
	}
	var rec []byte
	for deadline := time.Now().Add(30 * time.Second); ; {
		// Chromium may show the file under its name before it has
		// written it all: read until it ends with the end line.
		if rec, err = os.ReadFile(filepath.Join(downloads, file)); err == nil && bytes.Contains(rec, []byte(`{"end":`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no whole %s in the download directory (%d bytes): %v", file, len(rec), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(string(rec)), "\n")
	if !strings.Contains(string(rec), line) || len(lines) < 3 || !strings.HasPrefix(lines[len(lines)-1], `{"end":`) {
		t.Errorf("downloaded record (%d lines) lacks the said line or its end line; last line %q", len(lines), lines[len(lines)-1])
	}

	// A viewer's comment shows in the monitor with a Mute button, which
	// mutes that viewer in the room's record.
	if err := v.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"comment","data":{"text":"主播好","name":"mia"}}`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `!!document.querySelector('#mon-comments li[data-viewer="`+vh.Viewer+`"] button[data-mute]')`, 30*time.Second, "the viewer's comment with a Mute button")
	run("mute", chromedp.Click(chromedp.CSS(`#mon-comments li[data-viewer="`+vh.Viewer+`"] button[data-mute]`)))
	waitJS(t, ctx, `document.querySelector('#mon-comments button[data-mute]').textContent == "Muted"`, 10*time.Second, "the viewer muted")
	if code, rm := apiCall(t, s, demoToken, "GET", "/api/v1/rooms/console-live", "", ""); code != 200 || fmt.Sprint(rm["muted"]) != "["+vh.Viewer+"]" {
		t.Errorf("room after mute: HTTP %d, muted %v; want [%s]", code, rm["muted"], vh.Viewer)
	}

	// A viewer's question and how it was answered show in the monitor.
	if err := v.conn.WriteJSON(map[string]any{"type": "question", "data": map[string]string{"text": "龙井多少钱？", "name": "小王"}}); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById("mon-questions").textContent.includes("龙井多少钱") && document.getElementById("mon-questions").textContent.includes("faq-price")`, 60*time.Second, "the viewer's question, answered from faq-price, in the monitor")

	// A claim typed live is refused, with the reason and the rule.
	run("say a claim", chromedp.SetValue(chromedp.CSS(`[data-control="say"] textarea`), "这是全网最低价！"),
		chromedp.Click(chromedp.CSS(`[data-control="say"] button[type=submit]`)))
	waitJS(t, ctx, `!!document.querySelector('#answers li.bad[data-type="say"]')`, 10*time.Second, "say refused")
	refused := text(t, ctx, `#answers li.bad[data-type="say"]`)
	if !strings.Contains(refused, "422") || !strings.Contains(refused, "absolute-claim") || !strings.Contains(refused, "reason") {
		t.Errorf("the refusal reads %q; want 422, the problem and how to acknowledge it", refused)
	}
	run("pause", chromedp.Click(chromedp.CSS(`#room-detail [data-op="pause"]`)))
	waitJS(t, ctx, `document.getElementById("room-status").textContent == "paused"`, 10*time.Second, "the room paused")
	screenshot(t, ctx, "console-room")
	// Ctrl+Shift+Enter goes live again: it resumes the open room.
	run("go live by key", key(kb.Enter, 1, chromedp.ModifierCtrl|chromedp.ModifierShift))
	waitJS(t, ctx, `document.getElementById("room-status").textContent == "playing"`, 10*time.Second, "the room playing again after Ctrl+Shift+Enter")

	// The audit trail, filtered to the room.
	run("audit", chromedp.Click(chromedp.CSS(`#tabs [data-tab="audit"]`)),
		chromedp.SetValue(chromedp.ID("#audit-target"), "console-live"),
		chromedp.Click(chromedp.CSS("#audit-form button[type=submit]")))
	waitJS(t, ctx, `document.querySelectorAll('#audit-rows tr[data-target="console-live"]').length >= 4 && !document.querySelector('#audit-rows tr:not([data-target="console-live"])')`, 10*time.Second, "the room's audit records only")
	acts, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("#audit-rows tr")).map(r => r.dataset.action).join(" ")`))
	if acts != "room.resume room.pause room.mute control.say room.start room.create" {
		t.Errorf("audit of console-live, newest first: %q", acts)
	}
	screenshot(t, ctx, "console-audit")

	// Assign the seeded version to the room from the versions list.
	_, vs := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/demo-live/versions", "", "")
	list := vs["versions"].([]any)
	oldest := int(list[len(list)-1].(map[string]any)["version"].(float64))
	run("assign the oldest version", chromedp.Click(chromedp.CSS(`#tabs [data-tab="scripts"]`)))
	sel := `#versions li[data-version="` + itoa(oldest) + `"]`
	waitJS(t, ctx, `!!document.querySelector('`+sel+` select option[value="console-live"]')`, 10*time.Second, "the oldest version with the room to assign it to")
	run("assign", chromedp.SetValue(chromedp.CSS(sel+" select"), "console-live"), chromedp.Click(chromedp.CSS(sel+` button[title^="Assign"]`)))
	waitJS(t, ctx, `document.getElementById("toast").textContent.includes("now plays demo-live version `+itoa(oldest)+`")`, 10*time.Second, "the assignment confirmed")
	if code, rm := apiCall(t, s, demoToken, "GET", "/api/v1/rooms/console-live", "", ""); code != 200 || int(rm["version"].(float64)) != oldest {
		t.Errorf("console-live after the assignment: HTTP %d %v, want version %d", code, rm, oldest)
	}

	// Create a script from the template, save it, delete it.
	run("new script",
		chromedp.Click(chromedp.ID("#script-new")),
		chromedp.SetValue(chromedp.ID("#new-id"), "autumn"),
		chromedp.Click(chromedp.CSS("#new-form button[type=submit]")))
	waitJS(t, ctx, `document.getElementById("editor-title").textContent == "autumn" && document.querySelector("#editor .cm-content").textContent.includes("id: autumn")`, 10*time.Second, "the new draft")
	run("save it", chromedp.Click(chromedp.ID("#script-save")))
	waitJS(t, ctx, `!!document.querySelector('[data-script="autumn"]')`, 10*time.Second, "autumn in the list")
	if code, _ := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/autumn", "", ""); code != 200 {
		t.Errorf("autumn after saving: HTTP %d", code)
	}
	// Keys complete from the published JSON Schema.
	run("type a key", clickLine("persona: xiaoya"), key(kb.End, 1), key(kb.Enter, 1), chromedp.KeyEvent("lan"))
	waitJS(t, ctx, `!!document.querySelector(".cm-tooltip-autocomplete") && document.querySelector(".cm-tooltip-autocomplete").textContent.includes("languages")`, 10*time.Second, "languages offered from the schema")
	run("dismiss", key(kb.Escape, 1))
	accept := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for range accept {
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
			return
		}
	}()
	run("delete it", chromedp.Click(chromedp.ID("#script-delete")))
	waitJS(t, ctx, `!document.querySelector('[data-script="autumn"]')`, 10*time.Second, "autumn gone from the list")
	if code, _ := apiCall(t, s, demoToken, "GET", "/api/v1/scripts/autumn", "", ""); code != 404 {
		t.Errorf("autumn after deleting: HTTP %d, want 404", code)
	}

	// Sign out: the token is gone. Another merchant sees nothing of demo's.
	run("sign out", chromedp.Click(chromedp.ID("#signout")))
	waitJS(t, ctx, `!document.getElementById("signin").hidden && sessionStorage.length == 0`, 10*time.Second, "signed out, storage cleared")
	run("sign in as acme", chromedp.SetValue(chromedp.ID("#token"), acmeToken), chromedp.Click(chromedp.CSS("#signin-form button[type=submit]")))
	waitJS(t, ctx, `!document.getElementById("view-scripts").hidden && document.getElementById("script-list").textContent.includes("No scripts yet")`, 10*time.Second, "acme's empty script list")
	run("acme's rooms", chromedp.Click(chromedp.CSS(`#tabs [data-tab="rooms"]`)))
	waitJS(t, ctx, `document.getElementById("room-list").textContent.includes("No rooms yet")`, 10*time.Second, "acme's empty room list")
	for _, tab := range []string{"scripts", "rooms", "audit"} {
		run("acme's "+tab, chromedp.Click(chromedp.CSS(`#tabs [data-tab="`+tab+`"]`)))
		waitJS(t, ctx, `!document.getElementById("view-`+tab+`").hidden`, 10*time.Second, "acme's "+tab)
		if page := text(t, ctx, "main"); strings.Contains(page, "demo-live") || strings.Contains(page, "console-live") || strings.Contains(page, "全网最低") {
			t.Errorf("acme's %s view shows demo's things: %q", tab, page)
		}
	}
	if code, _ := apiCall(t, s, acmeToken, "GET", "/api/v1/rooms/console-live", "", ""); code != 404 {
		t.Errorf("acme reading demo's room: HTTP %d, want 404", code)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
