package director

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// handle serves one viewer message or merchant control as it arrives.
func (p *Player) handle(ctx context.Context, it item) error {
	if it.input != nil {
		return p.onInput(ctx, it.input)
	}
	if it.ctl != nil {
		r, err := p.onControl(ctx, it.ctl)
		if err != nil {
			it.reply(avatar.ControlReply{Error: "internal error"})
			return err
		}
		if r.OK {
			r.Seq = p.seq
		}
		it.reply(r)
	}
	return nil
}

// onInput queues what a viewer's message asks for; nothing is spoken here.
func (p *Player) onInput(ctx context.Context, in *avatar.Input) error {
	switch in.Type {
	case avatar.MsgQuestion, avatar.MsgComment:
		p.question(in)
	case avatar.MsgLike:
		p.like(in.Data.Name)
	case avatar.MsgTap:
		p.touch()
		p.tap(in.Data.Target)
	case avatar.MsgLang:
		p.viewerLang(in.Data.Lang)
	case avatar.MsgCart:
		return p.cart(ctx, in.Viewer, in.Data.SKU)
	}
	return nil
}

// ask queues an answer to FAQ i, merging a question already waiting for the
// same answer and dropping one answered within AnswerCooldown. name is the
// viewer's speakable name, or "" to address it generically.
func (p *Player) ask(i int, lang, viewer, name, question string) {
	if t, ok := p.answered[i]; ok && time.Since(t) < AnswerCooldown {
		return
	}
	for _, a := range p.answers {
		if a.faq == i {
			for _, v := range a.viewers {
				if v == viewer {
					return
				}
			}
			a.viewers = append(a.viewers, viewer)
			if name != "" {
				a.names = append(a.names, name)
			}
			return
		}
	}
	if len(p.answers) >= MaxAnswers {
		p.answers = p.answers[1:]
	}
	if p.answered == nil {
		p.answered = map[int]time.Time{}
	}
	a := &answer{faq: i, lang: lang, viewers: []string{viewer}, question: question}
	if name != "" {
		a.names = []string{name}
	}
	p.answers = append(p.answers, a)
}

// tap queues the narration of an exhibit, or the lines of an option (of the
// exhibit in focus first), replacing what is left of an earlier tap's.
func (p *Player) tap(target string) {
	if e := p.prog.exhibits[target]; e != nil {
		p.interlude = p.interlude[:0]
		for i := range e.Narration {
			p.interlude = append(p.interlude, &e.Narration[i])
		}
		p.tapFocus = e.ID
		return
	}
	var exs []*script.Exhibit
	if p.state.Exhibit != nil {
		if e := p.prog.exhibits[p.state.Exhibit.ID]; e != nil {
			exs = append(exs, e)
		}
	}
	for i := range p.prog.Show.Exhibits {
		exs = append(exs, &p.prog.Show.Exhibits[i])
	}
	for _, e := range exs {
		for _, o := range e.Options {
			if o.ID == target {
				p.interlude = p.interlude[:0]
				for i := range o.Lines {
					p.interlude = append(p.interlude, &o.Lines[i])
				}
				p.tapFocus = e.ID
				return
			}
		}
	}
}

// cart takes a viewer's add-to-cart intent during a flash sale of its SKU
// as a claim on one sale unit (one per viewer per sale): the sale's and the
// product's stock go down by one. Outside a sale an intent is not a
// purchase and changes nothing; the merchant's stock control is the truth.
func (p *Player) cart(ctx context.Context, viewer, sku string) error {
	s := p.sale
	if s == nil || s.ev.SKU != sku || s.ev.Stock <= 0 || s.claims[viewer] {
		return nil
	}
	if s.claims == nil {
		s.claims = map[string]bool{}
	}
	s.claims[viewer] = true
	s.ev.Stock--
	s.dirty = true
	p.setStock(sku, max(p.stockOf(sku)-1, 0))
	if s.ev.Stock > 0 && p.stockOf(sku) > 0 {
		return nil
	}
	// The sale's units are gone: end it, update the card, say so.
	if err := p.endSale(ctx, "sold_out"); err != nil {
		return err
	}
	if card := p.state.Product; card != nil && card.SKU == sku {
		if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: sku}); err != nil {
			return err
		}
	}
	p.announceSoldOut(saleSoldOut + sku)
	return nil
}

// onControl applies a merchant control: notice, stock and price at once,
// the others at the next line boundary.
func (p *Player) onControl(ctx context.Context, c *avatar.Control) (avatar.ControlReply, error) {
	bad := func(format string, args ...any) (avatar.ControlReply, error) {
		return avatar.ControlReply{Error: fmt.Sprintf(format, args...)}, nil
	}
	ok := avatar.ControlReply{OK: true}
	switch c.Type {
	case avatar.CtlNotice:
		if strings.TrimSpace(c.Text) == "" {
			return bad("notice: empty text")
		}
		return ok, p.emit(ctx, avatar.EventNotice, avatar.Notice{Text: c.Text, Ref: c.Ref})
	case avatar.CtlStock:
		if p.prog.products[c.SKU] == nil {
			return bad("stock: no product %q in the catalog", c.SKU)
		}
		if c.Stock == nil || *c.Stock < 0 {
			return bad("stock: give a stock of 0 or more")
		}
		p.setStock(c.SKU, *c.Stock)
		if err := p.stockChanged(ctx, c.SKU, true); err != nil {
			return ok, err
		}
		return ok, p.saveState(ctx)
	case avatar.CtlPrice:
		pr := p.prog.products[c.SKU]
		if pr == nil {
			return bad("price: no product %q in the catalog", c.SKU)
		}
		m, err := script.ParseMoney(c.Price)
		if err != nil || m <= 0 {
			return bad("price: %q is not a price", c.Price)
		}
		if p.cur.Price == nil {
			p.cur.Price = map[string]script.Money{}
		}
		p.cur.Price[c.SKU] = m
		p.curStr = ""
		if card := p.state.Product; card != nil && card.SKU == c.SKU {
			return ok, p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: c.SKU})
		}
		return ok, nil
	case avatar.CtlSay:
		if strings.TrimSpace(c.Text) == "" || len(c.Text) > maxSayText {
			return bad("say: text must be 1 to %d bytes", maxSayText)
		}
		p.says = append(p.says, *c)
		return ok, nil
	case avatar.CtlSkip:
		if len(p.prog.Show.Segments) == 0 {
			return bad("skip: the show has no segments")
		}
		p.skip = true
		return ok, nil
	case avatar.CtlLang:
		return p.langControl(c)
	case avatar.CtlPitch:
		if p.prog.products[c.SKU] == nil {
			return bad("pitch: no product %q in the catalog", c.SKU)
		}
		p.pitch = c.SKU
		return ok, nil
	case avatar.CtlSale:
		if c.SaleID != "" {
			s := p.prog.sales[c.SaleID]
			if s == nil {
				return bad("sale: no flash sale %q in the script", c.SaleID)
			}
			p.saleNow = s
			return ok, nil
		}
		if p.prog.products[c.SKU] == nil {
			return bad("sale: no product %q in the catalog", c.SKU)
		}
		m, err := script.ParseMoney(c.Price)
		if err != nil || m <= 0 {
			return bad("sale: %q is not a price", c.Price)
		}
		if c.Stock == nil || *c.Stock <= 0 || c.Duration <= 0 {
			return bad("sale: give a stock above 0 and a duration")
		}
		p.saleNow = &script.Sale{ID: "ctl-" + c.SKU, SKU: c.SKU, Price: m, Stock: *c.Stock, Duration: c.Duration}
		return ok, nil
	}
	return bad("unknown control %q", c.Type)
}

// saleSoldOut prefixes a SKU in Player.soldOut when only its flash sale,
// not the product, sold out.
const saleSoldOut = "sale:"

// soldOutLine is the sell-out announcement of a product titled title, or
// of its flash sale.
func soldOutLine(title, lang string, sale bool) (string, string) {
	if sale {
		switch {
		case strings.HasPrefix(lang, "zh"):
			return title + "的秒杀已经抢光了，手慢的朋友别走开！", lang
		case strings.HasPrefix(lang, "fr"):
			return "La vente flash de " + title + " est épuisée !", lang
		}
		return "The flash sale of " + title + " is sold out!", "en"
	}
	switch {
	case strings.HasPrefix(lang, "zh"):
		return title + "已经全部卖完了，谢谢大家！", lang
	case strings.HasPrefix(lang, "fr"):
		return title + " : tout est vendu, merci à tous !", lang
	}
	return title + " is sold out. Thank you all!", "en"
}
