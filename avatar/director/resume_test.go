package director

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// cuesScript has a long line with a cue at its first word and one near
// its end.
const cuesScript = `
id: cues
kind: livestream
title: {en: Cues}
persona: p
languages: [en]
catalog:
  - sku: tea-01
    title: {en: Longjing tea}
    price: 99
    currency: CNY
    stock: 500
coupons:
  - id: new10
    title: {en: Ten off}
    discount: 10
    min_spend: 99
    count: 300
segments:
  - id: s
    steps:
      - id: long
        say: {en: "[coupon:new10]Here is a coupon, and now a long story about this tea, picked in early spring on the hills by the lake, and at last [show:tea-01]here it is."}
      - {id: next, say: {en: "Next line."}}
`

// TestTakeoverFiresPendingCues stops a player just after it published a
// line with a cue not yet due. A successor fires that cue once, at its time
// in the line, not the cue already fired, and speaks the next line only
// after the line is over; had the line ended before the takeover, its cues
// are dropped.
func TestTakeoverFiresPendingCues(t *testing.T) {
	show, probs := script.Parse("cues.yaml", []byte(cuesScript))
	if show == nil {
		t.Fatal(probs.Err())
	}
	prog := Compile(show, 1)
	for _, tc := range []struct {
		name    string
		gap     time.Duration // between the stop and the takeover
		wantCue bool
	}{
		{"mid-line", time.Second, true},
		{"after the line", 20 * time.Second, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				run := takeOverAfter(t, prog, tc.gap)
				long, ends, n, evs := run.long, run.ends, run.n, run.taken
				i := slices.IndexFunc(run.first, func(e avatar.Envelope) bool { return lineOf(e) == "long" })
				if !slices.ContainsFunc(run.first[i:], func(e avatar.Envelope) bool { return e.Type == avatar.EventCoupon }) {
					t.Fatalf("coupon cue at the first word not fired before the stop: %s", summary(run.first))
				}
				checkSeqs(t, evs)
				var shows, coupons int
				for _, e := range evs[n:] {
					switch e.Type {
					case avatar.EventProductShow:
						shows++
						if at := time.Time(e.TS); !at.After(time.Time(long.TS)) || !at.Before(ends) {
							t.Errorf("show cue fired at %v, want within the line (%v to %v)", at, time.Time(long.TS), ends)
						}
					case avatar.EventCoupon:
						coupons++
					case avatar.EventSpeech:
						if lineOf(e) == "long" {
							t.Errorf("line long spoken again by the successor")
						}
						if at := time.Time(e.TS); lineOf(e) == "next" && at.Before(ends.Add(LineGap)) {
							t.Errorf("next line at %v, before the last line and a breath were over (%v)", at, ends.Add(LineGap))
						}
					}
					if lineOf(e) == "next" {
						break
					}
				}
				if want := map[bool]int{true: 1, false: 0}[tc.wantCue]; shows != want {
					t.Errorf("successor fired the show cue %d times, want %d; events: %s", shows, want, summary(evs[n:]))
				}
				if coupons != 0 {
					t.Errorf("successor fired the coupon cue already fired %d times", coupons)
				}
			})
		})
	}
}
