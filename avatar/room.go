package avatar

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"
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
	// Preview marks a private preview room (docs/api.md "Preview rooms"):
	// never listed, and shown only to a viewer holding its token.
	Preview *RoomPreview `json:"preview,omitempty"`
	// Schedule, if any, is when a playing room is on air (schedule.go):
	// outside its windows the show is off air until the next one starts.
	Schedule *Schedule `json:"schedule,omitempty"`
	// Licence is the id of the licence that covered the persona's likeness
	// when the API last checked the room (created it, assigned its script,
	// started it): the persona's own or one of the merchant's. Empty for a
	// wholly synthetic persona. The record's provenance names it.
	Licence string `json:"licence,omitempty"`
}

// Provenance is where the room's show comes from and who presents it under
// which licence, for show.start and show.resume (the director sets the
// script version it actually plays).
func (rm Room) Provenance() *Provenance {
	pv := &Provenance{Merchant: rm.Merchant, Show: rm.Show, Version: rm.Version, Persona: rm.Persona.ID, Voice: rm.Persona.Voice.ID}
	if l := rm.Persona.Likeness; l != nil {
		pv.Person = l.Person
		switch {
		case rm.Licence != "":
			pv.Licences = []string{rm.Licence}
		case l.Licence != nil:
			pv.Licences = []string{l.Licence.ID}
		}
	}
	return pv
}

// RoomPreview is what makes a room a merchant's private preview.
type RoomPreview struct {
	// TokenSHA256 is the SHA-256 (hex) of the viewing token the API gave
	// the merchant; the gateways compare a viewer's token against it.
	TokenSHA256 string `json:"token_sha256"`
	// Expires is when the API deletes the room unless the merchant used
	// it since (each use moves it on).
	Expires time.Time `json:"expires"`
	// Script is the script the API stored the preview's unsaved text
	// under, deleted with the room; empty when it plays a stored version.
	Script string `json:"script,omitempty"`
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

// TokenOK reports whether token is the preview's viewing token, comparing
// digests in constant time. A nil preview has no token.
func (p *RoomPreview) TokenOK(token string) bool {
	if p == nil || token == "" {
		return false
	}
	want, err := hex.DecodeString(p.TokenSHA256)
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
