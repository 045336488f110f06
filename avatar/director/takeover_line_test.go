package director

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// TestTakeoverLetsTheLineEnd stops a player just after it published a long
// line that has no cue left to fire: none at all, or one at its first word,
// fired at once. A successor taking the room over mid-line speaks the next
// line only once that line and a breath are over, as it does for a line
// with cues to fire (TestTakeoverFiresPendingCues): the stored cursor says
// when the line being spoken ends, cues or none. (It used to say so only
// while a cue was left, and a successor cut such a line: seen in
// TestDirectorJoiningTakesItsShare when a stalled machine made directors
// lose their leases mid-line.)
func TestTakeoverLetsTheLineEnd(t *testing.T) {
	const story = "now a long story about this tea, picked in early spring on the hills by the lake, dried by hand in iron pans, and packed the same day."
	for _, tc := range []struct{ name, say string }{
		{"no cues", "Here is " + story},
		{"cues all fired", "[coupon:new10]Here is a coupon, and " + story},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(cuesScript, "[coupon:new10]Here is a coupon, and now a long story about this tea, picked in early spring on the hills by the lake, and at last [show:tea-01]here it is.", tc.say, 1)
			if src == cuesScript {
				t.Fatal("cuesScript has changed: its long line is not where this test looks")
			}
			show, probs := script.Parse("cues.yaml", []byte(src))
			if show == nil {
				t.Fatal(probs.Err())
			}
			prog := Compile(show, 1)
			synctest.Test(t, func(t *testing.T) {
				run := takeOverAfter(t, prog, time.Second) // mid-line
				long, ends, n, evs := run.long, run.ends, run.n, run.taken
				if sp := decode[avatar.Speech](t, long); sp.DurationMS < 3000 {
					t.Fatalf("line long lasts %d ms; want a line long enough to take over in its middle", sp.DurationMS)
				}
				checkSeqs(t, evs)
				j := slices.IndexFunc(evs, func(e avatar.Envelope) bool { return lineOf(e) == "next" })
				if j < n {
					t.Fatalf("line next spoken before the takeover")
				}
				for _, e := range evs[n : j+1] {
					if at := time.Time(e.TS); at.Before(ends.Add(LineGap)) {
						t.Errorf("successor published %s (seq %d) at %v, %v before line long (from %v) and a breath were over: the line was cut",
							e.Type, e.Seq, at.Format("04:05.000"), ends.Add(LineGap).Sub(at), time.Time(long.TS).Format("04:05.000"))
					}
				}
			})
		})
	}
}

// takeover is a room played until its line "long" was published, stopped,
// and after a gap taken over by a successor until it speaks line "next".
type takeover struct {
	long  avatar.Envelope   // line long's speech
	ends  time.Time         // when line long ends
	n     int               // events stored when the first player stopped
	first []avatar.Envelope // those events
	taken []avatar.Envelope // the successor's events, all of them
}

// takeOverAfter plays prog's room c (in a synctest bubble) as takeover
// says, the successor starting gap after the stop.
func takeOverAfter(t *testing.T, prog *Program, gap time.Duration) takeover {
	t.Helper()
	sink := &memSink{}
	r := start(t, prog, liveRoom("c", "livestream"), sink)
	evs := r.untilSpeech(10*time.Second, "long")
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(evs, func(e avatar.Envelope) bool { return lineOf(e) == "long" })
	long := evs[i]
	sp := decode[avatar.Speech](t, long)
	first := sink.all()
	time.Sleep(gap)

	taker := start(t, prog, liveRoom("c", "livestream"), sink)
	taken := taker.untilSpeech(time.Minute, "next")
	if err := taker.stop(); err != nil {
		t.Fatal(err)
	}
	return takeover{long: long, ends: time.Time(long.TS).Add(time.Duration(sp.DurationMS) * time.Millisecond), n: len(first), first: first, taken: taken}
}

// heldSink is a memSink whose publishes, once held, wait until let go (or
// their context ends).
type heldSink struct {
	*memSink
	mu   sync.Mutex
	gate chan struct{} // closed to let publishes go; nil: not held
}

func (s *heldSink) hold() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gate = make(chan struct{})
}

func (s *heldSink) letGo() {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.gate)
	s.gate = nil
}

func (s *heldSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	s.mu.Lock()
	g := s.gate
	s.mu.Unlock()
	if g != nil {
		select {
		case <-g:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return s.memSink.Publish(ctx, r, seq, raw, cursor, expect)
}
