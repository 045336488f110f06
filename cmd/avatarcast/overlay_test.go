package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The OBS overlay in real headless Chromium against the real serve. OBS
// composites the page over its scene, so the tests look at what OBS would:
// screenshots taken over a transparent default background, pixel by pixel.

// transparentBackground makes the browser's default background transparent,
// as an OBS browser source's is. (cdp.RGBA drops a zero alpha, which would
// mean opaque: the colour is sent as it must be.)
func transparentBackground(t *testing.T, ctx context.Context) {
	t.Helper()
	type params struct {
		Color map[string]float64 `json:"color"`
	}
	cmd := cdp.Command[params, cdp.Empty]{Method: emulation.CommandSetDefaultBackgroundColorOverride}
	do(t, ctx, "transparent default background", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cmd, params{Color: map[string]float64{"r": 0, "g": 0, "b": 0, "a": 0}})
		return err
	}))
}

// frame captures the viewport as an image with its alpha channel, saved to
// $AVATARCAST_SCREENSHOTS/name.png when that is set.
func frame(t *testing.T, ctx context.Context, name string) image.Image {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if dir := os.Getenv("AVATARCAST_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
			t.Error(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	return img
}

// rect is an element's box in CSS pixels (the tests use scale 1).
type rect struct{ X, Y, W, H float64 }

// boxes returns the boxes of the visible elements matching sel.
func boxes(t *testing.T, ctx context.Context, sel string) []rect {
	return eval[[]rect](t, ctx, `[...document.querySelectorAll(`+"`"+sel+"`"+`)].map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0).map(r => ({X: r.x, Y: r.y, W: r.width, H: r.height}))`)
}

func alpha(img image.Image, x, y int) uint32 { _, _, _, a := img.At(x, y).RGBA(); return a >> 8 }

// checkTransparent fails unless every pixel on a grid (every 8 px) that is
// away from what the page draws (the boxes, with a margin for shadows) is
// fully transparent, and says how many grid pixels it looked at.
func checkTransparent(t *testing.T, img image.Image, drawn []rect, what string) int {
	t.Helper()
	const margin = 32 // the cards' shadows blur 18 px beyond their boxes
	n, bad := 0, 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 8 {
	next:
		for x := b.Min.X; x < b.Max.X; x += 8 {
			for _, r := range drawn {
				if float64(x) >= r.X-margin && float64(x) <= r.X+r.W+margin && float64(y) >= r.Y-margin && float64(y) <= r.Y+r.H+margin {
					continue next
				}
			}
			n++
			if a := alpha(img, x, y); a != 0 {
				if bad < 5 {
					t.Errorf("%s: pixel (%d,%d) away from every part has alpha %d, want 0", what, x, y, a)
				}
				bad++
			}
		}
	}
	if n < 1000 {
		t.Errorf("%s: only %d background pixels to check", what, n)
	}
	return n
}

// checkLabel fails unless the AI label is drawn: its box is on screen, at
// least 20 px high, and the pixels at its left edge are its opaque yellow.
func checkLabel(t *testing.T, ctx context.Context, img image.Image, what string) {
	t.Helper()
	ls := boxes(t, ctx, "#ai-label")
	if len(ls) != 1 {
		t.Errorf("%s: the AI label has %d boxes on screen, want 1", what, len(ls))
		return
	}
	l := ls[0]
	if l.H < 20 || l.X < 0 || l.Y < 0 || l.X+l.W > float64(img.Bounds().Dx()) || l.Y+l.H > float64(img.Bounds().Dy()) {
		t.Errorf("%s: the AI label's box %+v is not wholly on screen or too small", what, l)
	}
	if txt := eval[string](t, ctx, `document.getElementById("ai-label").textContent.trim()`); txt == "" {
		t.Errorf("%s: the AI label is empty", what)
	}
	// Just inside its left edge, mid-height: the label's own colour.
	x, y := int(l.X)+4, int(l.Y+l.H/2)
	r, g, b, a := img.At(x, y).RGBA()
	if a>>8 != 255 || r>>8 < 230 || g>>8 < 190 || b>>8 > 120 {
		t.Errorf("%s: the AI label at (%d,%d) is rgba(%d,%d,%d,%d), want its opaque yellow", what, x, y, r>>8, g>>8, b>>8, a>>8)
	}
}

// opaqueIn counts the opaque pixels (every 4 px) inside box r.
func opaqueIn(img image.Image, r rect) int {
	n := 0
	for y := int(r.Y); y < int(r.Y+r.H); y += 4 {
		for x := int(r.X); x < int(r.X+r.W); x += 4 {
			if alpha(img, x, y) == 255 {
				n++
			}
		}
	}
	return n
}

// shoot captures the frame with where the overlay may draw, measured just
// before and just after the capture (a line may change the subtitle's box
// in between: both are allowed).
func shoot(t *testing.T, ctx context.Context, name string) (image.Image, []rect) {
	t.Helper()
	before := drawn(t, ctx)
	img := frame(t, ctx, name)
	return img, append(before, drawn(t, ctx)...)
}

// drawnParts is every box the overlay may draw, but the avatar's and the
// flying comments'.
const drawnParts = "#ai-label, #subtitle, #sale, #product"

// drawn returns where the overlay may draw: drawnParts, the avatar's box
// widened by half its width each side, where a gesture's arm reaches, and
// each flying comment's lane from its box to the right edge, whence it
// came while the screenshot was taken.
func drawn(t *testing.T, ctx context.Context) []rect {
	out := boxes(t, ctx, drawnParts)
	for _, b := range boxes(t, ctx, "#danmaku .bullet") {
		out = append(out, rect{b.X, b.Y, math.MaxFloat32, b.H})
	}
	for _, a := range boxes(t, ctx, "#avatar") {
		out = append(out, rect{a.X - a.W/2, a.Y, a.W * 2, a.H})
	}
	return out
}

// TestOverlayInBrowser is the overlay as OBS shows it, landscape 1920×1080
// and portrait 1080×1920: transparent around what it draws, the AI label
// drawn, the avatar speaking with subtitles, the product and flash-sale
// cards on, no scroll bars and no cursor.
func TestOverlayInBrowser(t *testing.T) {
	// OBS's browser source plays sound without a gesture; so does this one.
	ctx := browser(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	s := startPages(t, t.TempDir())
	errs := recordErrors(ctx)
	viewport(t, ctx, 1920, 1080)
	transparentBackground(t, ctx)
	do(t, ctx, "open overlay", chromedp.Navigate(s.base+"/overlay/demo-live"))
	watchCSP(t, ctx)
	waitJS(t, ctx, `document.body.dataset.ready === "true" && !!document.querySelector("#avatar svg .mouth")`, 20*time.Second, "hello and the avatar")

	control(t, s, "demo-live", "sale", `{"sale_id":"flash-tea"}`)
	control(t, s, "demo-live", "pitch", `{"sku":"tea-01"}`)
	waitJS(t, ctx, `!document.getElementById("sale").hidden && document.querySelector("#sale .sale-product").textContent.includes("龙井")`, 20*time.Second, "the flash-sale card naming its product")
	waitJS(t, ctx, `!document.getElementById("product").hidden && document.querySelector("#product .thumb").naturalWidth > 0`, 40*time.Second, "the product card with its image")
	// The avatar speaks: the mouth moves with a line, the subtitle shows it.
	waitJS(t, ctx, `document.getElementById("avatar").dataset.viseme !== "rest" && document.getElementById("subtitle").textContent.length > 0`, 30*time.Second, "the avatar speaking with a subtitle")

	if eval[bool](t, ctx, `(() => { const h = document.documentElement, b = document.body;
		return h.scrollWidth > innerWidth || h.scrollHeight > innerHeight || getComputedStyle(h).overflow !== "hidden" || getComputedStyle(b).overflow !== "hidden"; })()`) {
		t.Error("the overlay can scroll, or shows scroll bars")
	}
	if c := eval[[]string](t, ctx, `[...new Set([document.body, ...document.querySelectorAll("body *")].map(e => getComputedStyle(e).cursor))]`); len(c) != 1 || c[0] != "none" {
		t.Errorf("cursors on the overlay: %v, want none everywhere", c)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll("button, input, select, textarea, a, dialog").length`); n != 0 {
		t.Errorf("the overlay has %d controls, want none", n)
	}
	if st := eval[string](t, ctx, `document.getElementById("status") ? "status" : ""`); st != "" {
		t.Error("the overlay has a status line that could show on stream")
	}

	for _, size := range []struct {
		name string
		w, h int64
	}{{"overlay-landscape", 1920, 1080}, {"overlay-portrait", 1080, 1920}} {
		viewport(t, ctx, size.w, size.h)
		waitJS(t, ctx, `innerWidth === `+strconv.FormatInt(size.w, 10)+` && innerHeight === `+strconv.FormatInt(size.h, 10), 5*time.Second, "the viewport")
		// A line on screen for the picture: wait for the subtitle.
		waitJS(t, ctx, `document.getElementById("subtitle").textContent.length > 0 && !document.getElementById("product").hidden`, 30*time.Second, "a subtitle and the product card")
		img, parts := shoot(t, ctx, size.name)
		if b := img.Bounds(); int64(b.Dx()) != size.w || int64(b.Dy()) != size.h {
			t.Fatalf("%s: screenshot %dx%d, want %dx%d", size.name, b.Dx(), b.Dy(), size.w, size.h)
		}
		n := checkTransparent(t, img, parts, size.name)
		checkLabel(t, ctx, img, size.name)
		av := boxes(t, ctx, "#avatar")
		if len(av) != 1 || opaqueIn(img, av[0]) < 500 {
			t.Errorf("%s: the avatar is not drawn (%v)", size.name, av)
		}
		for _, sel := range []string{"#sale", "#product", "#subtitle"} {
			bx := boxes(t, ctx, sel)
			if len(bx) != 1 || bx[0].X < 0 || bx[0].Y < 0 || bx[0].X+bx[0].W > float64(size.w) || bx[0].Y+bx[0].H > float64(size.h) {
				t.Errorf("%s: %s is not wholly on screen: %v", size.name, sel, bx)
			}
		}
		t.Logf("%s: %d background pixels checked", size.name, n)
	}

	// A speech event with audio: the overlay starts it with the line,
	// without a tap (never "tap"). The key is not in this serve's audio
	// store, so the play fails after it is tried; that a stored line
	// plays through to its end in the same module without a tap is
	// gateway's TestKioskPlaysAudioWithoutTap.
	const key = "/audio/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.ogg"
	eval[bool](t, ctx, `(avatarClient.deliver({type: "speech", seq: 0, data: {line_id: "with-audio", text: "试音", lang: "zh-CN", duration_ms: 2000,
		words: [{text: "试音", offset: 0, start_ms: 0, end_ms: 2000}], visemes: [{v: "A", at_ms: 0}], audio: "`+key+`"}}), true)`)
	waitJS(t, ctx, `document.getElementById("subtitle").dataset.line === "with-audio" && overlayAudio.autoplay && overlayAudio.el.src.endsWith("`+key+`") && ["loading", "playing", "error"].includes(document.body.dataset.voice)`, 10*time.Second, "the line's audio started without a tap")
	if v := eval[string](t, ctx, `document.body.dataset.voice`); v == "tap" {
		t.Errorf("overlay: the voice waits for a tap; an OBS source has none")
	}
	errs.check(t, ctx)
}

// TestOverlayOptionsInBrowser: the query string chooses the parts, their
// scale and side, and nothing in it hides the AI label; an unknown room is
// an empty transparent page.
func TestOverlayOptionsInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	errs := recordErrors(ctx)
	viewport(t, ctx, 1920, 1080)
	transparentBackground(t, ctx)
	control(t, s, "demo-live", "sale", `{"sale_id":"flash-tea"}`)
	control(t, s, "demo-live", "pitch", `{"sku":"tea-01"}`)

	shown := func() map[string]bool {
		return eval[map[string]bool](t, ctx, `Object.fromEntries(["avatar", "subtitles", "product", "sale", "danmaku"].map(p => [p, !document.querySelector(".ov-" + p).hidden && document.querySelector(".ov-" + p).getClientRects().length > 0]))`)
	}
	for _, tc := range []struct {
		query string
		want  string // the parts shown
	}{
		{"", "avatar product sale subtitles"},
		{"?parts=avatar", "avatar"},
		{"?parts=subtitles,danmaku&side=left&scale=0.5", "danmaku subtitles"},
		{"?parts=product,sale&side=center&scale=2", "product sale"},
		// Hostile: none of these may hide the label.
		{"?parts=", ""},
		{"?parts=label,ai-label,disclosure&label=off&hide=label", ""},
		{"?scale=0", "avatar product sale subtitles"},
		{"?scale=1e999&side=left", "avatar product sale subtitles"},
		{"?scale=-1", "avatar product sale subtitles"},
		{`?side=%22%3E%3Cstyle%3E.ai-label%7Bdisplay:none%7D%3C/style%3E`, "avatar product sale subtitles"},
		{"?parts=avatar%22%20hidden%20x%3D%22&scale=1)%3B--scale:0", ""},
		{"?scale=" + strings.Repeat("9", 400), "avatar product sale subtitles"},
	} {
		do(t, ctx, "open overlay"+tc.query, chromedp.Navigate(s.base+"/overlay/demo-live"+tc.query))
		watchCSP(t, ctx)
		waitJS(t, ctx, `document.body.dataset.ready === "true"`, 20*time.Second, "hello"+tc.query)
		if strings.Contains(tc.want, "product") {
			waitJS(t, ctx, `!document.getElementById("product").hidden && !document.getElementById("sale").hidden`, 20*time.Second, "the cards"+tc.query)
		}
		if strings.Contains(tc.want, "avatar") {
			waitJS(t, ctx, `!!document.querySelector("#avatar svg .mouth")`, 10*time.Second, "the avatar"+tc.query)
		}
		if strings.Contains(tc.want, "danmaku") {
			// Another viewer's comment flies across the overlay.
			v := dial(t, s, "room=demo-live")
			v.hello()
			text := "好漂亮的茶罐 " + strconv.Itoa(len(tc.query))
			if err := v.conn.WriteJSON(map[string]any{"type": "comment", "data": map[string]string{"text": text}}); err != nil {
				t.Fatal(err)
			}
			waitJS(t, ctx, `[...document.querySelectorAll("#danmaku .bullet")].some(b => b.textContent === "`+text+`")`, 20*time.Second, "the comment flying as danmaku")
		}
		var got []string
		for p, on := range shown() {
			if on {
				got = append(got, p)
			}
		}
		slices.Sort(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("overlay%s: parts shown %v, want %q", tc.query, got, tc.want)
		}
		name := "overlay-options-" + strconv.Itoa(len(tc.query))
		img, parts := shoot(t, ctx, name)
		checkLabel(t, ctx, img, "overlay"+tc.query)
		checkTransparent(t, img, parts, "overlay"+tc.query)
		if lh := boxes(t, ctx, "#ai-label"); len(lh) == 1 && lh[0].H < 28 {
			t.Errorf("overlay%s: the AI label is %.0f px high, want it readable (≥ 28)", tc.query, lh[0].H)
		}
		// The scale sizes the parts within bounds.
		if sc := eval[float64](t, ctx, `parseFloat(getComputedStyle(document.documentElement).getPropertyValue("--scale"))`); sc < 0.5 || sc > 2 {
			t.Errorf("overlay%s: --scale %v, want 0.5..2", tc.query, sc)
		}
		if strings.Contains(tc.want, "avatar") {
			if av := boxes(t, ctx, "#avatar"); len(av) != 1 || av[0].Y < 0 || av[0].Y+av[0].H > 1081 {
				t.Errorf("overlay%s: the avatar's box %v is not within the frame", tc.query, av)
			}
		}
	}

	// Side: the avatar stands where asked, the cards on the other side.
	for side, avatarRight := range map[string]bool{"left": false, "right": true} {
		do(t, ctx, "open overlay side="+side, chromedp.Navigate(s.base+"/overlay/demo-live?side="+side))
		waitJS(t, ctx, `document.body.dataset.ready === "true" && !document.getElementById("product").hidden`, 20*time.Second, "the product card, side="+side)
		av, pr := boxes(t, ctx, "#avatar"), boxes(t, ctx, "#product")
		if len(av) != 1 || len(pr) != 1 || (av[0].X > pr[0].X) != avatarRight {
			t.Errorf("side=%s: avatar at %v, product card at %v", side, av, pr)
		}
	}

	// An unknown room: 404, and a page with nothing on it.
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(s.base+"/overlay/no-such-room?parts=avatar"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 404 {
		t.Errorf("unknown room: HTTP %d, want 404", resp.Status)
	}
	img := frame(t, ctx, "overlay-unknown-room")
	checkTransparent(t, img, nil, "unknown room")
	if txt := eval[string](t, ctx, `document.body.innerText.trim()`); txt != "" {
		t.Errorf("unknown room: the page shows %q, want nothing", txt)
	}
	errs.check(t, ctx)
}

// socketURLs records the WebSocket URLs the page opens.
type socketURLs struct {
	mu   sync.Mutex
	urls []string
}

func recordSockets(ctx context.Context) *socketURLs {
	s := &socketURLs{}
	chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventWebSocketCreated); ok {
			s.mu.Lock()
			s.urls = append(s.urls, e.URL)
			s.mu.Unlock()
		}
	})
	return s
}

func (s *socketURLs) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.urls...)
}

// TestOverlayReconnectsInBrowser restarts the server under the overlay: the
// last frame stays (the avatar drawn, the subtitle and cards as they were,
// no banner), the page comes back by itself with since= and every event
// after the last it saw arrives once, in order. Then the merchant stops the
// room: the cards go, the avatar and the label stay.
func TestOverlayReconnectsInBrowser(t *testing.T) {
	ctx := browser(t)
	data := t.TempDir()
	s := startPages(t, data)
	errs := recordErrors(ctx)
	socks := recordSockets(ctx)
	viewport(t, ctx, 1920, 1080)
	transparentBackground(t, ctx)
	do(t, ctx, "open overlay", chromedp.Navigate(s.base+"/overlay/demo-live"))
	watchCSP(t, ctx)
	waitJS(t, ctx, `document.body.dataset.ready === "true"`, 20*time.Second, "hello")
	eval[bool](t, ctx, `(window.seen = [], window.closes = 0, avatarClient.on("*", ev => { if (ev.seq > 0) seen.push(ev.seq); }).on("close", () => closes++), true)`)
	control(t, s, "demo-live", "pitch", `{"sku":"tea-01"}`)
	waitJS(t, ctx, `seen.length >= 3 && !document.getElementById("product").hidden && document.getElementById("subtitle").textContent.length > 0`, 40*time.Second, "some events, the product card and a line")

	before := frame(t, ctx, "overlay-before-restart")
	html := func() string {
		return eval[string](t, ctx, `document.querySelector(".ov-frame").innerHTML.replace(/ data-viseme="[^"]*"| data-gesture="[^"]*"| class="avatar( blink)?"|<path[^>]*class="mouth"[^>]*>|class="word( spoken)?"/g, "")`)
	}
	if err := s.stop(); err != nil {
		t.Fatalf("stop serve: %v", err)
	}
	waitJS(t, ctx, `closes > 0`, 10*time.Second, "the socket closing")
	// Off the air, and a reconnect attempt refused: the frame is as it was.
	sub := text(t, ctx, "#subtitle")
	frozen := html()
	waitJS(t, ctx, `closes > 1`, 20*time.Second, "a refused reconnect")
	if eval[bool](t, ctx, `!document.querySelector("#avatar svg .mouth") || document.getElementById("product").hidden`) {
		t.Error("the avatar or the product card went away when the socket closed")
	}
	if got := text(t, ctx, "#subtitle"); got != sub {
		t.Errorf("the subtitle changed while off the air: %q, was %q", got, sub)
	}
	if got := html(); got != frozen {
		t.Errorf("the overlay changed while off the air:\n%s\nwas\n%s", got, frozen)
	}
	if txt := eval[string](t, ctx, `document.body.innerText`); strings.Contains(txt, "connect") || strings.Contains(txt, "连接") {
		t.Errorf("the overlay shows a connection state: %q", txt)
	}
	during, parts := shoot(t, ctx, "overlay-off-air")
	av := boxes(t, ctx, "#avatar")
	if len(av) != 1 || opaqueIn(during, av[0]) < opaqueIn(before, av[0])*9/10 {
		t.Errorf("the avatar is not drawn as before while off the air")
	}
	checkLabel(t, ctx, during, "off the air")
	checkTransparent(t, during, parts, "off the air")
	last := eval[int](t, ctx, `seen[seen.length - 1]`)
	n := eval[int](t, ctx, `seen.length`)

	u, err := url.Parse(s.base)
	if err != nil {
		t.Fatal(err)
	}
	s2 := startPages(t, data, "-addr", u.Host)
	waitJS(t, ctx, `seen.length >= `+strconv.Itoa(n+3), 60*time.Second, "events after the restart")
	seqs := eval[[]int](t, ctx, `seen`)
	for i := 1; i < len(seqs); i++ {
		if seqs[i] != seqs[i-1]+1 {
			t.Errorf("events seen %v: seq %d follows %d (a gap or a repeat)", seqs, seqs[i], seqs[i-1])
			break
		}
	}
	resumed := false
	for _, u := range socks.list() {
		if strings.Contains(u, "since="+strconv.Itoa(last)) {
			resumed = true
		}
	}
	if !resumed {
		t.Errorf("no socket asked since=%d: %v", last, socks.list())
	}

	// The merchant stops the room: the cards and the last line go, the
	// avatar stays.
	code, m := apiCall(t, s2, pagesToken, "POST", "/api/v1/rooms/demo-live/stop", "application/json", "")
	if code != 200 && code != 202 {
		t.Fatalf("stop the room: HTTP %d %v", code, m)
	}
	waitJS(t, ctx, `document.body.dataset.show === "ended" && document.getElementById("product").hidden && document.getElementById("sale").hidden`, 20*time.Second, "the cards hidden when the room stops")
	if eval[bool](t, ctx, `!document.getElementById("subtitle").hidden`) {
		t.Errorf("the stopped room's overlay keeps its last line on stream: %q", text(t, ctx, "#subtitle"))
	}
	img, parts := shoot(t, ctx, "overlay-stopped")
	if av := boxes(t, ctx, "#avatar"); len(av) != 1 || opaqueIn(img, av[0]) < 500 {
		t.Error("the avatar is not drawn after the room stopped")
	}
	checkLabel(t, ctx, img, "stopped room")
	checkTransparent(t, img, parts, "stopped room")

	// A stopped room's overlay, opened afresh: the last frame, no cards.
	do(t, ctx, "reopen overlay", chromedp.Navigate(s2.base+"/overlay/demo-live"))
	waitJS(t, ctx, `document.body.dataset.ready === "true" && !!document.querySelector("#avatar svg .mouth")`, 20*time.Second, "hello of the stopped room")
	if eval[bool](t, ctx, `!document.getElementById("product").hidden || !document.getElementById("sale").hidden || document.body.dataset.show !== "ended"`) {
		t.Error("a stopped room's overlay shows a card")
	}
	if eval[bool](t, ctx, `!document.getElementById("subtitle").hidden`) {
		t.Errorf("a stopped room's overlay, opened afresh, shows a line: %q", text(t, ctx, "#subtitle"))
	}
	checkLabel(t, ctx, frame(t, ctx, "overlay-stopped-reopened"), "stopped room reopened")
	errs.check(t, ctx)
}
