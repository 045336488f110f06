package wsclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestSessionWaitsAsTheCloseReasonSays: a close reason in the contract's
// format sets the wait before the next connect; one that is not (a proxy's,
// or bait for a regular expression) leaves it to the backoff.
func TestSessionWaitsAsTheCloseReasonSays(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   int
		reason string
		want   time.Duration
	}{
		{"ours", int(avatar.CloseSlowConsumer), avatar.FormatCloseReason(avatar.CloseReason{Cause: avatar.CauseSlowConsumer, RetryAfter: 2417 * time.Millisecond, Since: 9}), 2417 * time.Millisecond},
		{"ours with a detail", int(avatar.CloseAbuse), avatar.FormatCloseReason(avatar.CloseReason{Cause: avatar.CauseAbuse, Detail: "retry_after_ms=1", RetryAfter: 15 * time.Second}), 15 * time.Second},
		{"not ours", int(avatar.CloseGoingAway), "proxy restarting; retry_after_ms=5", 0},
		{"over the longest wait", int(avatar.CloseGoingAway), "going_away; retry_after_ms=86400000; resume since=1", 0},
		{"no reason", websocket.CloseNormalClosure, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
				if err != nil {
					return
				}
				defer conn.Close()
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(tc.code, tc.reason), time.Now().Add(5*time.Second))
				_, _, _ = conn.ReadMessage() // until the client goes
			}))
			defer srv.Close()
			var gotCode int
			var gotReason string
			c := New(Config{URL: "ws" + strings.TrimPrefix(srv.URL, "http"), Room: "r", OnClose: func(code int, reason string) { gotCode, gotReason = code, reason }})
			wait, err := c.session(context.Background())
			if err != nil {
				t.Fatalf("session: %v", err)
			}
			if wait != tc.want || gotCode != tc.code || gotReason != tc.reason {
				t.Errorf("close %d %q: wait %v, OnClose(%d, %q); want wait %v", tc.code, tc.reason, wait, gotCode, gotReason, tc.want)
			}
		})
	}
}
