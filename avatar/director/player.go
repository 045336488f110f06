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
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/speech"
)

// Timing of the show engine; see docs/director.md.
const (
	// LineGap is the breath between two spoken lines.
	LineGap = 400 * time.Millisecond
	// AnswerBurst is how many viewer answers, taps or thanks may follow one
	// another before one scripted line plays, so a busy chat never stalls
	// the show for good.
	AnswerBurst = 3
	// MaxAnswers bounds the queue of questions waiting for an answer; when
	// full, the oldest is dropped (it is the stalest).
	MaxAnswers = 8
	// AnswerCooldown: an FAQ answered this recently is not answered again.
	AnswerCooldown = 20 * time.Second
	// ThankEvery is the least time between two thank-yous for likes.
	ThankEvery = 30 * time.Second
	// AttractAfter is how long a museum kiosk stays quiet after the last
	// interaction before an attract line.
	AttractAfter = 15 * time.Second
	// SaleUpdateEvery is the least time between two sale.update events
	// caused by cart intents (merchant stock changes publish at once).
	SaleUpdateEvery = time.Second
	// ViewersMaxAge is how long a gateway's viewer count report counts:
	// three of the gateway's default 5 s periods, as the gateways do, so
	// a gateway that died stops counting (see Config.ViewersMaxAge).
	ViewersMaxAge = 15 * time.Second
)

const (
	recentLines = 3   // spoken lines kept in the state snapshot
	inboxSize   = 64  // viewer inputs and controls waiting for the player
	maxSayText  = 500 // bytes of a merchant's typed line
)

// Player plays one show in one room: the script as a timeline, viewer
// input and merchant controls at line boundaries (notice, stock and price
// at once), and the room record's lifecycle. Run owns its state; Input,
// Control and Update may be called from any goroutine while Run runs.
type Player struct {
	room avatar.Room
	// disclose is set when a show starts: its first line is the persona's
	// spoken disclosure, whatever the script says.
	disclose bool
	prog     *Program
	sink     Sink
	log      *zap.Logger

	inbox chan item
	mu    sync.Mutex // guards upd and counts
	upd   *update
	// counts holds each gateway's latest viewer count report, by gateway.
	counts     map[string]viewerCount
	viewersAge time.Duration
	updC       chan struct{}
	timer      *time.Timer

	// onEmit, if set, is told the type of each event published (metrics).
	onEmit func(avatar.EventType)

	voice  speech.Voice
	block  *avatar.Blocklist // blocked words: names holding one are not spoken
	seq    uint64            // last seq published
	token  uint64            // sink token of the last event, for fencing
	cur    cursor
	curStr string // cur encoded, "" when it changed
	state  avatar.State
	want   string // the room record's status
	sale   *saleRun
	next   *Program // a new script version, played from the next segment

	says      []avatar.Control // merchant's typed lines, first in first out
	soldOut   []string         // SKUs whose sell-out is to be announced
	answers   []*answer
	answered  map[int]time.Time // FAQ index → when last answered
	interlude []*script.Line    // museum: narration of the tapped exhibit or option
	tapFocus  string            // exhibit to focus before the interlude
	thank     string            // speakable name to thank for likes, "" for a generic thank-you
	thankDue  bool              // a thank-you for likes is due
	lastThank time.Time
	skip      bool
	relang    bool // the language changed: show the card and exhibit again in it
	pitch     string
	saleNow   *script.Sale
	burst     int // interjections since the last scripted line
	lastTouch time.Time
	com       commerce // intents, live price checks, sold-out pitches (commerce.go)
	// silentSteps counts script steps since time last passed (guard.go).
	silentSteps int
}

type item struct {
	input *avatar.Input
	ctl   *avatar.Control
	reply func(avatar.ControlReply)
}

type viewerCount struct {
	n  int
	at time.Time // when it arrived
}

type update struct {
	room avatar.Room
	prog *Program // nil: same script
}

type saleRun struct {
	ev      avatar.Sale
	ends    time.Time
	dirty   bool // stock changed since the last sale event
	updated time.Time
	wanted  *viewerSet // viewers who sent a cart intent for its SKU since it started
}

type answer struct {
	faq      int
	lang     string
	viewers  []string
	names    []string
	question string
}

// NewPlayer returns a player of prog in room, publishing to sink.
func NewPlayer(room avatar.Room, prog *Program, sink Sink, log *zap.Logger) *Player {
	p := &Player{
		room:  room,
		prog:  prog,
		sink:  sink,
		log:   log.With(zap.String("room", string(room.ID)), zap.String("script", prog.Show.ID)),
		inbox: make(chan item, inboxSize),
		updC:  make(chan struct{}, 1),
		voice: speech.Voice{Rate: room.Persona.Voice.Rate},
		want:  room.Status,

		viewersAge: ViewersMaxAge,
	}
	p.cur.Lang = p.defaultLang()
	p.cur.Version = prog.Version
	return p
}

// Input hands a viewer message to the player. It never blocks: if the
// player is that far behind, the message is dropped and Input returns false.
func (p *Player) Input(in avatar.Input) bool {
	select {
	case p.inbox <- item{input: &in}:
		return true
	default:
		return false
	}
}

// Control hands a merchant control to the player, which calls reply once
// it is applied (notice, stock, price) or accepted for the next line
// boundary (the others). It never blocks.
func (p *Player) Control(c avatar.Control, reply func(avatar.ControlReply)) {
	select {
	case p.inbox <- item{ctl: &c, reply: reply}:
	default:
		reply(avatar.ControlReply{Code: avatar.RefuseBusy, Error: "director busy, try again"})
	}
}

// Update gives the player the room's new record; prog is the script
// version it names if that changed (nil otherwise). The status applies at
// the next line boundary, a new script at the next segment. Only the
// latest update counts; Update never blocks.
func (p *Player) Update(room avatar.Room, prog *Program) {
	p.mu.Lock()
	if p.upd != nil && prog == nil {
		prog = p.upd.prog
	}
	p.upd = &update{room: room, prog: prog}
	p.mu.Unlock()
	select {
	case p.updC <- struct{}{}:
	default:
	}
}

// Viewers records gateway's latest count n of the room's viewers, as each
// gateway reports it every few seconds. The room's viewer count, for
// `viewers` conditions and State.Viewers, is the sum of every gateway's
// latest report that is at most ViewersMaxAge old. Viewers may be called
// from any goroutine and never blocks on the player.
func (p *Player) Viewers(gateway string, n int) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.counts == nil {
		p.counts = map[string]viewerCount{}
	}
	p.counts[gateway] = viewerCount{n: max(n, 0), at: now}
}

// viewers returns the room's viewer count at now and forgets reports that
// are too old (a gateway that died or left the room).
func (p *Player) viewers(now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	total := 0
	for gw, c := range p.counts {
		if now.Sub(c.at) > p.viewersAge {
			delete(p.counts, gw)
			continue
		}
		total += c.n
	}
	return total
}

func (p *Player) takeUpdate() *update {
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.upd
	p.upd = nil
	return u
}

func (p *Player) hasUpdate() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.upd != nil
}

// Run plays the show until ctx ends; then it returns nil. It returns an
// error if the sink fails, or bus.ErrFenced (wrapped) if another director
// has written to the room.
func (p *Player) Run(ctx context.Context) error {
	p.timer = time.NewTimer(time.Hour)
	defer p.timer.Stop()
	err := p.run(ctx)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

func (p *Player) run(ctx context.Context) error {
	if err := p.restore(ctx); err != nil {
		return err
	}
	if err := p.resumeLine(ctx); err != nil {
		return err
	}
	p.log.Debug("playing", zap.Uint64("seq", p.seq), zap.String("cursor", p.cursor()))
	for {
		if err := p.boundary(ctx); err != nil {
			return err
		}
		done, err := p.interject(ctx)
		if err != nil {
			return err
		}
		if !done {
			if err := p.step(ctx); err != nil {
				return err
			}
		}
	}
}

// restore picks the room up where the last event left it: seq and cursor
// from the event, product card, sale, exhibit and recent lines from the
// state snapshot.
func (p *Player) restore(ctx context.Context) error {
	seq, token, cur, err := p.sink.Last(ctx, p.room.ID)
	if err != nil {
		return err
	}
	p.seq, p.token = seq, token
	if cur != "" {
		c, err := parseCursor(cur)
		if err != nil {
			p.log.Warn("ignoring stored cursor", zap.Error(err))
		} else {
			p.cur = c
			if p.cur.Lang == "" || !p.hasLang(p.cur.Lang) {
				p.cur.Lang = p.defaultLang()
			}
			p.fitCursor(p.cur.Version)
		}
	}
	p.cur.Version = p.prog.Version
	st, ok, err := p.sink.LoadState(ctx, p.room.ID)
	if err != nil {
		return err
	}
	if ok && seq > 0 && st.Seq <= seq {
		p.state = st
		p.state.Viewers = 0
		if st.Sale != nil {
			p.sale = &saleRun{ev: *st.Sale, ends: time.Time(st.Sale.Ends), updated: time.Now()}
		}
	}
	p.state.Seq = p.seq
	p.state.Lang = p.cur.Lang
	if p.state.Status != avatar.ShowPlaying && p.state.Status != avatar.ShowPaused && p.state.Status != avatar.ShowEnded {
		p.state.Status = ""
	}
	p.curStr = ""
	return nil
}

// fitCursor makes the cursor point into the current program. A cursor of
// another script version goes to the segment of the same ID if it had not
// started it, else to the one after (a new version plays from the next
// segment, and no line is said twice).
func (p *Player) fitCursor(version uint64) {
	segs := p.prog.Show.Segments
	if version != p.prog.Version && version != 0 && p.prog.Version != 0 {
		i, ok := p.prog.segByID[p.cur.SegID]
		switch {
		case !ok:
			i = 0
		case p.cur.Step > 0:
			i++
		}
		p.cur.Segment, p.cur.Step = i, 0
	}
	if p.cur.Segment >= len(segs) {
		p.cur.Segment, p.cur.Step = 0, 0
		p.cur.Pass++
	}
	if len(segs) > 0 {
		p.cur.SegID = segs[p.cur.Segment].ID
	}
}

// boundary applies what waits for a line boundary: the room record's
// status and script, skip, pitch and sale controls. While the room is
// paused or stopped it waits here, still serving controls.
func (p *Player) boundary(ctx context.Context) error {
	for {
		if u := p.takeUpdate(); u != nil {
			p.want = u.room.Status
			p.room.Title, p.room.Version = u.room.Title, u.room.Version
			if u.prog != nil && u.prog != p.prog {
				p.next = u.prog // from the next segment on
			}
		}
		if err := p.lifecycle(ctx); err != nil {
			return err
		}
		if p.state.Status == avatar.ShowPlaying {
			break
		}
		if err := p.wait(ctx, time.Time{}, p.hasUpdate); err != nil {
			return err
		}
	}
	return p.applyShowControls(ctx)
}

func (p *Player) showStatus(reason string) avatar.ShowStatus {
	return avatar.ShowStatus{Show: p.prog.Show.ID, Title: p.prog.Show.Title.Get(p.cur.Lang, p.defaultLang()), Reason: reason}
}

// provenance is where the show played now comes from, for the record.
func (p *Player) provenance() *avatar.Provenance {
	pv := &avatar.Provenance{Merchant: p.room.Merchant, Show: p.prog.Show.ID, Version: p.prog.Version,
		Persona: p.room.Persona.ID, Voice: p.room.Persona.Voice.ID}
	if l := p.room.Persona.Likeness; l != nil {
		pv.Person = l.Person
		if l.Licence != nil {
			pv.Licences = []string{l.Licence.ID}
		}
	}
	return pv
}

// startStatus is showStatus with the show's provenance, for show.start and
// show.resume.
func (p *Player) startStatus() avatar.ShowStatus {
	st := p.showStatus("")
	st.Provenance = p.provenance()
	return st
}

func (p *Player) lifecycle(ctx context.Context) error {
	st := p.state.Status
	switch p.want {
	case avatar.RoomPaused:
		switch st {
		case avatar.ShowPlaying:
			p.state.Status = avatar.ShowPaused
			return p.emitState(ctx, avatar.EventShowPause, p.showStatus("merchant"))
		case "":
			p.state.Status = avatar.ShowPaused
			return p.saveState(ctx)
		}
	case avatar.RoomStopped:
		switch st {
		case avatar.ShowPlaying, avatar.ShowPaused:
			if err := p.endSale(ctx, avatar.SaleEndStopped); err != nil {
				return err
			}
			if card := p.state.Product; card != nil {
				p.state.Product = nil
				if err := p.emit(ctx, avatar.EventProductHide, card); err != nil {
					return err
				}
			}
			p.state.Status = avatar.ShowEnded
			return p.emitState(ctx, avatar.EventShowEnd, p.showStatus("merchant"))
		case "":
			p.state.Status = avatar.ShowEnded
			return p.saveState(ctx)
		}
	default: // playing
		switch st {
		case avatar.ShowPaused:
			p.state.Status = avatar.ShowPlaying
			return p.emitState(ctx, avatar.EventShowResume, p.startStatus())
		case avatar.ShowEnded, "":
			if st == avatar.ShowEnded {
				// A stopped show starts again from the top.
				p.cur.Pass, p.cur.Segment, p.cur.Step, p.cur.Attract = p.cur.Pass+1, 0, 0, false
				p.touch()
			}
			p.state.Status = avatar.ShowPlaying
			p.disclose = true // the show opens with the spoken disclosure
			return p.emitState(ctx, avatar.EventShowStart, p.startStatus())
		}
	}
	return nil
}

// switchProgram makes prog the script played from here, the start of a
// segment: the segment of the same ID in prog, else prog's first.
func (p *Player) switchProgram(prog *Program) {
	p.log.Info("new script version", zap.Uint64("version", prog.Version))
	oldID := ""
	if segs := p.prog.Show.Segments; p.cur.Segment < len(segs) {
		oldID = segs[p.cur.Segment].ID
	}
	p.prog, p.next = prog, nil
	i, ok := prog.segByID[oldID]
	if !ok {
		i = 0
	}
	p.cur.Segment, p.cur.Step = i, 0
	p.cur.Version = prog.Version
	p.setSegID()
	p.answers, p.interlude, p.answered = nil, nil, nil // they index the old FAQ and exhibits
	for sku := range p.cur.Stock {
		if prog.products[sku] == nil {
			delete(p.cur.Stock, sku)
		}
	}
	for sku := range p.cur.Price {
		if prog.products[sku] == nil {
			delete(p.cur.Price, sku)
		}
	}
}

func (p *Player) applyShowControls(ctx context.Context) error {
	if p.relang {
		p.relang = false
		if card := p.state.Product; card != nil {
			if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: card.SKU}); err != nil {
				return err
			}
		}
		if ex := p.state.Exhibit; ex != nil {
			if err := p.act(ctx, script.Action{Kind: script.ActFocus, Ref: ex.ID}); err != nil {
				return err
			}
		}
		p.state.Lang = p.cur.Lang
		if err := p.saveState(ctx); err != nil {
			return err
		}
	}
	if p.skip {
		p.skip = false
		p.interlude = nil
		p.nextSegment()
	}
	if sku := p.pitch; sku != "" {
		p.pitch = ""
		jumped := false
		for i, seg := range p.prog.Show.Segments {
			if seg.Product == sku {
				p.jumpTo(i)
				jumped = true
				break
			}
		}
		if !jumped {
			if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: sku}); err != nil {
				return err
			}
		}
	}
	if s := p.saleNow; s != nil {
		p.saleNow = nil
		if p.state.Product == nil || p.state.Product.SKU != s.SKU {
			if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: s.SKU}); err != nil {
				return err
			}
		}
		if err := p.startSale(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// interject speaks one line that pre-empts the script, if one is due:
// the merchant's typed line, a sell-out, an answer, a tapped exhibit's
// narration, a thank-you. It reports whether it spoke.
func (p *Player) interject(ctx context.Context) (bool, error) {
	if p.disclose {
		return false, nil // the show's first line is the disclosure: see step
	}
	if len(p.says) > 0 {
		c := p.says[0]
		p.says = p.says[1:]
		lang := c.Lang
		if lang == "" {
			lang = p.cur.Lang
		}
		id := "say-" + strconv.FormatUint(p.seq+1, 10)
		return true, p.speak(ctx, spoken{id: id, text: c.Text, lang: lang})
	}
	if len(p.soldOut) > 0 {
		sku, sale := strings.CutPrefix(p.soldOut[0], saleSoldOut)
		p.soldOut = p.soldOut[1:]
		pr := p.prog.products[sku]
		if pr == nil {
			return false, nil
		}
		text, lang := soldOutLine(pr.Title.Get(p.cur.Lang, p.defaultLang()), p.cur.Lang, sale)
		tr := p.otherLangs(lang, func(lg string) (string, bool) {
			t, l := soldOutLine(pr.Title.Get(lg, p.defaultLang()), lg, sale)
			return t, l == lg
		})
		id := "sold-out-" + sku
		if sale {
			id = "sale-sold-out-" + sku
		}
		return true, p.speak(ctx, spoken{id: id, text: text, lang: lang, emotion: "excited", translations: tr})
	}
	capped := p.burst >= AnswerBurst && p.scriptDue()
	if capped {
		return false, nil
	}
	if len(p.answers) > 0 {
		a := p.answers[0]
		p.answers = p.answers[1:]
		p.burst++
		return true, p.answer(ctx, a)
	}
	if len(p.interlude) > 0 {
		if f := p.tapFocus; f != "" {
			p.tapFocus = ""
			if p.state.Exhibit == nil || p.state.Exhibit.ID != f {
				if err := p.act(ctx, script.Action{Kind: script.ActFocus, Ref: f}); err != nil {
					return true, err
				}
			}
		}
		l := p.interlude[0]
		p.interlude = p.interlude[1:]
		p.burst++
		err := p.sayLine(ctx, l, false)
		if err == nil && len(p.interlude) == 0 {
			err = p.refocus(ctx)
		}
		return true, err
	}
	if p.thankDue {
		p.burst++
		return true, p.sayThanks(ctx)
	}
	return false, nil
}

// scriptDue reports whether a scripted line is waiting (not the museum's
// attract loop, which never pre-empts a viewer).
func (p *Player) scriptDue() bool {
	return !p.cur.Attract && len(p.prog.Show.Segments) > 0
}

// refocus turns back to the current segment's exhibit after a tapped one.
func (p *Player) refocus(ctx context.Context) error {
	segs := p.prog.Show.Segments
	if p.cur.Attract || p.cur.Step == 0 || p.cur.Segment >= len(segs) {
		return nil
	}
	if ex := segs[p.cur.Segment].Exhibit; ex != "" && (p.state.Exhibit == nil || p.state.Exhibit.ID != ex) {
		return p.act(ctx, script.Action{Kind: script.ActFocus, Ref: ex})
	}
	return nil
}

// step plays the step under the cursor and moves the cursor on.
func (p *Player) step(ctx context.Context) error {
	p.burst = 0
	if p.next != nil && (p.cur.Step == 0 || p.cur.Attract || len(p.prog.Show.Segments) == 0) {
		p.switchProgram(p.next)
	}
	segs := p.prog.Show.Segments
	if p.cur.Attract || len(segs) == 0 {
		if err := p.discloseIfDue(ctx); err != nil {
			return err
		}
		return p.attract(ctx)
	}
	seg := &segs[p.cur.Segment]
	if stop, err := p.guardStep(ctx, seg); stop || err != nil {
		return err
	}
	if skip, err := p.skipSoldOut(ctx, seg); skip || err != nil {
		return err
	}
	if p.cur.Step == 0 {
		if err := p.enterSegment(ctx, seg); err != nil {
			return err
		}
	}
	// Once in the first segment (its card shown or hidden), so that a
	// control applied while it is spoken is not undone by entering it.
	if err := p.discloseIfDue(ctx); err != nil {
		return err
	}
	order := p.order(seg)
	if p.cur.Step >= len(order) {
		p.nextSegment()
		return nil
	}
	st := &seg.Steps[order[p.cur.Step]]
	if st.Kind != script.StepSay {
		p.advance()
	}
	switch st.Kind {
	case script.StepSay:
		return p.sayLine(ctx, st.Line, true)
	case script.StepPause:
		return p.wait(ctx, time.Now().Add(st.Pause), p.interjectionDue)
	case script.StepAction:
		return p.act(ctx, *st.Action)
	}
	return p.flow(st)
}

// flow plays an if, goto or set step (which take no time); other steps are
// left to the caller.
func (p *Player) flow(st *script.Step) error {
	switch st.Kind {
	case script.StepIf:
		if p.holds(st.If) {
			return p.jump(st.Goto)
		}
	case script.StepGoto:
		return p.jump(st.Goto)
	case script.StepSet:
		if p.cur.Vars == nil {
			p.cur.Vars = map[string]int64{}
		}
		if st.Set.Add {
			p.cur.Vars[st.Set.Var] = p.varValue(st.Set.Var) + st.Set.Value
		} else {
			p.cur.Vars[st.Set.Var] = st.Set.Value
		}
	}
	return nil
}

// interjectionDue reports whether something waits to pre-empt a scripted
// pause: pauses are cut short for viewers and the merchant.
func (p *Player) interjectionDue() bool {
	return len(p.says) > 0 || len(p.soldOut) > 0 || len(p.answers) > 0 || len(p.interlude) > 0 ||
		p.skip || p.pitch != "" || p.saleNow != nil || p.hasUpdate()
}

func (p *Player) advance() {
	p.cur.Step++
	p.curStr = ""
}

// attract plays the idle loop: an idle line when the kiosk has been quiet
// for AttractAfter, else a wait for a viewer.
func (p *Player) attract(ctx context.Context) error {
	idle := p.prog.Show.Idle
	quietUntil := p.lastTouch.Add(AttractAfter)
	if len(idle) == 0 || time.Now().Before(quietUntil) {
		until := quietUntil
		if len(idle) == 0 || !time.Now().Before(until) {
			until = time.Now().Add(AttractAfter)
		}
		return p.wait(ctx, until, p.interjectionDue)
	}
	l := &idle[p.cur.Idle%len(idle)]
	p.cur.Idle = (p.cur.Idle + 1) % len(idle)
	p.curStr = ""
	if err := p.emit(ctx, avatar.EventIdle, avatar.Idle{Reason: "attract"}); err != nil {
		return err
	}
	if err := p.sayLine(ctx, l, false); err != nil {
		return err
	}
	// The next attract line comes after another quiet spell.
	p.lastTouch = time.Now()
	return nil
}

func (p *Player) touch() { p.lastTouch = time.Now() }

// nextSegment moves the cursor past the end of the current segment. A
// museum tour ends after its last segment and turns to the attract loop.
func (p *Player) nextSegment() {
	p.cur.Segment++
	p.cur.Step = 0
	if p.cur.Segment >= len(p.prog.Show.Segments) {
		p.cur.Segment = 0
		p.cur.Pass++
		if p.prog.Show.Kind == script.KindMuseum {
			p.cur.Attract = true
			p.touch()
		}
	}
	p.setSegID()
}

func (p *Player) setSegID() {
	if segs := p.prog.Show.Segments; p.cur.Segment < len(segs) {
		p.cur.SegID = segs[p.cur.Segment].ID
	}
	p.curStr = ""
}

func (p *Player) jump(id string) error {
	i, ok := p.prog.segByID[id]
	if !ok {
		return fmt.Errorf("director: room %s: jump to unknown segment %q", p.room.ID, id)
	}
	p.jumpTo(i)
	return nil
}

func (p *Player) jumpTo(i int) {
	if i <= p.cur.Segment {
		p.cur.Pass++ // a jump back starts a new pass, so shuffles change
	}
	p.cur.Segment, p.cur.Step, p.cur.Attract = i, 0, false
	p.setSegID()
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
	return identity(n)
}

var identities = func() [][]int {
	out := make([][]int, 64)
	for n := range out {
		out[n] = make([]int, n)
		for i := range n {
			out[n][i] = i
		}
	}
	return out
}()

// identity returns 0..n-1; callers must not modify it.
func identity(n int) []int {
	if n < len(identities) {
		return identities[n]
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
	p.setSegID()
	if seg.Product != "" {
		if p.state.Product == nil || p.state.Product.SKU != seg.Product {
			if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: seg.Product}); err != nil {
				return err
			}
		}
	} else if p.state.Product != nil && p.prog.Show.Kind == script.KindLivestream {
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

// spoken is a line about to be spoken.
type spoken struct {
	line             *script.Line // nil for lines not in the script
	id, text, lang   string
	cues             []script.Cue
	emotion, gesture string
	cached           bool              // text is the line's own: its timing may be shared
	reply            *avatar.Reply     // sent as a reply event with the speech
	translations     map[string]string // the line in the script's other languages
	advance          bool              // a script step: move the cursor on with the speech
	_                [0]func() bool    // not comparable
}

// sayLine speaks line l of the script in the room's language; advance says
// it is the step under the cursor.
func (p *Player) sayLine(ctx context.Context, l *script.Line, advance bool) error {
	u, lang := pick(l, p.cur.Lang, p.prog.Show.Languages)
	if skip, err := p.skipFalseLine(ctx, l, u, lang, advance); skip || err != nil {
		return err
	}
	text, cues := p.fill(u)
	return p.speak(ctx, spoken{
		line: l, id: l.ID, text: text, lang: lang, cues: cues, emotion: l.Emotion, gesture: l.Gesture,
		cached: text == u.Text, advance: advance, translations: p.lineTranslations(l, lang),
	})
}

// speak publishes a spoken line: expression and gesture, then the speech
// (or reply) event, then each cue at its word, then waits until the line
// and a breath are over, serving controls and input meanwhile.
func (p *Player) speak(ctx context.Context, s spoken) error {
	tl := p.prog.time(s.line, s.text, s.lang, p.voice, s.cached)
	sp := avatar.Speech{
		LineID: s.id, Text: s.text, Lang: s.lang, Emotion: s.emotion,
		DurationMS: tl.tr.DurationMS, Words: tl.words, Visemes: tl.visemes, Translations: s.translations,
	}
	start := time.Now()
	if s.emotion != "" {
		if err := p.emit(ctx, avatar.EventExpression, avatar.Expression{Name: s.emotion}); err != nil {
			return err
		}
	}
	if s.gesture != "" {
		if err := p.emit(ctx, avatar.EventGesture, avatar.Gesture{Name: s.gesture}); err != nil {
			return err
		}
	}
	if s.advance {
		p.advance()
	}
	// The speech (or reply) event is the next one published, after the
	// expression and gesture above: its "room/seq" is the content id.
	sp.AIGC = avatar.MarkAI(avatar.EventContentID(p.room.ID, p.seq+1))
	p.state.LineID = s.id
	p.state.Lang = p.cur.Lang
	if len(p.state.Recent) >= recentLines {
		copy(p.state.Recent, p.state.Recent[1:])
		p.state.Recent = p.state.Recent[:recentLines-1]
	}
	p.state.Recent = append(p.state.Recent, sp)
	// The cues go in the cursor with the speech, so a director taking the
	// room over mid-line can fire those this one did not.
	ends := start.Add(time.Duration(tl.tr.DurationMS) * time.Millisecond)
	p.cur.Line, p.curStr = nil, ""
	if len(s.cues) > 0 {
		l := &lineCues{ID: s.id, Ends: ends, Cues: make([]cueAt, len(s.cues))}
		for i, c := range s.cues {
			l.Cues[i] = cueAt{At: start.Add(time.Duration(tl.tr.OffsetMS(c.At)) * time.Millisecond), Kind: c.Action.Kind, Ref: c.Action.Ref}
		}
		p.cur.Line = l
	}
	var err error
	if s.reply != nil {
		r := *s.reply
		r.Speech, r.AIGC = sp, sp.AIGC
		err = p.emitState(ctx, avatar.EventReply, r)
	} else {
		err = p.emitState(ctx, avatar.EventSpeech, sp)
	}
	if err != nil {
		return err
	}
	return p.finishLine(ctx, ends)
}

// finishLine fires the cues left in the cursor's line at their times, then
// waits until the line ends and a breath is over, serving controls and
// input meanwhile.
func (p *Player) finishLine(ctx context.Context, ends time.Time) error {
	for p.cur.Line != nil {
		l := p.cur.Line
		if len(l.Cues) == 0 {
			p.cur.Line, p.curStr = nil, ""
			break
		}
		c := l.Cues[0]
		if err := p.wait(ctx, c.At, nil); err != nil {
			return err
		}
		// Fired as soon as its first event is out: a successor does not
		// fire it again.
		l.Cues = l.Cues[1:]
		if len(l.Cues) == 0 {
			p.cur.Line = nil
		}
		p.curStr = ""
		if err := p.act(ctx, script.Action{Kind: c.Kind, Ref: c.Ref}); err != nil {
			return err
		}
	}
	return p.wait(ctx, ends.Add(LineGap), nil)
}

// resumeLine finishes, after a takeover, the line the last director was
// speaking: the cues it had not fired fire at their times (at once if
// already due) and the line is let end before the next one. A line already
// over is left alone and its cues are dropped: out of their line they
// would come out of context.
func (p *Player) resumeLine(ctx context.Context) error {
	l := p.cur.Line
	if l == nil {
		return nil
	}
	if !time.Now().Before(l.Ends) {
		p.cur.Line, p.curStr = nil, ""
		return nil
	}
	p.log.Debug("finishing the last director's line", zap.String("line", l.ID), zap.Int("cues", len(l.Cues)))
	return p.finishLine(ctx, l.Ends)
}

// pick returns l's utterance in lang, else in the show's first language
// that has it.
func pick(l *script.Line, lang string, langs []string) (script.Utterance, string) {
	if u, ok := l.Say[lang]; ok {
		return u, lang
	}
	for _, lg := range langs {
		if u, ok := l.Say[lg]; ok {
			return u, lg
		}
	}
	for lg, u := range l.Say {
		return u, lg
	}
	return script.Utterance{}, lang
}

// fill replaces placeholders ({price:SKU}, {list_price:SKU}, {stock:SKU},
// {title:SKU}, {sale_price:ID}, {sale_stock:ID}, {coupon:ID}) with live
// values and moves cue offsets to match.
func (p *Player) fill(u script.Utterance) (string, []script.Cue) {
	return p.fillIn(u, p.cur.Lang)
}

// fillIn is fill for an utterance in lang ({title:SKU} in that language).
func (p *Player) fillIn(u script.Utterance, lang string) (string, []script.Cue) {
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
		val, ok := p.placeholder(src[j+1:k], lang)
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

func (p *Player) placeholder(s, lang string) (string, bool) {
	v, ok := p.placeholderValue(s, lang)
	if ok && (strings.Contains(s, "price") || strings.HasPrefix(s, "coupon:")) {
		// Spoken, an amount has no trailing zeros: 99元, 64.5元, not 99.00元.
		v = spokenAmount(v)
	}
	return v, ok
}

// spokenAmount drops the zeros after a decimal point and the point itself
// when nothing is left after it: "99.00" → "99", "64.50" → "64.5".
func spokenAmount(v string) string {
	if !strings.Contains(v, ".") {
		return v
	}
	return strings.TrimSuffix(strings.TrimRight(v, "0"), ".")
}

func (p *Player) placeholderValue(s, lang string) (string, bool) {
	name, ref, ok := strings.Cut(s, ":")
	if !ok {
		return "", false
	}
	switch name {
	case "sale_price", "sale_stock":
		sl := p.prog.sales[ref]
		if sl == nil {
			return "", false
		}
		if name == "sale_price" {
			return formatMoney(sl.Price), true
		}
		if p.sale != nil && p.sale.ev.ID == ref {
			return strconv.Itoa(p.sale.ev.Stock), true
		}
		return strconv.Itoa(min(sl.Stock, p.stockOf(sl.SKU))), true
	case "coupon":
		for _, c := range p.prog.Show.Coupons {
			if c.ID == ref {
				return formatMoney(c.Discount), true
			}
		}
		return "", false
	}
	pr := p.prog.products[ref]
	if pr == nil {
		return "", false
	}
	switch name {
	case "price":
		if p.sale != nil && p.sale.ev.SKU == ref {
			return p.sale.ev.Price, true
		}
		return formatMoney(p.priceOf(pr)), true
	case "list_price":
		return formatMoney(pr.ListPrice), true
	case "stock":
		return strconv.Itoa(p.stockOf(ref)), true
	case "title":
		return pr.Title.Get(lang, p.defaultLang()), true
	}
	return "", false
}

func (p *Player) defaultLang() string {
	if len(p.prog.Show.Languages) > 0 {
		return p.prog.Show.Languages[0]
	}
	return ""
}

func (p *Player) hasLang(lang string) bool {
	for _, l := range p.prog.Show.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// stockOf is SKU's live stock: the catalog's unless changed.
func (p *Player) stockOf(sku string) int {
	if n, ok := p.cur.Stock[sku]; ok {
		return n
	}
	if pr := p.prog.products[sku]; pr != nil {
		return pr.Stock
	}
	return 0
}

func (p *Player) setStock(sku string, n int) {
	if p.cur.Stock == nil {
		p.cur.Stock = map[string]int{}
	}
	p.cur.Stock[sku] = n
	p.curStr = ""
}

func (p *Player) priceOf(pr *script.Product) script.Money {
	if m, ok := p.cur.Price[pr.SKU]; ok {
		return m
	}
	return pr.Price
}

func (p *Player) varValue(name string) int64 {
	if v, ok := p.cur.Vars[name]; ok {
		return v
	}
	for _, v := range p.prog.Show.Vars {
		if v.Name == name {
			return v.Value
		}
	}
	return 0
}

func (p *Player) productCard(pr *script.Product) *avatar.Product {
	return &avatar.Product{
		SKU: pr.SKU, Title: pr.Title.Get(p.cur.Lang, p.defaultLang()),
		Price: formatMoney(p.priceOf(pr)), ListPrice: formatMoney(pr.ListPrice),
		Currency: pr.Currency, Stock: p.stockOf(pr.SKU), Image: pr.Image,
		Points: pr.Points[p.cur.Lang], Wanted: p.wantedOf(pr.SKU),
	}
}

// act fires one scripted action as its event.
func (p *Player) act(ctx context.Context, a script.Action) error {
	switch a.Kind {
	case script.ActShowProduct:
		pr := p.prog.products[a.Ref]
		if pr == nil {
			return nil // validated scripts name known SKUs
		}
		card := p.productCard(pr)
		p.state.Product = card
		return p.emitState(ctx, avatar.EventProductShow, card)
	case script.ActHideProduct:
		card := p.state.Product
		if card == nil || card.SKU != a.Ref {
			return nil
		}
		p.state.Product = nil
		return p.emitState(ctx, avatar.EventProductHide, card)
	case script.ActSale:
		s := a.Sale
		if s == nil {
			s = p.prog.sales[a.Ref]
		}
		return p.startSale(ctx, s)
	case script.ActCoupon:
		for _, c := range p.prog.Show.Coupons {
			if c.ID == a.Ref {
				cur := ""
				if len(p.prog.Show.Catalog) > 0 {
					cur = p.prog.Show.Catalog[0].Currency
				}
				return p.emit(ctx, avatar.EventCoupon, avatar.Coupon{
					ID: c.ID, Title: c.Title.Get(p.cur.Lang, p.defaultLang()), Discount: formatMoney(c.Discount),
					MinSpend: formatMoney(c.MinSpend), Currency: cur, Count: c.Count,
				})
			}
		}
	case script.ActFocus:
		e := p.prog.exhibits[a.Ref]
		if e == nil {
			return nil
		}
		ex := p.exhibitCard(e)
		p.state.Exhibit = ex
		return p.emitState(ctx, avatar.EventExhibit, ex)
	case script.ActExpression:
		return p.emit(ctx, avatar.EventExpression, avatar.Expression{Name: a.Ref})
	case script.ActGesture:
		return p.emit(ctx, avatar.EventGesture, avatar.Gesture{Name: a.Ref})
	}
	return nil
}

func (p *Player) exhibitCard(e *script.Exhibit) *avatar.Exhibit {
	ex := &avatar.Exhibit{ID: e.ID, Title: e.Title.Get(p.cur.Lang, p.defaultLang()), Era: e.Era.Get(p.cur.Lang, p.defaultLang()), Image: e.Image}
	for _, o := range e.Options {
		ex.Options = append(ex.Options, avatar.Option{ID: o.ID, Label: o.Label.Get(p.cur.Lang, p.defaultLang())})
	}
	return ex
}

// startSale starts flash sale s, ending any running one. Its stock is the
// sale's, capped by the product's live stock; it ends at a wall-clock time.
func (p *Player) startSale(ctx context.Context, s *script.Sale) error {
	if s == nil || p.prog.products[s.SKU] == nil {
		return nil
	}
	id := s.ID
	if id == "" {
		id = s.SKU
	}
	if p.sale != nil && p.sale.ev.ID == id {
		return nil // already counting down: a looping pitch does not restart it
	}
	if err := p.endSale(ctx, avatar.SaleEndStopped); err != nil {
		return err
	}
	pr := p.prog.products[s.SKU]
	stock := min(s.Stock, p.stockOf(s.SKU))
	if stock <= 0 {
		p.announceSoldOut(s.SKU)
		return nil
	}
	ends := time.Now().Add(s.Duration)
	p.sale = &saleRun{ends: ends, updated: time.Now(), ev: avatar.Sale{
		ID: id, SKU: s.SKU, Price: formatMoney(s.Price), Currency: pr.Currency, Stock: stock, Ends: avatar.Time(ends),
	}}
	ev := p.sale.ev
	p.state.Sale = &ev
	return p.emitState(ctx, avatar.EventSaleStart, ev)
}

// endSale ends the running sale, if any, for reason.
func (p *Player) endSale(ctx context.Context, reason string) error {
	if p.sale == nil {
		return nil
	}
	ev := p.sale.ev
	ev.Reason = reason
	p.sale, p.state.Sale = nil, nil
	return p.emitState(ctx, avatar.EventSaleEnd, ev)
}

// saleTick ends the sale at its end time and publishes stock changes from
// cart intents at most every SaleUpdateEvery. It returns when it next has
// something to do (zero: nothing).
func (p *Player) saleTick(ctx context.Context, now time.Time) (time.Time, error) {
	s := p.sale
	if s == nil {
		return time.Time{}, nil
	}
	if !now.Before(s.ends) {
		return time.Time{}, p.endSale(ctx, avatar.SaleEndTime)
	}
	next := s.ends
	if s.dirty {
		at := s.updated.Add(SaleUpdateEvery)
		if now.Before(at) {
			next = at
		} else if err := p.publishSale(ctx); err != nil {
			return time.Time{}, err
		}
	}
	return next, nil
}

func (p *Player) publishSale(ctx context.Context) error {
	s := p.sale
	s.dirty, s.updated = false, time.Now()
	ev := s.ev
	p.state.Sale = &ev
	if err := p.emitState(ctx, avatar.EventSaleUpdate, ev); err != nil {
		return err
	}
	// Cart claims took units from the product too: keep its card true.
	if card := p.state.Product; card != nil && card.SKU == ev.SKU && card.Stock != p.stockOf(ev.SKU) {
		return p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: ev.SKU})
	}
	return nil
}

// stockChanged publishes what follows from SKU's live stock changing:
// the card on screen, the running sale's stock, and a sell-out.
func (p *Player) stockChanged(ctx context.Context, sku string, atOnce bool) error {
	n := p.stockOf(sku)
	if s := p.sale; s != nil && s.ev.SKU == sku && s.ev.Stock > n {
		s.ev.Stock = n
		s.dirty = true
		if n == 0 {
			if err := p.endSale(ctx, avatar.SaleEndSoldOut); err != nil {
				return err
			}
		} else if atOnce {
			if err := p.publishSale(ctx); err != nil {
				return err
			}
		}
	}
	if card := p.state.Product; card != nil && card.SKU == sku && (atOnce || n == 0) {
		if err := p.act(ctx, script.Action{Kind: script.ActShowProduct, Ref: sku}); err != nil {
			return err
		}
	}
	if n == 0 {
		p.announceSoldOut(sku)
	}
	return nil
}

func (p *Player) announceSoldOut(sku string) {
	for _, s := range p.soldOut {
		if s == sku {
			return
		}
	}
	p.soldOut = append(p.soldOut, sku)
}

func (p *Player) holds(c *script.Cond) bool {
	var v int64
	switch {
	case strings.HasPrefix(c.Var, "stock(") && strings.HasSuffix(c.Var, ")"):
		v = int64(p.stockOf(c.Var[len("stock(") : len(c.Var)-1]))
	case c.Var == "viewers":
		p.state.Viewers = p.viewers(time.Now())
		v = int64(p.state.Viewers)
	default:
		v = p.varValue(c.Var)
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

// wait returns at deadline (zero: never) or as soon as until reports true
// (nil: never), serving viewer input, controls and the sale clock meanwhile.
func (p *Player) wait(ctx context.Context, deadline time.Time, until func() bool) error {
	for {
		if until != nil && until() {
			return nil
		}
		now := time.Now()
		if !deadline.IsZero() && !now.Before(deadline) {
			return nil
		}
		next, err := p.saleTick(ctx, now)
		if err != nil {
			return err
		}
		if next, err = p.interestTick(ctx, now, next); err != nil {
			return err
		}
		if next.IsZero() || (!deadline.IsZero() && deadline.Before(next)) {
			next = deadline
		}
		var tc <-chan time.Time
		if !next.IsZero() {
			p.timer.Reset(next.Sub(now))
			tc = p.timer.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case it := <-p.inbox:
			if err := p.handle(ctx, it); err != nil {
				return err
			}
		case <-p.updC:
		case <-tc:
			p.timePassed()
		}
	}
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
	token, err := p.sink.Publish(ctx, p.room.ID, env.Seq, raw, p.cursor(), p.token)
	if err != nil {
		return err
	}
	p.seq, p.token = env.Seq, token
	p.state.Seq = env.Seq
	if p.onEmit != nil {
		p.onEmit(typ)
	}
	return nil
}

// emitState is emit followed by a save of the state snapshot it changed.
func (p *Player) emitState(ctx context.Context, typ avatar.EventType, data any) error {
	if err := p.emit(ctx, typ, data); err != nil {
		return err
	}
	return p.saveState(ctx)
}

func (p *Player) cursor() string {
	if p.curStr == "" {
		p.curStr = p.cur.String()
	}
	return p.curStr
}

func (p *Player) saveState(ctx context.Context) error {
	p.state.Seq = p.seq
	p.state.Languages = p.prog.Show.Languages
	p.state.Viewers = p.viewers(time.Now())
	p.state.AIGC = avatar.MarkAI(string(p.room.ID))
	return p.sink.SaveState(ctx, p.room.ID, p.state)
}

// formatMoney writes hundredths as a decimal with two places: 9900 → "99.00".
func formatMoney(m script.Money) string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// discloseIfDue speaks the spoken disclosure if the show has just started.
func (p *Player) discloseIfDue(ctx context.Context) error {
	if !p.disclose {
		return nil
	}
	p.disclose = false
	if text := p.room.Persona.SpokenDisclosureFor(p.lang()); text != "" {
		return p.speakDisclosure(ctx, text)
	}
	return nil
}

// speakDisclosure speaks the persona's disclosure in the room's language,
// with the script's other languages as translations: the line that opens
// every show. It is the director's, not the script's, so no script can
// remove it.
func (p *Player) speakDisclosure(ctx context.Context, text string) error {
	per := p.room.Persona
	tr := p.otherLangs(p.lang(), func(lg string) (string, bool) {
		_, spoken := per.SpokenDisclosure[lg]
		_, label := per.Disclosure[lg]
		return per.SpokenDisclosureFor(lg), spoken || label
	})
	return p.speak(ctx, spoken{id: avatar.DisclosureLineID, text: text, lang: p.lang(), translations: tr})
}

// lang is the language spoken now.
func (p *Player) lang() string {
	if p.cur.Lang != "" {
		return p.cur.Lang
	}
	return p.defaultLang()
}
