package main

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestReseedLeavesOtherMerchantsRooms: serve's reseeding of demo rooms does
// not take over a room of the same id that another merchant owns; it warns
// and leaves it, and still seeds the others.
func TestReseedLeavesOtherMerchantsRooms(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	ps, err := loadPersonas("../../configs/personas.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rooms, sources, err := loadRooms("../../scripts", ps, time.Now(), zap.NewNop())
	if err != nil || len(rooms) < 2 {
		t.Fatalf("loadRooms: %d rooms, %v", len(rooms), err)
	}
	taken, free := rooms[0].Room.ID, rooms[1].Room.ID
	theirs := avatar.Room{ID: taken, Kind: rooms[0].Room.Kind, Title: "Acme's own room", Merchant: "acme", Show: "acme-show",
		Version: 3, Status: avatar.RoomStopped, Persona: rooms[0].Room.Persona}
	if _, err := b.CreateRoomRecord(ctx, theirs); err != nil {
		t.Fatal(err)
	}
	core, logs := observer.New(zapcore.WarnLevel)
	published, err := publishRooms(ctx, b, rooms, sources, zap.New(core))
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := b.RoomRecord(ctx, taken)
	if err != nil {
		t.Fatal(err)
	}
	if got.Merchant != "acme" || got.Title != theirs.Title || got.Show != "acme-show" || got.Version != 3 || got.Status != avatar.RoomStopped {
		t.Errorf("after reseeding, acme's room is %+v, want it untouched", got)
	}
	if logs.FilterMessageSnippet("another merchant").Len() != 1 {
		t.Errorf("warnings %v, want one about the room of another merchant", logs.All())
	}
	if len(published) != len(rooms)-1 {
		t.Errorf("published %d rooms, want %d (all but the taken one)", len(published), len(rooms)-1)
	}
	if rm, _, err := b.RoomRecord(ctx, free); err != nil || rm.Merchant != demoMerchant {
		t.Errorf("room %s = %+v, %v; want the demo merchant's", free, rm, err)
	}
}
