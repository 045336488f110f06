package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestSpeakerCut plays a line in the pages' Speaker (stage.js) in a real
// browser and cuts it as a speech.cut event would: the mouth rests, the
// subtitle keeps the words up to the cut one only, and the line's later
// visemes do not move the mouth again.
func TestSpeakerCut(t *testing.T) {
	ctx := browser(t)
	s := startPages(t, t.TempDir())
	do(t, ctx, "open viewer page", chromedp.Navigate(s.base+"/rooms/demo-live"))
	waitJS(t, ctx, `!!document.querySelector("#avatar svg .mouth")`, 20*time.Second, "the viewer page")
	// A line of four words over 60 s, the mouth opening at every word; cut
	// after word 1 at 300 ms.
	eval[bool](t, ctx, `(import("/static/stage.js").then(m => {
		const mouths = [];
		const sub = document.createElement("div");
		sub.id = "cut-sub";
		document.body.append(sub);
		const sp = new m.Speaker(sub, { mouth: (v) => mouths.push(v) });
		window.cutTest = { sp, mouths };
		sp.play({ line_id: "l1", text: "one two three four", lang: "en", duration_ms: 60000,
			words: [{ text: "one", offset: 0, start_ms: 0, end_ms: 200 }, { text: "two", offset: 4, start_ms: 200, end_ms: 300 },
				{ text: "three", offset: 8, start_ms: 30000, end_ms: 40000 }, { text: "four", offset: 14, start_ms: 40000, end_ms: 60000 }],
			visemes: [{ v: "A", at_ms: 0 }, { v: "E", at_ms: 200 }, { v: "O", at_ms: 30000 }, { v: "U", at_ms: 40000 }] });
		sp.cut({ line_id: "other", at_ms: 100, word: 0 }); // another line's cut: ignored
		sp.cut({ line_id: "l1", at_ms: 300, word: 1 });
	}), true)`)
	waitJS(t, ctx, `!!window.cutTest && window.cutTest.mouths[window.cutTest.mouths.length - 1] === "rest"`, 10*time.Second, "the mouth at rest after the cut")
	if got := eval[string](t, ctx, `document.getElementById("cut-sub").textContent`); got != "one two" {
		t.Errorf("subtitle after the cut %q, want %q", got, "one two")
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("#cut-sub .word.spoken").length`); got != 2 {
		t.Errorf("%d words spoken after the cut, want 2", got)
	}
	if got := eval[int](t, ctx, `window.cutTest.sp.timers.length`); got != 0 {
		t.Errorf("%d timers of the cut line left", got)
	}
}
