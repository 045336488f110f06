package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestConsolePresentersInBrowser drives the console's Presenters tab in
// headless Chromium against a real serve, at a phone's width and a
// desktop's: Alt+4 opens it; a seed persona shadowed; a licence recorded
// from its form; a persona with a real person's likeness under it, whose
// live preview follows the look typed; a bad voice rate and a bad colour
// refused with the API's problems shown beside their fields and nothing
// typed lost (not when the merchant clicks elsewhere and keeps the changes,
// nor over a reload); the fixed persona saved as version 1; a room playing
// it; the licence revoked from the console, which lists the room it stopped
// (opened in Rooms from there) and flags the persona; on the phone the
// licence deleted, on the desktop the persona, each after a confirmation.
func TestConsolePresentersInBrowser(t *testing.T) {
	const tok = "demo-token-for-presenters-0123456789"
	ctx := browser(t)
	dir := t.TempDir()
	s := startServeEnv(t, filepath.Join(dir, "data"), map[string]string{"AVATARCAST_DEMO_TOKEN": tok}, io.Discard, "-log-level", "warn")
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "scripts", "demo-live.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	// A failure leaves a picture of the page as it was.
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, "console-presenters-failed")
		}
	})
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return out
	}
	// answerDialog answers the next confirm() with accept, and hands back
	// its message.
	answerDialog := func(accept bool) <-chan string {
		msgs := make(chan string, 1)
		evs := chromedp.Events(ctx, page.JavascriptDialogOpening)
		go func() {
			for ev := range evs {
				msgs <- ev.Message
				_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: accept})
				return
			}
		}()
		return msgs
	}
	waitDialog := func(msgs <-chan string, what string) string {
		t.Helper()
		select {
		case m := <-msgs:
			return m
		case <-time.After(10 * time.Second):
			t.Fatalf("no confirmation asked before %s", what)
			return ""
		}
	}
	// setValue sets a control's value as typing would: with its input and
	// change events.
	setValue := func(sel, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx2 context.Context, _ *chromedp.Target) error {
			js := `(() => { const e = document.querySelector(` + strconv.Quote(sel) + `); if (!e) return false;
				e.value = ` + strconv.Quote(v) + `; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); return true; })()`
			ok, err := chromedp.Run(ctx2, chromedp.Evaluate[bool](js))
			if err == nil && !ok {
				err = fmt.Errorf("no %s", sel)
			}
			return err
		})
	}
	click := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }
	// pick clicks a list's item in one step: the lists are drawn again when
	// their answer comes, which could replace the node between finding it
	// and clicking it.
	pick := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx2 context.Context, _ *chromedp.Target) error {
			ok, err := chromedp.Run(ctx2, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); if (e) e.click(); return !!e; })()`))
			if err == nil && !ok {
				err = fmt.Errorf("no %s", sel)
			}
			return err
		})
	}

	for i, size := range []struct {
		name string
		w, h int64
	}{{"phone", 390, 844}, {"desktop", 1366, 900}} {
		lic, per, room := "wang-"+size.name, "jun-"+size.name, "jun-live-"+size.name
		run("open the console at "+size.name+" width",
			chromedp.EmulateViewport(size.w, size.h),
			chromedp.Navigate(s.base+"/console/"))
		if i == 0 {
			run("sign in", chromedp.SetValue(chromedp.ID("#token"), tok), click("#signin-form button[type=submit]"))
		}
		waitJS(t, ctx, `!document.getElementById("tabs").hidden`, 20*time.Second, "the signed-in console")
		// Alt+4 opens the tab.
		run("Alt+4", chromedp.KeyEvent("4", chromedp.KeyModifiers(chromedp.ModifierAlt)))
		waitJS(t, ctx, `!document.getElementById("view-presenters").hidden && document.querySelector('#tabs [data-tab="presenters"]').getAttribute("aria-current") === "page"`,
			10*time.Second, "the Presenters tab after Alt+4")
		waitJS(t, ctx, `document.querySelectorAll("#seed-list [data-seed]").length >= 2`, 10*time.Second, "the personas file's ids")

		// A seed persona can be shadowed: a new form with its id.
		run("shadow xiaoya", pick(`#seed-list [data-seed="xiaoya"] button`))
		waitJS(t, ctx, `(document.querySelector("#pr-main [name=id]") || {}).value === "xiaoya" && document.querySelector("#pr-main h2").textContent.includes("shadows xiaoya") && document.activeElement === document.querySelector("#pr-main h2")`,
			10*time.Second, "a new persona shadowing xiaoya, the focus on its title")

		// A licence, from its form.
		run("new licence", click("#licence-new"))
		waitJS(t, ctx, `document.querySelector("#pr-main form[aria-label=Licence]") !== null`, 10*time.Second, "the licence form")
		run("fill the licence",
			setValue(`#pr-main [name=id]`, lic), setValue(`#pr-main [name=person]`, "Wang Jun"), setValue(`#pr-main [name=holder]`, "Wang Jun"),
			setValue(`#pr-main [name=consent]`, "CONSENT-2026-0042"), setValue(`#pr-main [name=territory]`, "cn, hk"),
			setValue(`#pr-main [name=expires]`, "2030-01-01T00:00"),
			click(`#pr-main [name=use-face]`), click(`#pr-main [name=use-voice]`), click(`#pr-main [name=use-livestream]`), click(`#pr-main [name=use-commercial]`),
			click(`#pr-main [data-save]`))
		waitJS(t, ctx, `document.querySelector("#pr-main .pr-result.ok") && document.querySelector("#pr-main .pr-result").textContent.includes("Saved as version 1")`, 10*time.Second, "the licence saved")
		waitJS(t, ctx, `!!document.querySelector('#licence-list [data-licence="`+lic+`"]')`, 10*time.Second, "the licence in the list")
		if code, m := apiCall(t, s, tok, "GET", "/api/v1/licences/"+lic, "", ""); code != 200 || m["version"] != 1.0 || fmt.Sprint(m["territory"]) != "[CN HK]" ||
			fmt.Sprint(m["covers"]) != "[commercial face livestream voice]" || m["expires"] != time.Date(2030, 1, 1, 0, 0, 0, 0, time.Local).UTC().Format(time.RFC3339) {
			t.Errorf("%s: stored licence: HTTP %d %v", size.name, code, m)
		}

		// A persona with Wang Jun's likeness under it.
		run("new persona", click("#persona-new"))
		waitJS(t, ctx, `document.querySelector("#pr-main form[aria-label=Persona]") !== null`, 10*time.Second, "the persona form")
		// The disclosure is marked required and cannot lose its last language.
		if got := eval("the disclosure's legend", `document.querySelector('[data-field="disclosure"] legend').textContent + "|" +
			document.querySelectorAll('[data-field="disclosure"] .lang-row').length + "|" + document.querySelector('[data-field="disclosure"] .lang-row button').disabled`); got !=
			"AI disclosure — required, never empty|1|true" {
			t.Errorf("%s: the disclosure reads %q; want it marked required, one language that cannot be removed", size.name, got)
		}
		run("fill the persona",
			setValue(`#pr-main [name=id]`, per), setValue(`#pr-main [name=name]`, "Jun"),
			click(`#pr-main input[name=kind][value=likeness]`),
			setValue(`#pr-main select[name=licence_id]`, lic),
			setValue(`#pr-main [data-field="disclosure"] .lang-row textarea`, "An AI likeness of Wang Jun, used under licence."),
			click(`#pr-main [data-field="disclosure"] .row button`),
			setValue(`#pr-main [data-field="disclosure"] .lang-row:nth-child(2) input`, "zh-CN"),
			setValue(`#pr-main [data-field="disclosure"] .lang-row:nth-child(2) textarea`, "本主播为经授权的AI数字形象。"),
			click(`#pr-main [data-field="spoken_disclosure"] .row button:last-child`),
			setValue(`#pr-main select[name=hair]`, "long"),
			setValue(`#pr-main input[name=hair_color]`, "#aa3355"),
			setValue(`#pr-main [name=voice_id]`, "wang-clone"),
			setValue(`#pr-main [name=rate]`, "5"))
		// Choosing the licence filled in its person and the uses it covers.
		if got := eval("the likeness", `[document.querySelector("#pr-main [name=person]").value, document.querySelector("#pr-main [name=lk-face]").checked, document.querySelector("#pr-main [name=lk-voice]").checked].join("|")`); got != "Wang Jun|true|true" {
			t.Errorf("%s: the likeness after choosing %s reads %q; want Wang Jun, face and voice", size.name, lic, got)
		}
		// The live preview draws the look typed, with the viewer pages' renderer.
		waitJS(t, ctx, `(() => { const h = document.querySelector("#pr-avatar .hair-back"); return !!h && h.getAttribute("fill") === "#aa3355"; })()`, 10*time.Second, "the preview in the hair colour typed")

		// A rate of 5: the API's problem shows beside the rate, nothing is stored.
		run("save with a bad rate", click(`#pr-main [data-save]`))
		waitJS(t, ctx, `!!document.querySelector('#pr-main [data-field="voice.rate"] .field-problem[data-code="bad-rate"]')`, 10*time.Second, "the rate's problem beside it")
		if got := eval("the rate field", `[document.querySelector("#pr-main [name=rate]").getAttribute("aria-invalid"), document.activeElement.name, document.querySelector("#pr-main .pr-result").textContent].join("|")`); !strings.HasPrefix(got, "true|rate|Not saved (1 problem") {
			t.Errorf("%s: after the refused save: %q; want the rate marked invalid and focused, the save refused", size.name, got)
		}
		screenshot(t, ctx, "console-presenters-persona-422-"+size.name)
		if code, _ := apiCall(t, s, tok, "GET", "/api/v1/personas/"+per, "", ""); code != 404 {
			t.Errorf("%s: persona after a refused save: HTTP %d, want 404", size.name, code)
		}
		// A colour that is not one: the look's problem shows beside that colour.
		run("save with a bad colour", setValue(`#pr-main input[name=hair_color]`, "crimson"), click(`#pr-main [data-save]`))
		waitJS(t, ctx, `!!document.querySelector('#pr-main [data-field="look.hair_color"] .field-problem[data-code="bad-look"]') && document.querySelector("#pr-main .pr-result").textContent.startsWith("Not saved (2 problems")`,
			10*time.Second, "the colour's problem beside it, with the rate's")
		run("the colour back", setValue(`#pr-main input[name=hair_color]`, "#aa3355"))
		// Clicking another record asks first; keeping the changes keeps them.
		msgs := answerDialog(false)
		run("open the licence with unsaved changes", pick(`#licence-list [data-licence="`+lic+`"]`))
		if m := waitDialog(msgs, "leaving the unsaved persona"); !strings.Contains(m, "Discard the unsaved changes") {
			t.Errorf("%s: the confirmation reads %q", size.name, m)
		}
		if got := eval("the form after keeping", `document.querySelector("#pr-main form").getAttribute("aria-label") + "|" + document.querySelector("#pr-main [name=id]").value + "|" + document.querySelector("#pr-main [name=rate]").value`); got != "Persona|"+per+"|5" {
			t.Errorf("%s: after keeping the changes the form reads %q", size.name, got)
		}

		// Fixed and saved: version 1, in the list, with its licence.
		run("fix the rate and save with Ctrl+S", setValue(`#pr-main [name=rate]`, "1.1"), chromedp.KeyEvent("s", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		waitJS(t, ctx, `document.querySelector("#pr-main .pr-result.ok") && document.querySelector("#pr-main .pr-result").textContent.includes("Saved as version 1")`, 10*time.Second, "the persona saved")
		waitJS(t, ctx, `!document.querySelector("#pr-main .field-problem") && document.querySelector('#persona-list [data-persona="`+per+`"]') && document.querySelector('#persona-list [data-persona="`+per+`"]').textContent.includes("v1")`,
			10*time.Second, "the persona in the list at v1, no problem left")
		code, m := apiCall(t, s, tok, "GET", "/api/v1/personas/"+per, "", "")
		if lk, _ := m["likeness"].(map[string]any); code != 200 || m["version"] != 1.0 || lk["licence_id"] != lic || lk["person"] != "Wang Jun" ||
			fmt.Sprint(m["disclosure"]) != "map[en:An AI likeness of Wang Jun, used under licence. zh-CN:本主播为经授权的AI数字形象。]" ||
			fmt.Sprint(m["voice"]) != "map[id:wang-clone rate:1.1]" || fmt.Sprint(m["look"]) != "map[hair:long hair_color:#aa3355]" {
			t.Errorf("%s: stored persona: HTTP %d %v", size.name, code, m)
		}
		waitJS(t, ctx, `document.querySelectorAll("#pr-versions [data-version]").length === 1`, 10*time.Second, "one version listed")
		screenshot(t, ctx, "console-presenters-persona-"+size.name)

		// A room playing the persona.
		script := strings.Replace(strings.Replace(string(src), "persona: xiaoya", "persona: "+per, 1), "id: demo-live", "id: "+room, 1)
		if code, m := apiCall(t, s, tok, "PUT", "/api/v1/scripts/"+room, "application/yaml", script); code != 201 {
			t.Fatalf("%s: script: HTTP %d %v", size.name, code, m)
		}
		if code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms", "application/json", `{"id":"`+room+`","kind":"livestream","script":"`+room+`"}`); code != 201 {
			t.Fatalf("%s: room: HTTP %d %v", size.name, code, m)
		}
		if code, m := apiCall(t, s, tok, "POST", "/api/v1/rooms/"+room+"/start", "", ""); code != 200 {
			t.Fatalf("%s: start: HTTP %d %v", size.name, code, m)
		}

		// Revoke the licence: the answer lists the room it stopped, and the
		// persona is flagged.
		run("open the licence", pick(`#licence-list [data-licence="`+lic+`"]`))
		waitJS(t, ctx, `!!document.querySelector("#pr-main [data-revoke-open]")`, 10*time.Second, "the licence with its Revoke button")
		run("revoke it", click(`#pr-main [data-revoke-open]`))
		waitJS(t, ctx, `!document.querySelector("#pr-main .revoke-panel").hidden && document.activeElement.closest(".revoke-panel") !== null`, 10*time.Second, "the revocation asked, focus in it")
		if got := text(t, ctx, "#pr-main .revoke-panel"); !strings.Contains(got, "stays revoked") || !strings.Contains(got, "stops at once") {
			t.Errorf("%s: the revocation panel reads %q; want it final and stopping rooms", size.name, got)
		}
		run("revoke for good", setValue(`#pr-main .revoke-panel textarea`, "consent withdrawn"), click(`#pr-main [data-revoke]`))
		waitJS(t, ctx, `!!document.querySelector('#pr-main .pr-result [data-stopped-room="`+room+`"]')`, 10*time.Second, "the stopped room listed")
		if got := text(t, ctx, "#pr-main .pr-result"); !strings.Contains(got, "revoked") || !strings.Contains(got, "Stopped 1 room") || !strings.Contains(got, per) {
			t.Errorf("%s: the revocation's answer reads %q", size.name, got)
		}
		waitJS(t, ctx, `document.querySelector('#persona-list [data-persona="`+per+`"]').textContent.includes("licence `+lic+` revoked")`, 10*time.Second, "the persona flagged")
		if got := eval("the revoked licence", `[!!document.querySelector("#pr-main .revoked-banner"), !!document.querySelector("#pr-main [data-revoke-open]"), document.querySelector('#licence-list [data-licence="`+lic+`"]').textContent.includes("revoked")].join("|")`); got != "true|false|true" {
			t.Errorf("%s: the revoked licence: banner|revoke button|listed revoked = %q, want true|false|true", size.name, got)
		}
		screenshot(t, ctx, "console-presenters-revoked-"+size.name)
		if code, rm := apiCall(t, s, tok, "GET", "/api/v1/rooms/"+room, "", ""); code != 200 || rm["status"] != avatar.RoomStopped || rm["stop_reason"] != avatar.LicenceRevoked {
			t.Errorf("%s: room after the revocation: HTTP %d %v, want stopped for licence_revoked", size.name, code, rm)
		}
		if code, m := apiCall(t, s, tok, "GET", "/api/v1/licences/"+lic+"/versions", "", ""); code != 200 || len(m["versions"].([]any)) != 2 {
			t.Errorf("%s: licence versions: HTTP %d %v, want 2", size.name, code, m)
		}
		waitJS(t, ctx, `document.querySelectorAll("#pr-versions [data-version]").length === 2`, 10*time.Second, "two versions of the licence listed")
		// The room's button opens it in Rooms, stopped.
		run("open the stopped room", click(`#pr-main [data-stopped-room="`+room+`"] button`))
		waitJS(t, ctx, `!document.getElementById("view-rooms").hidden && document.getElementById("room-status") && document.querySelector("#room-detail h2").textContent === "`+room+`" && document.getElementById("room-status").textContent === "stopped"`,
			10*time.Second, "the stopped room in Rooms")
		if size.name == "phone" {
			// The page fits a phone: nothing wider than the screen.
			run("back to Presenters", click(`#tabs [data-tab="presenters"]`))
			run("open the persona", pick(`#persona-list [data-persona="`+per+`"]`))
			waitJS(t, ctx, `document.querySelector("#pr-main [name=id]") && document.querySelector("#pr-main [name=id]").value === "`+per+`"`, 10*time.Second, "the persona open")
			if w := eval("page width", `String(document.documentElement.scrollWidth)`); w != "390" {
				t.Errorf("phone: the page is %s px wide, want 390 (no sideways scrolling)", w)
			}
			// Delete the licence, after a confirmation that says what it stops.
			run("open the licence again", pick(`#licence-list [data-licence="`+lic+`"]`))
			waitJS(t, ctx, `(document.querySelector("#pr-main form[aria-label=Licence] [name=id]") || {}).value === "`+lic+`"`, 10*time.Second, "the licence open")
			msgs = answerDialog(true)
			run("delete the licence", click(`#pr-main [data-delete]`))
			if m := waitDialog(msgs, "deleting the licence"); !strings.Contains(m, "Delete licence "+lic) || !strings.Contains(m, "stops") {
				t.Errorf("the licence's delete confirmation reads %q", m)
			}
			waitJS(t, ctx, `!document.querySelector('#licence-list [data-licence="`+lic+`"]') && document.querySelector("#pr-main .result").dataset.deleted === "`+lic+`"`, 10*time.Second, "the licence deleted")
			if got := text(t, ctx, "#pr-main .result"); !strings.Contains(got, "Deleted licence "+lic) || !strings.Contains(got, "nothing was stopped") {
				t.Errorf("after deleting the licence: %q", got)
			}
			waitJS(t, ctx, `document.querySelector('#persona-list [data-persona="`+per+`"]').textContent.includes("licence `+lic+` missing")`, 10*time.Second, "the persona flagged: its licence missing")
			continue
		}

		// A change typed and the page reloaded (after the browser asked):
		// the change comes back when the persona opens again.
		run("back to Presenters", click(`#tabs [data-tab="presenters"]`))
		run("open the persona", pick(`#persona-list [data-persona="`+per+`"]`))
		waitJS(t, ctx, `document.querySelector("#pr-main [name=id]") && document.querySelector("#pr-main [name=id]").value === "`+per+`"`, 10*time.Second, "the persona open")
		run("change the name", setValue(`#pr-main [name=name]`, "Jun (draft)"))
		waitJS(t, ctx, `document.querySelector("#pr-main .pr-state").textContent.includes("unsaved changes")`, 10*time.Second, "the change marked unsaved")
		msgs = answerDialog(true)
		run("reload", chromedp.Reload())
		waitDialog(msgs, "reloading with unsaved changes")
		waitJS(t, ctx, `!document.getElementById("tabs").hidden`, 20*time.Second, "the console after the reload")
		run("Alt+4 again", chromedp.KeyEvent("4", chromedp.KeyModifiers(chromedp.ModifierAlt)))
		waitJS(t, ctx, `!!document.querySelector('#persona-list [data-persona="`+per+`"]')`, 10*time.Second, "the persona listed after the reload")
		run("open the persona again", pick(`#persona-list [data-persona="`+per+`"]`))
		waitJS(t, ctx, `document.querySelector("#pr-main [name=name]") && document.querySelector("#pr-main [name=name]").value === "Jun (draft)" && document.querySelector("#pr-main .pr-state").textContent.includes("unsaved changes")`,
			10*time.Second, "the typed name restored")

		// Delete the persona, after a confirmation.
		msgs = answerDialog(true)
		run("delete the persona", click(`#pr-main [data-delete]`))
		if m := waitDialog(msgs, "deleting"); !strings.Contains(m, "Delete persona "+per) {
			t.Errorf("the delete confirmation reads %q", m)
		}
		waitJS(t, ctx, `!document.querySelector('#persona-list [data-persona="`+per+`"]')`, 10*time.Second, "the persona gone from the list")
		if code, _ := apiCall(t, s, tok, "GET", "/api/v1/personas/"+per, "", ""); code != 404 {
			t.Errorf("persona after deleting: HTTP %d, want 404", code)
		}
	}
}
