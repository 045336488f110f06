package wsclient

import (
	"encoding/json"
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
	for _, bad := range []string{`{"seq":`, `[{"seq":1}`, `nope`, `{"seq":"x"}`} {
		if _, err := decodeFrame([]byte(bad), nil); err == nil {
			t.Errorf("decodeFrame(%s): no error", bad)
		}
	}
}
