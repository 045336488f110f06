package bus_test

import (
	"context"
	"errors"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestDeleteRoomRecord: a delete at an old revision is refused (a use of a
// preview meanwhile keeps it); at the current one the record goes, the
// watchers are told, and the ID can be created again.
func TestDeleteRoomRecord(t *testing.T) {
	b := bustest.Start(t)
	ctx := context.Background()
	r := avatar.Room{ID: "p1", Merchant: "m", Status: avatar.RoomPlaying}
	rev, err := b.CreateRoomRecord(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	rev2, err := b.UpdateRoomRecord(ctx, r, rev)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteRoomRecord(ctx, "p1", rev); !errors.Is(err, bus.ErrChanged) {
		t.Fatalf("delete at an old revision: %v, want ErrChanged", err)
	}
	deleted, ready := make(chan struct{}), make(chan struct{})
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_ = b.WatchRooms(wctx, func(id avatar.RoomID, rec *avatar.Room) {
			if id == "p1" && rec == nil {
				close(deleted)
			}
		}, func() { close(ready) })
	}()
	<-ready // the watch has the record: the delete comes after
	if err := b.DeleteRoomRecord(ctx, "p1", rev2); err != nil {
		t.Fatal(err)
	}
	<-deleted
	if _, _, err := b.RoomRecord(ctx, "p1"); !errors.Is(err, bus.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if all, err := b.RoomRecords(ctx); err != nil || len(all) != 0 {
		t.Errorf("RoomRecords after delete = %+v, %v; want none", all, err)
	}
	if _, err := b.CreateRoomRecord(ctx, r); err != nil {
		t.Errorf("create again after delete: %v", err)
	}
}
