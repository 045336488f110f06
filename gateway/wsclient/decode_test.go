package wsclient

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestDecodeFrame(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []wireEvent
	}{
		{"one", `{"id":"a","room":"r","seq":7,"ts":"2026-11-29T09:00:00.120Z","type":"speech","data":{"text":"a \"q\" }{ ]","n":[1,{"x":2}]}}`,
			[]wireEvent{{Seq: 7, Type: "speech", Data: json.RawMessage(`{"text":"a \"q\" }{ ]","n":[1,{"x":2}]}`)}}},
		{"array", ` [ {"seq":1,"type":"notice","data":{}} , {"seq":2,"type":"viewers","data":{"count":3}} ] `,
			[]wireEvent{{Seq: 1, Type: "notice", Data: json.RawMessage(`{}`)}, {Seq: 2, Type: "viewers", Data: json.RawMessage(`{"count":3}`)}}},
		{"empty array", `[]`, nil},
		{"escapes", `[{"seq":3,"type":"comment","data":{"text":"back\\\\","q":"say \\\"hi\\\\\\\" \\\\"}},{"seq":4,"data":"\\\\\\\\"}]`,
			[]wireEvent{{Seq: 3, Type: "comment", Data: json.RawMessage(`{"text":"back\\\\","q":"say \\\"hi\\\\\\\" \\\\"}`)}, {Seq: 4, Data: json.RawMessage(`"\\\\\\\\"`)}}},
	} {
		got, err := decodeFrame([]byte(tc.in), nil)
		if err != nil {
			t.Errorf("%s: decodeFrame(%s): %v", tc.name, tc.in, err)
			continue
		}
		if len(got) != len(tc.want) {
			t.Errorf("%s: decodeFrame(%s): %d events, want %d", tc.name, tc.in, len(got), len(tc.want))
			continue
		}
		for i := range got {
			g, w := got[i], tc.want[i]
			if g.Seq != w.Seq || g.Type != w.Type || string(g.Data) != string(w.Data) {
				t.Errorf("%s: event %d = %+v, want %+v", tc.name, i, g, w)
			}
		}
	}
	got, _ := decodeFrame([]byte(`{"ts":"2026-11-29T09:00:00.120Z","seq":1}`), nil)
	if want := time.Date(2026, 11, 29, 9, 0, 0, 120e6, time.UTC); !time.Time(got[0].TS).Equal(want) {
		t.Errorf("ts = %v, want %v", time.Time(got[0].TS), want)
	}
	for in, want := range map[string]uint64{`{"seq":18446744073709551615}`: 1<<64 - 1, `{"seq":0}`: 0, `{"seq":1234567890123456789}`: 1234567890123456789} {
		if got, err := decodeFrame([]byte(in), nil); err != nil || got[0].Seq != want {
			t.Errorf("decodeFrame(%s): %v, %v; want seq %d", in, got, err, want)
		}
	}
	for in, want := range map[string]time.Time{
		`{"ts":"2026-11-29T23:59:59.999Z"}`:       time.Date(2026, 11, 29, 23, 59, 59, 999e6, time.UTC),
		`{"ts":"2026-11-29T09:00:00.12+08:00"}`:   time.Date(2026, 11, 29, 1, 0, 0, 120e6, time.UTC),
		`{"ts":"2026-11-29T09:00:00Z"}`:           time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC),
		`{"ts":"2026-02-30T09:00:00.000Z"}`:       {}, // no such day
		`{"ts":"2026-1x-29T09:00:00.000Z"}`:       {},
		`{"ts":"yesterday"}`:                      {},
		`{"ts":"2026-11-29T09:00:00.123456789Z"}`: time.Date(2026, 11, 29, 9, 0, 0, 123456789, time.UTC),
	} {
		got, err := decodeFrame([]byte(in), nil)
		if err != nil || !time.Time(got[0].TS).Equal(want) {
			t.Errorf("decodeFrame(%s): ts %v (%v), want %v", in, time.Time(got[0].TS), err, want)
		}
	}
	for _, bad := range []string{`{"seq":`, `[{"seq":1}`, `nope`, `{"seq":"x"}`, `{"seq":1,"data":"open\"}`, `{"seq":18446744073709551616}`, `{"seq":-1}`, `{"seq":}`} {
		if _, err := decodeFrame([]byte(bad), nil); err == nil {
			t.Errorf("decodeFrame(%s): no error", bad)
		}
	}
}

// Strings are skipped a byte at a time at first, then from quote to
// quote: an escape on either side of the switch, or right at it, is
// honoured.
func TestDecodeStringEscapesAtEveryOffset(t *testing.T) {
	for pad := 0; pad < 40; pad++ {
		for _, esc := range []string{`\"`, `\\`, `\\\"`, `\\\\`} {
			text := strings.Repeat("a", pad) + esc + strings.Repeat("b", 40-pad)
			in := `[{"seq":1,"data":{"text":"` + text + `"}},{"seq":2,"data":"` + esc + `"}]`
			got, err := decodeFrame([]byte(in), nil)
			if err != nil || len(got) != 2 || string(got[0].Data) != `{"text":"`+text+`"}` || got[1].Seq != 2 {
				t.Fatalf("decodeFrame(%s) = %+v, %v", in, got, err)
			}
		}
	}
}
