package avatar

import (
	"errors"
	"fmt"
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

// Room is what the gateway needs to know of a room before the first event:
// what it is, which show it plays and who presents it. It is stored in the
// rooms bucket under the room ID.
type Room struct {
	ID      RoomID  `json:"id"`
	Kind    string  `json:"kind"` // "livestream" or "museum"
	Title   string  `json:"title"`
	Show    string  `json:"show"` // show script ID
	Persona Persona `json:"persona"`
}
