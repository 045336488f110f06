package bus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

func question(merchant string, room avatar.RoomID, text string, at time.Time) avatar.Question {
	return avatar.Question{Room: room, Merchant: merchant, Lang: "zh-CN", Text: text, Asked: at, Answered: avatar.AnsweredFallback, Spoken: []string{"这个我不太清楚，请看商品详情。"}}
}

func TestQuestions(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	// Before any is recorded (no stream yet) there are none.
	if got, err := b.Questions(ctx, "m1", "room-a", bus.QuestionQuery{Limit: 10}); err != nil || len(got) != 0 {
		t.Fatalf("Questions before any = %v, %v; want none", got, err)
	}
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		if err := b.RecordQuestion(ctx, question("m1", "room-a", fmt.Sprintf("q%d", i), t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	refused := question("m1", "room-a", "是有机的吗？", t0.Add(10*time.Minute))
	refused.Answered, refused.Model, refused.Version, refused.Spoken = avatar.AnsweredRefused, "qwen2.5:3b", 3, nil
	refused.Refused = []avatar.RefusedSentence{{Text: "这是全网最好的有机茶。", Reasons: []avatar.GuardReason{{Code: avatar.GuardAbsoluteClaim, Msg: "superlative", Phrase: "全网最好"}}}}
	if err := b.RecordQuestion(ctx, refused); err != nil {
		t.Fatal(err)
	}
	// Other rooms and merchants, between them.
	if err := b.RecordQuestion(ctx, question("m1", "room-b", "other room", t0)); err != nil {
		t.Fatal(err)
	}
	if err := b.RecordQuestion(ctx, question("m2", "room-a", "other merchant", t0)); err != nil {
		t.Fatal(err)
	}

	got, err := b.Questions(ctx, "m1", "room-a", bus.QuestionQuery{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	texts := func(qs []avatar.Question) string {
		var s []string
		for _, q := range qs {
			s = append(s, q.Text)
		}
		return strings.Join(s, ",")
	}
	if texts(got) != "是有机的吗？,q4,q3" {
		t.Fatalf("Questions(limit 3) = %s, want the newest three, newest first", texts(got))
	}
	if g := got[0]; g.Answered != avatar.AnsweredRefused || g.Model != "qwen2.5:3b" || g.Version != 3 || len(g.Refused) != 1 ||
		g.Refused[0].Reasons[0].Code != avatar.GuardAbsoluteClaim || !g.Asked.Equal(refused.Asked) {
		t.Errorf("the refused answer came back as %+v", g)
	}
	if got, _ := b.Questions(ctx, "m1", "room-a", bus.QuestionQuery{Before: t0.Add(3 * time.Minute), Limit: 10}); texts(got) != "q2,q1,q0" {
		t.Errorf("Questions(before q3) = %s, want q2,q1,q0", texts(got))
	}
	if got, _ := b.Questions(ctx, "m1", "room-a", bus.QuestionQuery{Answered: []string{avatar.AnsweredRefused, avatar.AnsweredModel}}); texts(got) != "是有机的吗？" {
		t.Errorf("Questions(refused or model) = %s, want the refused one", texts(got))
	}
	// Another merchant's room of the same name is its own.
	if got, _ := b.Questions(ctx, "m2", "room-a", bus.QuestionQuery{Limit: 10}); texts(got) != "other merchant" {
		t.Errorf("Questions(m2) = %s, want only m2's", texts(got))
	}
	if got, _ := b.Questions(ctx, "m3", "room-a", bus.QuestionQuery{Limit: 10}); len(got) != 0 {
		t.Errorf("Questions(m3) = %s, want none", texts(got))
	}
	// A merchant that is no single token cannot widen the subject.
	if _, err := b.Questions(ctx, "*", "room-a", bus.QuestionQuery{Limit: 10}); err == nil {
		t.Error("Questions(merchant *): no error")
	}
	if err := b.RecordQuestion(ctx, question("m1.x", "room-a", "x", t0)); err == nil {
		t.Error("RecordQuestion(merchant m1.x): no error")
	}
	if err := b.RecordQuestion(ctx, question("m1", "room.>", "x", t0)); err == nil {
		t.Error("RecordQuestion(room room.>): no error")
	}
}

// TestQuestionsBounded: a record is cut to its bounds, the room keeps at
// most QuestionsPerRoom and the stream forgets after QuestionsMaxAge.
func TestQuestionsBounded(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	long := question("m1", "room-a", strings.Repeat("问", 2000), time.Now())
	for range 30 {
		long.Spoken = append(long.Spoken, strings.Repeat("答", 1000))
	}
	if err := b.RecordQuestion(ctx, long); err != nil {
		t.Fatal(err)
	}
	got, err := b.Questions(ctx, "m1", "room-a", bus.QuestionQuery{})
	if err != nil || len(got) != 1 {
		t.Fatalf("Questions = %d, %v", len(got), err)
	}
	if q := got[0]; len(q.Text) > 1000 || !utf8.ValidString(q.Text) || len(q.Spoken) > 10 || len(q.Spoken[0]) > 1000 {
		t.Errorf("stored question of %d bytes, %d sentences: not cut to its bounds", len(q.Text), len(q.Spoken))
	}
	cfg := bustest.StreamInfo(t, b, avatar.QuestionsStream).Config
	if cfg.MaxAge != bus.QuestionsMaxAge || cfg.MaxMsgsPerSubject != bus.QuestionsPerRoom || cfg.Discard != jetstream.DiscardOld {
		t.Errorf("stream %s: max age %v, per subject %d, discard %v", cfg.Name, cfg.MaxAge, cfg.MaxMsgsPerSubject, cfg.Discard)
	}
}
