package bus_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// BenchmarkRoomRecords lists 2,000 rooms.
func BenchmarkRoomRecords(b *testing.B) {
	bs := bustest.Start(b)
	ctx := context.Background()
	for i := range 2000 {
		if _, err := bs.CreateRoomRecord(ctx, avatar.Room{ID: avatar.RoomID(fmt.Sprintf("r%d", i)), Merchant: fmt.Sprintf("m%d", i%10)}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		rs, err := bs.RoomRecords(ctx)
		if err != nil || len(rs) != 2000 {
			b.Fatalf("RoomRecords: %d, %v", len(rs), err)
		}
	}
}

// BenchmarkAuditLog reads the newest 50 of one merchant's records among
// 20,000 of 10 merchants.
func BenchmarkAuditLog(b *testing.B) {
	bs := bustest.Start(b)
	ctx := context.Background()
	for i := range 20000 {
		if err := bs.RecordAudit(ctx, bus.AuditRecord{Merchant: fmt.Sprintf("m%d", i%10), Action: "x", Target: "t"}); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		recs, err := bs.AuditLog(ctx, "m3", 0, 50)
		if err != nil || len(recs) != 50 {
			b.Fatalf("AuditLog: %d, %v", len(recs), err)
		}
	}
}
