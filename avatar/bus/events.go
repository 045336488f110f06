package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// PublishEvent stores the encoded event raw of room r with room sequence seq,
// and returns its stream sequence. cursor, if not empty, is stored with the
// event (the director's place in its show once this event is out). If
// expectLast is not zero, the publish succeeds only if the room's last
// stored event has stream sequence expectLast, which fences out a stale
// director. It returns ErrFenced if the stream refuses the event for that,
// or answers that it already holds another event under the same id
// (room:seq): a publish of seq by a director that lost the room, stored
// after this one read the room's last event.
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
	ack, err := b.js.PublishMsg(ctx, msg, opts...)
	if err != nil {
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence {
			return 0, fmt.Errorf("%w: room %s seq %d", ErrFenced, r, seq)
		}
		return 0, fmt.Errorf("bus: publish room %s seq %d: %w", r, seq, err)
	}
	if ack.Duplicate {
		// The stream already holds an event with this ID (room:seq): this
		// one sent before (a retry), or another director's seq whose
		// publish timed out but was stored late, after this director read
		// the room's last event (issue 19). Only the first is ours.
		if err := b.sameEvent(ctx, r, seq, ack.Sequence, raw, cursor); err != nil {
			return 0, err
		}
	}
	return ack.Sequence, nil
}

// sameEvent checks that the event stored at stream sequence sseq is the
// one PublishEvent was given (seq, raw and cursor), and returns ErrFenced
// if another writer's is there.
func (b *Bus) sameEvent(ctx context.Context, r avatar.RoomID, seq, sseq uint64, raw []byte, cursor string) error {
	m, err := b.events.GetMsg(ctx, sseq)
	if err != nil {
		return fmt.Errorf("bus: publish room %s seq %d: read the duplicate at stream seq %d: %w", r, seq, sseq, err)
	}
	ev, err := stored(m)
	if err != nil || ev.Seq != seq || ev.Cursor != cursor || !bytes.Equal(ev.Data, raw) || m.Subject != avatar.EventsSubject(r) {
		return fmt.Errorf("%w: room %s seq %d: the stream holds another event with its id", ErrFenced, r, seq)
	}
	return nil
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
	// A director taking a room over asks this first, often right after a
	// failure moved the stream's leader: ask again if unanswered.
	var m *jetstream.RawStreamMsg
	err = retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		m, err = b.events.GetLastMsgForSubject(ctx, avatar.EventsSubject(r))
		return err
	})
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
// gets, then reads the rest in batches of ReplayBatch with JetStream's
// batched direct get (one request per batch, not per event), so its cost
// grows with the log of the stream and the events sent, not with the
// room's history. Events beyond retention are gone: the first event given
// may then have a sequence above after+1, which the caller must treat as a
// gap.
func (b *Bus) Replay(ctx context.Context, r avatar.RoomID, after uint64, fn func(StoredEvent) error) error {
	return b.ReplayUpTo(ctx, r, after, math.MaxUint64, fn)
}

// ReplayUpTo is Replay of the events after 'after' up to room sequence
// upto: it asks the stream for no more than those.
func (b *Bus) ReplayUpTo(ctx context.Context, r avatar.RoomID, after, upto uint64, fn func(StoredEvent) error) error {
	if upto <= after {
		return nil
	}
	subj := avatar.EventsSubject(r)
	last, ok, err := b.LastEvent(ctx, r)
	if err != nil || !ok || last.Seq <= after {
		return err
	}
	next := func(from uint64) (StoredEvent, bool, error) {
		m, err := b.events.GetMsg(ctx, from, jetstream.WithGetMsgSubject(subj))
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
	if after+1 >= last.Seq {
		lo = last.StreamSeq // only the last one is wanted
	}
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
	want := min(upto, last.Seq) - after // events still wanted, at most
	for from := lo; from <= last.StreamSeq && want > 0; {
		var done bool
		n, nextFrom, err := b.getBatch(ctx, subj, from, last.StreamSeq, int(min(want, ReplayBatch)), func(ev StoredEvent) error {
			if ev.Seq > upto {
				done = true
				return nil
			}
			if ev.Seq > after {
				want--
				return fn(ev)
			}
			return nil
		})
		if err != nil || n == 0 || done {
			return err
		}
		from = nextFrom
	}
	return nil
}

// ReplayBatch is how many events one batched direct get asks for.
const ReplayBatch = 256

// directGetSubject is JetStream's direct get API for a stream (the NATS
// server's, not one of avatarcast's subjects).
const directGetSubject = "$JS.API.DIRECT.GET."

// getBatch asks for up to batch messages of subj from stream sequence
// from to upto with one batched direct get (nats-server 2.11+), calls fn
// for each in order, and returns how many came and the stream sequence to
// ask from next.
func (b *Bus) getBatch(ctx context.Context, subj string, from, upto uint64, batch int, fn func(StoredEvent) error) (n int, next uint64, err error) {
	req, _ := json.Marshal(struct {
		Seq     uint64 `json:"seq"`
		NextFor string `json:"next_by_subj"`
		Batch   int    `json:"batch"`
		UpToSeq uint64 `json:"up_to_seq,omitempty"`
	}{from, subj, batch, upto})
	inbox := b.nc.NewRespInbox()
	sub, err := b.nc.SubscribeSync(inbox)
	if err != nil {
		return 0, 0, fmt.Errorf("bus: batch get %s from %d: %w", subj, from, err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := b.nc.PublishRequest(directGetSubject+avatar.EventsStream, inbox, req); err != nil {
		return 0, 0, fmt.Errorf("bus: batch get %s from %d: %w", subj, from, err)
	}
	next = from
	for {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		m, err := sub.NextMsgWithContext(ctx)
		cancel()
		if err != nil {
			return n, next, fmt.Errorf("bus: batch get %s from %d: %w", subj, from, err)
		}
		switch m.Header.Get("Status") {
		case "":
		case "204": // end of batch
			return n, next, nil
		case "404": // nothing (more) to get
			return n, next, nil
		default:
			return n, next, fmt.Errorf("bus: batch get %s from %d: status %s %s", subj, from, m.Header.Get("Status"), m.Header.Get("Description"))
		}
		streamSeq, err := strconv.ParseUint(m.Header.Get(jetstream.SequenceHeader), 10, 64)
		if err != nil {
			return n, next, fmt.Errorf("bus: batch get %s from %d: bad %s header: %w", subj, from, jetstream.SequenceHeader, err)
		}
		seq, err := strconv.ParseUint(m.Header.Get(avatar.HeaderSeq), 10, 64)
		if err != nil {
			return n, next, fmt.Errorf("bus: stream seq %d on %s: bad %s header: %w", streamSeq, subj, avatar.HeaderSeq, err)
		}
		n++
		next = streamSeq + 1
		if err := fn(StoredEvent{Seq: seq, StreamSeq: streamSeq, Data: m.Data, Cursor: m.Header.Get(avatar.HeaderCursor)}); err != nil {
			return n, next, err
		}
	}
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
