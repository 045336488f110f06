package director

import (
	"fmt"
	"maps"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// maxSays bounds the merchant's typed lines waiting to be spoken.
const maxSays = 8

// onControl applies a merchant control: notice, stock, price and order at
// once, the others at the next line boundary. Every control either takes
// effect (OK) or is refused with an avatar.Refuse* code and a reason: a
// control that would change nothing is refused, never answered ok.
func (e *Engine) onControl(c *avatar.Control) avatar.ControlReply {
	refuse := func(code, format string, args ...any) avatar.ControlReply {
		return avatar.ControlReply{Code: code, Error: fmt.Sprintf(format, args...)}
	}
	if ps := c.Check(); len(ps) > 0 {
		// The contract's rules, as the merchant API checks them.
		if ps[0].Code == "unknown-control" {
			return refuse(avatar.RefuseUnknown, "%s", ps[0].Msg)
		}
		return refuse(avatar.RefuseInvalid, "%s: %s", c.Type, ps[0].Msg)
	}
	ok := avatar.ControlReply{OK: true}
	switch c.Type {
	case avatar.CtlNotice:
		e.emit(avatar.EventNotice, avatar.Notice{Text: c.Text, Ref: c.Ref})
		return ok
	case avatar.CtlStock:
		if e.prog.Show.Product(c.SKU) == nil {
			return refuse(avatar.RefuseInvalid, "stock: no product %q in the catalog", c.SKU)
		}
		if n := e.stockOf(c.SKU); n == *c.Stock {
			return refuse(avatar.RefuseNoChange, "stock: %s already has %d in stock", c.SKU, n)
		}
		e.setLiveStock(c.SKU, *c.Stock)
		ok.Stock = c.Stock
		e.saveState()
		return ok
	case avatar.CtlPrice:
		pr := e.prog.Show.Product(c.SKU)
		if pr == nil {
			return refuse(avatar.RefuseInvalid, "price: no product %q in the catalog", c.SKU)
		}
		m, err := script.ParseMoney(c.Price)
		if err != nil || m <= 0 {
			return refuse(avatar.RefuseInvalid, "price: %q is not a price", c.Price)
		}
		if pr.ListPrice > 0 && m > pr.ListPrice {
			return refuse(avatar.RefuseAboveList, "price: %s is above the list price %s of %s; the script's list price and discount claims would be false (PRC Price Law art. 14)", m, pr.ListPrice, c.SKU)
		}
		if m == e.priceOf(pr) {
			return refuse(avatar.RefuseNoChange, "price: %s already costs %s", c.SKU, m)
		}
		if e.cur.Price == nil {
			e.cur.Price = map[string]script.Money{}
		}
		e.cur.Price[c.SKU] = m
		e.curStr = ""
		// A new map: a saved snapshot shares the old one.
		prices := maps.Clone(e.state.Prices)
		if prices == nil {
			prices = map[string]string{}
		}
		prices[c.SKU] = m.String()
		e.state.Prices = prices
		if card := e.state.Product; card != nil && card.SKU == c.SKU {
			e.act(script.Action{Kind: script.ActShowProduct, Ref: c.SKU})
			return ok
		}
		e.saveState()
		return ok
	case avatar.CtlSay:
		if n := len(e.says) + len(e.queued); n >= maxSays {
			return refuse(avatar.RefuseQueueFull, "say: %d typed lines already wait to be spoken; try again after the next one", n)
		}
		e.placeSay(*c)
		return ok
	case avatar.CtlClear:
		if e.clearInterjections() == 0 {
			return refuse(avatar.RefuseNoChange, "clear: no typed line, answer, narration or thank-you waits to be spoken")
		}
		return ok
	case avatar.CtlSkip:
		if len(e.prog.Show.Segments) == 0 {
			return refuse(avatar.RefuseInvalid, "skip: the show has no segments")
		}
		if e.skip {
			return refuse(avatar.RefusePending, "skip: a skip already waits for the end of the current line")
		}
		if e.cur.Attract && len(e.interlude) == 0 {
			return refuse(avatar.RefuseNoChange, "skip: the tour is over and the kiosk plays its attract loop; there is no segment or narration to leave")
		}
		e.skip = true
		return ok
	case avatar.CtlLang:
		return e.langControl(c)
	case avatar.CtlPitch:
		if e.prog.Show.Product(c.SKU) == nil {
			return refuse(avatar.RefuseInvalid, "pitch: no product %q in the catalog", c.SKU)
		}
		if e.pitch != "" {
			return refuse(avatar.RefusePending, "pitch: %s is already to be pitched at the end of the current line", e.pitch)
		}
		if e.stockOf(c.SKU) == 0 {
			return refuse(avatar.RefuseSoldOut, "pitch: %s is sold out; restock it first", c.SKU)
		}
		if segs := e.prog.Show.Segments; e.cur.Step > 0 && e.cur.Segment < len(segs) && segs[e.cur.Segment].Product == c.SKU {
			return refuse(avatar.RefuseNoChange, "pitch: %s is being pitched now (segment %s)", c.SKU, segs[e.cur.Segment].ID)
		}
		e.pitch = c.SKU
		return ok
	case avatar.CtlSale:
		var s *script.Sale
		if c.SaleID != "" {
			if s = e.prog.Show.Sale(c.SaleID); s == nil {
				return refuse(avatar.RefuseInvalid, "sale: no flash sale %q in the script", c.SaleID)
			}
		} else {
			pr := e.prog.Show.Product(c.SKU)
			if pr == nil {
				return refuse(avatar.RefuseInvalid, "sale: no product %q in the catalog", c.SKU)
			}
			m, err := script.ParseMoney(c.Price)
			if err != nil || m <= 0 {
				return refuse(avatar.RefuseInvalid, "sale: %q is not a price", c.Price)
			}
			if pr.ListPrice > 0 && m > pr.ListPrice {
				return refuse(avatar.RefuseAboveList, "sale: %s is above the list price %s of %s", m, pr.ListPrice, c.SKU)
			}
			s = &script.Sale{ID: "ctl-" + c.SKU, SKU: c.SKU, Price: m, Stock: *c.Stock, Duration: c.Duration}
		}
		if e.saleNow != nil {
			return refuse(avatar.RefusePending, "sale: sale %s already waits for the end of the current line", saleID(e.saleNow))
		}
		if run := e.sale; run != nil && (run.ev.ID == saleID(s) || run.ev.SKU == s.SKU) {
			return refuse(avatar.RefuseAlreadyOn, "sale: flash sale %s of %s is running until %s; it must end first",
				run.ev.ID, run.ev.SKU, run.ends.UTC().Format(time.RFC3339))
		}
		if e.stockOf(s.SKU) == 0 {
			return refuse(avatar.RefuseSoldOut, "sale: %s is sold out; restock it first", s.SKU)
		}
		e.saleNow = s
		return ok
	case avatar.CtlOrder:
		return e.applyOrder(c)
	}
	return refuse(avatar.RefuseUnknown, "unknown control %q", c.Type)
}

// saleID is the ID startSale gives sale s.
func saleID(s *script.Sale) string {
	if s.ID == "" {
		return s.SKU
	}
	return s.ID
}
