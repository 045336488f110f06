package api_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/record"
)

// nextMilli waits for the next millisecond and returns it: every event
// published before has an earlier time, every one after a time not earlier
// (envelopes carry milliseconds).
func nextMilli() time.Time {
	m := time.Now().Truncate(time.Millisecond).Add(time.Millisecond)
	for time.Now().Before(m) {
		time.Sleep(100 * time.Microsecond)
	}
	return m
}

// TestRecordExport publishes a show's events around a window and exports
// the window over the API: exactly the window's events come back, after a
// header saying whose room it is and who started it, as NDJSON and as a
// transcript. Another merchant gets 404; bad parameters get problems.
func TestRecordExport(t *testing.T) {
	e := newEnv(t)
	e.want(e.putTea(tokenA), 201, "script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"a-live","kind":"livestream","title":"A live","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/a-live/start", "", nil), 200, "start")
	ctx := context.Background()
	var seq uint64
	pub := func(typ avatar.EventType, data any) {
		seq++
		env, err := avatar.NewEnvelope("a-live", seq, time.Now(), typ, data)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(env)
		if _, err := e.b.PublishEvent(ctx, "a-live", seq, raw, "", 0); err != nil {
			t.Fatal(err)
		}
	}
	speech := func(id, text string) avatar.Speech {
		return avatar.Speech{LineID: id, Text: text, Lang: "en", AIGC: avatar.MarkAI(avatar.EventContentID("a-live", seq+1))}
	}
	pub(avatar.EventShowStart, avatar.ShowStatus{Show: "tea", Provenance: &avatar.Provenance{Merchant: "a", Show: "tea", Version: 1, Persona: "xiaoya"}})
	pub(avatar.EventSpeech, speech("before", "Before the window."))
	from := nextMilli()
	pub(avatar.EventSpeech, speech("intro", "Welcome to the tea show."))
	pub(avatar.EventProductShow, avatar.Product{SKU: "tea-01", Title: "Longjing", Price: "99.00", ListPrice: "159.00", Currency: "CNY", Stock: 480})
	pub(avatar.EventSaleStart, avatar.Sale{ID: "s1", SKU: "tea-01", Price: "79.00", Currency: "CNY", Stock: 100, Ends: avatar.Time(time.Now().Add(5 * time.Minute))})
	pub(avatar.EventStock, avatar.StockLevel{SKU: "tea-01", Stock: 90})
	pub(avatar.EventReply, avatar.Reply{Viewer: "v1", Name: "Amy", Question: "Is shipping free?", Speech: speech("faq-ship", "Shipping is free.")})
	to := nextMilli()
	pub(avatar.EventSpeech, speech("after", "After the window."))
	bustest.WaitRecorded(t, e.b, seq)

	q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
	r := e.want(e.do(tokenA, "GET", "/api/v1/rooms/a-live/record?"+q.Encode(), "", nil), 200, "record")
	if ct := r.header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Errorf("Content-Type %q", ct)
	}
	sc := bufio.NewScanner(bytes.NewReader(r.body))
	sc.Buffer(nil, 1<<20)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) != 7 {
		t.Fatalf("%d lines, want header, 5 events, trailer:\n%s", len(lines), r.body)
	}
	var head struct{ Record record.Header }
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil {
		t.Fatal(err)
	}
	h := head.Record
	var acts []string
	for _, a := range h.Audit {
		acts = append(acts, a.Action)
	}
	if h.Room != "a-live" || h.Current == nil || h.Current.Merchant != "a" || h.Current.Show != "tea" || h.Current.Persona != "xiaoya" ||
		!slices.Contains(acts, "room.create") || !slices.Contains(acts, "room.start") || h.AIGC == nil || h.AIGC.Producer != "avatarcast" {
		t.Errorf("header %s", lines[0])
	}
	var got []uint64
	for _, l := range lines[1:6] {
		var env avatar.Envelope
		if err := json.Unmarshal([]byte(l), &env); err != nil {
			t.Fatal(err)
		}
		got = append(got, env.Seq)
	}
	if want := []uint64{3, 4, 5, 6, 7}; !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
	if lines[6] != `{"end":{"events":5}}` {
		t.Errorf("trailer %s", lines[6])
	}

	q.Set("format", "transcript")
	tr := string(e.want(e.do(tokenA, "GET", "/api/v1/rooms/a-live/record?"+q.Encode(), "", nil), 200, "transcript").body)
	for _, want := range []string{"# merchant a; script tea", "room.start by a", "xiaoya [intro, en]: Welcome to the tea show.",
		`[product] tea-01 "Longjing": 99.00 CNY (list 159.00), stock 480`, "[sale start] tea-01: 79.00 CNY, stock 100", "[stock] tea-01: 90",
		"Amy asks: Is shipping free?", "xiaoya replies [faq-ship, en]: Shipping is free.", "# end of record: 5 events"} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if strings.Contains(tr, "window.") {
		t.Errorf("transcript holds a line outside the window:\n%s", tr)
	}

	e.want(e.do(tokenB, "GET", "/api/v1/rooms/a-live/record?"+q.Encode(), "", nil), 404, "another merchant's record")
	e.want(e.do(tokenA, "GET", "/api/v1/rooms/nope/record", "", nil), 404, "no room")
	for _, tc := range []struct{ query, field string }{
		{"from=yesterday", "from"},
		{"to=2026-13-01T00:00:00Z", "to"},
		{"from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"},
		{"format=pdf", "format"},
	} {
		var eb struct{ Problems []struct{ Field string } }
		_ = json.Unmarshal(e.want(e.do(tokenA, "GET", "/api/v1/rooms/a-live/record?"+tc.query, "", nil), 400, tc.query).body, &eb)
		if len(eb.Problems) != 1 || eb.Problems[0].Field != tc.field {
			t.Errorf("%s: problems %+v, want one on %s", tc.query, eb.Problems, tc.field)
		}
	}
}
