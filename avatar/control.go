package avatar

import "time"

// ControlType is a merchant's live control of a room; part of the contract
// between the merchant API and the director.
type ControlType string

// Live controls, sent as a NATS request on ControlSubject; the director
// playing the room answers with a ControlReply (no responder: no director
// plays the room). Show controls take effect at the next line boundary;
// stock, price and notice at once.
//
// A room's lifecycle is not a control: start, pause, resume, stop and the
// script version it plays are its Room record's Status and Version in the
// rooms bucket, which every director watches, so they survive restarts and
// takeovers.
const (
	CtlSkip   ControlType = "skip"   // leave the current segment
	CtlPitch  ControlType = "pitch"  // pitch SKU next
	CtlSale   ControlType = "sale"   // start flash sale SaleID (or of SKU at Price, Stock, Duration) now
	CtlStock  ControlType = "stock"  // set SKU's stock to Stock
	CtlPrice  ControlType = "price"  // set SKU's price to Price
	CtlSay    ControlType = "say"    // speak Text (in Lang) where Placement says
	CtlNotice ControlType = "notice" // show a banner: Text, Ref
	// CtlOrder applies a paid order from the merchant's commerce platform:
	// Qty units of SKU leave the stock, once per OrderID (see OrdersBucket).
	CtlOrder ControlType = "order"
	CtlLang  ControlType = "lang" // speak Lang, one of the script's languages, from the next line
	// CtlClear drops the interjections waiting for the next line boundary:
	// the merchant's typed lines, viewers' answers still to be spoken,
	// tapped narration and a thank-you. Sell-out announcements stay.
	CtlClear ControlType = "clear"
)

// Placement says where a CtlSay's typed line goes (Control.Placement).
type Placement string

// Where a typed line is spoken; "" is PlaceNext.
const (
	// PlaceNext: after the current line, before other interjections and
	// behind typed lines already placed next.
	PlaceNext Placement = "next"
	// PlaceQueue: at the end of the queue, after the viewers' answers and
	// sell-out announcements already waiting.
	PlaceQueue Placement = "queue"
	// PlaceNow: the current line is cut at its next word boundary (a
	// speech.cut event says where), the typed line follows at once, then
	// the show goes on with what followed the cut line.
	PlaceNow Placement = "now"
)

// Control is one merchant control of one room.
type Control struct {
	Type     ControlType   `json:"type"`
	Room     RoomID        `json:"room"`
	By       string        `json:"by"` // merchant ID, for the record
	SKU      string        `json:"sku,omitempty"`
	Stock    *int          `json:"stock,omitempty"`
	Price    string        `json:"price,omitempty"` // decimal, "79.00"
	SaleID   string        `json:"sale_id,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
	Text     string        `json:"text,omitempty"`
	Lang     string        `json:"lang,omitempty"`
	Ref      string        `json:"ref,omitempty"`
	OrderID  string        `json:"order_id,omitempty"` // CtlOrder: the idempotency key's digest
	Qty      int           `json:"qty,omitempty"`      // CtlOrder: units ordered
	// Placement is where a CtlSay's line goes; "" is PlaceNext.
	Placement Placement `json:"placement,omitempty"`
	TS        time.Time `json:"ts"`
}

// ControlReply is the director's answer to a Control: it took effect (OK),
// or it was refused with a Code saying why and an Error for people.
type ControlReply struct {
	OK    bool   `json:"ok"`
	Code  string `json:"code,omitempty"` // a Refuse* value when refused
	Error string `json:"error,omitempty"`
	Seq   uint64 `json:"seq,omitempty"` // the room's last seq when applied
	// Stock is the SKU's live stock after a CtlOrder or CtlStock.
	Stock *int `json:"stock,omitempty"`
	// Replayed is true when a CtlOrder had already been applied: nothing
	// changed this time, and Stock is the stock the order left.
	Replayed bool `json:"replayed,omitempty"`
}

// Why a director refuses a control (ControlReply.Code). Every control either
// takes effect or is refused with one of these; none is a silent no-op.
const (
	RefuseInvalid    = "invalid"         // a field is missing or wrong (unknown SKU, bad price...)
	RefuseNoChange   = "no_change"       // it would change nothing: the value is already so
	RefuseAlreadyOn  = "already_on_sale" // that flash sale, or a sale of that SKU, is already running
	RefusePending    = "pending"         // the same control already waits for the next line boundary
	RefuseSoldOut    = "sold_out"        // the product has no stock left
	RefuseOutOfStock = "out_of_stock"    // an order for more than the stock left
	RefuseAboveList  = "above_list"      // a price above the product's list price
	RefuseQueueFull  = "queue_full"      // too many typed lines wait to be spoken
	RefuseBusy       = "busy"            // the director is too far behind; try again
	RefuseUnknown    = "unknown_control" // a control type this director does not know
)
