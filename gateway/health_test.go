package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

type health struct {
	code   int
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func getHealth(t *testing.T, url string) health {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	h := health{code: resp.StatusCode}
	if err := json.Unmarshal(body, &h); err != nil {
		h.Reason = "not JSON: " + string(body)
	}
	return h
}

// waitHealth polls url until its status code is want (NATS noticing a
// dropped server or a reconnect takes a moment), and returns the answer.
func waitHealth(t *testing.T, url string, want int) health {
	t.Helper()
	var h health
	bustest.WaitFor(t, 30*time.Second, fmt.Sprintf("%s answers %d", url, want), func() bool {
		h = getHealth(t, url)
		return h.code == want
	})
	return h
}

// TestReadinessFollowsNATS: /healthz and /readyz answer 503 with a reason
// while NATS is down, and 200 again once it is back; /livez stays 200.
func TestReadinessFollowsNATS(t *testing.T) {
	srv := bustest.NewServer(t)
	b := bustest.StartConfig(t, bus.Config{URL: srv.URL()})
	bustest.PutRoom(t, b, avatar.Room{ID: "r", Kind: "livestream", Title: "Test"})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gateway.New(gateway.Config{}, b, zaptest.NewLogger(t)).Serve(ctx, ln) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	base := "http://" + ln.Addr().String()
	for _, path := range []string{"/healthz", "/readyz", "/livez"} {
		if h := waitHealth(t, base+path, 200); h.code != 200 {
			t.Fatalf("%s with NATS up: %+v, want 200", path, h)
		}
	}

	srv.Stop()
	for _, path := range []string{"/healthz", "/readyz"} {
		h := waitHealth(t, base+path, 503)
		if h.code != 503 || h.Status != "unavailable" || !strings.Contains(h.Reason, "nats") {
			t.Errorf("%s with NATS down: %+v, want 503 unavailable with a reason naming nats", path, h)
		}
	}
	if h := getHealth(t, base+"/livez"); h.code != 200 {
		t.Errorf("/livez with NATS down: %+v, want 200 (the process serves)", h)
	}

	srv.Start()
	if h := waitHealth(t, base+"/healthz", 200); h.code != 200 || h.Status != "ok" {
		t.Errorf("/healthz after NATS came back: %+v, want 200 ok", h)
	}
}
