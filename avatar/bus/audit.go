package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
)

// AuditRecord is one change a merchant made: who, when and what.
type AuditRecord struct {
	Seq       uint64          `json:"seq"` // stream sequence, set when read; a paging cursor
	TS        time.Time       `json:"ts"`
	Merchant  string          `json:"merchant"`
	Action    string          `json:"action"` // "script.put", "room.start", "control.say", ...
	Target    string          `json:"target"` // script or room ID
	RequestID string          `json:"request_id,omitempty"`
	Detail    json.RawMessage `json:"detail,omitempty"`
}

// RecordAudit records rec on rec.Merchant's audit subject and waits for the
// stream to store it.
func (b *Bus) RecordAudit(ctx context.Context, rec AuditRecord) error {
	rec.Seq = 0
	data, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("bus: encode audit record: %w", err)
	}
	if _, err := b.JS.Publish(ctx, avatar.AuditSubject(rec.Merchant), data); err != nil {
		return fmt.Errorf("bus: record audit %s %s: %w", rec.Action, rec.Target, err)
	}
	return nil
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
	lm, err := b.Audit.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bus: audit of %s: %w", merchant, err)
	}
	last := lm.Sequence
	if before != 0 {
		if before <= 1 {
			return nil, nil
		}
		last = min(last, before-1)
	}
	// next returns the first record of merchant at or after stream seq from.
	next := func(from uint64) (*jetstream.RawStreamMsg, error) {
		m, err := b.Audit.GetMsg(ctx, from, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil, nil
		}
		return m, err
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
				rec.Seq = got[i].Sequence
				out = append(out, rec)
			}
			return out, nil
		}
		window *= 4
	}
}
