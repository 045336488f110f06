package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

func TestControl(t *testing.T) {
	b := bustest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := avatar.Control{Type: avatar.CtlSkip, Room: "r1", By: "m"}
	if _, err := b.Control(ctx, c); !errors.Is(err, bus.ErrNoDirector) {
		t.Fatalf("Control with no director: err = %v, want ErrNoDirector", err)
	}
	// A fake director that refuses pitches and accepts the rest.
	sub, err := b.RawNC().Subscribe(avatar.ControlSubject("r1"), func(m *nats.Msg) {
		var got avatar.Control
		_ = json.Unmarshal(m.Data, &got)
		r := avatar.ControlReply{OK: got.Type != avatar.CtlPitch, Seq: 7}
		if !r.OK {
			r.Error = "no such sku"
		}
		data, _ := json.Marshal(r)
		_ = m.Respond(data)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if r, err := b.Control(ctx, c); err != nil || !r.OK || r.Seq != 7 {
		t.Errorf("Control(skip) = %+v, %v; want OK seq 7", r, err)
	}
	c.Type = avatar.CtlPitch
	if r, err := b.Control(ctx, c); err != nil || r.OK || r.Error != "no such sku" {
		t.Errorf("Control(pitch) = %+v, %v; want the director's refusal", r, err)
	}

	// A director that listens but never answers is no director either.
	mute, err := b.RawNC().Subscribe(avatar.ControlSubject("r2"), func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Unsubscribe()
	short, cancel2 := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel2()
	if _, err := b.Control(short, avatar.Control{Type: avatar.CtlSkip, Room: "r2"}); !errors.Is(err, bus.ErrNoDirector) {
		t.Errorf("Control to a mute director: err = %v, want ErrNoDirector", err)
	}
	// A reply that is not a ControlReply.
	junk, err := b.RawNC().Subscribe(avatar.ControlSubject("r3"), func(m *nats.Msg) { _ = m.Respond([]byte("?")) })
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Unsubscribe()
	if _, err := b.Control(ctx, avatar.Control{Type: avatar.CtlSkip, Room: "r3"}); !errors.Is(err, bus.ErrBadReply) {
		t.Errorf("Control with a junk reply: err = %v, want ErrBadReply", err)
	}
}

func TestScriptVersionsAndDelete(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	if _, err := b.ScriptVersions(ctx, "m", "s"); !errors.Is(err, bus.ErrNotFound) {
		t.Fatalf("ScriptVersions(missing) err = %v, want ErrNotFound", err)
	}
	v1, _ := b.PutScript(ctx, "m", "s", []byte("one"))
	v2, _ := b.PutScript(ctx, "m", "s", []byte("two"))
	_, _ = b.PutScript(ctx, "m", "other", []byte("x"))
	_, _ = b.PutScript(ctx, "m2", "s", []byte("y"))
	vs, err := b.ScriptVersions(ctx, "m", "s")
	if err != nil || len(vs) != 2 || vs[0].Version != v1 || vs[1].Version != v2 {
		t.Fatalf("ScriptVersions = %+v, %v; want versions %d, %d", vs, err, v1, v2)
	}
	list, err := b.LatestScripts(ctx, "m")
	if err != nil || len(list) != 2 || list[0].Show != "other" || list[1].Show != "s" || list[1].Version != v2 {
		t.Fatalf("LatestScripts = %+v, %v; want other and s@%d", list, err, v2)
	}
	if err := b.DeleteScript(ctx, "m", "s"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteScript(ctx, "m", "s"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("DeleteScript twice: err = %v, want ErrNotFound", err)
	}
	if _, err := b.ScriptVersions(ctx, "m", "s"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("ScriptVersions(deleted) err = %v, want ErrNotFound", err)
	}
	if _, err := b.PutScriptAt(ctx, "m", "s", []byte("x"), v2); !errors.Is(err, bus.ErrChanged) {
		t.Errorf("PutScriptAt(deleted, at v2) err = %v, want ErrChanged", err)
	}
	v3, _ := b.PutScript(ctx, "m", "s", []byte("three"))
	if _, err := b.PutScriptAt(ctx, "m", "s", []byte("four"), v2); !errors.Is(err, bus.ErrChanged) {
		t.Errorf("PutScriptAt(at an old version) err = %v, want ErrChanged", err)
	}
	if _, err := b.PutScriptAt(ctx, "m", "new", []byte("x"), 0); err != nil {
		t.Errorf("PutScriptAt(new, 0) err = %v", err)
	}
	if _, err := b.PutScriptAt(ctx, "m", "new", []byte("y"), 0); !errors.Is(err, bus.ErrChanged) {
		t.Errorf("PutScriptAt(existing, 0) err = %v, want ErrChanged", err)
	}
	if vs, err := b.ScriptVersions(ctx, "m", "s"); err != nil || len(vs) != 1 || vs[0].Version != v3 {
		t.Errorf("ScriptVersions(recreated) = %+v, %v; want only %d", vs, err, v3)
	}
}

func TestRoomRecords(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	r := avatar.Room{ID: "r1", Merchant: "m", Status: avatar.RoomStopped}
	rev, err := b.CreateRoomRecord(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.CreateRoomRecord(ctx, r); !errors.Is(err, bus.ErrExists) {
		t.Errorf("CreateRoomRecord twice: err = %v, want ErrExists", err)
	}
	r.Status = avatar.RoomPlaying
	if _, err := b.UpdateRoomRecord(ctx, r, rev); err != nil {
		t.Fatal(err)
	}
	if _, err := b.UpdateRoomRecord(ctx, r, rev); !errors.Is(err, bus.ErrChanged) {
		t.Errorf("UpdateRoomRecord at an old revision: err = %v, want ErrChanged", err)
	}
	got, _, err := b.RoomRecord(ctx, "r1")
	if err != nil || got.Status != avatar.RoomPlaying {
		t.Errorf("RoomRecord = %+v, %v; want playing", got, err)
	}
	if _, _, err := b.RoomRecord(ctx, "nope"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("RoomRecord(missing) err = %v, want ErrNotFound", err)
	}
	if all, err := b.RoomRecords(ctx); err != nil || len(all) != 1 {
		t.Errorf("RoomRecords = %+v, %v; want one", all, err)
	}
}

func TestAuditLog(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	// Interleave two merchants, with many of b's records between a's.
	for i := range 30 {
		if err := b.RecordAudit(ctx, bus.AuditRecord{Merchant: "a", Action: "x", Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			_ = b.RecordAudit(ctx, bus.AuditRecord{Merchant: "b", Action: "y"})
		}
	}
	recs, err := b.AuditLog(ctx, "a", 0, 10)
	if err != nil || len(recs) != 10 {
		t.Fatalf("AuditLog(a, 10) = %d records, %v; want 10", len(recs), err)
	}
	for i, r := range recs {
		if want := fmt.Sprint(29 - i); r.Target != want || r.Merchant != "a" {
			t.Errorf("record %d = %s/%s, want a/%s", i, r.Merchant, r.Target, want)
		}
	}
	more, err := b.AuditLog(ctx, "a", recs[9].Seq, 100)
	if err != nil || len(more) != 20 || more[0].Target != "19" || more[19].Target != "0" {
		t.Errorf("AuditLog(a, before %d) = %d records, %v; want 20 from 19 down to 0", recs[9].Seq, len(more), err)
	}
	if none, err := b.AuditLog(ctx, "c", 0, 10); err != nil || len(none) != 0 {
		t.Errorf("AuditLog(c) = %v, %v; want none", none, err)
	}
}
