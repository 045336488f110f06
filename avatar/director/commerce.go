package director

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Commerce rules of the show engine; see docs/director.md.
const (
	// MaxOrdersRemembered is how many of the last applied orders a room's
	// cursor keeps, so a director taking the room over answers a replay of
	// one of them without applying it again. The merchant API keeps every
	// order's result for days (avatar.OrdersBucket); the cursor only covers
	// an order applied whose result the API had not yet stored.
	MaxOrdersRemembered = 16
	// exactViewers is how many distinct viewers an interest count holds
	// exactly (by a 64-bit hash of the id); beyond, it turns into a
	// HyperLogLog of 2^hllBits one-byte registers (about 3% error).
	exactViewers = 256
	hllBits      = 10
)

// commerce is the player's state for viewer interest, live price checks
// and sold-out pitches.
type commerce struct {
	wanted    map[string]*viewerSet             // by SKU (catalog SKUs only)
	cardAt    time.Time                         // when the card was last re-shown for its wanted count
	audited   map[string]string                 // line or segment → the problem last audited for it
	lineProds map[lineProdKey][]*script.Product // of prodsOf's lines
	prodsOf   *Program
	skipped   int  // sold-out segments entered in a row without a line spoken
	restocked bool // a product's stock went from 0 up since the last wait
}

type lineProdKey struct {
	line    *script.Line
	lang    string
	product string
}

// orderDone is an applied order in the cursor: the first 16 hex digits of
// its idempotency key's digest and the stock it left.
type orderDone struct {
	ID    string `json:"id"`
	Stock int    `json:"n"`
}

// Auditor is a Sink that also records audit records for the room's
// merchant; BusSink is one. A player whose sink is not an Auditor logs
// what it would have audited.
type Auditor interface {
	Audit(ctx context.Context, room avatar.Room, action string, detail any) error
}

// cart counts a viewer's add-to-cart intent as interest in SKU: distinct
// viewers per product and per running flash sale, shown as `wanted` on the
// card and the sale. An anonymous socket's intent is not an order and never
// changes stock; orders come from the merchant (CtlOrder).
func (e *Engine) cart(viewer, sku string) {
	if viewer == "" || e.prog.Show.Product(sku) == nil {
		return
	}
	e.wantedSet(sku).add(viewer)
	if s := e.sale; s != nil && s.ev.SKU == sku {
		if s.wanted == nil {
			s.wanted = &viewerSet{base: s.ev.Wanted}
		}
		if s.wanted.add(viewer) {
			if n := s.wanted.count(); n != s.ev.Wanted {
				s.ev.Wanted, s.dirty = n, true
			}
		}
	}
}

func (e *Engine) wantedSet(sku string) *viewerSet {
	if s := e.com.wanted[sku]; s != nil {
		return s
	}
	if e.com.wanted == nil {
		e.com.wanted = map[string]*viewerSet{}
	}
	s := &viewerSet{}
	if card := e.state.Product; card != nil && card.SKU == sku {
		s.base = card.Wanted // counted by the director before a takeover
	}
	e.com.wanted[sku] = s
	return s
}

// wantedOf is about how many distinct viewers want SKU.
func (e *Engine) wantedOf(sku string) int {
	if s := e.com.wanted[sku]; s != nil {
		return s.count()
	}
	if card := e.state.Product; card != nil && card.SKU == sku {
		return card.Wanted
	}
	return 0
}

// interestTick re-shows the card on screen when its wanted count changed,
// at most every SaleUpdateEvery. It returns the earlier of next and when
// it has something to do.
func (e *Engine) interestTick(next time.Time) time.Time {
	card := e.state.Product
	if card == nil || e.com.wanted[card.SKU] == nil || e.wantedOf(card.SKU) == card.Wanted {
		return next
	}
	if at := e.com.cardAt.Add(SaleUpdateEvery); e.now.Before(at) {
		if next.IsZero() || at.Before(next) {
			next = at
		}
		return next
	}
	e.com.cardAt = e.now
	e.act(script.Action{Kind: script.ActShowProduct, Ref: card.SKU})
	return next
}

// applyOrder applies a paid order from the merchant's commerce platform: Qty
// units leave SKU's stock (and the running flash sale's units, if it is
// of SKU), once per OrderID. A replay of an order the cursor remembers
// answers with the stock it left and changes nothing. The stock event that
// says so carries the cursor, so the order is durable with it.
func (e *Engine) applyOrder(c *avatar.Control) avatar.ControlReply {
	refuse := func(code, format string, args ...any) avatar.ControlReply {
		return avatar.ControlReply{Code: code, Error: fmt.Sprintf(format, args...)}
	}
	if e.prog.Show.Product(c.SKU) == nil {
		return refuse(avatar.RefuseInvalid, "order: no product %q in the catalog", c.SKU)
	}
	id := c.OrderID[:min(len(c.OrderID), 16)]
	if i := slices.IndexFunc(e.cur.Orders, func(o orderDone) bool { return o.ID == id }); i >= 0 {
		n := e.cur.Orders[i].Stock
		return avatar.ControlReply{OK: true, Stock: &n, Replayed: true}
	}
	n := e.stockOf(c.SKU)
	if c.Qty > n {
		return refuse(avatar.RefuseOutOfStock, "order: %d of %s ordered but %d left", c.Qty, c.SKU, n)
	}
	if len(e.cur.Orders) >= MaxOrdersRemembered {
		e.cur.Orders = slices.Delete(e.cur.Orders, 0, len(e.cur.Orders)-MaxOrdersRemembered+1)
	}
	e.cur.Orders = append(e.cur.Orders, orderDone{ID: id, Stock: n - c.Qty})
	if s := e.sale; s != nil && s.ev.SKU == c.SKU {
		s.ev.Stock = max(s.ev.Stock-c.Qty, 0)
		s.dirty = true
	}
	e.setLiveStock(c.SKU, n-c.Qty)
	if s := e.sale; s != nil && s.ev.SKU == c.SKU {
		if s.ev.Stock == 0 {
			// The sale's units are gone, not the product: end it, say so.
			e.announceSoldOut(saleSoldOut + c.SKU) // in sale.end's checkpoint
			e.endSale(avatar.SaleEndSoldOut)
		} else if s.dirty {
			e.publishSale()
		}
	}
	left := n - c.Qty
	e.saveState()
	return avatar.ControlReply{OK: true, Stock: &left}
}

// setLiveStock sets SKU's live stock to n by the merchant's stock control
// or an order: a stock event first (it carries the cursor with the new
// stock, so a director taking over has it), then the card, the sale and a
// sell-out as stockChanged says.
func (e *Engine) setLiveStock(sku string, n int) {
	if e.stockOf(sku) == 0 && n > 0 {
		e.com.restocked = true
	}
	e.setStock(sku, n)
	if n == 0 {
		e.announceSoldOut(sku) // in the stock event's checkpoint
	}
	e.emit(avatar.EventStock, avatar.StockLevel{SKU: sku, Stock: n})
	e.stockChanged(sku, true)
}

// skipSoldOut plays a step of a segment whose product is sold out without
// pitching it: lines, pauses and actions are skipped, the segment's flow
// (if, goto, set) still runs. It reports whether it handled the step.
// Sold-out segments entered one after the other with no line spoken make
// the player wait for a restock or an interjection, so a show of sold-out
// products never spins.
func (e *Engine) skipSoldOut(seg *script.Segment) bool {
	if seg.Product == "" || e.prog.Show.Kind != script.KindLivestream || e.stockOf(seg.Product) > 0 {
		if e.cur.Step == 0 {
			e.com.skipped = 0
			delete(e.com.audited, "segment:"+seg.ID) // the next sell-out is audited again
		}
		return false
	}
	if e.cur.Step == 0 {
		e.state.Segment = seg.ID
		e.setSegID()
		e.audit("pitch.skipped", "segment:"+seg.ID, "sold_out", map[string]any{
			"segment": seg.ID, "sku": seg.Product, "reason": "sold_out",
		})
		if e.com.skipped++; e.com.skipped > len(e.prog.Show.Segments) {
			e.com.skipped, e.com.restocked = 0, false
			e.wait(e.now.Add(AttractAfter), untilRestock)
			return true
		}
	}
	order := e.order(seg)
	if e.cur.Step >= len(order) {
		e.nextSegment()
		return true
	}
	st := &seg.Steps[order[e.cur.Step]]
	e.advance()
	e.flow(st)
	return true
}

// skipFalseLine checks the prices and discounts utterance u of line l
// states against the live catalog before it is spoken (a livestream only,
// as lint). A line the merchant's live changes made false is not spoken:
// it is audited once per change and skipped after a breath, so a loop of
// false lines never spins. advance says l is the step under the cursor.
func (e *Engine) skipFalseLine(l *script.Line, u script.Utterance, lang string, advance bool) bool {
	product := ""
	if segs := e.prog.Show.Segments; advance && e.cur.Segment < len(segs) {
		product = segs[e.cur.Segment].Product
	}
	probs := e.falseClaims(l, u, lang, product)
	if len(probs) == 0 {
		return false
	}
	e.audit("line.skipped", "line:"+l.ID+"/"+lang, strings.Join(probs, "; "), map[string]any{
		"line": l.ID, "lang": lang, "segment": e.state.Segment, "problems": probs,
	})
	if advance {
		e.advance()
	}
	e.wait(e.now.Add(LineGap), untilNone)
	return true
}

// falseAnswer reports whether an answer of FAQ f in lang states a price
// or discount the live catalog makes false; it audits the skip.
func (e *Engine) falseAnswer(f *script.FAQ, lang string) bool {
	for i := range f.Answer {
		l := &f.Answer[i]
		u, lg := pick(l, lang, e.prog.Show.Languages)
		if probs := e.falseClaims(l, u, lg, ""); len(probs) > 0 {
			e.audit("line.skipped", "line:"+l.ID+"/"+lg, strings.Join(probs, "; "), map[string]any{
				"line": l.ID, "lang": lg, "faq": f.ID, "problems": probs,
			})
			return true
		}
	}
	return false
}

// falseClaims returns what is false in u with live prices: the errors of
// script.CheckPrices the script does not acknowledge. Lint ran the same
// check with the catalog's prices, so a finding here comes from a live
// change (a price control, an ad-hoc sale).
func (e *Engine) falseClaims(l *script.Line, u script.Utterance, lang, product string) []string {
	if e.prog.Show.Kind != script.KindLivestream || !script.MentionsPrice(u.Text) {
		if e.com.audited != nil {
			delete(e.com.audited, "line:"+l.ID+"/"+lang)
		}
		return nil
	}
	if e.com.prodsOf != e.prog {
		e.com.lineProds, e.com.prodsOf = nil, e.prog // a new script version
	}
	k := lineProdKey{line: l, lang: lang, product: product}
	prods, ok := e.com.lineProds[k]
	if !ok {
		prods = script.LineProducts(e.prog.Show, product, u)
		if e.com.lineProds == nil {
			e.com.lineProds = map[lineProdKey][]*script.Product{}
		}
		e.com.lineProds[k] = prods // bounded by the script's lines
	}
	f := script.PriceFacts{Sales: e.prog.Show.Sales, Coupons: e.prog.Show.Coupons}
	for _, pr := range prods {
		live := *pr
		live.Price = e.priceOf(pr)
		f.Products = append(f.Products, live)
	}
	if s := e.sale; s != nil {
		if m, err := script.ParseMoney(s.ev.Price); err == nil {
			f.Sales = append(slices.Clip(f.Sales), script.Sale{ID: s.ev.ID, SKU: s.ev.SKU, Price: m})
		}
	}
	var out []string
	for _, c := range script.CheckPrices(u.Text, f) {
		acked := slices.ContainsFunc(e.prog.Show.Acks, func(a script.Ack) bool { return a.LineID == l.ID && a.Code == c.Code })
		if c.Severity == script.SevError && !acked {
			out = append(out, c.Code+": "+c.Msg)
		}
	}
	if len(out) == 0 && e.com.audited != nil {
		delete(e.com.audited, "line:"+l.ID+"/"+lang)
	}
	return out
}

// audit records action about key for the room's merchant, once until what
// changes (the problem found) differs from the last record for key.
func (e *Engine) audit(action, key, what string, detail map[string]any) {
	if e.com.audited[key] == what {
		return
	}
	if e.com.audited == nil {
		e.com.audited = map[string]string{}
	}
	e.com.audited[key] = what
	e.log.Info(action, zap.String("key", key), zap.String("what", what))
	e.record(action, detail)
}

// viewerSet counts distinct viewers in bounded memory: exactly (64-bit
// hashes of their ids) up to exactViewers, then as a HyperLogLog. base is
// a count carried over from a director that played the room before (its
// viewers may be counted again: the figure is interest, not an audit).
type viewerSet struct {
	base  int
	exact map[uint64]struct{}
	regs  []uint8
}

// add counts viewer; it reports whether the count may have changed.
func (s *viewerSet) add(viewer string) bool {
	h := fnv.New64a()
	h.Write([]byte(viewer))
	x := mix64(h.Sum64())
	if s.regs != nil {
		return s.addReg(x)
	}
	if _, ok := s.exact[x]; ok {
		return false
	}
	if s.exact == nil {
		s.exact = map[uint64]struct{}{}
	}
	s.exact[x] = struct{}{}
	if len(s.exact) > exactViewers {
		s.regs = make([]uint8, 1<<hllBits)
		for x := range s.exact {
			s.addReg(x)
		}
		s.exact = nil
	}
	return true
}

func (s *viewerSet) addReg(x uint64) bool {
	i := x >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(x<<hllBits|1<<(hllBits-1))) + 1
	if rank <= s.regs[i] {
		return false
	}
	s.regs[i] = rank
	return true
}

// count is about how many distinct viewers were added, plus base.
func (s *viewerSet) count() int {
	if s.regs == nil {
		return s.base + len(s.exact)
	}
	m := float64(len(s.regs))
	sum, zeros := 0.0, 0
	for _, r := range s.regs {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting for small counts
	}
	return s.base + int(e+0.5)
}

// mix64 is SplitMix64's finalizer: FNV's high bits are not uniform enough
// for HyperLogLog's register index.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
