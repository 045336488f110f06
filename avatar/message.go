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
}

// Input is a viewer message as the gateway forwards it to the director on
// InputSubject: validated, and stamped with who sent it and when.
type Input struct {
	Room   RoomID      `json:"room"`
	Viewer string      `json:"viewer"`
	Type   MessageType `json:"type"`
	Data   MessageData `json:"data"`
	TS     time.Time   `json:"ts"`
}

// ViewerReport is one gateway's count of a room's viewers, published on
// ViewersSubject every few seconds; summing the latest report of every
// gateway gives the room's count (no member lists).
type ViewerReport struct {
	Gateway string `json:"gateway"`
	Count   int    `json:"count"`
}
