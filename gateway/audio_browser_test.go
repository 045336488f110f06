package gateway_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/gateway"
)

// chromium starts headless Chromium for one test, or skips without it
// (fails in CI, where make test installs it).
func chromium(t *testing.T, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not installed; run make deps")
		}
		t.Skip("chromium not installed; make test installs it")
	}
	opts := append([]chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true)}, flags...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	return ctx
}

// TestViewerPlaysAudioAfterTap: in real Chromium, a speech event with
// audio waits for the viewer's tap (a sound button, subtitles and mouth
// going on silently); after the tap the next line's audio is fetched from
// /audio/KEY.ogg and played to its end, and its words are all shown
// spoken by then.
func TestViewerPlaysAudioAfterTap(t *testing.T) {
	ctx := chromium(t)
	h, say, res := audioRoom(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.httpURL()+"/rooms/r"), chromedp.WaitVisible("#subtitle")); err != nil {
		t.Fatal(err)
	}
	// Wait for the socket's hello, then speak.
	waitJS(t, ctx, `document.querySelector("#ai-label") && document.querySelector("#ai-label").textContent.length > 0`)
	say("one")
	waitJS(t, ctx, `document.body.dataset.voice === "tap" && !!document.querySelector(".voice-unmute")`)
	if err := chromedp.Do(ctx, chromedp.Click(".voice-unmute")); err != nil {
		t.Fatal(err)
	}
	say("two")
	waitPlayed(t, ctx, "two", res)
}

// TestKioskPlaysAudioWithoutTap: the kiosk page, in a Chromium that
// allows autoplay (as a kiosk's does), plays a line's audio with no tap.
func TestKioskPlaysAudioWithoutTap(t *testing.T) {
	ctx := chromium(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	h, say, res := audioRoom(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.httpURL()+"/kiosk/r"), chromedp.WaitVisible("#subtitle")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, `document.querySelector("#ai-label") && document.querySelector("#ai-label").textContent.length > 0`)
	say("one")
	waitPlayed(t, ctx, "one", res)
	if evalJS[bool](t, ctx, `!!document.querySelector(".voice-unmute")`) {
		t.Error("the kiosk offered a sound button")
	}
}

// audioRoom starts a gateway with room r and the fixture's audio in the
// store; say publishes a speech event of that line carrying the audio.
func audioRoom(t *testing.T) (*harness, func(id string), voice.Result) {
	h := start(t, gateway.Config{})
	audio, err := os.ReadFile("../avatar/voice/testdata/en-19-dollars.ogg")
	if err != nil {
		t.Fatal(err)
	}
	store, err := h.b.AudioStore(context.Background(), bus.AudioConfig{})
	if err != nil {
		t.Fatal(err)
	}
	line := "Only 19 dollars today."
	req := voice.Request{Text: line, Lang: "en"}
	res := voice.Result{Key: voice.Key("browser", req), Format: voice.FormatOggOpus, Bytes: len(audio), Track: voice.Scale(speech.Time(line, "en", speech.Voice{}), 1875)}
	if err := store.Put(context.Background(), res, audio); err != nil {
		t.Fatal(err)
	}
	say := func(id string) {
		sp := avatar.Speech{LineID: id, Text: line, Lang: "en"}
		res.Apply(&sp)
		h.seq++
		env, err := avatar.NewEnvelope("r", h.seq, time.Now(), avatar.EventSpeech, sp)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(env)
		if _, err := h.b.PublishEvent(context.Background(), "r", h.seq, raw, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	return h, say, res
}

// waitPlayed waits for line id's audio to play to its end and checks that
// the audio was fetched and every word shown spoken.
func waitPlayed(t *testing.T, ctx context.Context, id string, res voice.Result) {
	t.Helper()
	waitJS(t, ctx, `document.querySelector("#subtitle").dataset.line === `+jsString(id))
	waitJS(t, ctx, `document.body.dataset.voice === "ended"`)
	spoken := evalJS[int](t, ctx, `document.querySelectorAll("#subtitle .word.spoken").length`)
	words := evalJS[int](t, ctx, `document.querySelectorAll("#subtitle .word").length`)
	fetched := evalJS[bool](t, ctx, `performance.getEntriesByType("resource").some((e) => e.name.endsWith(`+jsString(res.URL())+`))`)
	if words != 4 || spoken != words || !fetched {
		t.Errorf("after the audio ended: %d of %d words spoken, audio fetched %v", spoken, words, fetched)
	}
}

func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func jsString(s string) string { b, _ := json.Marshal(s); return string(b) }

// waitJS waits until expr is true in the page.
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if evalJS[bool](t, ctx, expr) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("never true after 30s: %s (voice %q)", expr, evalJS[string](t, ctx, `document.body.dataset.voice || ""`))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
