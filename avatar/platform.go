package avatar

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Platform events: what a bridge from a livestream platform (Douyin,
// Bilibili, Kuaishou…) sends for a room, in batches, over the merchant
// API (POST /api/v1/rooms/{room}/inputs) or on PlatformSubject. Each event
// is checked as hostile input (PlatformEvent.Check), deduplicated on
// (Platform, MsgID) over a window, and becomes an Input with Platform set
// on the room's director input, as our own viewers' messages do.
const (
	// MaxPlatformBatch is the most events one batch may carry.
	MaxPlatformBatch = 200
	// MaxPlatformMsgID is the longest message id, in bytes.
	MaxPlatformMsgID = 128
	// MaxPlatformUserID is the longest platform user id, in bytes.
	MaxPlatformUserID = 128
	// MaxPlatformText is the longest comment or question, in characters
	// (the same as a viewer's on our own pages).
	MaxPlatformText = 280
	// MaxPlatformLikes is the most likes one like event may carry.
	MaxPlatformLikes = 1000
	// MaxGiftCount is the most gifts one gift event may carry.
	MaxGiftCount = 100000
	// MaxGiftValue bounds a gift's unit value (the platform's smallest unit).
	MaxGiftValue = 1_000_000_000
	// MaxGiftNameRunes is the longest gift name, in characters.
	MaxGiftNameRunes = 32
)

// platformRE is what a platform name may be: one short lower-case token,
// so it is safe as part of a viewer id, a bucket key and a page badge.
var platformRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,15}$`)

// ParsePlatform checks a platform name ("douyin", "bilibili"): 1 to 16 of
// a-z 0-9 _ -, starting with a letter.
func ParsePlatform(s string) (string, error) {
	if !platformRE.MatchString(s) {
		return "", fmt.Errorf("platform %q: must be 1-16 of a-z 0-9 _ -, starting with a letter", s)
	}
	return s, nil
}

// PlatformUser is who did something on the platform: the platform's own
// user id (an opaque token such as Douyin's sec_openid) and display name.
type PlatformUser struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// PlatformEvent is one thing that happened in the platform's room.
// Type is MsgComment, MsgQuestion, MsgLike, MsgGift, MsgFollow, MsgEnter
// or MsgShare; Text is for comments and questions only, Count for likes
// (default 1), Gift for gifts only.
type PlatformEvent struct {
	Platform string       `json:"platform"`
	MsgID    string       `json:"msg_id"`
	Type     MessageType  `json:"type"`
	User     PlatformUser `json:"user"`
	Text     string       `json:"text,omitempty"`
	Count    int          `json:"count,omitempty"`
	Gift     *Gift        `json:"gift,omitempty"`
}

// PlatformBatch is what a bridge sends: at most MaxPlatformBatch events.
type PlatformBatch struct {
	Inputs []PlatformEvent `json:"inputs"`
}

// PlatformStatus says what became of one event of a batch; a wire value.
type PlatformStatus string

// The statuses of a batch's events.
const (
	PlatformTaken     PlatformStatus = "taken"     // passed on to the room
	PlatformDuplicate PlatformStatus = "duplicate" // (platform, msg_id) seen within the window: dropped
	PlatformRefused   PlatformStatus = "refused"   // bad: see Code and Message; never passed on
)

// Codes of refused events and batches; wire values.
const (
	PlatformCodeBadPlatform = "bad-platform"
	PlatformCodeBadMsgID    = "bad-msg-id"
	PlatformCodeBadType     = "bad-type"
	PlatformCodeBadUser     = "bad-user"
	PlatformCodeBadName     = "bad-name"
	PlatformCodeBadText     = "bad-text"
	PlatformCodeBadCount    = "bad-count"
	PlatformCodeBadGift     = "bad-gift"
	PlatformCodeBusy        = "busy"         // not handled in time: send it again
	PlatformCodeRateLimited = "rate_limited" // the whole batch: over the room's rate
	PlatformCodeTooMany     = "too_many"     // the whole batch: over MaxPlatformBatch
	PlatformCodeBadBatch    = "bad_batch"    // the whole batch: not a PlatformBatch
	PlatformCodeNoRoom      = "no_room"      // the whole batch: the room does not exist
)

// PlatformResult is what became of the event at Index of a batch.
type PlatformResult struct {
	Index   int            `json:"index"`
	MsgID   string         `json:"msg_id,omitempty"`
	Status  PlatformStatus `json:"status"`
	Field   string         `json:"field,omitempty"` // refused: the field at fault ("user.name")
	Code    string         `json:"code,omitempty"`
	Message string         `json:"message,omitempty"`
}

// PlatformReply answers a batch: how many events were taken, were
// duplicates or were refused, and each event's result, in order. A batch
// refused whole (rate limited, too many, not a batch) has Error set, a
// PlatformCode, and no results; RetryAfter then says when to send again.
type PlatformReply struct {
	Taken     int              `json:"taken"`
	Duplicate int              `json:"duplicate"`
	Refused   int              `json:"refused"`
	Results   []PlatformResult `json:"results"`
	Error     string           `json:"error,omitempty"`
	Code      string           `json:"code,omitempty"`
	// RetryAfterMS, with Code rate_limited: wait this long (milliseconds).
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
}

// Add counts res in the reply and appends it.
func (r *PlatformReply) Add(res PlatformResult) {
	switch res.Status {
	case PlatformTaken:
		r.Taken++
	case PlatformDuplicate:
		r.Duplicate++
	default:
		r.Refused++
	}
	r.Results = append(r.Results, res)
}

// PlatformProblem is why Check refused an event: the field, a code
// (PlatformCode…) and a message saying what is wrong.
type PlatformProblem struct {
	Field, Code, Message string
}

func (p *PlatformProblem) Error() string { return p.Field + ": " + p.Message }

func platformProblem(field, code, format string, a ...any) *PlatformProblem {
	return &PlatformProblem{Field: field, Code: code, Message: fmt.Sprintf(format, a...)}
}

// Check validates e as hostile input and normalises it in place (trims
// the text and the names, defaults a like's count to 1). It never masks
// blocked words: the caller does that with its Blocklist (MaskPlatform).
func (e *PlatformEvent) Check() *PlatformProblem {
	if _, err := ParsePlatform(e.Platform); err != nil {
		return platformProblem("platform", PlatformCodeBadPlatform, "%v", err)
	}
	if !ValidMsgID(e.MsgID) {
		return platformProblem("msg_id", PlatformCodeBadMsgID, "msg_id must be 1-%d printable ASCII characters without spaces", MaxPlatformMsgID)
	}
	switch e.Type {
	case MsgComment, MsgQuestion, MsgLike, MsgGift, MsgFollow, MsgEnter, MsgShare:
	default:
		return platformProblem("type", PlatformCodeBadType, "type %q: want comment, question, like, gift, follow, enter or share", e.Type)
	}
	if e.User.ID == "" || len(e.User.ID) > MaxPlatformUserID || !printableASCII(e.User.ID) {
		return platformProblem("user.id", PlatformCodeBadUser, "user.id must be 1-%d printable ASCII characters without spaces", MaxPlatformUserID)
	}
	name, err := ParseName(e.User.Name)
	if err != nil {
		return platformProblem("user.name", PlatformCodeBadName, "%v; a name has 1 to %d characters and no control, format or separator characters", err, MaxNameRunes)
	}
	e.User.Name = name
	if e.Type != MsgComment && e.Type != MsgQuestion && e.Text != "" {
		return platformProblem("text", PlatformCodeBadText, "text is only for comment and question, not %s", e.Type)
	}
	if e.Type != MsgLike && e.Count != 0 {
		return platformProblem("count", PlatformCodeBadCount, "count is only for like, not %s", e.Type)
	}
	if e.Type != MsgGift && e.Gift != nil {
		return platformProblem("gift", PlatformCodeBadGift, "gift is only for gift, not %s", e.Type)
	}
	switch e.Type {
	case MsgComment, MsgQuestion:
		if !utf8.ValidString(e.Text) {
			return platformProblem("text", PlatformCodeBadText, "text is not valid UTF-8")
		}
		e.Text = strings.TrimSpace(e.Text)
		switch n := utf8.RuneCountInString(e.Text); {
		case n == 0:
			return platformProblem("text", PlatformCodeBadText, "%s needs text", e.Type)
		case n > MaxPlatformText:
			return platformProblem("text", PlatformCodeBadText, "text is %d characters, at most %d", n, MaxPlatformText)
		}
		if i := strings.IndexFunc(e.Text, hiddenRune); i >= 0 {
			r, _ := utf8.DecodeRuneInString(e.Text[i:])
			return platformProblem("text", PlatformCodeBadText, "text holds control or format character %U at byte %d", r, i)
		}
	case MsgLike:
		if e.Count == 0 {
			e.Count = 1
		}
		if e.Count < 1 || e.Count > MaxPlatformLikes {
			return platformProblem("count", PlatformCodeBadCount, "like count must be 1-%d, got %d", MaxPlatformLikes, e.Count)
		}
	case MsgGift:
		g := e.Gift
		if g == nil {
			return platformProblem("gift", PlatformCodeBadGift, "gift needs gift: {name, count, value}")
		}
		gn, err := ParseName(g.Name)
		if err != nil || gn == "" || utf8.RuneCountInString(gn) > MaxGiftNameRunes {
			return platformProblem("gift.name", PlatformCodeBadGift, "gift.name must be 1-%d characters with no control, format or separator characters", MaxGiftNameRunes)
		}
		g.Name = gn
		if g.Count < 1 || g.Count > MaxGiftCount {
			return platformProblem("gift.count", PlatformCodeBadGift, "gift.count must be 1-%d, got %d", MaxGiftCount, g.Count)
		}
		if g.Value < 0 || g.Value > MaxGiftValue {
			return platformProblem("gift.value", PlatformCodeBadGift, "gift.value must be 0-%d, got %d", MaxGiftValue, g.Value)
		}
	}
	return nil
}

// Input returns e, checked, as the director's input for room r at ts:
// Viewer is "platform:user id", Platform is set.
func (e PlatformEvent) Input(r RoomID, ts time.Time) Input {
	in := Input{
		Room: r, Viewer: e.Platform + ":" + e.User.ID, Type: e.Type, TS: ts, Platform: e.Platform,
		Data: MessageData{Text: e.Text, Name: e.User.Name, Count: e.Count},
	}
	if e.Gift != nil {
		g := *e.Gift
		in.Data.Gift = &g
	}
	return in
}

// MaskPlatform masks f's blocked words in e's display name, text and gift
// name, as the gateway does for our own viewers' messages.
func (f *Blocklist) MaskPlatform(e *PlatformEvent) {
	e.User.Name = f.Mask(e.User.Name)
	e.Text = f.Mask(e.Text)
	if e.Gift != nil {
		e.Gift.Name = f.Mask(e.Gift.Name)
	}
}

// ValidMsgID reports whether id is a valid platform message id: 1 to
// MaxPlatformMsgID printable ASCII characters without spaces.
func ValidMsgID(id string) bool {
	return id != "" && len(id) <= MaxPlatformMsgID && printableASCII(id)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// hiddenRune reports control and format characters (bidi overrides,
// zero-width characters) that would hide or reorder the text around them.
// Emoji joiners (U+200D) are format characters too but harmless in a
// comment, so they pass.
func hiddenRune(r rune) bool {
	if r == '\u200d' {
		return false
	}
	return unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Co, unicode.Cs) ||
		r == '\u2028' || r == '\u2029' || (r >= 0xE0000 && r <= 0xE007F)
}

// RoomBridges is a room's platform bridge settings, kept by the merchant
// API (bus.Platform): the bridge tokens that may post the room's platform
// events, and the Douyin push's app secret.
type RoomBridges struct {
	// Merchant owns the room these settings were made for: a room deleted
	// and made again by another merchant does not inherit them.
	Merchant string        `json:"merchant"`
	Tokens   []BridgeToken `json:"tokens,omitempty"`
	Douyin   *DouyinBridge `json:"douyin,omitempty"`
}

// MaxBridgeTokens is how many bridge tokens one room may have.
const MaxBridgeTokens = 10

// BridgeToken is one bridge token of a room: only its SHA-256 is kept;
// the token itself is shown once, when it is made.
type BridgeToken struct {
	ID      string    `json:"id"`
	Name    string    `json:"name,omitempty"`
	SHA256  string    `json:"sha256"` // lower-case hex
	Created time.Time `json:"created"`
}

// DouyinBridge is what the Douyin live-room data push of a room needs:
// the app secret its signatures are made with (a secret: never logged,
// never answered), and optionally the names of the gift ids it sends.
type DouyinBridge struct {
	Secret    string            `json:"secret"`
	GiftNames map[string]string `json:"gift_names,omitempty"`
	Updated   time.Time         `json:"updated"`
}
