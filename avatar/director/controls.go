package director

import (
	"context"
	"fmt"
	"strings"
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
func (p *Player) onControl(ctx context.Context, c *avatar.Control) (avatar.ControlReply, error) {
	refuse := func(code, format string, args ...any) (avatar.ControlReply, error) {
		return avatar.ControlReply{Code: code, Error: fmt.Sprintf(format, args...)}, nil
	}
	ok := avatar.ControlReply{OK: true}
	switch c.Type {
	case avatar.CtlNotice:
		if strings.TrimSpace(c.Text) == "" {
			return refuse(avatar.RefuseInvalid, "notice: empty text")
		}
		return ok, p.emit(ctx, avatar.EventNotice, avatar.Notice{Text: c.Text, Ref: c.Ref})
	case avatar.CtlStock:
		if p.prog.products[c.SKU] == nil {
			return refuse(avatar.RefuseInvalid, "stock: no product %q in the catalog", c.SKU)
		}
		if c.Stock == nil || *c.Stock < 0 {
			return refuse(avatar.RefuseInvalid, "stock: give a stock of 0 or more")
		}
		if n := p.stockOf(c.SKU); n == *c.Stock {
			return refuse(avatar.RefuseNoChange, "stock: %s already has %d in stock", c.SKU, n)
		}
		if err := p.setLiveStock(ctx, c.SKU, *c.Stock); err != nil {
			return ok, err
		}
		ok.Stock = c.Stock
		return ok, p.saveState(ctx)
	case avatar.CtlPrice:
		pr := p.prog.products[c.SKU]
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
		if m == p.priceOf(pr) {
			return refuse(avatar.RefuseNoChange, "price: %s already costs %s", c.SKU, m)
		}
		if p.cur.Price == nil {
			p.cur.Price = map[string]script.Money{}
		}
		p.cur.Price[c.SKU] = m
		p.curStr = ""
		if p.state.Prices == nil {
			p.state.Prices = map[string]string{}
		}
		p.state.Prices[c.SKU] = formatMoney(m)
		if card := p.state.Product; card != nil && card.SKU == c.SKU {
			return ok, p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: c.SKU})
		}
		return ok, p.saveState(ctx)
	case avatar.CtlSay:
		if strings.TrimSpace(c.Text) == "" || len(c.Text) > maxSayText {
			return refuse(avatar.RefuseInvalid, "say: text must be 1 to %d bytes", maxSayText)
		}
		if len(p.says) >= maxSays {
			return refuse(avatar.RefuseQueueFull, "say: %d typed lines already wait to be spoken; try again after the next one", len(p.says))
		}
		p.says = append(p.says, *c)
		return ok, nil
	case avatar.CtlSkip:
		if len(p.prog.Show.Segments) == 0 {
			return refuse(avatar.RefuseInvalid, "skip: the show has no segments")
		}
		if p.skip {
			return refuse(avatar.RefusePending, "skip: a skip already waits for the end of the current line")
		}
		if p.cur.Attract && len(p.interlude) == 0 {
			return refuse(avatar.RefuseNoChange, "skip: the tour is over and the kiosk plays its attract loop; there is no segment or narration to leave")
		}
		p.skip = true
		return ok, nil
	case avatar.CtlLang:
		return p.langControl(c)
	case avatar.CtlPitch:
		if p.prog.products[c.SKU] == nil {
			return refuse(avatar.RefuseInvalid, "pitch: no product %q in the catalog", c.SKU)
		}
		if p.pitch != "" {
			return refuse(avatar.RefusePending, "pitch: %s is already to be pitched at the end of the current line", p.pitch)
		}
		if p.stockOf(c.SKU) == 0 {
			return refuse(avatar.RefuseSoldOut, "pitch: %s is sold out; restock it first", c.SKU)
		}
		if segs := p.prog.Show.Segments; p.cur.Step > 0 && p.cur.Segment < len(segs) && segs[p.cur.Segment].Product == c.SKU {
			return refuse(avatar.RefuseNoChange, "pitch: %s is being pitched now (segment %s)", c.SKU, segs[p.cur.Segment].ID)
		}
		p.pitch = c.SKU
		return ok, nil
	case avatar.CtlSale:
		var s *script.Sale
		if c.SaleID != "" {
			if s = p.prog.sales[c.SaleID]; s == nil {
				return refuse(avatar.RefuseInvalid, "sale: no flash sale %q in the script", c.SaleID)
			}
		} else {
			pr := p.prog.products[c.SKU]
			if pr == nil {
				return refuse(avatar.RefuseInvalid, "sale: no product %q in the catalog", c.SKU)
			}
			m, err := script.ParseMoney(c.Price)
			if err != nil || m <= 0 {
				return refuse(avatar.RefuseInvalid, "sale: %q is not a price", c.Price)
			}
			if c.Stock == nil || *c.Stock <= 0 || c.Duration <= 0 {
				return refuse(avatar.RefuseInvalid, "sale: give a stock above 0 and a duration")
			}
			if pr.ListPrice > 0 && m > pr.ListPrice {
				return refuse(avatar.RefuseAboveList, "sale: %s is above the list price %s of %s", m, pr.ListPrice, c.SKU)
			}
			s = &script.Sale{ID: "ctl-" + c.SKU, SKU: c.SKU, Price: m, Stock: *c.Stock, Duration: c.Duration}
		}
		if p.saleNow != nil {
			return refuse(avatar.RefusePending, "sale: sale %s already waits for the end of the current line", saleID(p.saleNow))
		}
		if run := p.sale; run != nil && (run.ev.ID == saleID(s) || run.ev.SKU == s.SKU) {
			return refuse(avatar.RefuseAlreadyOn, "sale: flash sale %s of %s is running until %s; it must end first",
				run.ev.ID, run.ev.SKU, run.ends.UTC().Format(time.RFC3339))
		}
		if p.stockOf(s.SKU) == 0 {
			return refuse(avatar.RefuseSoldOut, "sale: %s is sold out; restock it first", s.SKU)
		}
		p.saleNow = s
		return ok, nil
	case avatar.CtlOrder:
		return p.applyOrder(ctx, c)
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
