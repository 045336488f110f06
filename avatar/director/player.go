package director

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/speech"
)

// LineGap is the breath between two spoken lines.
const LineGap = 400 * time.Millisecond

// recentLines is how many spoken lines a state snapshot keeps.
const recentLines = 3

// Player plays one show in one room, from the cursor stored with the room's
// last event, until its context ends. It is not safe for concurrent use:
// Run owns it.
type Player struct {
	room avatar.Room
	show *script.Show
	sink Sink
	log  *zap.Logger

	voice   speech.Voice
	lang    string
	seq     uint64 // last seq published
	token   uint64 // sink token of the last event, for fencing
	cur     cursor
	state   avatar.State
	stock   map[string]int
	vars    map[string]int64
	segByID map[string]int
	sale    *saleRun
}

type saleRun struct {
	ev   avatar.Sale
	ends time.Time
}

// cursor is the next step to play: step Step of segment Segment in pass Pass.
type cursor struct{ Pass, Segment, Step int }

func (c cursor) String() string { return fmt.Sprintf("%d/%d/%d", c.Pass, c.Segment, c.Step) }

func parseCursor(s string) (cursor, error) {
	var c cursor
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return c, fmt.Errorf("cursor %q: want pass/segment/step", s)
	}
	var err error
	for i, p := range []*int{&c.Pass, &c.Segment, &c.Step} {
		if *p, err = strconv.Atoi(parts[i]); err != nil || *p < 0 {
			return c, fmt.Errorf("cursor %q: bad number %q", s, parts[i])
		}
	}
	return c, nil
}

// NewPlayer returns a player of show in room, publishing to sink.
func NewPlayer(room avatar.Room, show *script.Show, sink Sink, log *zap.Logger) *Player {
	p := &Player{
		room:    room,
		show:    show,
		sink:    sink,
		log:     log.With(zap.String("room", string(room.ID)), zap.String("script", show.ID)),
		voice:   speech.Voice{Rate: room.Persona.Voice.Rate},
		stock:   map[string]int{},
		vars:    map[string]int64{},
		segByID: map[string]int{},
	}
	if len(show.Languages) > 0 {
		p.lang = show.Languages[0]
	}
	for _, pr := range show.Catalog {
		p.stock[pr.SKU] = pr.Stock
	}
	for _, v := range show.Vars {
		p.vars[v.Name] = v.Value
	}
	for i, s := range show.Segments {
		p.segByID[s.ID] = i
	}
	p.state = avatar.State{Status: "playing", Lang: p.lang}
	return p
}

// Run plays the show until ctx ends; then it returns nil. It returns an
// error if the sink fails, or bus.ErrFenced (wrapped) if another director
// has written to the room.
func (p *Player) Run(ctx context.Context) error {
	seq, token, cur, err := p.sink.Last(ctx, p.room.ID)
	if err != nil {
		return err
	}
	p.seq, p.token = seq, token
	if cur != "" {
		if c, err := parseCursor(cur); err == nil {
			p.cur = c
		} else {
			p.log.Warn("ignoring stored cursor", zap.Error(err))
		}
	}
	if p.cur.Segment >= len(p.show.Segments) {
		p.cur = cursor{Pass: p.cur.Pass + 1}
	}
	p.log.Info("playing", zap.Uint64("seq", p.seq), zap.Stringer("cursor", p.cur))
	if err := p.emit(ctx, avatar.EventShowStart, avatar.ShowStatus{Show: p.show.ID, Title: p.show.Title.Get(p.lang, "")}); err != nil {
		return p.stopped(ctx, err)
	}
	for {
		if err := p.step(ctx); err != nil {
			return p.stopped(ctx, err)
		}
	}
}

// stopped turns the end of the context into a clean return.
func (p *Player) stopped(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// step plays the step under the cursor and moves the cursor on.
func (p *Player) step(ctx context.Context) error {
	if len(p.show.Segments) == 0 {
		return p.idle(ctx)
	}
	seg := &p.show.Segments[p.cur.Segment]
	if p.cur.Step == 0 {
		if err := p.enterSegment(ctx, seg); err != nil {
			return err
		}
	}
	order := p.order(seg)
	if p.cur.Step >= len(order) {
		p.next()
		return nil
	}
	st := &seg.Steps[order[p.cur.Step]]
	p.cur.Step++
	if err := p.endSaleIfDue(ctx); err != nil {
		return err
	}
	switch st.Kind {
	case script.StepSay:
		return p.say(ctx, seg, st.Line)
	case script.StepPause:
		return sleep(ctx, st.Pause)
	case script.StepAction:
		return p.act(ctx, *st.Action)
	case script.StepIf:
		if p.holds(st.If) {
			return p.jump(st.Goto)
		}
	case script.StepGoto:
		return p.jump(st.Goto)
	case script.StepSet:
		if st.Set.Add {
			p.vars[st.Set.Var] += st.Set.Value
		} else {
			p.vars[st.Set.Var] = st.Set.Value
		}
	}
	return nil
}

// next moves the cursor past the end of the current segment.
func (p *Player) next() {
	p.cur.Segment++
	p.cur.Step = 0
	if p.cur.Segment >= len(p.show.Segments) {
		p.cur = cursor{Pass: p.cur.Pass + 1}
	}
}

func (p *Player) jump(id string) error {
	i, ok := p.segByID[id]
	if !ok {
		return fmt.Errorf("director: room %s: jump to unknown segment %q", p.room.ID, id)
	}
	if i <= p.cur.Segment {
		p.cur.Pass++ // a jump back starts a new pass, so shuffles change
	}
	p.cur.Segment, p.cur.Step = i, 0
	return nil
}

// order returns the order of seg's steps in the current pass. A shuffled
// segment gets a new order each pass, seeded by room, segment and pass, so a
// director taking the room over computes the same order; its first step is
// never the previous pass's last, so no line repeats back to back. A cycle
// segment plays one step per pass, going round.
func (p *Player) order(seg *script.Segment) []int {
	n := len(seg.Steps)
	switch seg.Order {
	case script.OrderShuffle:
		cur := p.perm(seg, p.cur.Pass)
		if p.cur.Pass > 0 && n > 1 {
			prev := p.perm(seg, p.cur.Pass-1)
			if cur[0] == prev[n-1] {
				cur[0], cur[1] = cur[1], cur[0]
			}
		}
		return cur
	case script.OrderCycle:
		if n == 0 {
			return nil
		}
		return []int{p.cur.Pass % n}
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func (p *Player) perm(seg *script.Segment, pass int) []int {
	h := fnv.New64a()
	h.Write([]byte(p.room.ID))
	h.Write([]byte{0})
	h.Write([]byte(seg.ID))
	r := rand.New(rand.NewPCG(h.Sum64(), uint64(pass)))
	return r.Perm(len(seg.Steps))
}

func (p *Player) enterSegment(ctx context.Context, seg *script.Segment) error {
	p.state.Segment = seg.ID
	if seg.Product != "" {
		if p.state.Product == nil || p.state.Product.SKU != seg.Product {
			if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: seg.Product}); err != nil {
				return err
			}
		}
	} else if p.state.Product != nil && p.show.Kind == script.KindLivestream {
		if err := p.act(ctx, script.Action{Kind: script.ActHideProduct, Ref: p.state.Product.SKU}); err != nil {
			return err
		}
	}
	if seg.Exhibit != "" && (p.state.Exhibit == nil || p.state.Exhibit.ID != seg.Exhibit) {
		if err := p.act(ctx, script.Action{Kind: script.ActFocus, Ref: seg.Exhibit}); err != nil {
			return err
		}
	}
	return nil
}

// say speaks line l: the speech event at once, each cue at its word, then a
// wait until the line and a breath are over.
func (p *Player) say(ctx context.Context, seg *script.Segment, l *script.Line) error {
	u, lang := p.utterance(l)
	text, cues := p.fill(u)
	tr := speech.Time(text, lang, p.voice)
	sp := avatar.Speech{
		LineID: l.ID, Text: text, Lang: lang, Emotion: l.Emotion,
		DurationMS: tr.DurationMS, Words: words(tr), Visemes: visemes(tr),
	}
	start := time.Now()
	if l.Emotion != "" {
		if err := p.emit(ctx, avatar.EventExpression, avatar.Expression{Name: l.Emotion}); err != nil {
			return err
		}
	}
	if l.Gesture != "" {
		if err := p.emit(ctx, avatar.EventGesture, avatar.Gesture{Name: l.Gesture}); err != nil {
			return err
		}
	}
	p.state.LineID = l.ID
	p.state.Recent = append(p.state.Recent, sp)
	if len(p.state.Recent) > recentLines {
		p.state.Recent = p.state.Recent[len(p.state.Recent)-recentLines:]
	}
	if err := p.emit(ctx, avatar.EventSpeech, sp); err != nil {
		return err
	}
	for _, c := range cues {
		if err := sleepUntil(ctx, start.Add(time.Duration(tr.OffsetMS(c.At))*time.Millisecond)); err != nil {
			return err
		}
		if err := p.act(ctx, c.Action); err != nil {
			return err
		}
	}
	if err := p.saveState(ctx); err != nil {
		return err
	}
	return sleepUntil(ctx, start.Add(time.Duration(tr.DurationMS)*time.Millisecond+LineGap))
}

// utterance picks l's text in the room's language, else the show's default.
func (p *Player) utterance(l *script.Line) (script.Utterance, string) {
	if u, ok := l.Say[p.lang]; ok {
		return u, p.lang
	}
	for _, lang := range p.show.Languages {
		if u, ok := l.Say[lang]; ok {
			return u, lang
		}
	}
	for lang, u := range l.Say {
		return u, lang
	}
	return script.Utterance{}, p.lang
}

// fill replaces catalog placeholders ({price:SKU}, {list_price:SKU},
// {stock:SKU}, {title:SKU}) with live values and moves cue offsets to match.
func (p *Player) fill(u script.Utterance) (string, []script.Cue) {
	if !strings.Contains(u.Text, "{") {
		return u.Text, u.Cues
	}
	var b strings.Builder
	cues := append([]script.Cue(nil), u.Cues...)
	src := u.Text
	for i := 0; i < len(src); {
		j := strings.IndexByte(src[i:], '{')
		if j < 0 {
			b.WriteString(src[i:])
			break
		}
		j += i
		k := strings.IndexByte(src[j:], '}')
		if k < 0 {
			b.WriteString(src[i:])
			break
		}
		k += j
		b.WriteString(src[i:j])
		val, ok := p.placeholder(src[j+1 : k])
		if !ok {
			val = src[j : k+1]
		}
		delta := len(val) - (k + 1 - j)
		for c := range cues {
			if u.Cues[c].At > j {
				cues[c].At += delta
			}
		}
		b.WriteString(val)
		i = k + 1
	}
	return b.String(), cues
}

func (p *Player) placeholder(s string) (string, bool) {
	name, sku, ok := strings.Cut(s, ":")
	if !ok {
		return "", false
	}
	pr := p.product(sku)
	if pr == nil {
		return "", false
	}
	switch name {
	case "price":
		if p.sale != nil && p.sale.ev.SKU == sku {
			return p.sale.ev.Price, true
		}
		return formatMoney(pr.Price), true
	case "list_price":
		return formatMoney(pr.ListPrice), true
	case "stock":
		return strconv.Itoa(p.stock[sku]), true
	case "title":
		return pr.Title.Get(p.lang, p.defaultLang()), true
	}
	return "", false
}

func (p *Player) defaultLang() string {
	if len(p.show.Languages) > 0 {
		return p.show.Languages[0]
	}
	return ""
}

func (p *Player) product(sku string) *script.Product {
	for i := range p.show.Catalog {
		if p.show.Catalog[i].SKU == sku {
			return &p.show.Catalog[i]
		}
	}
	return nil
}

func (p *Player) productCard(pr *script.Product) *avatar.Product {
	return &avatar.Product{
		SKU: pr.SKU, Title: pr.Title.Get(p.lang, p.defaultLang()),
		Price: formatMoney(pr.Price), ListPrice: formatMoney(pr.ListPrice),
		Currency: pr.Currency, Stock: p.stock[pr.SKU], Image: pr.Image,
		Points: pr.Points[p.lang],
	}
}

// act fires one scripted action as its event.
func (p *Player) act(ctx context.Context, a script.Action) error {
	switch a.Kind {
	case script.ActShowProduct:
		pr := p.product(a.Ref)
		if pr == nil {
			return nil // validated scripts name known SKUs
		}
		card := p.productCard(pr)
		p.state.Product = card
		return p.emit(ctx, avatar.EventProductShow, card)
	case script.ActHideProduct:
		card := p.state.Product
		if card == nil || card.SKU != a.Ref {
			return nil
		}
		p.state.Product = nil
		return p.emit(ctx, avatar.EventProductHide, card)
	case script.ActSale:
		return p.startSale(ctx, a.Sale, a.Ref)
	case script.ActCoupon:
		for _, c := range p.show.Coupons {
			if c.ID == a.Ref {
				cur := ""
				if len(p.show.Catalog) > 0 {
					cur = p.show.Catalog[0].Currency
				}
				return p.emit(ctx, avatar.EventCoupon, avatar.Coupon{
					ID: c.ID, Title: c.Title.Get(p.lang, p.defaultLang()), Discount: formatMoney(c.Discount),
					MinSpend: formatMoney(c.MinSpend), Currency: cur, Count: c.Count,
				})
			}
		}
	case script.ActFocus:
		for _, e := range p.show.Exhibits {
			if e.ID == a.Ref {
				ex := &avatar.Exhibit{ID: e.ID, Title: e.Title.Get(p.lang, p.defaultLang()), Era: e.Era.Get(p.lang, p.defaultLang()), Image: e.Image}
				for _, o := range e.Options {
					ex.Options = append(ex.Options, avatar.Option{ID: o.ID, Label: o.Label.Get(p.lang, p.defaultLang())})
				}
				p.state.Exhibit = ex
				return p.emit(ctx, avatar.EventExhibit, ex)
			}
		}
	case script.ActExpression:
		return p.emit(ctx, avatar.EventExpression, avatar.Expression{Name: a.Ref})
	case script.ActGesture:
		return p.emit(ctx, avatar.EventGesture, avatar.Gesture{Name: a.Ref})
	}
	return nil
}

func (p *Player) startSale(ctx context.Context, s *script.Sale, id string) error {
	if s == nil {
		return nil
	}
	pr := p.product(s.SKU)
	if pr == nil {
		return nil
	}
	stock := min(s.Stock, p.stock[s.SKU])
	ends := time.Now().Add(s.Duration)
	if id == "" {
		id = s.SKU
	}
	p.sale = &saleRun{ends: ends, ev: avatar.Sale{
		ID: id, SKU: s.SKU, Price: formatMoney(s.Price), Currency: pr.Currency, Stock: stock, Ends: avatar.Time(ends),
	}}
	ev := p.sale.ev
	p.state.Sale = &ev
	return p.emit(ctx, avatar.EventSaleStart, ev)
}

func (p *Player) endSaleIfDue(ctx context.Context) error {
	if p.sale == nil || time.Now().Before(p.sale.ends) {
		return nil
	}
	ev := p.sale.ev
	ev.Reason = "time"
	p.sale, p.state.Sale = nil, nil
	return p.emit(ctx, avatar.EventSaleEnd, ev)
}

func (p *Player) holds(c *script.Cond) bool {
	var v int64
	switch {
	case strings.HasPrefix(c.Var, "stock(") && strings.HasSuffix(c.Var, ")"):
		v = int64(p.stock[c.Var[len("stock("):len(c.Var)-1]])
	case c.Var == "viewers":
		v = int64(p.state.Viewers)
	default:
		v = p.vars[c.Var]
	}
	switch c.Op {
	case "<":
		return v < c.Value
	case "<=":
		return v <= c.Value
	case ">":
		return v > c.Value
	case ">=":
		return v >= c.Value
	case "==":
		return v == c.Value
	case "!=":
		return v != c.Value
	}
	return false
}

func (p *Player) idle(ctx context.Context) error {
	if err := p.emit(ctx, avatar.EventIdle, avatar.Idle{Reason: "no segments"}); err != nil {
		return err
	}
	return sleep(ctx, 10*time.Second)
}

// emit publishes one event with the next seq and the cursor after it.
func (p *Player) emit(ctx context.Context, typ avatar.EventType, data any) error {
	env, err := avatar.NewEnvelope(p.room.ID, p.seq+1, time.Now(), typ, data)
	if err != nil {
		return fmt.Errorf("director: encode %s: %w", typ, err)
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("director: encode %s: %w", typ, err)
	}
	token, err := p.sink.Publish(ctx, p.room.ID, env.Seq, raw, p.cur.String(), p.token)
	if err != nil {
		return err
	}
	p.seq, p.token = env.Seq, token
	p.state.Seq = env.Seq
	return nil
}

func (p *Player) saveState(ctx context.Context) error {
	return p.sink.SaveState(ctx, p.room.ID, p.state)
}

func words(tr speech.Track) []avatar.Word {
	out := make([]avatar.Word, len(tr.Words))
	for i, w := range tr.Words {
		out[i] = avatar.Word{Text: w.Text, Offset: w.Offset, StartMS: w.StartMS, EndMS: w.EndMS}
	}
	return out
}

func visemes(tr speech.Track) []avatar.Viseme {
	out := make([]avatar.Viseme, len(tr.Visemes))
	for i, v := range tr.Visemes {
		out[i] = avatar.Viseme{V: v.V, AtMS: v.AtMS}
	}
	return out
}

// formatMoney writes hundredths as a decimal with two places: 9900 → "99.00".
func formatMoney(m script.Money) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func sleepUntil(ctx context.Context, t time.Time) error { return sleep(ctx, time.Until(t)) }
