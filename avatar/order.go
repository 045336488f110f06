package avatar

import "time"

// Order is what an order from a merchant's commerce platform did, kept in
// OrdersBucket under OrderKey so a replayed webhook answers the same and
// takes no stock twice.
type Order struct {
	OrderID   string    `json:"order_id"` // the platform's idempotency key
	SKU       string    `json:"sku"`
	Qty       int       `json:"qty"`
	Done      bool      `json:"done"` // false: being applied
	Stock     int       `json:"stock,omitempty"`
	Seq       uint64    `json:"seq,omitempty"` // the room event that applied it
	At        time.Time `json:"at"`
	RequestID string    `json:"request_id,omitempty"`
}
