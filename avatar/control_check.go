package avatar

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits on what a merchant sends live, checked by Control.Check.
const (
	MaxSayBytes     = 500 // CtlSay's Text: about 166 Chinese characters
	MaxNoticeBytes  = 840 // CtlNotice's Text: 280 Chinese characters
	MaxNoticeRefLen = 128 // CtlNotice's Ref
	MaxSaleDuration = 24 * time.Hour
)

// A ControlProblem is one field of a Control that breaks the contract:
// Field is its JSON name, Code a short word ("required", "too-long",
// "bad-text", "bad-ref", "bad-stock", "bad-duration", "bad-qty", "bad-placement",
// "unknown-control") and Msg says what is wrong for people.
type ControlProblem struct {
	Field, Code, Msg string
}

// Check reports what is wrong with c whatever script the room plays: the
// fields its type needs, typed text a page can show, limits on stock,
// duration and quantity. Rules that need the script or the live show
// (which SKUs, sales and languages exist, prices against the list price)
// are checked where those are known. The merchant API and the director
// both call Check, so a control is refused by the same rule on both sides
// of NATS. It returns nil when c is good.
func (c Control) Check() []ControlProblem {
	var ps []ControlProblem
	bad := func(field, code, format string, args ...any) {
		ps = append(ps, ControlProblem{Field: field, Code: code, Msg: fmt.Sprintf(format, args...)})
	}
	need := func(field, v string) {
		if v == "" {
			bad(field, "required", "%s is required", field)
		}
	}
	text := func(max int) {
		n := len(strings.TrimSpace(c.Text))
		switch {
		case n == 0:
			bad("text", "required", "text is required")
		case n > max:
			bad("text", "too-long", "text may be at most %d bytes of UTF-8 (a Chinese character takes 3), not %d", max, n)
		case !utf8.ValidString(c.Text):
			bad("text", "bad-text", "text is not valid UTF-8")
		case strings.ContainsFunc(c.Text, unicode.IsControl):
			bad("text", "bad-text", "text may not hold control characters such as line breaks")
		default:
			if err := CheckDisplayText(c.Text); err != nil {
				bad("text", "bad-text", "text: %v", err)
			}
		}
	}
	switch c.Placement {
	case "", PlaceNext, PlaceQueue, PlaceNow:
		if c.Placement != "" && c.Type != CtlSay {
			bad("placement", "bad-placement", "placement is for say only, not %s", c.Type)
		}
	default:
		bad("placement", "bad-placement", "placement %q is not one of next, queue, now", c.Placement)
	}
	switch c.Type {
	case CtlSkip, CtlClear:
	case CtlPitch:
		need("sku", c.SKU)
	case CtlStock:
		need("sku", c.SKU)
		if c.Stock == nil || *c.Stock < 0 {
			bad("stock", "bad-stock", "stock must be a whole number from 0")
		}
	case CtlPrice:
		need("sku", c.SKU)
		need("price", c.Price)
	case CtlSale:
		if c.SaleID != "" {
			break // a sale of the script: it has the rest
		}
		need("sku", c.SKU)
		need("price", c.Price)
		if c.Stock == nil || *c.Stock <= 0 {
			bad("stock", "bad-stock", "stock must be a whole number from 1")
		}
		if c.Duration <= 0 || c.Duration > MaxSaleDuration {
			bad("duration", "bad-duration", "duration %s must be above 0 and at most %s", c.Duration, MaxSaleDuration)
		}
	case CtlSay:
		text(MaxSayBytes)
	case CtlNotice:
		text(MaxNoticeBytes)
		if len(c.Ref) > MaxNoticeRefLen {
			bad("ref", "too-long", "ref may be at most %d bytes", MaxNoticeRefLen)
		} else if err := CheckDisplayText(c.Ref); err != nil {
			bad("ref", "bad-ref", "ref: %v", err)
		}
	case CtlLang:
		if c.Lang == "" {
			bad("lang", "required", "lang is required, one of the script's languages")
		}
	case CtlOrder:
		need("sku", c.SKU)
		need("order_id", c.OrderID)
		if c.Qty <= 0 {
			bad("qty", "bad-qty", "qty must be a whole number from 1")
		}
	default:
		bad("type", "unknown-control", "unknown control %q", c.Type)
	}
	return ps
}
