package director

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// errHandedOver is what a handoverSink answers a publish with once the
// room is being handed over: the player stops there, before the event.
var errHandedOver = errors.New("director: room handed over at a line boundary")

// handoverSink is the sink of a room being played that can be handed to
// another director at a line boundary: asked to (ask), it lets the line
// being spoken and its breath finish, cues and all, then refuses the next
// line's first event (or, if nothing is spoken, closes at once). The last
// stored event's cursor then names the next line, and the successor starts
// there, as a takeover does: no line is spoken twice or cut.
//
// It tells a line's start by its events: an expression or gesture, then
// the speech or reply; the line ends its duration_ms after the speech went
// out, plus LineGap. Its methods are safe for concurrent use.
type handoverSink struct {
	Sink

	mu sync.Mutex // held across Publish, so ask never splits a line's start
	// pending: a line's expression or gesture is out, its speech not yet.
	pending bool
	until   time.Time // when the last line spoken and its breath end
	asked   bool
	closed  bool
	done    chan struct{} // closed with closed
	timer   *time.Timer
}

func newHandoverSink(s Sink) *handoverSink {
	return &handoverSink{Sink: s, done: make(chan struct{})}
}

// handoverProbe is the part of an event a handoverSink reads.
type handoverProbe struct {
	Type avatar.EventType `json:"type"`
	Data struct {
		DurationMS int `json:"duration_ms"`
		Speech     struct {
			DurationMS int `json:"duration_ms"`
		} `json:"speech"`
	} `json:"data"`
}

// Publish implements Sink: it refuses with errHandedOver once the sink is
// closed, and closes it instead of publishing a new line's first event
// once a hand-over was asked for.
func (s *handoverSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	var ev handoverProbe
	_ = json.Unmarshal(raw, &ev) // the player encoded it; a field missing reads as 0
	s.mu.Lock()
	defer s.mu.Unlock()
	starts := false
	switch ev.Type {
	case avatar.EventExpression, avatar.EventGesture, avatar.EventSpeech, avatar.EventReply:
		starts = !s.pending
	}
	if s.closed || s.asked && starts {
		s.closeLocked()
		return 0, errHandedOver
	}
	token, err := s.Sink.Publish(ctx, r, seq, raw, cursor, expect)
	if err != nil {
		return token, err
	}
	switch ev.Type {
	case avatar.EventExpression, avatar.EventGesture:
		s.pending = true
	case avatar.EventSpeech, avatar.EventReply:
		s.pending = false
		d := max(ev.Data.DurationMS, ev.Data.Speech.DurationMS)
		s.until = time.Now().Add(time.Duration(d)*time.Millisecond + LineGap)
	}
	return token, nil
}

// publishFinal publishes the room's last checkpoint (Player.FinalCheckpoint)
// through the sink it wraps, even once closed: it is no line.
func (s *handoverSink) publishFinal(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	return s.Sink.Publish(ctx, r, seq, raw, cursor, expect)
}

// Audit implements Auditor if the sink it wraps does (else it records
// nothing, as the player does with a sink that is no Auditor).
func (s *handoverSink) Audit(ctx context.Context, room avatar.Room, action string, detail any) error {
	if a, ok := s.Sink.(Auditor); ok {
		return a.Audit(ctx, room, action, detail)
	}
	return nil
}

// RecordQuestion implements QuestionRecorder if the sink it wraps does
// (else it records nothing, as the player does with a sink that is no
// QuestionRecorder).
func (s *handoverSink) RecordQuestion(ctx context.Context, q avatar.Question) error {
	if r, ok := s.Sink.(QuestionRecorder); ok {
		return r.RecordQuestion(ctx, q)
	}
	return nil
}

// ask asks for the room to be handed over at the next line boundary and
// returns a channel closed once nothing more will be published: then stop
// the player and release the lease.
func (s *handoverSink) ask() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.asked {
		s.asked = true
		s.checkLocked()
	}
	return s.done
}

// checkLocked closes the sink if no line is being spoken, else looks
// again when the line should be over. s.mu is held.
func (s *handoverSink) checkLocked() {
	if s.closed {
		return
	}
	wait := time.Until(s.until)
	if s.pending {
		wait = 50 * time.Millisecond // the speech is on its way
	} else if wait <= 0 {
		s.closeLocked()
		return
	}
	s.timer = time.AfterFunc(wait, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.checkLocked()
	})
}

func (s *handoverSink) closeLocked() {
	if s.closed {
		return
	}
	s.closed = true
	close(s.done)
}

// stop stops the timer of a pending check (the room stopped for another
// reason).
func (s *handoverSink) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
	}
}

// The hand-over sink passes on everything the player asks of a bus sink.
var (
	_ Auditor          = (*handoverSink)(nil)
	_ QuestionRecorder = (*handoverSink)(nil)
)
