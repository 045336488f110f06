package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// browser starts headless Chromium for one test. Without Chromium the test
// is skipped, except in CI (CI=true), where it fails: make test installs it.
// extra adds allocator options (flags) to the defaults.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed; run make deps")
		}
		t.Skip("chromium not installed; make test installs it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 800),
	}
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelT)
	return ctx
}

// screenshot saves the page to $AVATARCAST_SCREENSHOTS/name.png when that
// directory is set, for a person to look at.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("AVATARCAST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

// TestMuseumTapInBrowser taps an exhibit's question on the kiosk page: the
// tap travels socket → gateway → NATS → director, and the answer comes back
// as the next line, shown as the subtitle.
func TestMuseumTapInBrowser(t *testing.T) {
	ctx := browser(t)
	s := startServe(t, t.TempDir())
	show, problems := script.ParseFile(filepath.Join(repoRoot(t), "scripts", "demo-museum.yaml"))
	if show == nil {
		t.Fatalf("demo-museum: %v", problems)
	}
	answers := map[string]bool{} // line IDs
	texts := map[string]bool{}   // their texts in every language
	for _, ex := range show.Exhibits {
		for _, o := range ex.Options {
			for _, l := range o.Lines {
				answers[l.ID] = true
				for _, u := range l.Say {
					texts[u.Text] = true
				}
			}
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/rooms/demo-museum")); err != nil {
		t.Fatalf("open kiosk page: %v", err)
	}
	waitJS(t, ctx, `document.querySelectorAll("#exhibit .options button").length > 0`, 60*time.Second, "an exhibit with questions")
	if err := chromedp.Do(ctx, chromedp.Click("#exhibit .options button")); err != nil {
		t.Fatalf("tap: %v", err)
	}
	var list []string
	for id := range answers {
		list = append(list, `"`+id+`"`)
	}
	waitJS(t, ctx, `[`+strings.Join(list, ",")+`].includes(document.getElementById("subtitle").dataset.line)`, 60*time.Second, "the tapped question's answer")
	// The subtitle shows the whole line, punctuation included.
	if got := text(t, ctx, "#subtitle"); !texts[got] {
		t.Errorf("subtitle %q is not the text of an answer line", got)
	}
	screenshot(t, ctx, "kiosk-demo-museum")

	// The shelf lists the tour's exhibits (not an empty product list), the
	// one in focus marked; tapping another makes the guide turn to it.
	waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll("#catalog .pick").length === %d`, len(show.Exhibits)), 30*time.Second, "the exhibits on the shelf")
	if got := text(t, ctx, "#shelf-title"); got != "展品" && got != "Exhibits" {
		t.Errorf("shelf title %q, want the exhibits' heading", got)
	}
	waitJS(t, ctx, `document.querySelector("#catalog .current .pick[aria-current=true]") !== null`, 30*time.Second, "the exhibit in focus marked on the shelf")
	other, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const li = document.querySelector("#catalog .item:not(.current)");
		li.querySelector("button").click();
		return li.dataset.id;
	})()`))
	if err != nil {
		t.Fatalf("tap an exhibit on the shelf: %v", err)
	}
	waitJS(t, ctx, fmt.Sprintf(`document.getElementById("exhibit").dataset.id === %q && document.querySelector("#catalog .current").dataset.id === %q`, other, other),
		60*time.Second, "the guide turning to the exhibit tapped on the shelf")
}

// waitJS waits until expr is true in the page.
func waitJS(t *testing.T, ctx context.Context, expr string, timeout time.Duration, what string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// text returns the text of the first element matching sel.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

// TestKioskLabelFollowsSpokenLanguage: on the kiosk page the AI label is
// in the language being spoken; when the visitor switches the guide to
// French, the label turns French with the next line.
func TestKioskLabelFollowsSpokenLanguage(t *testing.T) {
	ctx := browser(t)
	s := startServe(t, t.TempDir())
	const zh, fr = "本讲解员为AI生成的虚拟形象。", "Ce guide est un présentateur virtuel généré par IA."
	if err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/rooms/demo-museum")); err != nil {
		t.Fatalf("open kiosk page: %v", err)
	}
	waitJS(t, ctx, `document.getElementById("ai-label").textContent === "`+zh+`"`, 30*time.Second, "the label in Chinese, the language spoken")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.avatarClient.send("lang", {lang: "fr"}) || true`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.getElementById("ai-label").textContent === "`+fr+`"`, 40*time.Second, "the label in French after the visitor chose French")
}
