package avatar

import (
	"errors"
	"fmt"
	"slices"
)

// RoomID names a room. ParseRoomID accepts only [A-Za-z0-9_-]{1,64}, so a
// RoomID is always exactly one NATS subject token and one KV key.
type RoomID string

// ErrBadRoomID is returned by ParseRoomID for a name that is not a room ID.
var ErrBadRoomID = errors.New("room id must be 1-64 of A-Z a-z 0-9 _ -")

// ParseRoomID checks s and returns it as a RoomID.
func ParseRoomID(s string) (RoomID, error) {
	if len(s) == 0 || len(s) > 64 {
		return "", fmt.Errorf("room %q: %w", s, ErrBadRoomID)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return "", fmt.Errorf("room %q: %w", s, ErrBadRoomID)
		}
	}
	return RoomID(s), nil
}

// Room is a room's record in the rooms bucket, under its ID: what it is,
// whose it is, which script version it plays and who presents it. The
// gateway needs it before the first event; the director plays from it.
type Room struct {
	ID       RoomID  `json:"id"`
	Kind     string  `json:"kind"` // KindLivestream or KindMuseum
	Title    string  `json:"title"`
	Merchant string  `json:"merchant"`
	Show     string  `json:"show"`              // show script ID, under ScriptKey(Merchant, Show)
	Version  uint64  `json:"version,omitempty"` // script version (counted per script, see bus.PutScript); 0 = the latest
	Status   string  `json:"status"`            // RoomPlaying, RoomPaused or RoomStopped
	Persona  Persona `json:"persona"`
	// StopReason says why the room was stopped when the merchant did not
	// stop it: a licence reason (LicenceRevoked, LicenceExpired, ...). It is
	// cleared when the room plays again.
	StopReason string `json:"stop_reason,omitempty"`
	// Muted lists the viewers (their Hello.Viewer ids) the merchant muted
	// in this room, oldest first, at most MaxMuted: the gateways neither
	// show nor forward their comments, so the director never answers them.
	Muted []string `json:"muted,omitempty"`
}

// MaxMuted bounds Room.Muted; muting one more forgets the oldest.
const MaxMuted = 256

// IsMuted reports whether the merchant muted viewer in r.
func (r Room) IsMuted(viewer string) bool { return slices.Contains(r.Muted, viewer) }

// Room kinds, as a script's kind.
const (
	KindLivestream = "livestream" // a sale: many viewers, the merchant chooses the spoken language
	KindMuseum     = "museum"     // a kiosk: one device, one visitor, who chooses the spoken language
)

// Room statuses, as the merchant set them (listed in docs/protocol.md).
const (
	RoomPlaying = "playing"
	RoomPaused  = "paused"
	RoomStopped = "stopped"
)
