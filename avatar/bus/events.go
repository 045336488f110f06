package bus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// ErrFenced is returned by PublishEvent when another writer has published to
// the room since expectLast: this director no longer owns the room.
var ErrFenced = errors.New("bus: room written by another director")

// PublishEvent stores the encoded event raw of room r with room sequence seq,
// and returns its stream sequence. cursor, if not empty, is stored with the
// event (the director's place in its show once this event is out). If
// expectLast is not zero, the publish succeeds only if the room's last
// stored event has stream sequence expectLast, which fences out a stale
// director.
func (b *Bus) PublishEvent(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expectLast uint64) (uint64, error) {
	subj := avatar.EventsSubject(r)
	msg := &nats.Msg{Subject: subj, Data: raw, Header: nats.Header{}}
	msg.Header.Set(avatar.HeaderSeq, strconv.FormatUint(seq, 10))
	if cursor != "" {
		msg.Header.Set(avatar.HeaderCursor, cursor)
	}
	opts := []jetstream.PublishOpt{jetstream.WithMsgID(string(r) + ":" + strconv.FormatUint(seq, 10))}
	if expectLast != 0 {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(expectLast))
	}
	ack, err := b.JS.PublishMsg(ctx, msg, opts...)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return 0, fmt.Errorf("%w: room %s seq %d", ErrFenced, r, seq)
		}
		return 0, fmt.Errorf("bus: publish room %s seq %d: %w", r, seq, err)
	}
	return ack.Sequence, nil
}

// StoredEvent is one event read back from the stream.
type StoredEvent struct {
	Seq       uint64 // room sequence
	StreamSeq uint64
	Data      []byte // the encoded envelope
	Cursor    string // the director's cursor after this event, if it set one
}

// LastEvent returns room r's last stored event, or ok false if it has none.
func (b *Bus) LastEvent(ctx context.Context, r avatar.RoomID) (ev StoredEvent, ok bool, err error) {
	m, err := b.Events.GetLastMsgForSubject(ctx, avatar.EventsSubject(r))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return StoredEvent{}, false, nil
	}
	if err != nil {
		return StoredEvent{}, false, fmt.Errorf("bus: last event of room %s: %w", r, err)
	}
	ev, err = stored(m)
	return ev, err == nil, err
}

// Replay calls fn for each stored event of room r whose room sequence is
// above after, in order, until fn returns an error or the stored events end.
// It finds the first one by binary search over stream sequences with direct
// gets, so its cost grows with the log of the stream and the events sent,
// not with the room's history. Events beyond retention are gone: the first
// event given may then have a sequence above after+1, which the caller
// must treat as a gap.
func (b *Bus) Replay(ctx context.Context, r avatar.RoomID, after uint64, fn func(StoredEvent) error) error {
	subj := avatar.EventsSubject(r)
	last, ok, err := b.LastEvent(ctx, r)
	if err != nil || !ok || last.Seq <= after {
		return err
	}
	next := func(from uint64) (StoredEvent, bool, error) {
		m, err := b.Events.GetMsg(ctx, from, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return StoredEvent{}, false, nil
		}
		if err != nil {
			return StoredEvent{}, false, fmt.Errorf("bus: replay room %s from stream seq %d: %w", r, from, err)
		}
		ev, err := stored(m)
		return ev, err == nil, err
	}
	// Smallest stream sequence whose next event of the room is after 'after'.
	lo, hi := uint64(1), last.StreamSeq
	for lo < hi {
		mid := lo + (hi-lo)/2
		ev, ok, err := next(mid)
		if err != nil {
			return err
		}
		switch {
		case !ok || ev.Seq > after:
			hi = mid
		default:
			lo = ev.StreamSeq + 1
		}
	}
	for from := lo; from <= last.StreamSeq; {
		ev, ok, err := next(from)
		if err != nil || !ok {
			return err
		}
		if ev.Seq > after {
			if err := fn(ev); err != nil {
				return err
			}
		}
		from = ev.StreamSeq + 1
	}
	return nil
}

func stored(m *jetstream.RawStreamMsg) (StoredEvent, error) {
	seq, err := strconv.ParseUint(m.Header.Get(avatar.HeaderSeq), 10, 64)
	if err != nil {
		return StoredEvent{}, fmt.Errorf("bus: stream seq %d on %s: bad %s header: %w", m.Sequence, m.Subject, avatar.HeaderSeq, err)
	}
	return StoredEvent{Seq: seq, StreamSeq: m.Sequence, Data: m.Data, Cursor: m.Header.Get(avatar.HeaderCursor)}, nil
}

func splitHostPort(hp string) (string, int, error) {
	host, p, err := net.SplitHostPort(hp)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("port %q: %w", p, err)
	}
	return host, port, nil
}
