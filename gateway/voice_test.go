package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

func nextInput(t *testing.T, c chan avatar.Input) avatar.Input {
	t.Helper()
	select {
	case in := <-c:
		return in
	case <-time.After(10 * time.Second):
		t.Fatal("no input forwarded")
		return avatar.Input{}
	}
}

// TestDisplayNamesValidatedAndMasked: names with bidi, control or
// separator characters or over 24 characters are refused with bad_name
// and not forwarded; blocked words are masked in names and in questions
// as in comments.
func TestDisplayNamesValidatedAndMasked(t *testing.T) {
	h := start(t, gateway.Config{BlockedWords: []string{"骗子", "scam"}})
	in := h.inputs("r")
	c := h.dial("room=r")
	c.next() // hello
	for _, name := range []string{"Official\u202eDEMO", "a\u200bb", "tab\tname", "line\u2028sep", strings.Repeat("名", 25), "   "} {
		b, _ := json.Marshal(map[string]any{"type": "question", "data": map[string]string{"text": "多少钱", "name": name}})
		c.send(string(b))
		if code := errorCode(t, c.nextOf(avatar.EventError)); code != avatar.CodeBadName {
			t.Errorf("question with name %q: error %s, want %s", name, code, avatar.CodeBadName)
		}
	}
	c.send(`{"type":"question","data":{"text":"你们是scam吗？","name":"  大骗子 "}}`)
	got := nextInput(t, in)
	if got.Data.Name != "大**" || got.Data.Text != "你们是****吗？" {
		t.Errorf("forwarded question %+v, want name and text masked (and no refused frame before it)", got.Data)
	}
	c.send(`{"type":"like","data":{"name":"Scam King"}}`)
	if got := nextInput(t, in); got.Type != avatar.MsgLike || got.Data.Name != "**** King" {
		t.Errorf("forwarded like %+v, want the name masked", got)
	}
	c.send(`{"type":"comment","data":{"text":"hello","name":"骗子"}}`)
	e := c.nextOf(avatar.EventComment)
	var cm avatar.Comment
	if err := json.Unmarshal(e.Data, &cm); err != nil {
		t.Fatal(err)
	}
	if cm.Name != "**" {
		t.Errorf("comment shown as %+v, want the name masked", cm)
	}
}

// TestLangStaysWithTheViewerInLivestream: a viewer's lang message is not
// forwarded in a livestream room (only the merchant changes the spoken
// language) and is forwarded from a museum kiosk.
func TestLangStaysWithTheViewerInLivestream(t *testing.T) {
	h := start(t, gateway.Config{})
	bustest.PutRoom(t, h.b, avatar.Room{ID: "k", Kind: avatar.KindMuseum, Title: "Kiosk", Persona: avatar.Persona{ID: "p", Name: "P", Disclosure: map[string]string{"en": "AI guide", "fr": "Guide IA"}}})
	live, kiosk := h.inputs("r"), h.inputs("k")
	c := h.dial("room=r")
	c.next() // hello
	c.send(`{"type":"lang","data":{"lang":"en"}}`)
	c.send(`{"type":"comment","data":{"text":"hi"}}`)
	if got := nextInput(t, live); got.Type != avatar.MsgComment {
		t.Errorf("livestream forwarded %s first, want the comment (lang kept at the gateway)", got.Type)
	}
	var k *conn
	bustest.WaitFor(t, 10*time.Second, "museum room k opens", func() bool { k = h.tryDial("room=k"); return k != nil })
	k.next() // hello
	k.send(`{"type":"lang","data":{"lang":"fr"}}`)
	if got := nextInput(t, kiosk); got.Type != avatar.MsgLang || got.Data.Lang != "fr" {
		t.Errorf("kiosk forwarded %+v, want lang fr", got)
	}
}

// TestHelloCarriesDisclosures: hello carries the AI label in every
// language of the persona and of the script being played.
func TestHelloCarriesDisclosures(t *testing.T) {
	h := start(t, gateway.Config{})
	if err := h.b.SaveState(context.Background(), "r", avatar.State{Seq: 0, Status: "playing", Lang: "zh-CN", Languages: []string{"zh-CN", "en", "fr"}}); err != nil {
		t.Fatal(err)
	}
	h.restart(gateway.Config{})
	c := h.dial("room=r&lang=en")
	e := c.next()
	var hello avatar.Hello
	if err := json.Unmarshal(e.Data, &hello); err != nil {
		t.Fatal(err)
	}
	d := hello.Disclosures
	if d["en"] != "AI-generated" || d["zh-CN"] == "" || d["fr"] == "" {
		t.Errorf("hello disclosures %v, want en, zh-CN and fr", d)
	}
}

func (h *harness) tryDial(query string) *conn {
	h.t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(h.url+"/ws?"+query, nil)
	if err != nil {
		return nil
	}
	h.t.Cleanup(func() { ws.Close() })
	return &conn{t: h.t, ws: ws}
}
