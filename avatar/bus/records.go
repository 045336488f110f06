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

// DefaultRecordsMaxAge is how long the record of rooms' events and the
// audit trail are kept unless configured: three years and a leap day, the
// least the live-commerce rules ask records of live sales to be kept.
const DefaultRecordsMaxAge = (3*365 + 1) * 24 * time.Hour

// DefaultRecordsMaxBytes bounds the record unless configured: 10 GiB, about
// 30,000 room-hours of demo-live compressed (330 kB each; 2.2 MB without
// compression: see the README and TestRecordBytesPerRoomHour). The
// server reserves it on disk when the stream is created (and refuses a
// bound above what its disk can hold), so size it with the bytes per
// room-hour measured in the README.
const DefaultRecordsMaxBytes = 10 << 30

// recordLag is how far a stored time may lie from its event's own time
// (the record stores a sourced event a moment after LIVE_EVENTS did, and
// a director's clock may differ from the server's): reads by time start
// and end this much wider, then keep the events by their own time.
const recordLag = time.Minute

// setupRecords creates or updates RecordsStream. It sources EventsStream
// rather than listening on the rooms' subjects itself, so the director
// still makes one fenced write per event and the record cannot diverge
// from what viewers got; the server copies each event with its subject and
// headers, and catches up after a restart from where it left off.
func (b *Bus) setupRecords(ctx context.Context, cfg Config) error {
	comp := jetstream.S2Compression
	if cfg.RecordsUncompressed {
		comp = jetstream.NoCompression
	}
	maxAge, maxBytes := cfg.RecordsMaxAge, cfg.RecordsMaxBytes
	if maxAge < 0 || maxBytes < 0 || cfg.AuditMaxAge < 0 {
		return fmt.Errorf("bus: records max age %v, max bytes %d, audit max age %v: none may be negative", maxAge, maxBytes, cfg.AuditMaxAge)
	}
	if maxAge == 0 {
		maxAge = DefaultRecordsMaxAge
	}
	if maxBytes == 0 {
		maxBytes = DefaultRecordsMaxBytes
	}
	var err error
	b.records, err = b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        avatar.RecordsStream,
		Description: "the record of every room's events, kept for years",
		Sources:     []*jetstream.StreamSource{{Name: avatar.EventsStream, FilterSubject: avatar.AllEventsSubject()}},
		Storage:     jetstream.FileStorage,
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		Discard:     jetstream.DiscardOld,
		Compression: comp,
		AllowDirect: true,
		Replicas:    max(cfg.Replicas, 1),
	})
	if err != nil {
		return fmt.Errorf("bus: create stream %s: %w", avatar.RecordsStream, err)
	}
	return nil
}

// bind looks up the streams and buckets already stored, changing nothing
// (Config.ReadOnly). A store written before the record existed has no
// RecordsStream: the record is then read from EventsStream, as far as its
// shorter retention reaches.
func (b *Bus) bind(ctx context.Context) error {
	var err error
	if b.events, err = b.js.Stream(ctx, avatar.EventsStream); err != nil {
		return fmt.Errorf("bus: stream %s: %w", avatar.EventsStream, err)
	}
	b.records, err = b.js.Stream(ctx, avatar.RecordsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		b.log.Warn("no records stream: reading the events stream")
		b.records, err = b.events, nil
	}
	if err != nil {
		return fmt.Errorf("bus: stream %s: %w", avatar.RecordsStream, err)
	}
	if b.audit, err = b.js.Stream(ctx, avatar.AuditStream); err != nil {
		return fmt.Errorf("bus: stream %s: %w", avatar.AuditStream, err)
	}
	if b.rooms, err = b.js.KeyValue(ctx, avatar.RoomsBucket); err != nil {
		return fmt.Errorf("bus: bucket %s: %w", avatar.RoomsBucket, err)
	}
	return nil
}

// RecordedEvent is one event of a room's record.
type RecordedEvent struct {
	Seq    uint64    // room sequence
	TS     time.Time // the event's own time (its envelope's ts)
	Stored time.Time // when the record stored it
	Data   []byte    // the encoded envelope, as viewers got it
}

// ReadRecord calls fn, in order, for each recorded event of room r whose
// own time is in [from, to), until fn returns an error. It reads with an
// ordered consumer that starts at from (JetStream's start time) and
// filters the room's subject, so the server sends only the room's events
// of the window, streamed in batches: nothing is built in memory, and the
// cost grows with the events exported, not with the record. It stops at
// the room's last event stored when it began.
func (b *Bus) ReadRecord(ctx context.Context, r avatar.RoomID, from, to time.Time, fn func(RecordedEvent) error) error {
	if !from.Before(to) {
		return nil
	}
	st := b.records
	subj := avatar.EventsSubject(r)
	last, err := st.GetLastMsgForSubject(ctx, subj)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("bus: record of room %s: %w", r, err)
	}
	start := from.Add(-recordLag)
	if last.Time.Before(start) {
		return nil // all stored before the window
	}
	cons, err := b.js.OrderedConsumer(ctx, st.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{subj},
		DeliverPolicy:  jetstream.DeliverByStartTimePolicy,
		OptStartTime:   &start,
	})
	if err != nil {
		return fmt.Errorf("bus: read record of room %s: %w", r, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(512))
	if err != nil {
		return fmt.Errorf("bus: read record of room %s: %w", r, err)
	}
	defer it.Stop()
	end := to.Add(recordLag)
	for {
		m, err := it.Next(jetstream.NextContext(ctx))
		if err != nil {
			return fmt.Errorf("bus: read record of room %s: %w", r, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("bus: read record of room %s: %w", r, err)
		}
		if md.Timestamp.After(end) {
			return nil
		}
		var env struct {
			Seq uint64      `json:"seq"`
			TS  avatar.Time `json:"ts"`
		}
		if err := json.Unmarshal(m.Data(), &env); err != nil {
			return fmt.Errorf("bus: record of room %s, stream seq %d: %w", r, md.Sequence.Stream, err)
		}
		if ts := time.Time(env.TS); !ts.Before(from) && ts.Before(to) {
			if err := fn(RecordedEvent{Seq: env.Seq, TS: ts, Stored: md.Timestamp, Data: m.Data()}); err != nil {
				return err
			}
		}
		if md.Sequence.Stream >= last.Sequence {
			return nil
		}
	}
}

// RecordSize returns how many events the record holds and the bytes they
// take in the stream (before the file store's compression).
func (b *Bus) RecordSize(ctx context.Context) (events, bytes uint64, err error) {
	info, err := b.records.Info(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("bus: record size: %w", err)
	}
	return info.State.Msgs, info.State.Bytes, nil
}
