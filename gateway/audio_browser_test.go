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
	waitHello(t, ctx)
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
	waitHello(t, ctx)
	say("one")
	waitPlayed(t, ctx, "one", res)
	if evalJS[bool](t, ctx, `!!document.querySelector(".voice-unmute")`) {
		t.Error("the kiosk offered a sound button")
	}
}

// waitHello waits until the page has handled its socket's hello, so that a
// line published after it comes to the page as a speech event. The AI label
// does not say so: the server renders it into the page, before any socket.
// A line published before the hello is in the hello's state instead, and a
// page shows a line it joins in the middle of without playing it.
func waitHello(t *testing.T, ctx context.Context) {
	t.Helper()
	// Only hello marks the persona's name as AI (presenter.js); the page
	// comes with the bare name.
	waitJS(t, ctx, `document.querySelector("#persona-name").textContent === "P · AI"`)
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

// waitPlayed waits for line id's audio to play to its end, every word of
// it shown spoken and the audio fetched from the store. The page marks the
// words on its own clock ticks and the voice ends on the audio's "ended"
// event, two tasks in an order nobody promises: it waits for both rather
// than reading the words once at "ended".
func waitPlayed(t *testing.T, ctx context.Context, id string, res voice.Result) {
	t.Helper()
	waitJS(t, ctx, `document.querySelector("#subtitle").dataset.line === `+jsString(id))
	type played struct {
		Voice   string `json:"voice"`
		Spoken  int    `json:"spoken"`
		Words   int    `json:"words"`
		Fetched bool   `json:"fetched"`
	}
	expr := `({voice: document.body.dataset.voice || "",
		spoken: document.querySelectorAll("#subtitle .word.spoken").length,
		words: document.querySelectorAll("#subtitle .word").length,
		fetched: performance.getEntriesByType("resource").some((e) => e.name.endsWith(` + jsString(res.URL()) + `))})`
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := evalJS[played](t, ctx, expr)
		if p.Voice == "ended" && p.Words == 4 && p.Spoken == p.Words && p.Fetched {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("line %s after 30s: voice %q, %d of %d words spoken (want 4), audio fetched %v", id, p.Voice, p.Spoken, p.Words, p.Fetched)
		}
		time.Sleep(50 * time.Millisecond)
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
