package bus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
)

// TestStreamsOnAThreeNodeCluster opens the bus on a 3-node cluster with
// -nats-replicas 3: the stream and buckets are created with 3 replicas,
// and when the events stream's leader stops, the room's events are still
// read and written (the first request after the move is asked again).
func TestStreamsOnAThreeNodeCluster(t *testing.T) {
	c := bustest.NewCluster(t, 3)
	ctx := context.Background()
	b, err := bus.Open(ctx, bus.Config{URL: c.URL(), Replicas: 3}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("open on the cluster: %v", err)
	}
	defer b.Close()
	info, err := b.RawEvents().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Config.Replicas != 3 || info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("events stream: %d replicas, cluster %+v; want a leader and 2 replicas", info.Config.Replicas, info.Cluster)
	}
	for _, kv := range []interface {
		Bucket() string
	}{b.RawRooms(), b.RawState(), b.RawScripts(), b.RawLeases(), b.RawOrders()} {
		si, err := b.RawJS().Stream(ctx, "KV_"+kv.Bucket())
		if err != nil {
			t.Fatal(err)
		}
		if r := si.CachedInfo().Config.Replicas; r != 3 {
			t.Errorf("bucket %s: %d replicas, want 3", kv.Bucket(), r)
		}
	}
	const room = avatar.RoomID("r1")
	tok, err := b.PublishEvent(ctx, room, 1, []byte(`{"seq":1}`), "c1", 0)
	if err != nil {
		t.Fatal(err)
	}

	// The stream's leader goes away.
	c.Kill(info.Cluster.Leader)
	ev, ok, err := b.LastEvent(ctx, room)
	if err != nil || !ok || ev.Seq != 1 || ev.Cursor != "c1" {
		t.Fatalf("last event after the leader stopped: %+v, %v, %v", ev, ok, err)
	}
	var tok2 uint64
	for range 20 { // a publish is not asked again by the bus (its caller decides)
		if tok2, err = b.PublishEvent(ctx, room, 2, []byte(`{"seq":2}`), "c2", tok); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("publish after the leader stopped: %v", err)
	}
	if ev, _, err := b.LastEvent(ctx, room); err != nil || ev.Seq != 2 || ev.StreamSeq != tok2 {
		t.Fatalf("last event = %+v, %v; want seq 2", ev, err)
	}
	info, err = b.RawEvents().Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("new events leader %s", info.Cluster.Leader)
}

// TestStartTogetherOnAFreshCluster: two directors and two gateways opened
// at once on a cluster that has just formed (no streams yet, R3) all come
// up, as `docker compose up` starts them: the directors' creates race and
// time out while stream leaders are elected, and a gateway may look a
// stream up before any director made it.
func TestStartTogetherOnAFreshCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("three-node cluster")
	}
	c := bustest.NewCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a generous bound, not a timing
	defer cancel()
	roles := []bus.Role{bus.RoleGateway, bus.RoleGateway, bus.RoleDirector, bus.RoleDirector}
	errs := make([]error, len(roles))
	var wg sync.WaitGroup
	for i, role := range roles {
		wg.Go(func() {
			b, err := bus.Open(ctx, bus.Config{URL: c.URL(), Replicas: 3, Role: role, Name: fmt.Sprintf("%s-%d", role, i)}, zaptest.NewLogger(t))
			if err != nil {
				errs[i] = err
				return
			}
			t.Cleanup(func() { b.Close() })
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s %d did not come up: %v", roles[i], i, err)
		}
	}
}
