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
	// ScriptsBucket maps ScriptKey(merchant, show) to the script's source;
	// its history keeps the versions (numbered per script, see bus.PutScript).
	ScriptsBucket = "scripts"
	// LeasesBucket maps a room ID to the director that plays it; entries
	// expire unless renewed, so a dead director's rooms are taken over.
	LeasesBucket = "room_leases"
	// DirectorsBucket is where each live director says it is alive: its ID
	// maps to a bus.Presence, put every LeaseTTL/3 and expiring after
	// LeaseTTL, so directors know how many share the rooms.
	DirectorsBucket = "directors"
	// OrdersBucket keeps, per room and idempotency key, what an order from
	// the merchant's commerce platform did (OrderKey), so a replayed
	// webhook does not take stock twice; entries expire after a few days.
	OrdersBucket = "room_orders"
	// LicencesBucket maps LicenceKey(merchant, id) to a merchant's licence
	// record (a bus.LicenceVersion); its history keeps the versions.
	LicencesBucket = "licences"
	// PersonasBucket maps PersonaKey(merchant, id) to a merchant's persona
	// (a bus.PersonaVersion); its history keeps the versions.
	PersonasBucket = "personas"
	// RecordsStream keeps every event of every room for years (the record
	// of live sales the live-commerce rules ask for): it sources
	// EventsStream, so the director still writes once, fenced, and the
	// record keeps the events' subjects (EventsSubject) and headers.
	RecordsStream = "RECORDS"
	// AuditStream records every change merchants make, on AuditSubject.
	AuditStream = "AUDIT"

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

// StoredEventsSubject is where the events stream republishes room r's
// events, each only once stored, in the stream's order, with the stream's
// headers (Nats-Sequence, Nats-Last-Sequence). Gateways feed viewers from
// here, never from EventsSubject: a publish the stream refuses (a fenced
// director, a publish lost in a leader election) reaches no viewer.
func StoredEventsSubject(r RoomID) string { return "live.room." + string(r) + ".stored" }

// StoredEventsRepublish is the EventsStream's republish destination for
// AllEventsSubject: it maps live.room.R.evt to StoredEventsSubject(R).
func StoredEventsRepublish() string { return "live.room.{{wildcard(1)}}.stored" }

// LeaseReleasedSubject is where a director says it has just let a room's
// lease go (core NATS, the room ID as body), so the others try to take the
// room at once instead of at their next poll.
func LeaseReleasedSubject() string { return "directors.released" }

// InputSubject is where the gateway forwards room r's viewer messages.
func InputSubject(r RoomID) string { return "live.room." + string(r) + ".in" }

// AllInputSubject matches every room's input subject.
func AllInputSubject() string { return "live.room.*.in" }

// ControlSubject carries merchant controls for room r to its director.
func ControlSubject(r RoomID) string { return "live.room." + string(r) + ".ctl" }

// ScriptKey is the scripts bucket key of a merchant's show script. Merchant
// and show IDs are single tokens ([A-Za-z0-9_-]), so the key is unambiguous.
func ScriptKey(merchant, show string) string { return merchant + "." + show }

// LicenceKey is the LicencesBucket key of merchant's licence id (both
// single tokens, [A-Za-z0-9_-]).
func LicenceKey(merchant, id string) string { return merchant + "." + id }

// PersonaKey is the PersonasBucket key of merchant's persona id (both
// single tokens, [A-Za-z0-9_-]).
func PersonaKey(merchant, id string) string { return merchant + "." + id }

// AuditSubject is where a change by merchant is recorded.
func AuditSubject(merchant string) string { return "audit." + merchant }

// AllAuditSubject matches every merchant's audit subject.
func AllAuditSubject() string { return "audit.*" }

// ChatSubject carries room r's moderated viewer comments (core NATS, not
// stored): every gateway with viewers in r subscribes and shows them to
// its viewers at once, like danmaku. The director reads comments on
// InputSubject, not here.
func ChatSubject(r RoomID) string { return "live.room." + string(r) + ".chat" }

// PlatformSubject is where a platform bridge running inside the cluster
// publishes batches of room r's platform events (request/reply: the answer
// says how many were taken); the merchant API's POST …/inputs does the
// same over HTTP. Both deduplicate and rate-limit alike.
func PlatformSubject(r RoomID) string { return "live.room." + string(r) + ".platform" }

// PlatformQueue is the queue group the merchant API's gateways answer
// PlatformSubject in, so each batch is ingested once.
const PlatformQueue = "platform"

// PlatformSeenBucket remembers, for a window, each (room, platform,
// message id) a platform bridge sent (PlatformSeenKey), so a repeated
// push is dropped on every API gateway alike; entries expire.
const PlatformSeenBucket = "platform_seen"

// PlatformSeenKey is the PlatformSeenBucket key of room r's platform
// message whose id hashes to digest (hex, so any id is one token);
// platform is a single token (ParsePlatform).
func PlatformSeenKey(r RoomID, platform, digest string) string {
	return string(r) + "." + platform + "." + digest
}

// BridgesBucket maps a room ID to its RoomBridges: bridge tokens (their
// hashes) and the Douyin push secret. The merchant API alone reads it.
const BridgesBucket = "room_bridges"

// ViewersSubject is where each gateway publishes its own viewer count of
// room r every few seconds (core NATS); gateways sum what they hear.
func ViewersSubject(r RoomID) string { return "live.room." + string(r) + ".viewers" }

// AllViewersSubject matches every room's viewers subject.
func AllViewersSubject() string { return "live.room.*.viewers" }

// OrderKey is the OrdersBucket key of an order in room r whose idempotency
// key hashes to digest (hex, so any key the platform sends is one token).
func OrderKey(r RoomID, digest string) string { return string(r) + "." + digest }

// InboxPrefix is where replies to a NATS connection of role come (the
// client's custom inbox prefix), so each role's permissions allow only its
// own replies: a gateway cannot read answers meant for the merchant API.
func InboxPrefix(role string) string { return "_INBOX_" + role }

// QuestionsStream keeps the viewers' questions that no FAQ entry matched
// and how each was answered (Question), on QuestionsSubject, for a month:
// the console's "questions nothing answered".
const QuestionsStream = "QUESTIONS"

// QuestionsSubject is where room r's unmatched questions are recorded;
// merchant is a single token, as in ScriptKey, so a merchant's questions
// are one subject filter and no room of another merchant falls under it.
func QuestionsSubject(merchant string, r RoomID) string {
	return "questions." + merchant + "." + string(r)
}

// AllQuestionsSubject matches every merchant's questions.
func AllQuestionsSubject() string { return "questions.>" }

// Voice: the worker that renders speech (cmd/avatarcast-voice) answers
// requests on VoiceRenderSubject, in queue group VoiceQueue so that any
// number of workers share the load, and keeps the audio in AudioBucket,
// a JetStream object store every gateway reads (GET /audio/KEY.ogg).
const (
	// AudioBucket is the object store of rendered speech: for each content
	// key (voice.Key) the audio (AudioObject) and its timings (AudioMetaObject).
	AudioBucket = "voice_audio"
	// VoiceQueue is the queue group voice workers subscribe in.
	VoiceQueue = "voice"
)

// VoiceRenderSubject is where a voice.Request is sent for rendering; a
// worker answers with the voice.Result (request/reply, core NATS).
func VoiceRenderSubject() string { return "voice.render" }

// AudioObject is the AudioBucket object holding the audio of key, with
// the file extension of its format ("ogg").
func AudioObject(key, ext string) string { return key + "." + ext }

// AudioMetaObject is the AudioBucket object holding the timings (a
// voice.Result, JSON) of key; it is written after the audio, so a key
// whose meta exists has its audio.
func AudioMetaObject(key string) string { return key + ".json" }
