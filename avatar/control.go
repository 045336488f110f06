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
	CtlSay    ControlType = "say"    // speak Text (in Lang) as the next line
	CtlNotice ControlType = "notice" // show a banner: Text, Ref
	CtlLang   ControlType = "lang"   // speak Lang, one of the script's languages, from the next line
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
	TS       time.Time     `json:"ts"`
}

// ControlReply is the director's answer to a Control.
type ControlReply struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Seq   uint64 `json:"seq,omitempty"` // the room's last seq when applied
}
