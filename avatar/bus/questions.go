package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// How long and how many unmatched questions are kept. They are a to-do
// list for the merchant's next FAQ, not the legal record (the spoken
// answers are reply events in RecordsStream, kept for years): a month
// covers a merchant's cycle of revising a script, and viewers' free text
// (which may hold what they should not have typed) is not kept longer
// than it serves. QuestionsPerRoom caps what a flood of questions can
// store: the oldest of the room go first.
const (
	QuestionsMaxAge  = 30 * 24 * time.Hour
	QuestionsPerRoom = 1000
	// MaxQuestionsList bounds one Questions call.
	MaxQuestionsList = 200
)

// Bounds on what one record holds, so a hostile viewer or model cannot
// make one large.
const (
	maxQuestionText    = 1000 // bytes of the question and of each sentence
	maxQuestionSpoken  = 10   // sentences spoken or refused
	maxQuestionReasons = 10
)

// SetupQuestions creates or updates QuestionsStream. RecordQuestion
// creates it on first use too, so a store made before it existed works
// on; Open should call it with the other streams for a role that
// provisions.
func (b *Bus) SetupQuestions(ctx context.Context) error {
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:              avatar.QuestionsStream,
		Description:       "viewers' questions no FAQ entry matched, and how each was answered",
		Subjects:          []string{avatar.AllQuestionsSubject()},
		Storage:           jetstream.FileStorage,
		Retention:         jetstream.LimitsPolicy,
		MaxAge:            QuestionsMaxAge,
		MaxMsgsPerSubject: QuestionsPerRoom,
		MaxMsgSize:        64 << 10,
		Discard:           jetstream.DiscardOld,
		Compression:       jetstream.S2Compression,
		AllowDirect:       true,
	})
	if err != nil {
		return fmt.Errorf("bus: create stream %s: %w", avatar.QuestionsStream, err)
	}
	return nil
}

// RecordQuestion stores q, an unmatched question of q.Merchant's room
// q.Room, and waits for the stream to store it. Texts longer than the
// record holds are cut (at a rune boundary).
func (b *Bus) RecordQuestion(ctx context.Context, q avatar.Question) error {
	if !isToken(q.Merchant) {
		return fmt.Errorf("bus: record question: merchant %q is not a single token", q.Merchant)
	}
	if _, err := avatar.ParseRoomID(string(q.Room)); err != nil {
		return fmt.Errorf("bus: record question: %w", err)
	}
	q = boundQuestion(q)
	data, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("bus: encode question of room %s: %w", q.Room, err)
	}
	subj := avatar.QuestionsSubject(q.Merchant, q.Room)
	_, err = b.js.Publish(ctx, subj, data)
	if errors.Is(err, jetstream.ErrNoStreamResponse) {
		// No stream yet (a store older than it): make it, try once more.
		if err = b.SetupQuestions(ctx); err == nil {
			_, err = b.js.Publish(ctx, subj, data)
		}
	}
	if err != nil {
		return fmt.Errorf("bus: record question of room %s: %w", q.Room, err)
	}
	return nil
}

// QuestionQuery chooses which of a room's unmatched questions Questions
// returns.
type QuestionQuery struct {
	// Before keeps the questions asked before it (zero: up to now).
	Before time.Time
	// Answered keeps the questions answered so (avatar.AnsweredFallback,
	// AnsweredModel, AnsweredRefused); empty keeps all.
	Answered []string
	// Limit is how many to return at most (0 or more than
	// MaxQuestionsList: MaxQuestionsList).
	Limit int
}

// Questions returns merchant's room r's unmatched questions that q
// chooses, newest first. It reads the room's subject alone, which holds
// at most QuestionsPerRoom records, so its cost is bounded whatever the
// other rooms hold. No stream yet means no questions.
func (b *Bus) Questions(ctx context.Context, merchant string, r avatar.RoomID, q QuestionQuery) ([]avatar.Question, error) {
	limit := q.Limit
	if limit <= 0 || limit > MaxQuestionsList {
		limit = MaxQuestionsList
	}
	if !isToken(merchant) {
		return nil, fmt.Errorf("bus: questions: merchant %q is not a single token", merchant)
	}
	if _, err := avatar.ParseRoomID(string(r)); err != nil {
		return nil, fmt.Errorf("bus: questions: %w", err)
	}
	subj := avatar.QuestionsSubject(merchant, r)
	st, err := b.js.Stream(ctx, avatar.QuestionsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
	}
	last, err := st.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
	}
	cons, err := b.js.OrderedConsumer(ctx, avatar.QuestionsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(256))
	if err != nil {
		return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
	}
	defer it.Stop()
	// The newest limit asked before before, in a ring.
	ring := make([]avatar.Question, 0, limit)
	next := 0
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, fmt.Errorf("bus: questions of room %s: %w", r, err)
		}
		var rec avatar.Question
		if err := json.Unmarshal(m.Data(), &rec); err != nil {
			b.log.Warn("skip undecodable question record", logSubject(subj))
		} else if (q.Before.IsZero() || rec.Asked.Before(q.Before)) && (len(q.Answered) == 0 || slices.Contains(q.Answered, rec.Answered)) {
			if len(ring) < limit {
				ring = append(ring, rec)
			} else {
				ring[next] = rec
				next = (next + 1) % limit
			}
		}
		if md.Sequence.Stream >= last.Sequence {
			break
		}
	}
	out := make([]avatar.Question, 0, len(ring))
	for i := range ring {
		out = append(out, ring[(next+len(ring)-1-i)%len(ring)])
	}
	return out, nil
}

// boundQuestion cuts q's texts and lists to what a record holds.
func boundQuestion(q avatar.Question) avatar.Question {
	q.Text = cut(q.Text, maxQuestionText)
	q.Lang = cut(q.Lang, 35)
	q.Model = cut(q.Model, 200)
	q.Error = cut(q.Error, maxQuestionText)
	if len(q.Spoken) > maxQuestionSpoken {
		q.Spoken = q.Spoken[:maxQuestionSpoken]
	}
	spoken := make([]string, len(q.Spoken))
	for i, s := range q.Spoken {
		spoken[i] = cut(s, maxQuestionText)
	}
	q.Spoken = spoken
	if len(q.Refused) > maxQuestionSpoken {
		q.Refused = q.Refused[:maxQuestionSpoken]
	}
	refused := make([]avatar.RefusedSentence, len(q.Refused))
	for i, s := range q.Refused {
		rs := s.Reasons
		if len(rs) > maxQuestionReasons {
			rs = rs[:maxQuestionReasons]
		}
		reasons := make([]avatar.GuardReason, len(rs))
		for j, g := range rs {
			reasons[j] = avatar.GuardReason{Code: cut(g.Code, 64), Msg: cut(g.Msg, maxQuestionText), Phrase: cut(g.Phrase, 200)}
		}
		refused[i] = avatar.RefusedSentence{Text: cut(s.Text, maxQuestionText), Reasons: reasons}
	}
	q.Refused = refused
	if len(q.Spoken) == 0 {
		q.Spoken = nil
	}
	if len(q.Refused) == 0 {
		q.Refused = nil
	}
	return q
}

// cut returns s cut to at most n bytes at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// isToken reports whether s is one NATS subject token of [A-Za-z0-9_-].
func isToken(s string) bool {
	_, err := avatar.ParseRoomID(s) // the same alphabet and length
	return err == nil
}
