package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// AuditRecord is one change a merchant made: who, when and what.
type AuditRecord struct {
	// Seq numbers the merchant's records 1, 2, 3, ... in the order stored
	// (0 for records stored before they were numbered); a paging cursor. It
	// is counted per merchant, not taken from the stream shared by all
	// merchants, so it tells nothing of the others' activity.
	Seq       uint64          `json:"seq"`
	TS        time.Time       `json:"ts"`
	Merchant  string          `json:"merchant"`
	Action    string          `json:"action"` // "script.put", "room.start", "control.say", ...
	Target    string          `json:"target"` // script or room ID
	RequestID string          `json:"request_id,omitempty"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// RecordAudit records rec on rec.Merchant's audit subject, numbered after
// the merchant's last record, and waits for the stream to store it. The
// stream refuses the record if another came first on the subject (expected
// last subject sequence), and then it numbers it again, after a short
// random wait, until ctx ends: a change is never left unaudited because
// others were audited at the same time. Records of one merchant from this
// process go one at a time, so they race only with other processes'.
func (b *Bus) RecordAudit(ctx context.Context, rec AuditRecord) error {
	subj := avatar.AuditSubject(rec.Merchant)
	defer b.auditing.lock(rec.Merchant)()
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// Contenders that lost together would otherwise ask again
			// together: wait up to 1, 2, 4 … 64 ms, at random.
			wait := time.Duration(rand.Int64N(int64(time.Millisecond) << min(attempt, 6)))
			select {
			case <-ctx.Done():
				return fmt.Errorf("%w: record audit %s %s: %w", ErrChanged, rec.Action, rec.Target, ctx.Err())
			case <-time.After(wait):
			}
		}
		var after uint64 // stream seq of the merchant's last record
		rec.Seq = 1
		lm, err := b.audit.GetLastMsgForSubject(ctx, subj)
		switch {
		case err == nil:
			after = lm.Sequence
			rec.Seq = auditNum(lm.Data) + 1
		case !errors.Is(err, jetstream.ErrMsgNotFound):
			return fmt.Errorf("bus: record audit %s %s: last record: %w", rec.Action, rec.Target, err)
		}
		data, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("bus: encode audit record: %w", err)
		}
		_, err = b.js.Publish(ctx, subj, data, jetstream.WithExpectLastSequencePerSubject(after))
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant) {
			continue // another process's record of the merchant came first
		}
		if err != nil {
			return fmt.Errorf("bus: record audit %s %s: %w", rec.Action, rec.Target, err)
		}
		return nil
	}
}

// keyedLocks is a mutex per key, kept only while someone holds or waits
// for it. The zero value is ready.
type keyedLocks struct {
	mu sync.Mutex
	m  map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int // holders and waiters
}

// lock locks key and returns its unlock.
func (k *keyedLocks) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyedLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyedLock{}
		k.m[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// auditNum returns the merchant's number stored in an audit record.
func auditNum(data []byte) uint64 {
	var r struct {
		Seq uint64 `json:"seq"`
	}
	_ = json.Unmarshal(data, &r)
	return r.Seq
}

// AuditLog returns up to limit of merchant's audit records, newest first,
// stored before stream sequence before (0: up to the newest). It reads
// backwards in growing windows of stream sequences with direct gets, so its
// cost grows with the records it returns and the other merchants' records
// between them, not with the merchant's whole history.
func (b *Bus) AuditLog(ctx context.Context, merchant string, before uint64, limit int) ([]AuditRecord, error) {
	if limit <= 0 {
		return nil, nil
	}
	subj := avatar.AuditSubject(merchant)
	lm, err := b.audit.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bus: audit of %s: %w", merchant, err)
	}
	last := lm.Sequence
	// next returns the first record of merchant at or after stream seq from.
	next := func(from uint64) (*jetstream.RawStreamMsg, error) {
		m, err := b.audit.GetMsg(ctx, from, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, nil
		}
		return m, err
	}
	if before != 0 {
		if before <= 1 {
			return nil, nil
		}
		// The merchant's numbers grow with the stream sequence: search for
		// the first stream seq from which its records are numbered before
		// or later, with direct gets (about 30 for a billion records).
		lo, hi := uint64(1), last+1
		for lo < hi {
			mid := lo + (hi-lo)/2
			m, err := next(mid)
			if err != nil {
				return nil, fmt.Errorf("bus: audit of %s before %d: %w", merchant, before, err)
			}
			if m == nil || auditNum(m.Data) >= before {
				hi = mid
			} else {
				lo = mid + 1
			}
		}
		if lo <= 1 {
			return nil, nil
		}
		last = min(last, lo-1)
	}
	window := uint64(4 * limit)
	for {
		start := uint64(1)
		if last > window {
			start = last - window + 1
		}
		var got []*jetstream.RawStreamMsg
		for from := start; from <= last; {
			m, err := next(from)
			if err != nil {
				return nil, fmt.Errorf("bus: audit of %s from seq %d: %w", merchant, from, err)
			}
			if m == nil || m.Sequence > last {
				break
			}
			got = append(got, m)
			from = m.Sequence + 1
		}
		if len(got) >= limit || start == 1 {
			if len(got) > limit {
				got = got[len(got)-limit:]
			}
			out := make([]AuditRecord, 0, len(got))
			for i := len(got) - 1; i >= 0; i-- {
				var rec AuditRecord
				if err := json.Unmarshal(got[i].Data, &rec); err != nil {
					b.log.Warn("skip undecodable audit record", logSubject(subj))
					continue
				}
				out = append(out, rec)
			}
			return out, nil
		}
		window *= 4
	}
}

// RoomAudit returns merchant's audit records about room r that tell where
// a window [from, to) of its record came from: every record about the room
// in the window, and before it the latest of each room.* action (who
// created the room, assigned its script, started it, and when). It reads
// the merchant's subject with an ordered consumer up to to.
func (b *Bus) RoomAudit(ctx context.Context, merchant string, r avatar.RoomID, from, to time.Time) ([]AuditRecord, error) {
	subj := avatar.AuditSubject(merchant)
	last, err := b.audit.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bus: audit of room %s: %w", r, err)
	}
	cons, err := b.js.OrderedConsumer(ctx, b.audit.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subj}})
	if err != nil {
		return nil, fmt.Errorf("bus: audit of room %s: %w", r, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		return nil, fmt.Errorf("bus: audit of room %s: %w", r, err)
	}
	defer it.Stop()
	var before []AuditRecord // latest of each room.* action before from
	var in []AuditRecord
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("bus: audit of room %s: %w", r, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return nil, fmt.Errorf("bus: audit of room %s: %w", r, err)
		}
		var rec AuditRecord
		if json.Unmarshal(m.Data(), &rec) == nil && rec.Target == string(r) {
			switch {
			case !rec.TS.Before(to):
				return append(before, in...), nil
			case !rec.TS.Before(from):
				in = append(in, rec)
			case strings.HasPrefix(rec.Action, "room."):
				i := 0
				for i < len(before) && before[i].Action != rec.Action {
					i++
				}
				if i < len(before) {
					before = append(before[:i], before[i+1:]...)
				}
				before = append(before, rec)
			}
		}
		if md.Sequence.Stream >= last.Sequence {
			return append(before, in...), nil
		}
	}
}
