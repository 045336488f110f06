package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServeDefaultBlocklist: through serve with no moderation flags, the
// shipped default list masks a viewer's insults in the danmaku, in the
// text and the display name, by whole words for English and anywhere for
// Chinese, and leaves ordinary talk; -default-blocklist=false turns it off.
func TestServeDefaultBlocklist(t *testing.T) {
	const name, text = "傻逼王", "你个傻逼, FUCK! 这款乳液性价比高, first class"
	for _, tc := range []struct {
		args             []string
		wantName, wantTx string
	}{
		{nil, "**王", "你个**, ****! 这款乳液性价比高, first class"},
		{[]string{"-default-blocklist=false"}, name, text},
	} {
		s := startServe(t, t.TempDir(), tc.args...)
		v := dial(t, s, "room=demo-live")
		v.hello()
		if err := v.conn.WriteJSON(map[string]any{"type": "comment", "data": map[string]string{"text": text, "name": name}}); err != nil {
			t.Fatal(err)
		}
		var c avatar.Comment
		for deadline := time.Now().Add(30 * time.Second); c.Text == ""; {
			if time.Now().After(deadline) {
				t.Fatalf("serve %q: no comment in 30s", tc.args)
			}
			e := v.next(30 * time.Second)
			if e.Type == avatar.EventError {
				t.Fatalf("serve %q: error frame %s", tc.args, e.Data)
			}
			if e.Type == avatar.EventComment {
				if err := json.Unmarshal(e.Data, &c); err != nil {
					t.Fatal(err)
				}
			}
		}
		if c.Name != tc.wantName || c.Text != tc.wantTx {
			t.Errorf("serve %q: comment from %q: %q; want from %q: %q", tc.args, c.Name, c.Text, tc.wantName, tc.wantTx)
		}
		_ = v.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	}
}
