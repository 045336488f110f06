package director

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// spinShow is a show lint refuses (silent-loop), built directly: it greets,
// then segment spin sets a variable and jumps to itself for ever.
func spinShow() *script.Show {
	say := func(id, text string) *script.Line {
		return &script.Line{ID: id, Say: map[string]script.Utterance{"en": {Text: text}}}
	}
	return &script.Show{
		ID: "spin", Kind: script.KindLivestream, Title: script.Text{"en": "Spin"}, Persona: "xiaoya",
		Languages: []string{"en"}, Vars: []script.Var{{Name: "x"}},
		Segments: []script.Segment{
			{ID: "greet", Order: script.OrderSequence, Steps: []script.Step{{Kind: script.StepSay, Line: say("hello", "Hello there.")}}},
			{ID: "spin", Order: script.OrderSequence, Steps: []script.Step{
				{Kind: script.StepSet, Set: &script.Assign{Var: "x", Value: 1, Add: true}},
				{Kind: script.StepIf, If: &script.Cond{Var: "x", Op: ">", Value: -1}, Goto: "spin"},
				{Kind: script.StepSay, Line: say("never", "Never said.")},
			}},
		},
	}
}

// TestSilentLoopGuard: a room whose script loops without speaking ends its
// show with reason script_loop and an audit record after MaxSilentSteps,
// instead of spinning; a room beside it plays on, and the player still
// answers and stops cleanly.
func TestSilentLoopGuard(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		spinSink := &auditSink{}
		spin := NewPlayer(liveRoom("spin-room", "livestream"), Compile(spinShow(), 7), spinSink, zap.NewNop())
		spinErr := make(chan error, 1)
		go func() { spinErr <- spin.Run(ctx) }()
		other := start(t, loadShow(t, "demo-live.yaml"), liveRoom("other", "livestream"), &memSink{})

		time.Sleep(2 * time.Minute)
		synctest.Wait()

		evs := spinSink.all()
		var end *avatar.ShowStatus
		for _, e := range evs {
			if e.Type == avatar.EventShowEnd {
				st := decode[avatar.ShowStatus](t, e)
				end = &st
			}
		}
		if end == nil || end.Reason != avatar.ReasonScriptLoop {
			t.Fatalf("spinning room events: %s; want show.end with reason %s", summary(evs), avatar.ReasonScriptLoop)
		}
		if lines := spokenLines(evs); len(lines) != 1 || lines[0] != "hello" {
			t.Errorf("spinning room spoke %v, want hello only", lines)
		}
		recs := spinSink.entries()
		if len(recs) != 1 || recs[0].action != avatar.AuditScriptLoop || recs[0].detail["segment"] != "spin" {
			t.Fatalf("audit records %+v, want one %s naming segment spin", recs, avatar.AuditScriptLoop)
		}
		if n := len(spokenLines(other.sink.all())); n < 10 {
			t.Errorf("the other room spoke %d lines in 2 minutes, want it unaffected", n)
		}
		// The ended room still serves the merchant, and a room update (the
		// merchant starting it again) restarts the show from the top.
		spin.Update(liveRoom("spin-room", "livestream"), nil)
		time.Sleep(30 * time.Second)
		synctest.Wait()
		if got := len(spinSink.entries()); got != 2 {
			t.Errorf("after a restart: %d audit records, want 2 (it spun again and was stopped again)", got)
		}
		cancel()
		if err := <-spinErr; err != nil {
			t.Fatalf("spinning room Run: %v", err)
		}
		if err := other.stop(); err != nil {
			t.Fatal(err)
		}
	})
}
