package script

import "time"

// Kind is what a show is for.
type Kind string

const (
	KindLivestream Kind = "livestream" // a sale hosted by the avatar
	KindMuseum     Kind = "museum"     // a kiosk tour of exhibits
)

// Pos is where something stands in a script file; Line and Col count from 1.
type Pos struct {
	File      string
	Line, Col int
}

// Text is one piece of text in several languages, keyed by BCP 47 tag ("zh-CN", "en").
type Text map[string]string

// Get returns the text in lang, falling back to fallback and then to any language.
func (t Text) Get(lang, fallback string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t[fallback]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Money is an amount in hundredths of the currency unit (fen, cents), so that
// prices compare exactly.
type Money int64

// Show is a parsed and validated show script. The director treats it as
// read-only, so one *Show may be shared by many rooms.
type Show struct {
	ID      string
	Kind    Kind
	Title   Text
	Persona string // persona ID, see configs/personas.yaml
	// PersonaPos is where the script names its persona (the persona: key),
	// for problems about the persona's licences.
	PersonaPos Pos
	Languages  []string // declared languages; the first is the default
	Vars       []Var
	Catalog    []Product
	Coupons    []Coupon
	Sales      []Sale // flash sales, started by a [sale:ID] cue or a sale step
	Exhibits   []Exhibit
	FAQ        []FAQ
	// Fallback lines answer a viewer's question that no FAQ entry matched
	// (and that a model, if any, could not answer); variants rotate, never
	// the same twice in a row. Filler lines are said while a model thinks.
	Fallback []Line
	Filler   []Line
	// AI turns on model answers for unmatched questions; nil: off.
	AI *AI
	// Thanks are the thank-yous for platform viewers' gifts, follows,
	// entries, likes and shares; nil: only the built-in like thank-you.
	Thanks   *Thanks
	Idle     []Line    // attract lines spoken when nothing else is due
	Segments []Segment // played in order, then the show loops from the first
	Acks     []Ack     // acknowledged lint findings, recorded
	Pos      Pos

	// at maps offsets inside texts back to the file (see TextPos); nil
	// for a Show not made by Parse.
	at *positions
}

// Var is a show variable with its initial value. Built-in variables (stock of
// a SKU, viewer count) need no declaration.
type Var struct {
	Name  string
	Value int64
	Pos   Pos
}

// Product is one catalog entry.
type Product struct {
	SKU       string
	Title     Text
	Price     Money
	ListPrice Money
	Currency  string // ISO 4217, "CNY"
	Stock     int
	Image     string
	Points    map[string][]string // selling points per language
	Pos       Pos
}

// Coupon is a coupon the avatar can hand out.
type Coupon struct {
	ID       string
	Title    Text
	Discount Money // amount off
	MinSpend Money
	Count    int
	Pos      Pos
}

// Sale is a flash sale of one product.
type Sale struct {
	ID       string // referenced by [sale:ID] cues and sale steps
	SKU      string
	Price    Money
	Stock    int
	Duration time.Duration
	Pos      Pos
}

// Exhibit is one museum exhibit.
type Exhibit struct {
	ID        string
	Title     Text
	Era       Text
	Image     string
	Narration []Line
	Options   []Option // tap-to-ask choices
	Pos       Pos
}

// Option is one tap-to-ask choice shown beside an exhibit.
type Option struct {
	ID    string
	Label Text
	Lines []Line
	Pos   Pos
}

// FAQ is one viewer question the avatar can answer.
type FAQ struct {
	ID     string
	Match  map[string][]string // keywords or phrases per language
	Answer []Line
	Pos    Pos
}

// AI is a show's model settings (the ai: block). The endpoint itself (URL,
// key) is the operator's, from the environment, never the script's.
type AI struct {
	Enabled bool
	// Endpoint names the operator's endpoint: only "default" for now.
	Endpoint string
	// Model overrides the operator's default model; "" keeps it.
	Model   string
	Timeout time.Duration // 0: the operator's
	// CallsPerMinute and TokensPerHour are the room's budget (0: defaults).
	CallsPerMinute, TokensPerHour int
	// OtherProducts are the merchant's products not sold in this show:
	// an answer naming one is refused.
	OtherProducts []string
	Pos           Pos
}

// AI limits checked by the parser.
const (
	AIMinTimeout        = time.Second
	AIMaxTimeout        = 30 * time.Second
	AIMaxCallsPerMinute = 60
	AIMinTokensPerHour  = 1000
	AIMaxTokensPerHour  = 1000000
	AIEndpointDefault   = "default"
)

// Order says how a segment walks its steps.
type Order string

const (
	OrderSequence Order = "sequence" // in the written order (the default)
	OrderShuffle  Order = "shuffle"  // every step once per pass, in a new order each pass, never the same line twice in a row
	OrderCycle    Order = "cycle"    // in order, continuing where the last pass stopped
)

// Segment is one named part of a show: a greeting, a product pitch, an exhibit.
type Segment struct {
	ID      string
	Product string // SKU pitched: its card is shown when the segment starts
	Exhibit string // exhibit focused when the segment starts
	Order   Order
	Steps   []Step
	Pos     Pos
}

// StepKind tells which field of a Step is set.
type StepKind string

const (
	StepSay    StepKind = "say"
	StepPause  StepKind = "pause"
	StepAction StepKind = "action" // Action fires
	StepIf     StepKind = "if"     // If holds → Goto
	StepGoto   StepKind = "goto"
	StepSet    StepKind = "set"
)

// Step is one thing a segment does.
type Step struct {
	Kind   StepKind
	Line   *Line         // StepSay
	Pause  time.Duration // StepPause
	Action *Action       // StepAction
	If     *Cond         // StepIf
	Goto   string        // StepIf, StepGoto: segment ID
	Set    *Assign       // StepSet
	Pos    Pos
}

// Line is one spoken line. Its ID is stable across edits and translations, so
// a record can say exactly which line was spoken.
type Line struct {
	ID      string
	Say     map[string]Utterance // per language
	Emotion string
	Gesture string
	Pos     Pos
}

// Utterance is a line's text in one language with its cue marks taken out.
type Utterance struct {
	Text string // what is spoken, cue marks removed
	Cues []Cue
	Pos  Pos
}

// Cue fires Action when speech reaches byte offset At of Utterance.Text.
type Cue struct {
	At     int
	Action Action
	Pos    Pos
}

// ActionKind names what an Action does.
type ActionKind string

const (
	ActShowProduct ActionKind = "show"    // Ref: SKU
	ActHideProduct ActionKind = "hide"    // Ref: SKU
	ActSale        ActionKind = "sale"    // Sale set
	ActCoupon      ActionKind = "coupon"  // Ref: coupon ID
	ActFocus       ActionKind = "focus"   // Ref: exhibit ID
	ActExpression  ActionKind = "express" // Ref: expression name
	ActGesture     ActionKind = "gesture" // Ref: gesture name
)

// Action is an avatar event a step or cue fires.
type Action struct {
	Kind ActionKind
	Ref  string
	Sale *Sale
}

// Cond compares a variable with a value: "stock(tea-01) < 10", "viewers >= 100".
type Cond struct {
	Var   string // "stock(SKU)", "viewers", or a declared Var name
	Op    string // one of < <= > >= == !=
	Value int64
}

// Assign sets a variable: "set: {var: round, add: 1}" or "{var: round, value: 0}".
type Assign struct {
	Var   string
	Value int64
	Add   bool // Value is added rather than assigned
}

// Ack is a merchant's written acknowledgement of one lint finding on one line.
type Ack struct {
	Code   string
	LineID string
	Reason string
	Pos    Pos
}

// ThankKind is a platform event a show may thank viewers for; the values
// are the viewer message types (avatar.MsgGift…) and the thanks: keys.
type ThankKind string

const (
	ThankGift   ThankKind = "gift"
	ThankFollow ThankKind = "follow"
	ThankEnter  ThankKind = "enter"
	ThankLike   ThankKind = "like"
	ThankShare  ThankKind = "share"
)

// ThankKinds are the kinds a thanks: section may hold, in the order the
// director prefers them when two are due since the same moment.
var ThankKinds = []ThankKind{ThankGift, ThankFollow, ThankShare, ThankLike, ThankEnter}

// Thanks is a show's thanks: section: one rule per kind of event thanked.
type Thanks struct {
	// Names is how many viewer names one thank-you speaks at most
	// (1–ThanksMaxNames; default ThanksDefaultNames). Everything of a kind
	// that arrived since its last thank-you is thanked in one line.
	Names int
	// Someone is what {name} says, per language, when no name can be
	// spoken; nil or a missing language: the built-in words (这位朋友,
	// "friend", …).
	Someone Text
	Rules   []ThankRule // in file order, at most one per kind
	Pos     Pos

	someoneAt map[string]Pos // where each language's Someone is written
}

// Rule returns the rule of kind k, or nil if the show does not thank it.
func (t *Thanks) Rule(k ThankKind) *ThankRule {
	if t == nil {
		return nil
	}
	for i := range t.Rules {
		if t.Rules[i].Kind == k {
			return &t.Rules[i]
		}
	}
	return nil
}

// ThankRule says when and how viewers are thanked for one kind of event.
type ThankRule struct {
	Kind ThankKind
	// Min is the threshold: for gifts, the least worth (count × value, in
	// the platform's own units) a gift must have to be thanked; for likes,
	// how many likes must have come since the last like thank-you. 1 for
	// the other kinds.
	Min int64
	// Cooldown is the least time between two thank-yous of this kind;
	// what arrives meanwhile is thanked in the next one.
	Cooldown time.Duration
	// Lines are the variants; they rotate, never the same twice in a row.
	Lines []Line
	Pos   Pos
}

// Thanks limits and defaults checked by the parser.
const (
	ThanksMaxNames     = 5
	ThanksDefaultNames = 3
	ThanksMaxCooldown  = time.Hour
)

// ThanksDefaultCooldown is the cooldown of a kind whose rule sets none.
var ThanksDefaultCooldown = map[ThankKind]time.Duration{
	ThankGift: 5 * time.Second, ThankFollow: 20 * time.Second, ThankShare: 20 * time.Second,
	ThankLike: 30 * time.Second, ThankEnter: 30 * time.Second,
}

// ThanksVars are the variables a thank-you line of each kind may hold:
// {name} the viewers thanked, {count} how many (gifts: how many gifts;
// likes: how many likes; others: how many events), {gift} the gifts'
// names and {total} their summed worth in the platform's units.
var ThanksVars = map[ThankKind][]string{
	ThankGift:   {"name", "gift", "count", "total"},
	ThankFollow: {"name", "count"},
	ThankEnter:  {"name", "count"},
	ThankLike:   {"name", "count"},
	ThankShare:  {"name", "count"},
}
