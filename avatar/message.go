package avatar

import (
	"encoding/json"
	"time"
)

// MessageType is a kind of message a viewer sends; part of the wire protocol.
type MessageType string

// Messages from viewers to the server.
const (
	MsgComment  MessageType = "comment"  // Text
	MsgLike     MessageType = "like"     // Count
	MsgQuestion MessageType = "question" // Text
	MsgTap      MessageType = "tap"      // Target: exhibit or option ID
	MsgLang     MessageType = "lang"     // Lang
	MsgCart     MessageType = "cart"     // SKU
	MsgPing     MessageType = "ping"
)

// Messages that only a platform bridge sends (a livestream platform's
// push, ingested through the merchant API or the bridge's NATS subject;
// see PlatformSubject). A viewer's socket may not send them: the gateway
// answers unknown_type. Comments, likes and questions from a platform use
// the types above with Input.Platform set.
const (
	MsgGift   MessageType = "gift"   // Gift, Name
	MsgFollow MessageType = "follow" // Name
	MsgEnter  MessageType = "enter"  // Name: a viewer entered the platform's room
	MsgShare  MessageType = "share"  // Name
)

// Gift is what a platform viewer sent: Count of the gift called Name,
// each worth Value in the platform's own smallest unit (Douyin's diamonds,
// for example); the gift's worth is Count × Value.
type Gift struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Value int64  `json:"value"`
}

// Worth is the gift's whole value, Count × Value.
func (g Gift) Worth() int64 { return int64(g.Count) * g.Value }

// Message is what a viewer sends: {"type": "...", "data": {...}}.
type Message struct {
	Type MessageType     `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// MessageData holds the fields of every message type; each type uses some.
type MessageData struct {
	Text   string `json:"text,omitempty"`
	Count  int    `json:"count,omitempty"`
	Target string `json:"target,omitempty"`
	Lang   string `json:"lang,omitempty"`
	SKU    string `json:"sku,omitempty"`
	Name   string `json:"name,omitempty"` // display name chosen by the viewer
	Gift   *Gift  `json:"gift,omitempty"` // MsgGift only (platform bridges)
}

// Input is a viewer message as the gateway forwards it to the director on
// InputSubject: validated, and stamped with who sent it and when.
type Input struct {
	Room   RoomID      `json:"room"`
	Viewer string      `json:"viewer"`
	Type   MessageType `json:"type"`
	Data   MessageData `json:"data"`
	TS     time.Time   `json:"ts"`
	// Platform names the livestream platform the message came from
	// ("douyin", "bilibili"…) when a platform bridge ingested it; empty
	// for our own viewers. Viewer is then the platform's user id,
	// prefixed with the platform ("douyin:…").
	Platform string `json:"platform,omitempty"`
}

// ViewerReport is one gateway's count of a room's viewers, published on
// ViewersSubject every few seconds; summing the latest report of every
// gateway gives the room's count (no member lists).
type ViewerReport struct {
	Gateway string `json:"gateway"`
	Count   int    `json:"count"`
}
