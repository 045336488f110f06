package bus

import (
	"context"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Health reports whether b can serve: nil when the connection to NATS is up
// and the rooms and state buckets answer within ctx, else an error saying
// which is not ("bus: nats reconnecting"). It costs a JetStream request per
// bucket: callers that may be called often should cache it.
func (b *Bus) Health(ctx context.Context) error {
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("bus: nats %s", strings.ToLower(st.String()))
	}
	for _, kv := range []jetstream.KeyValue{b.rooms, b.state} {
		if _, err := kv.Status(ctx); err != nil {
			return fmt.Errorf("bus: bucket %s: %w", kv.Bucket(), err)
		}
	}
	return nil
}
