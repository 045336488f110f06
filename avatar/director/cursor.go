package director

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar/script"
)

// cursor is a room's place in its show and the private state a director
// taking the room over needs beyond the public avatar.State: it is stored
// with every event (avatar.HeaderCursor), so the event and its checkpoint are
// one write. Pass, Segment and Step name the next step to play.
type cursor struct {
	Pass    int    `json:"p"`
	Segment int    `json:"s"`
	Step    int    `json:"t"`
	SegID   string `json:"sid,omitempty"` // Segment's ID, to find it in another version
	Version uint64 `json:"v,omitempty"`   // script version played
	Lang    string `json:"l,omitempty"`
	Attract bool   `json:"a,omitempty"` // museum: the tour is over, attract loop
	Idle    int    `json:"i,omitempty"` // next idle line

	Vars  map[string]int64        `json:"vars,omitempty"`
	Stock map[string]int          `json:"stock,omitempty"` // changed from the catalog
	Price map[string]script.Money `json:"price,omitempty"` // changed from the catalog
	// Orders are the last orders applied (commerce.go), so a director
	// taking the room over does not apply one again.
	Orders []orderDone `json:"o,omitempty"`

	// Line is the line being spoken, until it and its breath are over; a
	// director taking the room over lets it end before the next line and
	// fires the cues it has left (Engine.resumeLine).
	Line *lineCues `json:"line,omitempty"`

	// Q is what waits for a line boundary (agenda.go); read from a
	// stored cursor only: the engine adds it to each event's cursor.
	Q *agenda `json:"q,omitempty"`
}

// lineCues is what is left of a spoken line: when it ends (without the
// breath) and the cues it has not fired yet, in order (none: all fired, or
// a line without cues). A cue leaves the list just before its event goes
// out, so it never fires twice.
type lineCues struct {
	ID   string    `json:"id"`
	Ends time.Time `json:"ends"`
	Cues []cueAt   `json:"cues,omitempty"`
}

// cueAt is a cue and when it fires, by the wall clock.
type cueAt struct {
	At   time.Time         `json:"at"`
	Kind script.ActionKind `json:"k"`
	Ref  string            `json:"r"`
}

func (c *cursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// parseCursor reads a cursor as String writes it, or the first form
// "pass/segment/step".
func parseCursor(s string) (cursor, error) {
	var c cursor
	if strings.HasPrefix(s, "{") {
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return c, fmt.Errorf("cursor %q: %w", s, err)
		}
		if c.Pass < 0 || c.Segment < 0 || c.Step < 0 || c.Idle < 0 {
			return cursor{}, fmt.Errorf("cursor %q: negative position", s)
		}
		return c, nil
	}
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return c, fmt.Errorf("cursor %q: want pass/segment/step", s)
	}
	var err error
	for i, p := range []*int{&c.Pass, &c.Segment, &c.Step} {
		if *p, err = strconv.Atoi(parts[i]); err != nil || *p < 0 {
			return c, fmt.Errorf("cursor %q: bad number %q", s, parts[i])
		}
	}
	return c, nil
}
