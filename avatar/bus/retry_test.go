package bus

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// TestRetryAsksAgainWhenUnanswered: a JetStream request that goes
// unanswered (as right after a stream leader moves) is asked again, up to
// a bound; a refusal is not.
func TestRetryAsksAgainWhenUnanswered(t *testing.T) {
	for _, tc := range []struct {
		name  string
		errs  []error
		calls int
		ok    bool
	}{
		{"answered", []error{nil}, 1, true},
		{"timeout then answer", []error{context.DeadlineExceeded, nats.ErrNoResponders, nil}, 3, true},
		{"never answered", []error{nats.ErrTimeout, nats.ErrTimeout, nats.ErrTimeout, nats.ErrTimeout, nil}, 4, false},
		{"refused", []error{jetstream.ErrStreamNotFound, nil}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := retry(context.Background(), time.Second, func(ctx context.Context) error {
				if _, ok := ctx.Deadline(); !ok {
					t.Error("attempt without a deadline")
				}
				calls++
				return tc.errs[calls-1]
			})
			if calls != tc.calls || (err == nil) != tc.ok {
				t.Errorf("%d calls, err %v; want %d calls, ok %v", calls, err, tc.calls, tc.ok)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := 0
	err := retry(ctx, time.Second, func(context.Context) error { calls++; return nats.ErrTimeout })
	if calls != 1 || !errors.Is(err, nats.ErrTimeout) {
		t.Errorf("cancelled: %d calls, %v; want 1 call", calls, err)
	}
}

// TestStartRetryWaitsForAFormingCluster: at start-up, the refusals a
// cluster gives while its servers are still announcing themselves (no
// suitable peers for placement) are asked again, as an unanswered request
// is; other refusals end the setup at once.
func TestStartRetryWaitsForAFormingCluster(t *testing.T) {
	noPeers := fmt.Errorf("bus: create stream X: %w", &jetstream.APIError{Code: 400, ErrorCode: 10005, Description: "no suitable peers for placement, peer offline"})
	badConfig := &jetstream.APIError{Code: 400, ErrorCode: jetstream.JSErrCodeBadRequest, Description: "bad request"}
	s := startRetry{deadline: time.Now().Add(time.Minute), timeout: time.Second, log: zap.NewNop()}
	for _, tc := range []struct {
		name  string
		errs  []error
		calls int
		ok    bool
	}{
		{"no peers yet, then created", []error{noPeers, noPeers, nil}, 3, true},
		{"a real refusal", []error{badConfig, nil}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := s.do(context.Background(), "X", false, func(context.Context) error {
				calls++
				return tc.errs[calls-1]
			})
			if calls != tc.calls || (err == nil) != tc.ok {
				t.Errorf("%d calls, err %v; want %d calls, ok %v", calls, err, tc.calls, tc.ok)
			}
		})
	}
}
