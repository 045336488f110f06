package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway"
)

// TestMutedViewerNeitherShownNorAnswered: once the merchant mutes a viewer
// in the room's record, that viewer's comments reach neither the other
// viewers nor the director (so nothing answers them); its likes still do,
// and other viewers' comments still show.
func TestMutedViewerNeitherShownNorAnswered(t *testing.T) {
	h := start(t, gateway.Config{})
	in := h.inputs("r")
	muted, other := h.dial("room=r"), h.dial("room=r")
	var hello avatar.Hello
	if err := json.Unmarshal(muted.next().Data, &hello); err != nil || hello.Viewer == "" {
		t.Fatalf("hello: %v, viewer %q", err, hello.Viewer)
	}
	other.next()
	for _, c := range []*conn{muted, other} {
		c.send(`{"type":"ping"}`)
		c.nextOf(avatar.EventPong)
	}
	// Before the mute, the viewer's comment is shown and forwarded.
	muted.send(`{"type":"comment","data":{"text":"before"}}`)
	if e := other.nextOf(avatar.EventComment); !json.Valid(e.Data) || nextInput(t, in).Data.Text != "before" {
		t.Fatalf("comment before the mute: %s", e.Data)
	}

	ctx := context.Background()
	rm, rev, err := h.b.RoomRecord(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	// The new title tells when this gateway has the record: the index
	// shows it.
	rm.Muted, rm.Title, rm.Status = []string{hello.Viewer}, "Muted-1", avatar.RoomPlaying
	if _, err := h.b.UpdateRoomRecord(ctx, rm, rev); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; {
		resp, err := noKeepAlive.Get(h.httpURL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(page), "Muted-1") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway did not see the room's new record in 20 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	const last = "hidden"
	muted.send(`{"type":"comment","data":{"text":"` + last + `"}}`)
	muted.send(`{"type":"like","data":{"count":1}}`)
	if got := nextInput(t, in); got.Type != avatar.MsgLike {
		t.Fatalf("the muted viewer's %s %q was forwarded to the director", got.Type, got.Data.Text)
	}
	// Everything the gateway published before the other viewer's comment
	// reaches viewers before it: the muted comment, had it gone, would too.
	other.send(`{"type":"comment","data":{"text":"shown"}}`)
	for {
		var cm avatar.Comment
		if err := json.Unmarshal(other.nextOf(avatar.EventComment).Data, &cm); err != nil {
			t.Fatal(err)
		}
		if cm.Text == last {
			t.Fatalf("the muted viewer's comment %q was shown", last)
		}
		if cm.Text == "shown" {
			break
		}
	}
	if got := nextInput(t, in); got.Data.Text != "shown" {
		t.Errorf("director got %q, want the other viewer's comment", got.Data.Text)
	}
}
