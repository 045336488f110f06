package director

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

func crowdProgram(t *testing.T) *Program {
	t.Helper()
	show, probs := script.ParseFile("testdata/crowd.yaml")
	if show == nil {
		t.Fatal(probs.Err())
	}
	return Compile(show, 1)
}

// TestViewersCondition feeds gateway count reports to a player: the sum of
// each gateway's latest report takes the `viewers >= 100` branch and is
// saved in the state; reports older than ViewersMaxAge stop counting.
func TestViewersCondition(t *testing.T) {
	prog := crowdProgram(t)
	synctest.Test(t, func(t *testing.T) {
		r := start(t, prog, liveRoom("v", "livestream"), &memSink{})
		crowd := func(evs []avatar.Envelope) int {
			return len(slices.DeleteFunc(spokenLines(evs), func(l string) bool { return l != "crowd-hello" }))
		}

		// One gateway with 60 viewers, reporting every 5s: not a crowd.
		for range 4 {
			r.p.Viewers("gw-a", 60)
			time.Sleep(5 * time.Second)
		}
		synctest.Wait()
		if n := crowd(r.sink.all()); n != 0 {
			t.Fatalf("crowd-hello spoken %d times with 60 viewers, want 0", n)
		}
		if got := r.sink.snapshot().Viewers; got != 60 {
			t.Errorf("state viewers %d with one gateway at 60, want 60", got)
		}

		// A second gateway brings 50 more; a new report of the first
		// replaces its old one (70, not 60+70).
		r.p.Viewers("gw-a", 70)
		r.p.Viewers("gw-b", 50)
		r.until(10*time.Second, "crowd-hello at 120 viewers", func(evs []avatar.Envelope) bool { return crowd(evs) > 0 })
		r.untilSpeech(10*time.Second, "small-talk")
		synctest.Wait()
		if got := r.sink.snapshot().Viewers; got != 120 {
			t.Errorf("state viewers %d with gateways at 70 and 50, want 120", got)
		}

		// Both gateways go quiet: after ViewersMaxAge their reports are
		// dropped and the crowd branch is no longer taken.
		time.Sleep(ViewersMaxAge + time.Second)
		synctest.Wait()
		before := crowd(r.sink.all())
		time.Sleep(20 * time.Second)
		synctest.Wait()
		if n := crowd(r.sink.all()) - before; n != 0 {
			t.Errorf("crowd-hello spoken %d times after the reports expired, want 0", n)
		}
		if got := r.sink.snapshot().Viewers; got != 0 {
			t.Errorf("state viewers %d after the reports expired, want 0", got)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
