package avatar

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// EventType is part of the wire protocol: add values, never rename them.
type EventType string

// Events from the server to viewers.
const (
	EventHello       EventType = "hello"        // Hello: first frame on every connection
	EventShowStart   EventType = "show.start"   // ShowStatus
	EventShowPause   EventType = "show.pause"   // ShowStatus
	EventShowResume  EventType = "show.resume"  // ShowStatus
	EventShowEnd     EventType = "show.end"     // ShowStatus
	EventSpeech      EventType = "speech"       // Speech: one spoken line
	EventSpeechCut   EventType = "speech.cut"   // SpeechCut: a line stops before its end
	EventExpression  EventType = "expression"   // Expression
	EventGesture     EventType = "gesture"      // Gesture
	EventProductShow EventType = "product.show" // Product
	EventProductHide EventType = "product.hide" // Product
	EventSaleStart   EventType = "sale.start"   // Sale
	EventSaleUpdate  EventType = "sale.update"  // Sale
	EventSaleEnd     EventType = "sale.end"     // Sale
	EventCoupon      EventType = "coupon"       // Coupon
	EventReply       EventType = "reply"        // Reply: the avatar answers a viewer
	EventExhibit     EventType = "exhibit.focus"
	EventIdle        EventType = "idle"    // Idle: nothing scripted is due
	EventViewers     EventType = "viewers" // Viewers: approximate count
	EventComment     EventType = "comment" // Comment: a moderated viewer comment (danmaku)
	EventNotice      EventType = "notice"  // Notice: a merchant's banner
	EventError       EventType = "error"   // Error: sent to one viewer only
	EventResume      EventType = "resume"  // Resume: how a reconnect was served
	EventPong        EventType = "pong"    // Pong: answer to a viewer's ping
	EventCartOK      EventType = "cart.ok" // CartOK: to one viewer, its add-to-cart intent was counted
	EventStock       EventType = "stock"   // StockLevel: a product's live stock changed
	// EventCheckpoint carries nothing for viewers (pages ignore it): it is
	// the director's checkpoint (its cursor header), written before a
	// merchant's control is answered when no other event carries the
	// change, and when a room is handed to another director.
	EventCheckpoint EventType = "checkpoint" // Checkpoint
)

// Envelope is one event as it travels and as viewers receive it. Seq counts
// from 1 per room with no gaps; ID is unique across rooms. Frames addressed
// to one viewer only (hello, resume, error, pong) have Seq 0 and are not
// part of the room's sequence. Data holds the
// type's payload, already encoded, so an envelope is decoded and re-encoded
// without knowing every payload.
type Envelope struct {
	ID   string          `json:"id"`
	Room RoomID          `json:"room"`
	Seq  uint64          `json:"seq"`
	TS   Time            `json:"ts"`
	Type EventType       `json:"type"`
	Data json.RawMessage `json:"data"`
}

// NewEnvelope builds the envelope of event seq of room r at t, encoding data.
func NewEnvelope(r RoomID, seq uint64, t time.Time, typ EventType, data any) (Envelope, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Envelope{}, err
	}
	return Envelope{ID: uuid.NewString(), Room: r, Seq: seq, TS: Time(t), Type: typ, Data: raw}, nil
}

// Time is a timestamp encoded as RFC 3339 in UTC with milliseconds.
type Time time.Time

// TimeLayout is the wire format of Time.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// MarshalJSON encodes t as RFC 3339 with milliseconds, in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, len(TimeLayout)+2)
	b = append(b, '"')
	b = time.Time(t).UTC().AppendFormat(b, TimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes an RFC 3339 timestamp.
func (t *Time) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return err
	}
	*t = Time(v)
	return nil
}

// Hello is the first frame of every connection. It labels the stream as
// AI-generated and carries what a late joiner must see at once.
type Hello struct {
	Room      RoomID  `json:"room"`
	Kind      string  `json:"kind"`
	Title     string  `json:"title"`
	Viewer    string  `json:"viewer"`
	Persona   Persona `json:"persona"`
	AIContent bool    `json:"ai_generated"` // always true
	// AIGC is the machine-readable AI-generated label of the stream (its
	// content id is the room).
	AIGC       *AIGC  `json:"aigc,omitempty"`
	Disclosure string `json:"disclosure"` // the label to show, in the viewer's language
	// Disclosures holds the label in every language of the room's script
	// (and of the persona), by language tag, so a page can show it in the
	// language being spoken: the Lang of the latest speech event.
	Disclosures map[string]string `json:"disclosures,omitempty"`
	Seq         uint64            `json:"seq"` // events after this seq follow
	State       *State            `json:"state,omitempty"`
	// Resumed is true when the viewer asked for since=N; a resume event
	// follows at once, saying whether every event after N was recovered.
	Resumed bool `json:"resumed,omitempty"`
	// NextStart is when a scheduled room that is off air now goes on air
	// next (Room.Schedule), so a page shows "starts at 19:00" rather than
	// an empty stage; absent when the room has no schedule, is on air, is
	// stopped, or its schedule has no window to come.
	NextStart *Time `json:"next_start,omitempty"`
}

// Show statuses, as State.Status holds them: what the director is doing with
// the room's show (RoomPlaying and the others are what the merchant asked).
// A show speaking its idle lines is playing: there is no idle status. Listed
// in docs/protocol.md.
const (
	ShowPlaying = "playing"
	ShowPaused  = "paused"
	ShowEnded   = "ended"
)

// Reasons a flash sale ends, as Sale.Reason holds them on sale.end (listed in
// docs/protocol.md).
const (
	SaleEndTime    = "time"     // its countdown ran out
	SaleEndSoldOut = "sold_out" // its stock ran out
	SaleEndStopped = "stopped"  // the show ended, or another sale replaced it
)

// State is a room's snapshot: what a viewer joining at Seq must see.
type State struct {
	Seq     uint64 `json:"seq"`
	Status  string `json:"status"` // ShowPlaying, ShowPaused or ShowEnded
	Segment string `json:"segment,omitempty"`
	LineID  string `json:"line_id,omitempty"`
	Lang    string `json:"lang,omitempty"`
	// Languages are the languages of the script being played, the spoken
	// one first-class among them (a merchant's lang control, a kiosk's
	// lang message, choose from these).
	Languages []string `json:"languages,omitempty"`
	Product   *Product `json:"product,omitempty"` // the card on screen
	Sale      *Sale    `json:"sale,omitempty"`    // the running flash sale
	Exhibit   *Exhibit `json:"exhibit,omitempty"` // the exhibit in focus
	Recent    []Speech `json:"recent,omitempty"`  // the last few lines, oldest first
	Viewers   int      `json:"viewers,omitempty"`
	// Prices holds the live prices the merchant changed from the script's
	// catalog, by SKU (decimal strings), so a reader of the snapshot (the
	// merchant API checking a typed line) knows every live price.
	Prices map[string]string `json:"prices,omitempty"`
	// AIGC labels the snapshot as AI-generated content (content id: the room).
	AIGC *AIGC `json:"aigc,omitempty"`
	// NextStart is set while a scheduled show is off air between windows:
	// when the next window starts (see ShowStatus.NextStart).
	NextStart *Time `json:"next_start,omitempty"`
}

// AIGC is the implicit, machine-readable label of AI-generated content
// that GB 45438-2025 asks for in the content's metadata: that it is
// AI-generated, who produced it, and an id for this piece of content. It
// travels in the data of every speech and reply event (ContentID
// "room/seq"), and in hello, the state snapshot and the exported record
// (ContentID the room).
type AIGC struct {
	Label     string `json:"label"`      // always AIGCLabel
	Producer  string `json:"producer"`   // always AIGCProducer
	ContentID string `json:"content_id"` // "room/seq" of the event, or the room
}

// The values of an AIGC label.
const (
	AIGCLabel    = "AI-generated"
	AIGCProducer = "avatarcast"
)

// MarkAI returns the AI-generated label of content id.
func MarkAI(contentID string) *AIGC {
	return &AIGC{Label: AIGCLabel, Producer: AIGCProducer, ContentID: contentID}
}

// EventContentID is the AIGC content id of event seq of room r: "r/seq".
func EventContentID(r RoomID, seq uint64) string {
	return string(r) + "/" + strconv.FormatUint(seq, 10)
}

// ShowStatus is the payload of show.start, show.pause, show.resume and show.end.
type ShowStatus struct {
	Show   string `json:"show"`
	Title  string `json:"title,omitempty"`
	Reason string `json:"reason,omitempty"` // on show.pause and show.end: ReasonMerchant, ReasonScriptLoop, ReasonSchedule...; on show.start: ReasonSchedule if a window started it
	// Provenance says what is played and by whom: set on show.start and
	// show.resume, so the record of a show says where it came from.
	Provenance *Provenance `json:"provenance,omitempty"`
	// NextStart, on a show.end for ReasonSchedule, is when the room's next
	// window starts (absent: none to come). NextEnd, on a show.start of a
	// scheduled room, is when its window ends (absent: open-ended).
	NextStart *Time `json:"next_start,omitempty"`
	NextEnd   *Time `json:"next_end,omitempty"`
}

// Provenance is where a show came from: whose it is, which script version
// plays, and who presents it under which licences.
type Provenance struct {
	Merchant string   `json:"merchant"`
	Show     string   `json:"show"`
	Version  uint64   `json:"version"`
	Persona  string   `json:"persona"`
	Voice    string   `json:"voice,omitempty"`
	Licences []string `json:"licences,omitempty"` // likeness licence ids; none for a wholly synthetic persona
	Person   string   `json:"person,omitempty"`   // whose likeness, if any
}

// ReasonMerchant is the reason of a show.pause or show.end the merchant
// asked for (the room's status became RoomPaused or RoomStopped).
const ReasonMerchant = "merchant"

// ReasonScriptLoop is the reason of the show.end a director publishes when
// the script ran director.MaxSilentSteps steps without speaking or waiting:
// it stopped the show rather than spin. AuditScriptLoop is the action of the
// audit record it writes for the room's merchant then.
const (
	ReasonScriptLoop = "script_loop"
	AuditScriptLoop  = "show.script_loop"
)

// Speech is one spoken line. Words and Visemes are offsets from the moment the
// event is received, in ms; see docs/speech-timing.md.
type Speech struct {
	LineID     string   `json:"line_id"`
	Text       string   `json:"text"`
	Lang       string   `json:"lang"`
	Emotion    string   `json:"emotion,omitempty"`
	DurationMS int      `json:"duration_ms"`
	Words      []Word   `json:"words"`
	Visemes    []Viseme `json:"visemes"`
	// Audio is the URL of the line's rendered speech (/audio/KEY.ogg, Ogg
	// Opus), absent when the line has none (no voice worker, a failed
	// render): then pages speak it with the browser's own voice or stay
	// silent. With audio, DurationMS is the audio's and the audio's clock
	// drives words and visemes.
	Audio string `json:"audio,omitempty"`
	// Timing says where Words, Visemes and cue times come from:
	// TimingSynth (the synthesiser's own events) or TimingEstimate (the
	// text, scaled to the audio when there is audio). Absent means
	// TimingEstimate without audio, as before there were voices.
	Timing string `json:"timing,omitempty"`
	// Translations holds the line in the script's other languages, by
	// language tag (placeholders filled, cue marks stripped), so each
	// viewer's page can show subtitles in its own language while one
	// language is spoken. Absent for lines that exist in one language only
	// (a merchant's typed line).
	Translations map[string]string `json:"translations,omitempty"`
	// AIGC labels the line as AI-generated; ContentID is the event's
	// "room/seq". Set on every line the director speaks.
	AIGC *AIGC `json:"aigc,omitempty"`
}

// SpeechCut says the line LineID stops AtMS ms after its speech event's
// start, at the end of its word Word (an index in Speech.Words), instead of
// at DurationMS: the merchant typed a line to be spoken now (PlaceNow).
// Pages stop the line's audio, subtitle and mouth there; the next speech
// event follows at once.
type SpeechCut struct {
	LineID string `json:"line_id"`
	AtMS   int    `json:"at_ms"`
	Word   int    `json:"word"`
}

// The timing sources of a Speech (Speech.Timing).
const (
	TimingSynth    = "synth"    // from the synthesiser's word, phoneme and mark events
	TimingEstimate = "estimate" // estimated from the text (avatar/speech)
)

// Word is one word or CJK character group of a spoken line.
type Word struct {
	Text    string `json:"text"`
	Offset  int    `json:"offset"` // byte offset in Speech.Text
	StartMS int    `json:"start_ms"`
	EndMS   int    `json:"end_ms"`
}

// Viseme is a mouth shape held from AtMS until the next one.
type Viseme struct {
	V    string `json:"v"`
	AtMS int    `json:"at_ms"`
}

// Expression is a facial expression.
type Expression struct {
	Name string `json:"name"`
}

// Gesture is a body gesture.
type Gesture struct {
	Name string `json:"name"`
}

// Product is a product card. Prices are decimal strings in Currency, so no
// float rounding reaches a price tag.
type Product struct {
	SKU       string   `json:"sku"`
	Title     string   `json:"title"`
	Price     string   `json:"price"`
	ListPrice string   `json:"list_price"`
	Currency  string   `json:"currency"`
	Stock     int      `json:"stock"`
	Image     string   `json:"image,omitempty"`
	Points    []string `json:"points,omitempty"`
	// Wanted is about how many distinct viewers sent an add-to-cart intent
	// for the product ("1,203 want this"); intents never change Stock.
	Wanted int `json:"wanted,omitempty"`
}

// Sale is a flash sale: its price holds until Ends or until Stock runs out.
type Sale struct {
	ID       string `json:"id"`
	SKU      string `json:"sku"`
	Price    string `json:"price"`
	Currency string `json:"currency"`
	Stock    int    `json:"stock"`
	Ends     Time   `json:"ends"`
	Reason   string `json:"reason,omitempty"` // on sale.end: SaleEndTime, SaleEndSoldOut or SaleEndStopped
	// Wanted is about how many distinct viewers sent an add-to-cart intent
	// for the sale's SKU since it started; intents never change Stock.
	Wanted int `json:"wanted,omitempty"`
}

// CartOK tells one viewer (seq 0) that its add-to-cart intent was counted
// as interest. It is not an order: stock changes only by the merchant.
type CartOK struct {
	SKU string `json:"sku"`
}

// StockLevel is a product's live stock after a merchant's stock control
// or an order from the merchant's commerce platform.
type StockLevel struct {
	SKU   string `json:"sku"`
	Stock int    `json:"stock"`
}

// Checkpoint is the payload of a checkpoint event: empty. What the event
// saves is in its cursor header (HeaderCursor), the director's own.
type Checkpoint struct{}

// Coupon is a coupon handed out to viewers.
type Coupon struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Discount string `json:"discount"`
	MinSpend string `json:"min_spend,omitempty"`
	Currency string `json:"currency"`
	Count    int    `json:"count"`
}

// Reply is the avatar answering one viewer's question. Viewer is the
// asker's id, for its page to know the reply is its own; it is never
// spoken. Name is the display name the avatar addressed, empty when it
// addressed the viewer generically ("A viewer asks…"). Question is masked
// with the room's blocked words, as comments are.
type Reply struct {
	Viewer   string `json:"viewer"`
	Name     string `json:"name,omitempty"`
	Question string `json:"question"`
	FAQ      string `json:"faq,omitempty"` // the matched FAQ entry
	// Source says where the answer's words come from: ReplySourceFAQ,
	// ReplySourceFallback or ReplySourceModel (a language model wrote
	// them, and the guard passed them); Model names the model.
	Source string `json:"source,omitempty"`
	Model  string `json:"model,omitempty"`
	Speech Speech `json:"speech"`
	// AIGC labels the reply as AI-generated (as its Speech.AIGC, which
	// carries the same label), at the top of the data for readers that do
	// not look into speech.
	AIGC *AIGC `json:"aigc,omitempty"`
}

// Exhibit is the exhibit a museum avatar turns to.
type Exhibit struct {
	ID      string   `json:"id"`
	Title   string   `json:"title"`
	Era     string   `json:"era,omitempty"`
	Image   string   `json:"image,omitempty"`
	Options []Option `json:"options,omitempty"`
}

// Option is a tap-to-ask choice shown with an exhibit.
type Option struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

// Idle says nothing scripted is due; renderers play an attract loop.
type Idle struct {
	Reason string `json:"reason,omitempty"`
}

// Viewers is the approximate number of viewers in a room.
type Viewers struct {
	Count int `json:"count"`
}

// Comment is a viewer comment shown to the room after moderation.
type Comment struct {
	Viewer   string `json:"viewer"`
	Name     string `json:"name,omitempty"`
	Text     string `json:"text"`
	Platform string `json:"platform,omitempty"` // the livestream platform it came from, if a bridge brought it
}

// Notice is a banner a merchant pushes at once.
type Notice struct {
	Text string `json:"text"`
	Ref  string `json:"ref,omitempty"`
}

// Error tells one viewer what was wrong with what it sent; the room goes on.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes sent to viewers.
const (
	CodeBadFrame    = "bad_frame"    // not JSON, or not an object with a type
	CodeUnknownType = "unknown_type" // a type viewers may not send
	CodeBadField    = "bad_field"    // a field missing, of the wrong type or too long
	CodeTooLarge    = "too_large"    // frame over the size limit
	CodeRateLimited = "rate_limited" // too many messages
	CodeBadName     = "bad_name"     // "data.name" refused: see ParseName; the message is not taken
	CodeInternal    = "internal"
	// CodeBadUTF8 opens the reason of the 1007 close that ends a socket
	// whose text frame is not UTF-8 (RFC 6455 8.1): never an error frame,
	// since the bytes would otherwise reach other viewers as U+FFFD.
	CodeBadUTF8 = "bad_utf8"
)

// NewPayload returns a pointer to a new zero payload of event type t, ready
// to decode Envelope.Data into, or nil for a type this version does not know.
func NewPayload(t EventType) any {
	switch t {
	case EventHello:
		return new(Hello)
	case EventShowStart, EventShowPause, EventShowResume, EventShowEnd:
		return new(ShowStatus)
	case EventSpeech:
		return new(Speech)
	case EventSpeechCut:
		return new(SpeechCut)
	case EventExpression:
		return new(Expression)
	case EventGesture:
		return new(Gesture)
	case EventProductShow, EventProductHide:
		return new(Product)
	case EventSaleStart, EventSaleUpdate, EventSaleEnd:
		return new(Sale)
	case EventCoupon:
		return new(Coupon)
	case EventReply:
		return new(Reply)
	case EventExhibit:
		return new(Exhibit)
	case EventIdle:
		return new(Idle)
	case EventViewers:
		return new(Viewers)
	case EventComment:
		return new(Comment)
	case EventNotice:
		return new(Notice)
	case EventError:
		return new(Error)
	case EventResume:
		return new(Resume)
	case EventPong:
		return new(Pong)
	case EventCartOK:
		return new(CartOK)
	case EventStock:
		return new(StockLevel)
	case EventCheckpoint:
		return new(Checkpoint)
	}
	return nil
}

// Resume tells a reconnecting viewer how its since=N was served. Recovered
// false means events after N are gone (beyond retention): the viewer gets the
// current State instead and must not assume it saw everything.
type Resume struct {
	Since     uint64 `json:"since"`
	Recovered bool   `json:"recovered"`
	State     *State `json:"state,omitempty"`
}

// Pong answers a viewer's ping.
type Pong struct{}
