package speech_test

import (
	"fmt"
	"strings"

	"github.com/avatarcast/avatarcast/avatar/speech"
)

func ExampleTime() {
	tr := speech.Time("宝宝们，只要99元！", "zh-CN", speech.Voice{})
	fmt.Println("duration:", tr.DurationMS, "ms")
	for _, w := range tr.Words {
		fmt.Printf("%s at byte %d: %d-%d ms\n", w.Text, w.Offset, w.StartMS, w.EndMS)
	}
	fmt.Println("mouth:", tr.Visemes[0].V, "at", tr.Visemes[0].AtMS, "ms; ends with",
		tr.Visemes[len(tr.Visemes)-1].V, "at", tr.Visemes[len(tr.Visemes)-1].AtMS, "ms")
	// Output:
	// duration: 2680 ms
	// 宝 at byte 0: 0-220 ms
	// 宝 at byte 3: 220-440 ms
	// 们 at byte 6: 440-660 ms
	// 只 at byte 12: 910-1130 ms
	// 要 at byte 15: 1130-1350 ms
	// 99 at byte 18: 1350-2010 ms
	// 元 at byte 20: 2010-2230 ms
	// mouth: M at 0 ms; ends with rest at 2230 ms
}

// A cue in a script fires when speech reaches its byte offset in the line.
func ExampleTrack_OffsetMS() {
	line := "This green tea is only 19 dollars today."
	cue := strings.Index(line, "19") // show the price card as the price is said
	tr := speech.Time(line, "en", speech.Voice{Rate: 1.2})
	fmt.Println("show price at", tr.OffsetMS(cue), "ms of", tr.DurationMS)
	// Output:
	// show price at 1050 ms of 2475
}
