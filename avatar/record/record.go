// Package record writes the export of a room's record (the events it
// published, kept in avatar.RecordsStream) as NDJSON or as a readable
// transcript, with where the show came from: `avatarcast export` and the
// merchant API's GET /api/v1/rooms/{room}/record share it.
package record

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// Formats of an export.
const (
	FormatNDJSON     = "ndjson"
	FormatTranscript = "transcript"
)

// ParseFormat checks an export format name; empty is FormatNDJSON.
func ParseFormat(s string) (string, error) {
	switch s {
	case "", FormatNDJSON:
		return FormatNDJSON, nil
	case FormatTranscript:
		return FormatTranscript, nil
	}
	return "", fmt.Errorf("format %q: want %s or %s", s, FormatNDJSON, FormatTranscript)
}

// Query is what to export.
type Query struct {
	Room     avatar.RoomID
	From, To time.Time // events whose own time is in [From, To)
	Format   string    // FormatNDJSON or FormatTranscript
	// Progress, if set, is called every ProgressEvery events and at the end
	// with how many events were written and the time of the last one.
	Progress func(events int, last time.Time)
}

// ProgressEvery is how many events pass between Progress calls.
const ProgressEvery = 1000

// Header opens an NDJSON export (as {"record": Header}) and says where the
// record came from. The room's current record gives its merchant, script
// and persona; Audit holds the merchant's records about the room that tell
// who created, assigned and started it and when (the latest of each before
// From) and every change in the window. Each show.start event in the
// export carries the provenance of the show it starts (script version,
// persona, licences), since a room's script may change between shows.
type Header struct {
	Room     avatar.RoomID      `json:"room"`
	From     time.Time          `json:"from"`
	To       time.Time          `json:"to"`
	Kind     string             `json:"kind"`
	Title    string             `json:"title"`
	Current  *avatar.Provenance `json:"current"` // as the room record says now
	Audit    []bus.AuditRecord  `json:"audit"`
	AIGC     *avatar.AIGC       `json:"aigc"`
	Producer string             `json:"exported_by"`
}

// Trailer closes an NDJSON export (as {"end": Trailer}), so a reader knows
// it has all of it: an export cut short, or one whose read failed (Error),
// does not end in a trailer without an error.
type Trailer struct {
	Events int    `json:"events"`
	Error  string `json:"error,omitempty"`
}

// ErrNoRoom is returned by Export for a room without a record.
var ErrNoRoom = errors.New("no such room")

// Export writes room q.Room's record from q.From to q.To to w, streamed:
// one event at a time, never the whole export in memory. It returns how
// many events it wrote. A failure after writing began is also written at
// the end of the export (NDJSON trailer or transcript line) before it is
// returned, since a streamed response cannot change its status any more.
func Export(ctx context.Context, b *bus.Bus, w io.Writer, q Query) (int, error) {
	rm, _, err := b.RoomRecord(ctx, q.Room)
	if errors.Is(err, bus.ErrNotFound) {
		return 0, fmt.Errorf("record: export room %s: %w", q.Room, ErrNoRoom)
	}
	if err != nil {
		return 0, fmt.Errorf("record: export room %s: %w", q.Room, err)
	}
	audit, err := b.RoomAudit(ctx, rm.Merchant, q.Room, q.From, q.To)
	if err != nil {
		return 0, fmt.Errorf("record: export room %s: %w", q.Room, err)
	}
	h := Header{Room: q.Room, From: q.From.UTC(), To: q.To.UTC(), Kind: rm.Kind, Title: rm.Title,
		Current: rm.Provenance(), Audit: audit, AIGC: avatar.MarkAI(string(q.Room)), Producer: avatar.AIGCProducer}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out writer
	if q.Format == FormatTranscript {
		out = &transcript{w: bw, speaker: speaker(rm.Persona)}
	} else {
		out = &ndjson{w: bw}
	}
	if err := out.header(h); err != nil {
		return 0, fmt.Errorf("record: export room %s: %w", q.Room, err)
	}
	n := 0
	var last time.Time
	err = b.ReadRecord(ctx, q.Room, q.From, q.To, func(ev bus.RecordedEvent) error {
		if err := out.event(ev); err != nil {
			return err
		}
		n, last = n+1, ev.TS
		if n%ProgressEvery == 0 {
			if q.Progress != nil {
				q.Progress(n, last)
			}
			// Hand a batch on, so a long export streams.
			if err := bw.Flush(); err != nil {
				return err
			}
			if f, ok := w.(interface{ Flush() }); ok {
				f.Flush()
			}
		}
		return nil
	})
	if q.Progress != nil {
		q.Progress(n, last)
	}
	if err != nil {
		err = fmt.Errorf("record: export room %s: %w", q.Room, err)
	}
	if terr := out.trailer(n, err); terr != nil && err == nil {
		err = fmt.Errorf("record: export room %s: %w", q.Room, terr)
	}
	if ferr := bw.Flush(); ferr != nil && err == nil {
		err = fmt.Errorf("record: export room %s: %w", q.Room, ferr)
	}
	return n, err
}

func speaker(p avatar.Persona) string {
	if p.Name != "" {
		return p.Name
	}
	if p.ID != "" {
		return p.ID
	}
	return "presenter"
}

type writer interface {
	header(Header) error
	event(bus.RecordedEvent) error
	trailer(n int, err error) error
}

// ndjson writes {"record": header}, each event's envelope as it was
// published, one a line, and {"end": trailer}.
type ndjson struct{ w *bufio.Writer }

func (x *ndjson) header(h Header) error {
	return x.line(struct {
		Record Header `json:"record"`
	}{h})
}

func (x *ndjson) event(ev bus.RecordedEvent) error {
	// Stored envelopes are compact JSON of one line already.
	if _, err := x.w.Write(ev.Data); err != nil {
		return err
	}
	return x.w.WriteByte('\n')
}

func (x *ndjson) trailer(n int, err error) error {
	t := Trailer{Events: n}
	if err != nil {
		t.Error = err.Error()
	}
	return x.line(struct {
		End Trailer `json:"end"`
	}{t})
}

func (x *ndjson) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if _, err := x.w.Write(b); err != nil {
		return err
	}
	return x.w.WriteByte('\n')
}

// transcript writes a readable account: a header of where the show came
// from, then a line per event a person reading the record cares about
// (speech, replies with their question, products, sales and stock,
// coupons, notices, comments, the show's start and end); expressions,
// gestures, viewer counts and idle are left out.
type transcript struct {
	w       *bufio.Writer
	speaker string
}

func (x *transcript) printf(format string, args ...any) {
	fmt.Fprintf(x.w, format, args...)
}

func (x *transcript) header(h Header) error {
	x.printf("# avatarcast record of room %s (%s, %q)\n", h.Room, h.Kind, h.Title)
	x.printf("# from %s to %s\n", h.From.Format(avatar.TimeLayout), h.To.Format(avatar.TimeLayout))
	c := h.Current
	x.printf("# merchant %s; script %s version %s; persona %s, voice %s\n", c.Merchant, c.Show, version(c.Version), c.Persona, orNone(c.Voice))
	if c.Person != "" {
		x.printf("# likeness of %s under licence %s\n", c.Person, orNone(strings.Join(c.Licences, ", ")))
	} else {
		x.printf("# wholly synthetic persona (no real person's likeness)\n")
	}
	x.printf("# %s content, produced by %s: every line below was spoken by an AI presenter\n", h.AIGC.Label, h.AIGC.Producer)
	for _, a := range h.Audit {
		x.printf("# audit %s %s by %s", a.TS.UTC().Format(avatar.TimeLayout), a.Action, a.Merchant)
		if a.RequestID != "" {
			x.printf(" (request %s)", a.RequestID)
		}
		if len(a.Detail) > 0 {
			x.printf(" %s", a.Detail)
		}
		x.printf("\n")
	}
	return nil
}

func version(v uint64) string {
	if v == 0 {
		return "latest"
	}
	return fmt.Sprint(v)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (x *transcript) event(ev bus.RecordedEvent) error {
	var env avatar.Envelope
	if err := json.Unmarshal(ev.Data, &env); err != nil {
		return fmt.Errorf("event seq %d: %w", ev.Seq, err)
	}
	p := avatar.NewPayload(env.Type)
	if p == nil {
		return nil // a type this version does not know
	}
	if err := json.Unmarshal(env.Data, p); err != nil {
		return fmt.Errorf("event seq %d (%s): %w", ev.Seq, env.Type, err)
	}
	at := ev.TS.UTC().Format(avatar.TimeLayout)
	switch d := p.(type) {
	case *avatar.ShowStatus:
		x.printf("%s  [%s] %s", at, env.Type, d.Show)
		if d.Reason != "" {
			x.printf(" (%s)", d.Reason)
		}
		if pv := d.Provenance; pv != nil {
			x.printf(": script %s version %d of merchant %s, persona %s", pv.Show, pv.Version, pv.Merchant, pv.Persona)
			if len(pv.Licences) > 0 {
				x.printf(", likeness of %s under licence %s", pv.Person, strings.Join(pv.Licences, ", "))
			}
		}
		x.printf("\n")
	case *avatar.Speech:
		x.printf("%s  %s [%s, %s]: %s\n", at, x.speaker, d.LineID, d.Lang, d.Text)
	case *avatar.Reply:
		asker := d.Name
		if asker == "" {
			asker = "a viewer"
		}
		x.printf("%s  %s asks: %s\n", at, asker, d.Question)
		x.printf("%s  %s replies [%s, %s]: %s\n", at, x.speaker, d.Speech.LineID, d.Speech.Lang, d.Speech.Text)
	case *avatar.Product:
		if env.Type == avatar.EventProductHide {
			x.printf("%s  [product hidden] %s\n", at, d.SKU)
			break
		}
		x.printf("%s  [product] %s %q: %s %s (list %s), stock %d\n", at, d.SKU, d.Title, d.Price, d.Currency, d.ListPrice, d.Stock)
	case *avatar.Sale:
		switch env.Type {
		case avatar.EventSaleStart:
			x.printf("%s  [sale start] %s: %s %s, stock %d, until %s\n", at, d.SKU, d.Price, d.Currency, d.Stock, time.Time(d.Ends).UTC().Format(avatar.TimeLayout))
		case avatar.EventSaleUpdate:
			x.printf("%s  [sale] %s: stock %d\n", at, d.SKU, d.Stock)
		default:
			x.printf("%s  [sale end] %s: stock %d (%s)\n", at, d.SKU, d.Stock, d.Reason)
		}
	case *avatar.StockLevel:
		x.printf("%s  [stock] %s: %d\n", at, d.SKU, d.Stock)
	case *avatar.Coupon:
		x.printf("%s  [coupon] %s %q: %s %s off", at, d.ID, d.Title, d.Discount, d.Currency)
		if d.MinSpend != "" {
			x.printf(" over %s", d.MinSpend)
		}
		x.printf(", %d of them\n", d.Count)
	case *avatar.Notice:
		x.printf("%s  [notice] %s\n", at, d.Text)
	case *avatar.Comment:
		name := d.Name
		if name == "" {
			name = "a viewer"
		}
		x.printf("%s  [comment] %s: %s\n", at, name, d.Text)
	case *avatar.Exhibit:
		x.printf("%s  [exhibit] %s %q\n", at, d.ID, d.Title)
	}
	return nil
}

func (x *transcript) trailer(n int, err error) error {
	if err != nil {
		x.printf("# export failed after %d events: %v\n", n, err)
		return nil
	}
	x.printf("# end of record: %d events\n", n)
	return nil
}
