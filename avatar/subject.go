package avatar

// Every NATS subject, stream and KV bucket name avatarcast uses is built here,
// so the director and the gateway share one contract.

const (
	// EventsStream is the JetStream stream holding every room's events.
	EventsStream = "LIVE_EVENTS"
	// RoomsBucket maps a room ID to its Room record.
	RoomsBucket = "rooms"
	// StateBucket maps a room ID to its latest State snapshot.
	StateBucket = "room_state"

	// HeaderSeq carries an event's room sequence on its NATS message, so a
	// reader can find an event without decoding it.
	HeaderSeq = "Avatarcast-Seq"
	// HeaderCursor carries the director's place in the show once the event
	// is out, so whoever takes the room over goes on from the stored event
	// itself: the event and its checkpoint are written in one publish.
	HeaderCursor = "Avatarcast-Cursor"
)

// EventsSubject is where the director publishes room r's events.
func EventsSubject(r RoomID) string { return "live.room." + string(r) + ".evt" }

// AllEventsSubject matches every room's events subject; EventsStream stores it.
func AllEventsSubject() string { return "live.room.*.evt" }

// InputSubject is where the gateway forwards room r's viewer messages.
func InputSubject(r RoomID) string { return "live.room." + string(r) + ".in" }

// AllInputSubject matches every room's input subject.
func AllInputSubject() string { return "live.room.*.in" }

// ControlSubject carries merchant controls for room r to its director.
func ControlSubject(r RoomID) string { return "live.room." + string(r) + ".ctl" }
