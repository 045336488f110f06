package director

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestAIMarkerAndProvenance plays demo-live with a question: every speech
// and reply event carries the AI-generated label with its own "room/seq"
// as content id, the snapshot carries it, and show.start says whose show,
// which script version and which persona and licence.
func TestAIMarkerAndProvenance(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		room := liveRoom("r", "livestream")
		room.Persona = avatar.Persona{ID: "xiaoya", Voice: avatar.Voice{ID: "synthetic-f1"},
			Likeness: &avatar.Likeness{Person: "Li Ya", Face: true, Licence: &avatar.Licence{ID: "lic-7"}}}
		r := start(t, loadShow(t, "demo-live.yaml"), room, &memSink{})
		r.untilSpeech(time.Minute, "tea-taste")
		r.p.Input(avatar.Input{Viewer: "v1", Type: avatar.MsgQuestion, Data: avatar.MessageData{Text: "这个多少钱？", Name: "小明"}})
		r.until(time.Minute, "a reply", func(evs []avatar.Envelope) bool {
			return slices.ContainsFunc(evs, func(e avatar.Envelope) bool { return e.Type == avatar.EventReply })
		})
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		evs := r.sink.all()
		want := func(e avatar.Envelope) avatar.AIGC {
			return avatar.AIGC{Label: "AI-generated", Producer: "avatarcast", ContentID: avatar.EventContentID("r", e.Seq)}
		}
		var speeches, replies int
		for _, e := range evs {
			switch e.Type {
			case avatar.EventSpeech:
				speeches++
				if sp := decode[avatar.Speech](t, e); sp.AIGC == nil || *sp.AIGC != want(e) {
					t.Errorf("speech seq %d: aigc %+v, want %+v", e.Seq, sp.AIGC, want(e))
				}
			case avatar.EventReply:
				replies++
				rp := decode[avatar.Reply](t, e)
				if rp.AIGC == nil || *rp.AIGC != want(e) || rp.Speech.AIGC == nil || *rp.Speech.AIGC != want(e) {
					t.Errorf("reply seq %d: aigc %+v / speech %+v, want %+v", e.Seq, rp.AIGC, rp.Speech.AIGC, want(e))
				}
			}
		}
		if speeches < 10 || replies == 0 {
			t.Fatalf("%d speeches and %d replies", speeches, replies)
		}
		st := r.sink.snapshot()
		if st.AIGC == nil || st.AIGC.ContentID != "r" || st.AIGC.Label != avatar.AIGCLabel || len(st.Recent) == 0 || st.Recent[len(st.Recent)-1].AIGC == nil {
			t.Errorf("snapshot aigc %+v, recent %+v", st.AIGC, st.Recent)
		}
		ss := decode[avatar.ShowStatus](t, evs[0])
		wantPv := avatar.Provenance{Merchant: "m", Show: "demo-live", Version: 1, Persona: "xiaoya", Voice: "synthetic-f1", Licences: []string{"lic-7"}, Person: "Li Ya"}
		if evs[0].Type != avatar.EventShowStart || ss.Provenance == nil || !equalJSON(t, *ss.Provenance, wantPv) {
			t.Errorf("first event %s %+v, want show.start with provenance %+v", evs[0].Type, ss.Provenance, wantPv)
		}
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// TestRecordBytesPerRoomHour plays an hour of demo-live (its own event
// rate, on the fake clock), stores the events in a real record with and
// without S2 compression, and logs the bytes each takes: the figure in the
// README. Compression must save space.
func TestRecordBytesPerRoomHour(t *testing.T) {
	if testing.Short() {
		t.Skip("plays an hour of show")
	}
	type pub struct {
		raw    []byte
		seq    uint64
		cursor string
	}
	var hour []pub
	synctest.Test(t, func(t *testing.T) {
		r := start(t, loadShow(t, "demo-live.yaml"), liveRoom("r", "livestream"), &memSink{})
		time.Sleep(time.Hour)
		synctest.Wait()
		if err := r.stop(); err != nil {
			t.Fatal(err)
		}
		r.sink.mu.Lock()
		defer r.sink.mu.Unlock()
		for _, e := range r.sink.events {
			raw, err := json.Marshal(e.env)
			if err != nil {
				t.Fatal(err)
			}
			hour = append(hour, pub{raw, e.env.Seq, e.cursor})
		}
	})
	var raw int
	for _, p := range hour {
		raw += len(p.raw)
	}
	// Several rooms, so the record fills more than one message block: the
	// file store compresses a block when it is full, not the one written.
	const rooms = 8
	type stored struct{ state, disk int64 }
	size := map[bool]stored{}
	for _, uncompressed := range []bool{false, true} {
		dir := t.TempDir()
		b, err := bus.Open(context.Background(), bus.Config{DataDir: dir, RecordsUncompressed: uncompressed}, zap.NewNop())
		if err != nil {
			t.Fatal(err)
		}
		for i := range rooms {
			room := avatar.RoomID(fmt.Sprintf("room-%d", i))
			for _, p := range hour {
				var env avatar.Envelope
				if err := json.Unmarshal(p.raw, &env); err != nil {
					t.Fatal(err)
				}
				env.Room = room
				raw, _ := json.Marshal(env)
				if _, err := b.PublishEvent(context.Background(), room, p.seq, raw, p.cursor, 0); err != nil {
					t.Fatal(err)
				}
			}
		}
		bustest.WaitRecorded(t, b, uint64(rooms*len(hour)))
		_, recBytes, err := b.RecordSize(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		size[uncompressed] = stored{int64(recBytes) / rooms, dirSize(t, streamDir(t, dir, avatar.RecordsStream)) / rooms}
	}
	t.Logf("one room-hour of demo-live: %d events, %d bytes of JSON; the record's stream state counts %d bytes; on disk %d bytes uncompressed, %d with S2 (%.0f%%)",
		len(hour), raw, size[false].state, size[true].disk, size[false].disk, 100*float64(size[false].disk)/float64(size[true].disk))
	if size[false].disk >= size[true].disk {
		t.Errorf("compressed record %d bytes on disk, uncompressed %d: compression saves nothing", size[false].disk, size[true].disk)
	}
}

// streamDir is where the embedded server under data directory dir stores
// stream name.
func streamDir(t *testing.T, dir, name string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "jetstream", "*", "$G", "streams", name))
	if err != nil || len(m) != 1 {
		t.Fatalf("stream %s under %s: %v %v", name, dir, m, err)
	}
	return m[0]
}

// dirSize is the bytes of the files under dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestSpokenDisclosureOpensEveryShow: the first line of a show, and of the
// show started again after a stop, is the persona's spoken disclosure in
// the room's language with its other languages as subtitles, whatever the
// script's first line is; a persona without a spoken text speaks its label.
func TestSpokenDisclosureOpensEveryShow(t *testing.T) {
	label := map[string]string{"zh-CN": "本直播间主播为AI生成的虚拟形象。", "en": "An AI-generated presenter."}
	for _, tc := range []struct {
		name   string
		spoken map[string]string
		zh, en string
	}{
		{"spoken text", map[string]string{"zh-CN": "大家好，我是AI虚拟主播小雅。", "en": "Hello, I am Xiaoya, an AI presenter."}, "大家好，我是AI虚拟主播小雅。", "Hello, I am Xiaoya, an AI presenter."},
		{"label", nil, label["zh-CN"], label["en"]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				room := liveRoom("r", "livestream")
				room.Persona = avatar.Persona{ID: "xiaoya", Disclosure: label, SpokenDisclosure: tc.spoken}
				r := start(t, loadShow(t, "demo-live.yaml"), room, &memSink{})
				first := func(evs []avatar.Envelope) avatar.Speech {
					t.Helper()
					for _, e := range evs {
						if e.Type == avatar.EventSpeech {
							return decode[avatar.Speech](t, e)
						}
					}
					t.Fatal("no speech")
					return avatar.Speech{}
				}
				evs := r.untilSpeech(time.Minute, "greet-hello")
				sp := first(evs)
				if sp.LineID != avatar.DisclosureLineID || sp.Text != tc.zh || sp.Lang != "zh-CN" || sp.Translations["en"] != tc.en || sp.AIGC == nil {
					t.Errorf("first line %+v, want the disclosure %q with en %q", sp, tc.zh, tc.en)
				}
				if lines := spokenLines(evs); slices.Index(lines, avatar.DisclosureLineID) != 0 || slices.Index(lines, "greet-hello") != 1 {
					t.Errorf("lines %v, want the disclosure then the script", lines)
				}
				// Stopped and started again: the new show opens with it too.
				room.Status = avatar.RoomStopped
				r.p.Update(room, nil)
				r.until(time.Minute, "show.end", func(evs []avatar.Envelope) bool { return evs[len(evs)-1].Type == avatar.EventShowEnd })
				n := len(r.sink.all())
				room.Status = avatar.RoomPlaying
				r.p.Update(room, nil)
				evs = r.until(time.Minute, "a line", func(evs []avatar.Envelope) bool { return len(spokenLines(evs[n:])) > 0 })[n:]
				if evs[0].Type != avatar.EventShowStart || first(evs).LineID != avatar.DisclosureLineID {
					t.Errorf("second show opens with %s then %+v, want show.start then the disclosure", evs[0].Type, first(evs))
				}
				if err := r.stop(); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
