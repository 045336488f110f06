package api_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// BenchmarkIngest is one API gateway taking platform events over HTTP,
// in batches of avatar.MaxPlatformBatch comments from many users, each a
// new message: auth by bridge token, checks, dedupe (one KV create each),
// masking, danmaku and director input publishes. It reports events/s.
func BenchmarkIngest(b *testing.B) {
	e, _ := newEnvConfig(b, logger(b), func(c *api.Config) {
		c.InputRate, c.InputBurst = 1e9, 1e6
		c.BlockedWords = []string{"scam", "fake"}
		c.IngestTimeout = time.Minute
	})
	liveRoom(b, e.b, "r1", "a")
	r := e.want(e.do(tokenA, "POST", "/api/v1/rooms/r1/bridge-tokens", "", nil), 201, "bridge token")
	token := r.json(b)["token"].(string)
	batch := make([]avatar.PlatformEvent, avatar.MaxPlatformBatch)
	n := 0
	for i := 0; b.Loop(); i++ {
		for j := range batch {
			batch[j] = comment(strconv.Itoa(i)+"-"+strconv.Itoa(j), "user"+strconv.Itoa(j), "观众"+strconv.Itoa(j), "这个多少钱？发货快吗？")
		}
		r, got := e.postBatch(token, "r1", batch...)
		if r.status != 200 || got.Taken != len(batch) {
			b.Fatalf("batch %d: HTTP %d, taken %d", i, r.status, got.Taken)
		}
		n += len(batch)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
}
