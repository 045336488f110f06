package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/record"
)

// exportRun runs 'avatarcast export' with args and returns its output.
func exportRun(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if err := run(context.Background(), append([]string{"avatarcast", "export"}, args...), func(string) string { return "" },
		strings.NewReader(""), &out, &errb); err != nil {
		t.Fatalf("export %v: %v\n%s", args, err, errb.String())
	}
	return out.String()
}

// parseExport splits an NDJSON export into its header, events and trailer.
func parseExport(t *testing.T, s string) (record.Header, []avatar.Envelope, string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("export of %d lines: %s", len(lines), s)
	}
	var head struct{ Record record.Header }
	if err := json.Unmarshal([]byte(lines[0]), &head); err != nil {
		t.Fatalf("header %s: %v", lines[0], err)
	}
	var evs []avatar.Envelope
	for _, l := range lines[1 : len(lines)-1] {
		var e avatar.Envelope
		if err := json.Unmarshal([]byte(l), &e); err != nil {
			t.Fatalf("event line %s: %v", l, err)
		}
		evs = append(evs, e)
	}
	return head.Record, evs, lines[len(lines)-1]
}

func ids(evs []avatar.Envelope) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// TestExportRecord runs serve, has the merchant restart the demo show, and
// exports a window of it: from the running serve's NATS, from its data
// directory once stopped, and over the API after a restart. Each time the
// export holds exactly the events a viewer got in the window, with where
// they came from; the viewer's hello, its snapshot and every line carry
// the AI-generated label.
func TestExportRecord(t *testing.T) {
	const token = "export-demo-token-0123456789"
	dir := t.TempDir()
	port := strconv.Itoa(freePort(t))
	env := map[string]string{"AVATARCAST_DEMO_TOKEN": token}
	s := startServeEnv(t, dir, env, io.Discard, "-nats-listen", "127.0.0.1:"+port, "-log-level", "warn")

	v := dial(t, s, "room=demo-live")
	h := v.hello()
	v.collect(h.Seq, 1)
	late := dial(t, s, "room=demo-live")
	lh := late.hello()
	if lh.AIGC == nil || *lh.AIGC != (avatar.AIGC{Label: "AI-generated", Producer: "avatarcast", ContentID: "demo-live"}) ||
		lh.State == nil || lh.State.AIGC == nil || lh.State.AIGC.ContentID != "demo-live" {
		t.Fatalf("hello aigc %+v, snapshot %+v: want the AI-generated label on both", lh.AIGC, lh.State)
	}

	// The merchant stops the show, and starts it again once it has ended:
	// the audit trail says who and when.
	var seen []avatar.Envelope
	last := lh.Seq
	until := func(what string, done func(avatar.Envelope) bool) {
		t.Helper()
		for range 200 {
			e := late.next(30 * time.Second)
			if e.Seq == 0 {
				continue
			}
			if e.Seq != last+1 {
				t.Fatalf("event %s has seq %d after %d", e.Type, e.Seq, last)
			}
			last = e.Seq
			seen = append(seen, e)
			if done(e) {
				return
			}
		}
		t.Fatalf("no %s in 200 events", what)
	}
	op := func(name string) {
		t.Helper()
		if code, m := apiCall(t, s, token, "POST", "/api/v1/rooms/demo-live/"+name, "", ""); code != 200 {
			t.Fatalf("%s: HTTP %d %v", name, code, m)
		}
	}
	op("stop")
	until("show.end", func(e avatar.Envelope) bool { return e.Type == avatar.EventShowEnd })
	op("start")
	var from, to time.Time
	until("show.start", func(e avatar.Envelope) bool { from = time.Time(e.TS); return e.Type == avatar.EventShowStart })
	// The window ends at the third line after the start (exclusive): it
	// holds show.start and two whole lines whatever their lengths (a time
	// bound held only show.start and the spoken disclosure when that ran
	// longer than the bound).
	speeches := 0
	until("speeches", func(e avatar.Envelope) bool {
		to = time.Time(e.TS)
		if e.Type == avatar.EventSpeech {
			speeches++
		}
		return speeches == 3 && to.After(from)
	})
	var want []avatar.Envelope
	for _, e := range seen {
		if ts := time.Time(e.TS); !ts.Before(from) && ts.Before(to) {
			want = append(want, e)
		}
		if e.Type == avatar.EventSpeech {
			var sp avatar.Speech
			_ = json.Unmarshal(e.Data, &sp)
			if sp.AIGC == nil || sp.AIGC.ContentID != avatar.EventContentID("demo-live", e.Seq) || sp.AIGC.Producer != "avatarcast" {
				t.Errorf("speech seq %d: aigc %+v", e.Seq, sp.AIGC)
			}
		}
	}
	if len(want) < 3 || want[0].Type != avatar.EventShowStart {
		t.Fatalf("window holds %d events starting with %v", len(want), want)
	}
	window := []string{"-room", "demo-live", "-from", from.Format(time.RFC3339Nano), "-to", to.Format(time.RFC3339Nano), "-q"}
	check := func(how string, out string) {
		t.Helper()
		head, evs, end := parseExport(t, out)
		if !slices.Equal(ids(evs), ids(want)) {
			t.Errorf("%s: exported %d events %v, want %d %v", how, len(evs), ids(evs), len(want), ids(want))
		}
		for i := range min(len(evs), len(want)) {
			if !bytes.Equal(evs[i].Data, want[i].Data) {
				t.Errorf("%s: event %d data %s, viewer got %s", how, evs[i].Seq, evs[i].Data, want[i].Data)
			}
		}
		if end != `{"end":{"events":`+strconv.Itoa(len(want))+`}}` {
			t.Errorf("%s: trailer %s", how, end)
		}
		var started bool
		for _, a := range head.Audit {
			started = started || (a.Action == "room.start" && a.Merchant == "demo" && !a.TS.After(to))
		}
		if head.Current == nil || head.Current.Merchant != "demo" || head.Current.Persona != "xiaoya" || !started {
			t.Errorf("%s: header %+v, audit %+v: want demo's room with xiaoya, started by demo", how, head.Current, head.Audit)
		}
		var ss avatar.ShowStatus
		if len(evs) > 0 {
			_ = json.Unmarshal(evs[0].Data, &ss)
		}
		if ss.Provenance == nil || ss.Provenance.Merchant != "demo" || ss.Provenance.Persona != "xiaoya" || ss.Provenance.Version == 0 {
			t.Errorf("%s: show.start provenance %+v", how, ss.Provenance)
		}
	}

	// From the running serve's NATS. The record follows the events stream
	// a moment behind: ask again until it has caught up.
	live := append([]string{"-nats-url", "nats://127.0.0.1:" + port, "-nats-creds", bus.CredsFile(bus.AuthDir(dir), bus.RoleAPI)}, window...)
	out := exportRun(t, live...)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); out = exportRun(t, live...) {
		if _, evs, _ := parseExport(t, out); len(evs) >= len(want) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	check("export -nats-url", out)

	// From the data directory of the stopped serve.
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	check("export -data", exportRun(t, append([]string{"-data", dir}, window...)...))
	tr := exportRun(t, append([]string{"-data", dir, "-format", "transcript"}, window...)...)
	var sp avatar.Speech
	for _, e := range want {
		if e.Type == avatar.EventSpeech {
			_ = json.Unmarshal(e.Data, &sp)
			break
		}
	}
	for _, w := range []string{"# merchant demo; script demo-live", "room.start by demo", "[show.start] demo-live", "[" + sp.LineID + ", " + sp.Lang + "]: " + sp.Text,
		"# end of record: " + strconv.Itoa(len(want)) + " events"} {
		if !strings.Contains(tr, w) {
			t.Errorf("transcript lacks %q:\n%s", w, tr)
		}
	}

	// After a restart, over the merchant API.
	s = startServeEnv(t, dir, env, io.Discard, "-log-level", "warn")
	q := url.Values{"from": {from.Format(time.RFC3339Nano)}, "to": {to.Format(time.RFC3339Nano)}}
	req, _ := http.NewRequest("GET", s.base+"/api/v1/rooms/demo-live/record?"+q.Encode(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("API record: HTTP %d %s", resp.StatusCode, body)
	}
	check("API after restart", string(body))
}
