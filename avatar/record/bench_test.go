package record_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/record"
)

// BenchmarkExport exports a room's record of 20,000 events (about ten
// room-hours of demo-live: speech lines with word and viseme tracks, and
// product, sale and stock events), interleaved with another room's, and
// reports events per second, as NDJSON and as a transcript.
func BenchmarkExport(b *testing.B) {
	bs := bustest.Start(b)
	ctx := context.Background()
	if _, err := bs.CreateRoomRecord(ctx, avatar.Room{ID: "r", Merchant: "m", Show: "s", Persona: avatar.Persona{ID: "p", Name: "P"}}); err != nil {
		b.Fatal(err)
	}
	const n = 20000
	from := time.Now().Truncate(time.Millisecond) // envelopes carry milliseconds
	words := make([]avatar.Word, 12)
	visemes := make([]avatar.Viseme, 30)
	for i := range words {
		words[i] = avatar.Word{Text: "字", Offset: 3 * i, StartMS: 200 * i, EndMS: 200*i + 180}
	}
	for i := range visemes {
		visemes[i] = avatar.Viseme{V: "A", AtMS: 80 * i}
	}
	for i := range uint64(n) {
		for _, room := range []avatar.RoomID{"r", "other"} {
			var env avatar.Envelope
			var err error
			switch i % 4 {
			case 0, 1:
				env, err = avatar.NewEnvelope(room, i+1, time.Now(), avatar.EventSpeech, avatar.Speech{LineID: fmt.Sprint("l", i), Text: "今天只要九十九元，全国包邮。", Lang: "zh-CN",
					DurationMS: 2400, Words: words, Visemes: visemes, AIGC: avatar.MarkAI(avatar.EventContentID(room, i+1))})
			case 2:
				env, err = avatar.NewEnvelope(room, i+1, time.Now(), avatar.EventExpression, avatar.Expression{Name: "happy"})
			default:
				env, err = avatar.NewEnvelope(room, i+1, time.Now(), avatar.EventStock, avatar.StockLevel{SKU: "tea-01", Stock: int(i)})
			}
			if err != nil {
				b.Fatal(err)
			}
			raw, _ := json.Marshal(env)
			if _, err := bs.PublishEvent(ctx, room, i+1, raw, "cursor", 0); err != nil {
				b.Fatal(err)
			}
		}
	}
	to := time.Now().Add(time.Second)
	bustest.WaitRecorded(b, bs, 2*n)
	for _, format := range []string{record.FormatNDJSON, record.FormatTranscript} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				got, err := record.Export(ctx, bs, io.Discard, record.Query{Room: "r", From: from, To: to, Format: format})
				if err != nil || got != n {
					b.Fatalf("exported %d events, %v; want %d", got, err, n)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
