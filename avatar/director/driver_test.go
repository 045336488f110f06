package director

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// brokenSink is a memSink whose Publish fails once told to.
type brokenSink struct {
	*memSink
	broken atomic.Bool
}

var errDiskFull = errors.New("disk full")

func (s *brokenSink) Publish(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error) {
	if s.broken.Load() {
		return 0, errDiskFull
	}
	return s.memSink.Publish(ctx, r, seq, raw, cursor, expect)
}

// TestPublishFailureStopsThePlayer: when an event cannot be stored, the
// control whose answer came after it is answered "internal error", nothing
// after it is published, and Run returns the sink's error.
func TestPublishFailureStopsThePlayer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sink := &brokenSink{memSink: &memSink{}}
		p := NewPlayer(liveRoom("r", avatar.KindLivestream), loadShow(t, "demo-live.yaml"), sink, zap.NewNop())
		errc := make(chan error, 1)
		go func() { errc <- p.Run(context.Background()) }()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		n := len(sink.all())
		if n == 0 {
			t.Fatal("nothing published before the sink broke")
		}
		sink.broken.Store(true)
		got := make(chan avatar.ControlReply, 1)
		p.Control(avatar.Control{Type: avatar.CtlNotice, Text: "Free shipping today"}, func(r avatar.ControlReply) { got <- r })
		synctest.Wait()
		select {
		case r := <-got:
			if r.OK || r.Error != "internal error" {
				t.Errorf("notice with a broken sink: %+v, want internal error", r)
			}
		default:
			t.Fatal("notice with a broken sink: no answer")
		}
		select {
		case err := <-errc:
			if !errors.Is(err, errDiskFull) {
				t.Errorf("Run: %v, want the sink's error", err)
			}
		default:
			t.Fatal("Run goes on with a broken sink")
		}
		if m := len(sink.all()); m != n {
			t.Errorf("%d events stored after the failure", m-n)
		}
	})
}
