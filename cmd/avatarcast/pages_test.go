package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// The viewer and kiosk pages in real headless Chromium against the real
// serve. Merchant controls (pitch, sale) make events happen at once, so the
// tests do not wait for the demo scripts' real-time lines to reach them.

const pagesToken = "pages-token-for-tests-0123456789"

// startPages runs serve with the repository's assets and a known demo token.
func startPages(t *testing.T, dataDir string, extra ...string) *server {
	t.Helper()
	env := map[string]string{"AVATARCAST_DEMO_TOKEN": pagesToken}
	args := append([]string{"-log-level", "warn", "-assets", filepath.Join(repoRoot(t), "assets")}, extra...)
	return startServeEnv(t, dataDir, env, io.Discard, args...)
}

// control sends a merchant control to a room and fails unless it is accepted.
func control(t *testing.T, s *server, room, ctl, body string) {
	t.Helper()
	code, m := apiCall(t, s, pagesToken, "POST", "/api/v1/rooms/"+room+"/"+ctl, "application/json", body)
	if code != 200 && code != 202 {
		t.Fatalf("control %s %s: HTTP %d %v", ctl, body, code, m)
	}
}

// viewport sets the page's size in CSS pixels.
func viewport(t *testing.T, ctx context.Context, w, h int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h, chromedp.EmulateScale(1))); err != nil {
		t.Fatalf("viewport %dx%d: %v", w, h, err)
	}
}

// shot saves what is on screen (the viewport) to $AVATARCAST_SCREENSHOTS.
func shot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("AVATARCAST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// inView is a JS expression: the element sel is wholly inside the viewport.
func inView(sel string) string {
	return `(() => { const e = document.querySelector(` + "`" + sel + "`" + `); if (!e) return false; const r = e.getBoundingClientRect();
	  return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth; })()`
}

// sentFrames records the WebSocket frames the page sends.
type sentFrames struct {
	mu     sync.Mutex
	frames []string
}

func recordSent(ctx context.Context) *sentFrames {
	f := &sentFrames{}
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketFrameSent); ok && e.Response != nil {
			f.mu.Lock()
			f.frames = append(f.frames, string(e.Response.PayloadData))
			f.mu.Unlock()
		}
	})
	return f
}

// pageErrors records the page's uncaught exceptions.
type pageErrors struct {
	mu   sync.Mutex
	errs []string
}

func recordErrors(ctx context.Context) *pageErrors {
	p := &pageErrors{}
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok && e.ExceptionDetails != nil {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			p.mu.Lock()
			p.errs = append(p.errs, fmt.Sprintf("%s:%d: %s", d.URL, d.LineNumber+1, msg))
			p.mu.Unlock()
		}
	})
	return p
}

// watchCSP makes the page record what its CSP refuses from now on.
func watchCSP(t *testing.T, ctx context.Context) {
	eval[bool](t, ctx, `(window.cspViolations = [], document.addEventListener("securitypolicyviolation", e => cspViolations.push(e.violatedDirective + " " + e.blockedURI)), true)`)
}

// check fails the test for any exception or CSP violation the page had.
func (p *pageErrors) check(t *testing.T, ctx context.Context) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range p.errs {
		t.Errorf("page exception: %s", e)
	}
	if v := eval[[]string](t, ctx, `window.cspViolations || []`); len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

func (f *sentFrames) find(sub string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.frames {
		if strings.Contains(s, sub) {
			return s
		}
	}
	return ""
}

// TestViewerPageOnPhone is a viewer on a phone (390×844): the avatar speaks
// and changes its face, the cards sell, the buy button sends a cart
// intent, comments fly, the first question asks for a name and the reply
// addresses it, and the subtitle language can be picked.
func TestViewerPageOnPhone(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	viewport(t, ctx, 390, 844)
	sent := recordSent(ctx)
	errs := recordErrors(ctx)
	do(t, ctx, "open viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	watchCSP(t, ctx)
	waitJS(t, ctx, `document.getElementById("persona-name").textContent.includes("AI")`, 20*time.Second, "hello: the persona named as AI")
	// A missing image shows the placeholder, never a broken image.
	eval[bool](t, ctx, `(import("/static/stage.js").then(m => { const i = new Image(); i.id = "missing"; m.setImage(i, "/assets/img/no-such.svg", ""); document.body.append(i); }), true)`)
	waitJS(t, ctx, `(() => { const i = document.getElementById("missing"); return !!i && i.complete && i.naturalWidth > 0 && i.classList.contains("placeholder"); })()`, 10*time.Second, "the placeholder for a missing image")
	eval[bool](t, ctx, `(document.getElementById("missing").remove(), true)`)
	waitJS(t, ctx, `!!document.querySelector("#avatar svg .mouth")`, 5*time.Second, "the SVG avatar")

	// The merchant starts the flash sale and pitches the tea now.
	control(t, s, "demo-live", "sale", `{"sale_id":"flash-tea"}`)
	control(t, s, "demo-live", "pitch", `{"sku":"tea-01"}`)

	// The flash-sale card names its product and counts down.
	waitJS(t, ctx, `!document.getElementById("sale").hidden && document.querySelector("#sale .sale-product").textContent.includes("龙井")`, 20*time.Second, "the flash-sale card naming its product")
	first := text(t, ctx, "#sale .countdown")
	waitJS(t, ctx, `document.querySelector("#sale .countdown").textContent !== `+"`"+first+"`", 10*time.Second, "the countdown counting")

	// The mouth moves during speech and rests after.
	rest := eval[string](t, ctx, `document.querySelector("#avatar .mouth").getAttribute("d")`)
	waitJS(t, ctx, `document.getElementById("avatar").dataset.viseme !== "rest" && document.querySelector("#avatar .mouth").getAttribute("d") !== `+"`"+rest+"`", 30*time.Second, "the mouth moving during speech")
	waitJS(t, ctx, `document.getElementById("avatar").dataset.viseme === "rest"`, 30*time.Second, "the mouth at rest after the line")

	// The product card: image, price, struck-through list price, stock.
	waitJS(t, ctx, `!document.getElementById("product").hidden && document.getElementById("product").dataset.sku === "tea-01"`, 40*time.Second, "the pitched product card")
	waitJS(t, ctx, `(() => { const i = document.querySelector("#product .thumb"); return i.complete && i.naturalWidth > 0 && i.src.endsWith("/assets/img/tea-01.svg"); })()`, 10*time.Second, "the product image loaded from the assets")
	if now, list := text(t, ctx, "#product .now"), text(t, ctx, "#product s.list"); !strings.Contains(now, "99") || !strings.Contains(list, "129") {
		t.Errorf("product card price %q list price %q, want 99 and 129", now, list)
	}
	if st := text(t, ctx, "#product .stock"); !strings.ContainsAny(st, "0123456789") {
		t.Errorf("product card stock %q", st)
	}
	// Phone first: the comment box, the buy button and the AI label are on
	// screen without scrolling.
	for _, sel := range []string{"#say-text", "#buy", "#ai-label", "#like"} {
		if !eval[bool](t, ctx, inView(sel)) {
			t.Errorf("%s is not wholly visible at 390×844 without scrolling", sel)
		}
	}

	// The expression events change the face (the greeting is happy, the
	// pitch warm).
	// The neutral left brow of avatar-svg.js (EXPRESSIONS.neutral): read
	// from the page it could already be the greeting's happy one.
	const neutral = "M72 88 Q80 85 88 88"
	waitJS(t, ctx, `document.getElementById("avatar").dataset.expression !== "neutral"`, 60*time.Second, "an expression event changing the face")
	if brow := eval[string](t, ctx, `document.querySelector("#avatar .brow-l").getAttribute("d")`); brow == neutral && eval[string](t, ctx, `document.getElementById("avatar").dataset.expression`) != "neutral" {
		t.Errorf("expression %s left the brows as neutral", eval[string](t, ctx, `document.getElementById("avatar").dataset.expression`))
	}

	// The buy button sends the cart intent for the card's product; the
	// gateway's cart.ok turns it to "added" for a few seconds (and marks
	// data-acked), and the director
	// counts the viewer as wanting the product on the card.
	do(t, ctx, "buy", chromedp.Click("#buy"))
	waitFor(t, 10*time.Second, "a cart frame", func() bool { return sent.find(`"type":"cart"`) != "" })
	if f := sent.find(`"type":"cart"`); !strings.Contains(f, `"sku":"tea-01"`) {
		t.Errorf("cart frame %s, want sku tea-01", f)
	}
	waitJS(t, ctx, `document.getElementById("buy").dataset.acked === "tea-01"`, 10*time.Second, "the buy button acknowledging cart.ok")
	waitJS(t, ctx, `(() => { const w = document.querySelector("#product .wanted"); return !w.hidden && /1/.test(w.textContent); })()`, 15*time.Second, "the card showing that one viewer wants it")

	// A like bursts into hearts and is sent.
	do(t, ctx, "like", chromedp.Click("#like"))
	waitJS(t, ctx, `document.querySelectorAll("#like .heart").length > 0 && document.getElementById("like-count").textContent === "1"`, 5*time.Second, "the like burst")
	waitFor(t, 10*time.Second, "a like frame", func() bool { return sent.find(`"type":"like"`) != "" })

	// A comment flies as danmaku.
	do(t, ctx, "comment", chromedp.SetValue("#say-text", "好漂亮的茶罐"), chromedp.Click(`#say button[type="submit"]`))
	waitJS(t, ctx, `[...document.querySelectorAll("#danmaku .bullet")].some(b => b.textContent === "好漂亮的茶罐")`, 10*time.Second, "the comment flying as danmaku")
	waitJS(t, ctx, `[...document.querySelectorAll("#danmaku .bullet")].some(b => b.getBoundingClientRect().left < innerWidth / 2)`, 10*time.Second, "the comment flying across")
	shot(t, ctx, "viewer-phone")

	// The first question asks for a name; the reply addresses it.
	do(t, ctx, "ask", chromedp.SetValue("#say-text", "How much is the tea?"), chromedp.Click(`#say button[type="submit"]`))
	waitJS(t, ctx, `document.getElementById("name-dialog").open`, 5*time.Second, "the name prompt")
	shot(t, ctx, "viewer-phone-name")
	do(t, ctx, "name", chromedp.SetValue("#name-input", "Mei"), chromedp.Click(`#name-form button[value="ok"]`))
	waitFor(t, 10*time.Second, "the question sent with the name", func() bool { return sent.find(`"name":"Mei"`) != "" })
	waitJS(t, ctx, `!document.getElementById("reply").hidden && document.getElementById("reply").classList.contains("mine") && document.querySelector("#reply .to").textContent.includes("Mei")`, 60*time.Second, "the reply addressed to Mei")

	// The coupon handed out by the greeting appears with its terms.
	waitJS(t, ctx, `!!document.querySelector("#coupons .coupon .terms")`, 90*time.Second, "a coupon card")
	shot(t, ctx, "viewer-phone-coupon")

	// The subtitle language picker: English subtitles for a Chinese stream,
	// from the speech event's translations.
	do(t, ctx, "pick English", chromedp.SetValue("#sub-lang", "en"), chromedp.Evaluate[chromedp.Void](`document.getElementById("sub-lang").dispatchEvent(new Event("change"))`))
	waitJS(t, ctx, `document.getElementById("subtitle").dataset.lang === "en" && /^[\x00-\x7F’–—…]+$/.test(document.getElementById("subtitle").textContent.trim())`, 40*time.Second, "an English subtitle")
	if !eval[bool](t, ctx, `document.getElementById("ai-label").getBoundingClientRect().top === 0`) {
		t.Error("AI label is not on top")
	}
	errs.check(t, ctx)
}

// waitFor polls ok until it holds.
func waitFor(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !ok(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: timed out after %s", what, timeout)
		}
	}
}

// TestViewerReconnectsInBrowser restarts the server under a desktop page:
// the page shows "reconnecting…", comes back by itself with since=, and
// every room event after the last one it saw arrives once, in order.
func TestViewerReconnectsInBrowser(t *testing.T) {
	ctx := browser(t)
	data := t.TempDir()
	s := startPages(t, data)
	viewport(t, ctx, 1440, 900)
	do(t, ctx, "open viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	waitJS(t, ctx, `document.getElementById("status").dataset.state === "live"`, 20*time.Second, "live")
	eval[bool](t, ctx, `(window.seen = [], avatarClient.on("*", ev => { if (ev.seq > 0) seen.push(ev.seq); }), true)`)
	control(t, s, "demo-live", "pitch", `{"sku":"cup-02"}`)
	waitJS(t, ctx, `seen.length >= 3`, 30*time.Second, "some events")

	if err := s.stop(); err != nil {
		t.Fatalf("stop serve: %v", err)
	}
	waitJS(t, ctx, `document.getElementById("status").textContent.includes("…") && document.getElementById("status").dataset.state === "reconnecting"`, 10*time.Second, `"reconnecting…"`)
	before := eval[int](t, ctx, `seen.length`)
	shot(t, ctx, "viewer-desktop-reconnecting")

	u, err := url.Parse(s.base)
	if err != nil {
		t.Fatal(err)
	}
	s2 := startPages(t, data, "-addr", u.Host)
	waitJS(t, ctx, `document.getElementById("status").dataset.state === "live"`, 40*time.Second, "live again")
	waitJS(t, ctx, `seen.length >= `+strconv.Itoa(before+3), 60*time.Second, "events after the restart")
	seqs := eval[[]int](t, ctx, `seen`)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Errorf("events seen %v: seq %d follows %d (a gap or a repeat)", seqs, seqs[i], seqs[i-1])
			break
		}
	}
	control(t, s2, "demo-live", "pitch", `{"sku":"tea-01"}`)
	waitJS(t, ctx, `!document.getElementById("product").hidden`, 40*time.Second, "a product card")
	waitJS(t, ctx, `document.querySelector("#catalog .current") !== null`, 10*time.Second, "the product list marking the product explained")
	shot(t, ctx, "viewer-desktop")
}

// TestKioskInBrowser is a museum kiosk at 1080p: a language button switches
// the spoken language, a tap is answered, the attract loop starts when no
// one touches it, and the staff lock refuses a wrong passcode.
func TestKioskInBrowser(t *testing.T) {
	ctx := browser(t)
	sum := sha256.Sum256([]byte("2468"))
	data := t.TempDir()
	flags := []string{"-kiosk-passcode-sha256", hex.EncodeToString(sum[:]), "-kiosk-idle-seconds", "4"}
	s := startPages(t, data, flags...)
	show, problems := script.ParseFile(filepath.Join(repoRoot(t), "scripts", "demo-museum.yaml"))
	if show == nil {
		t.Fatalf("demo-museum: %v", problems)
	}
	var answers []string
	for _, ex := range show.Exhibits {
		for _, o := range ex.Options {
			for _, l := range o.Lines {
				answers = append(answers, `"`+l.ID+`"`)
			}
		}
	}
	viewport(t, ctx, 1920, 1080)
	errs := recordErrors(ctx)
	do(t, ctx, "open kiosk", chromedp.Navigate(s.base+"/kiosk/demo-museum"))
	watchCSP(t, ctx)
	waitJS(t, ctx, `document.querySelectorAll("#langs button").length === 3`, 20*time.Second, "three language buttons")
	// A kiosk has no free-text box or like button unless configured.
	if eval[bool](t, ctx, `!document.getElementById("say").hidden || !!document.getElementById("like")`) {
		t.Error("kiosk shows a free-text box or a like button without the config asking")
	}
	waitJS(t, ctx, `document.querySelectorAll("#exhibits button").length === 2`, 10*time.Second, "the exhibit list")

	// English: the guide speaks English from the next line.
	do(t, ctx, "English", chromedp.Click("#subtitle"), chromedp.Click(`#langs button[data-lang="en"]`))
	waitJS(t, ctx, `document.getElementById("subtitle").dataset.lang === "en"`, 40*time.Second, "a line spoken in English")

	// A tap on an exhibit's question is answered.
	waitJS(t, ctx, `document.querySelectorAll("#options button").length > 0`, 60*time.Second, "an exhibit with questions")
	// (The idle time is short for the test: a first touch ends the
	// attract loop, as a visitor's would.)
	do(t, ctx, "tap", chromedp.Click("#subtitle"), chromedp.Click("#options button"))
	waitJS(t, ctx, `[`+strings.Join(answers, ",")+`].includes(document.getElementById("subtitle").dataset.line)`, 60*time.Second, "the tapped question's answer")
	if !eval[bool](t, ctx, `document.querySelector("#exhibit .k-img").naturalWidth > 0 && !document.querySelector("#exhibit .k-img").classList.contains("placeholder")`) {
		t.Error("exhibit image did not load")
	}
	shot(t, ctx, "kiosk-landscape")
	viewport(t, ctx, 1080, 1920)
	shot(t, ctx, "kiosk-portrait")
	viewport(t, ctx, 1920, 1080)

	// Nobody touches it: the attract loop starts; a touch ends it.
	waitJS(t, ctx, `!document.getElementById("attract").hidden`, 20*time.Second, "the attract loop")
	shot(t, ctx, "kiosk-attract")
	do(t, ctx, "touch", chromedp.Click("#attract"))
	waitJS(t, ctx, `document.getElementById("attract").hidden`, 5*time.Second, "the attract loop ending at a touch")

	// The staff lock refuses a wrong passcode, checked by the server.
	do(t, ctx, "staff", chromedp.Click("#staff"))
	waitJS(t, ctx, `document.getElementById("staff-dialog").open`, 5*time.Second, "the staff dialog")
	do(t, ctx, "wrong passcode", chromedp.SetValue("#passcode", "1357"), chromedp.Click(`#staff-form button[type="submit"]`))
	waitJS(t, ctx, `document.getElementById("staff-error").textContent.includes("Wrong")`, 10*time.Second, "a wrong passcode refused")
	if eval[bool](t, ctx, `document.body.dataset.unlocked === "true"`) {
		t.Fatal("kiosk unlocked with a wrong passcode")
	}
	do(t, ctx, "right passcode", chromedp.SetValue("#passcode", "2468"), chromedp.Click(`#staff-form button[type="submit"]`))
	waitJS(t, ctx, `document.body.dataset.unlocked === "true" && !document.getElementById("staff-unlocked").hidden`, 10*time.Second, "the right passcode unlocking")

	// The server restarts: the kiosk comes back by itself, its exhibit and
	// language kept, and goes on with the next lines.
	do(t, ctx, "close the staff dialog", chromedp.Click("#staff-cancel"))
	if err := s.stop(); err != nil {
		t.Fatalf("stop serve: %v", err)
	}
	waitJS(t, ctx, `document.getElementById("status").dataset.state === "reconnecting"`, 10*time.Second, "the kiosk reconnecting")
	line := eval[string](t, ctx, `document.getElementById("subtitle").dataset.line`)
	u, err := url.Parse(s.base)
	if err != nil {
		t.Fatal(err)
	}
	startPages(t, data, append(flags, "-addr", u.Host)...)
	waitJS(t, ctx, `document.getElementById("status").dataset.state === "live"`, 40*time.Second, "the kiosk live again")
	waitJS(t, ctx, `document.getElementById("subtitle").dataset.line !== "`+line+`"`, 40*time.Second, "a new line after the restart")
	if eval[bool](t, ctx, `document.getElementById("exhibit").hidden || document.querySelectorAll("#langs button").length !== 3`) {
		t.Error("the kiosk lost its exhibit or its language buttons over the restart")
	}
	errs.check(t, ctx)
}

// TestViewerPageShowsShowStatus: the viewer page says when the show is
// paused, both when it pauses under the viewer (show.pause) and to a viewer
// who joins the paused show (hello's state.status), and says live again
// when it resumes; so does a kiosk.
func TestViewerPageShowsShowStatus(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	status := `document.getElementById("status").dataset.state`
	do(t, ctx, "open viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	waitJS(t, ctx, status+` === "live"`, 20*time.Second, "live")

	control(t, s, "demo-live", "pause", `{}`)
	waitJS(t, ctx, status+` === "paused"`, 60*time.Second, "paused, on show.pause")
	do(t, ctx, "reload the page", chromedp.Reload())
	waitJS(t, ctx, `window.avatarClient && avatarClient.lastSeq > 0`, 20*time.Second, "hello after the reload")
	waitJS(t, ctx, status+` === "paused"`, 10*time.Second, "paused, from hello's state")
	if got := text(t, ctx, "#status"); got != "paused" && got != "暂停中" && got != "en pause" {
		t.Errorf("status reads %q, want the word for paused", got)
	}

	control(t, s, "demo-live", "resume", `{}`)
	waitJS(t, ctx, status+` === "live"`, 60*time.Second, "live again, on show.resume")

	// A kiosk says the same.
	control(t, s, "demo-museum", "pause", `{}`)
	do(t, ctx, "open kiosk", chromedp.Navigate(s.base+"/kiosk/demo-museum"))
	waitJS(t, ctx, `window.avatarClient && avatarClient.lastSeq > 0`, 20*time.Second, "the kiosk's hello")
	waitJS(t, ctx, status+` === "paused"`, 60*time.Second, "the kiosk paused, from hello's state or show.pause")
	control(t, s, "demo-museum", "resume", `{}`)
	waitJS(t, ctx, status+` === "live"`, 60*time.Second, "the kiosk live again, on show.resume")
}
