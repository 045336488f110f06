package director

import (
	"slices"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Actions and what they publish: product cards, exhibits, coupons, flash
// sales and live stock.

// stockOf is SKU's live stock: the catalog's unless changed.
func (e *Engine) stockOf(sku string) int {
	if n, ok := e.cur.Stock[sku]; ok {
		return n
	}
	if pr := e.prog.Show.Product(sku); pr != nil {
		return pr.Stock
	}
	return 0
}

func (e *Engine) setStock(sku string, n int) {
	if e.cur.Stock == nil {
		e.cur.Stock = map[string]int{}
	}
	e.cur.Stock[sku] = n
	e.curStr = ""
}

func (e *Engine) priceOf(pr *script.Product) script.Money {
	if m, ok := e.cur.Price[pr.SKU]; ok {
		return m
	}
	return pr.Price
}

func (e *Engine) varValue(name string) int64 {
	if v, ok := e.cur.Vars[name]; ok {
		return v
	}
	for _, v := range e.prog.Show.Vars {
		if v.Name == name {
			return v.Value
		}
	}
	return 0
}

func (e *Engine) productCard(pr *script.Product) *avatar.Product {
	return &avatar.Product{
		SKU: pr.SKU, Title: pr.Title.Get(e.cur.Lang, e.defaultLang()),
		Price: e.priceOf(pr).String(), ListPrice: pr.ListPrice.String(),
		Currency: pr.Currency, Stock: e.stockOf(pr.SKU), Image: pr.Image,
		Points: pr.Points[e.cur.Lang], Wanted: e.wantedOf(pr.SKU),
	}
}

// act fires one scripted action as its event.
func (e *Engine) act(a script.Action) {
	switch a.Kind {
	case script.ActShowProduct:
		pr := e.prog.Show.Product(a.Ref)
		if pr == nil {
			return // validated scripts name known SKUs
		}
		card := e.productCard(pr)
		e.state.Product = card
		e.emitState(avatar.EventProductShow, card)
	case script.ActHideProduct:
		card := e.state.Product
		if card == nil || card.SKU != a.Ref {
			return
		}
		e.state.Product = nil
		e.emitState(avatar.EventProductHide, card)
	case script.ActSale:
		s := a.Sale
		if s == nil {
			s = e.prog.Show.Sale(a.Ref)
		}
		e.startSale(s)
	case script.ActCoupon:
		if c := e.prog.Show.Coupon(a.Ref); c != nil {
			cur := ""
			if len(e.prog.Show.Catalog) > 0 {
				cur = e.prog.Show.Catalog[0].Currency
			}
			e.emit(avatar.EventCoupon, avatar.Coupon{
				ID: c.ID, Title: c.Title.Get(e.cur.Lang, e.defaultLang()), Discount: c.Discount.String(),
				MinSpend: c.MinSpend.String(), Currency: cur, Count: c.Count,
			})
		}
	case script.ActFocus:
		x := e.prog.Show.Exhibit(a.Ref)
		if x == nil {
			return
		}
		ex := e.exhibitCard(x)
		e.state.Exhibit = ex
		e.emitState(avatar.EventExhibit, ex)
	case script.ActExpression:
		e.emit(avatar.EventExpression, avatar.Expression{Name: a.Ref})
	case script.ActGesture:
		e.emit(avatar.EventGesture, avatar.Gesture{Name: a.Ref})
	}
}

func (e *Engine) exhibitCard(x *script.Exhibit) *avatar.Exhibit {
	ex := &avatar.Exhibit{ID: x.ID, Title: x.Title.Get(e.cur.Lang, e.defaultLang()), Era: x.Era.Get(e.cur.Lang, e.defaultLang()), Image: x.Image}
	for _, o := range x.Options {
		ex.Options = append(ex.Options, avatar.Option{ID: o.ID, Label: o.Label.Get(e.cur.Lang, e.defaultLang())})
	}
	return ex
}

// startSale starts flash sale s, ending any running one. Its stock is the
// sale's, capped by the product's live stock; it ends at a wall-clock time.
func (e *Engine) startSale(s *script.Sale) {
	if s == nil {
		return
	}
	pr := e.prog.Show.Product(s.SKU)
	if pr == nil {
		return
	}
	id := saleID(s)
	if e.sale != nil && e.sale.ev.ID == id {
		return // already counting down: a looping pitch does not restart it
	}
	e.endSale(avatar.SaleEndStopped)
	stock := min(s.Stock, e.stockOf(s.SKU))
	if stock <= 0 {
		e.announceSoldOut(s.SKU)
		return
	}
	ends := e.now.Add(s.Duration)
	e.sale = &saleRun{ends: ends, updated: e.now, ev: avatar.Sale{
		ID: id, SKU: s.SKU, Price: s.Price.String(), Currency: pr.Currency, Stock: stock, Ends: avatar.Time(ends),
	}}
	ev := e.sale.ev
	e.state.Sale = &ev
	e.emitState(avatar.EventSaleStart, ev)
}

// endSale ends the running sale, if any, for reason.
func (e *Engine) endSale(reason string) {
	if e.sale == nil {
		return
	}
	ev := e.sale.ev
	ev.Reason = reason
	e.sale, e.state.Sale = nil, nil
	e.emitState(avatar.EventSaleEnd, ev)
}

// saleTick ends the sale at its end time and publishes stock changes from
// cart intents at most every SaleUpdateEvery. It returns when it next has
// something to do (zero: nothing).
func (e *Engine) saleTick() time.Time {
	s := e.sale
	if s == nil {
		return time.Time{}
	}
	if !e.now.Before(s.ends) {
		e.endSale(avatar.SaleEndTime)
		return time.Time{}
	}
	next := s.ends
	if s.dirty {
		at := s.updated.Add(SaleUpdateEvery)
		if e.now.Before(at) {
			next = at
		} else {
			e.publishSale()
		}
	}
	return next
}

func (e *Engine) publishSale() {
	s := e.sale
	s.dirty, s.updated = false, e.now
	ev := s.ev
	e.state.Sale = &ev
	e.emitState(avatar.EventSaleUpdate, ev)
	// Cart claims took units from the product too: keep its card true.
	if card := e.state.Product; card != nil && card.SKU == ev.SKU && card.Stock != e.stockOf(ev.SKU) {
		e.act(script.Action{Kind: script.ActShowProduct, Ref: ev.SKU})
	}
}

// stockChanged publishes what follows from SKU's live stock changing:
// the card on screen, the running sale's stock, and a sell-out.
func (e *Engine) stockChanged(sku string, atOnce bool) {
	n := e.stockOf(sku)
	if s := e.sale; s != nil && s.ev.SKU == sku && s.ev.Stock > n {
		s.ev.Stock = n
		s.dirty = true
		if n == 0 {
			e.endSale(avatar.SaleEndSoldOut)
		} else if atOnce {
			e.publishSale()
		}
	}
	if card := e.state.Product; card != nil && card.SKU == sku && (atOnce || n == 0) {
		e.act(script.Action{Kind: script.ActShowProduct, Ref: sku})
	}
	if n == 0 {
		e.announceSoldOut(sku)
	}
}

func (e *Engine) announceSoldOut(sku string) {
	if !slices.Contains(e.soldOut, sku) {
		e.soldOut = append(e.soldOut, sku)
	}
}
