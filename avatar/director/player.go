package director

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

const inboxSize = 64 // viewer inputs and controls waiting for the player

// Player plays one show in one room: it drives the room's Engine with
// the clock, viewer input, merchant controls and the room record's
// changes, and publishes what the engine produces to its sink, fenced by
// the token of the room's last event. Run owns the engine; Input, Control,
// Update and Viewers may be called from any goroutine while Run runs.
type Player struct {
	eng  *Engine
	id   avatar.RoomID
	sink Sink
	log  *zap.Logger

	inbox chan item
	wake  chan struct{} // an update or viewer report waits in the mailbox
	mu    sync.Mutex    // guards upd and reports
	upd   *MsgRoom
	// reports are viewer count reports not yet given to the engine, by gateway.
	reports map[string]MsgViewers

	// onEmit, if set, is told the type of each event published (metrics).
	onEmit func(avatar.EventType)
	// vo renders lines ahead (render.go); nil: no voice.
	vo *renderer
	// vmet counts lines spoken with audio or estimated; nil: not counted.
	vmet *voiceMetrics

	// ask runs the model's answers (answers.go); nil: model off.
	ask      *asker
	answered <-chan Msg // MsgAnswered from ask

	token   uint64 // sink token of the last event, for fencing
	nextCtl uint64 // ID of the next control

	// refused is the line's first event a hand-over refused; broken is
	// set when an Update's outs were not all performed: the engine is
	// then past what was stored (see FinalCheckpoint).
	refused *Out
	broken  bool
}

type item struct {
	input *avatar.Input
	ctl   *avatar.Control
	reply func(avatar.ControlReply)
}

// NewPlayer returns a player of prog in room, publishing to sink.
func NewPlayer(room avatar.Room, prog *Program, sink Sink, log *zap.Logger) *Player {
	log = log.With(zap.String("room", string(room.ID)), zap.String("script", prog.Show.ID))
	return &Player{
		eng:   NewEngine(room, prog, log),
		id:    room.ID,
		sink:  sink,
		log:   log,
		inbox: make(chan item, inboxSize),
		wake:  make(chan struct{}, 1),
	}
}

// SetVoice makes the player render its lines with prov ahead of time, so
// they are spoken with audio and the synthesiser's timings (nil: no
// voice). Call it before Run.
func (p *Player) SetVoice(prov voice.Provider) { p.setVoice(prov, nil) }

// setVoice is SetVoice counting into met (nil: not counted).
func (p *Player) setVoice(prov voice.Provider, met *voiceMetrics) {
	p.vmet = met
	if prov == nil {
		p.vo = nil
		p.eng.SetVoices(nil)
		return
	}
	p.vo = newRenderer(prov, p.log, met)
	p.eng.SetVoices(p.vo)
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
		prog = p.upd.Program
	}
	p.upd = &MsgRoom{Room: room, Program: prog}
	p.mu.Unlock()
	p.signal()
}

// Viewers records gateway's latest count n of the room's viewers, as each
// gateway reports it every few seconds. The room's viewer count, for
// `viewers` conditions and State.Viewers, is the sum of every gateway's
// latest report that is at most ViewersMaxAge old (avatar.ViewerCounts).
// Viewers may be called from any goroutine and never blocks on the player.
func (p *Player) Viewers(gateway string, n int) {
	now := time.Now()
	p.mu.Lock()
	if p.reports == nil {
		p.reports = map[string]MsgViewers{}
	}
	p.reports[gateway] = MsgViewers{Gateway: gateway, Count: n, At: now}
	p.mu.Unlock()
	p.signal()
}

func (p *Player) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// mail takes what waits in the mailbox: the latest room update first,
// then viewer reports.
func (p *Player) mail() []Msg {
	p.mu.Lock()
	defer p.mu.Unlock()
	var ms []Msg
	if p.upd != nil {
		ms = append(ms, *p.upd)
		p.upd = nil
	}
	for gw, r := range p.reports {
		ms = append(ms, r)
		delete(p.reports, gw)
	}
	return ms
}

// Run plays the show until ctx ends; then it returns nil. It returns an
// error if the sink fails, or bus.ErrFenced (wrapped) if another director
// has written to the room.
func (p *Player) Run(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	if p.vo != nil {
		defer p.vo.wg.Wait() // after stop: renders end with ctx
	}
	defer stop()
	err := p.run(ctx)
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

func (p *Player) run(ctx context.Context) error {
	seq, token, cur, err := p.sink.Last(ctx, p.id)
	if err != nil {
		return err
	}
	st, found, err := p.sink.LoadState(ctx, p.id)
	if err != nil {
		return err
	}
	p.token = token
	p.renderAhead(ctx, false) // the disclosure, FAQ answers…: before the show starts
	wake, err := p.step(ctx, MsgRestore{Seq: seq, Cursor: cur, State: st, Found: found}, nil)
	if err != nil {
		return err
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	var rendered <-chan rendered // nil without a voice
	if p.vo != nil {
		rendered = p.vo.done
	}
	for {
		var tc <-chan time.Time
		if !wake.IsZero() {
			timer.Reset(time.Until(wake))
			tc = timer.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case it := <-p.inbox:
			wake, err = p.deliver(ctx, it)
		case <-p.wake:
			for _, m := range p.mail() {
				if wake, err = p.step(ctx, m, nil); err != nil {
					break
				}
			}
		case <-tc:
			wake, err = p.step(ctx, MsgTick{}, nil)
		case m := <-p.answered:
			wake, err = p.step(ctx, m, nil)
		case r := <-rendered:
			// A render came back: keep it, tell the engine if it holds
			// the line for it, and render on (a slot is free).
			if req, held := p.vo.take(r, time.Now()); held {
				wake, err = p.step(ctx, MsgRendered{Request: req}, nil)
			}
			p.renderAhead(ctx, true)
		}
		if err != nil {
			return err
		}
	}
}

// deliver gives the engine a viewer's input or a merchant's control.
func (p *Player) deliver(ctx context.Context, it item) (time.Time, error) {
	if it.input != nil {
		return p.step(ctx, MsgInput{Input: *it.input}, nil)
	}
	p.nextCtl++
	return p.step(ctx, MsgControl{ID: p.nextCtl, Control: *it.ctl}, it.reply)
}

// step gives m to the engine and does what it says, in order. reply
// answers the control m is, if it is one: with "internal error" if an
// event or the state before its answer cannot be stored.
func (p *Player) step(ctx context.Context, m Msg, reply func(avatar.ControlReply)) (time.Time, error) {
	for {
		wake, next, err := p.step1(ctx, m, reply)
		if err != nil || next == nil {
			return wake, err
		}
		// The engine holds a line for a render that will not come (or is
		// ready): it need not wait.
		m, reply = next, nil
	}
}

// renderAhead renders what the engine will most likely say next, then
// (prepared) the lines it keeps rendered.
func (p *Player) renderAhead(ctx context.Context, upcoming bool) {
	if p.vo == nil {
		return
	}
	now := time.Now()
	if upcoming {
		p.vo.ask(ctx, now, p.eng.Upcoming(LookAhead))
	}
	p.vo.prepare(ctx, now, p.eng.Prepared(PreparedLines))
}

// step1 is one step; next is a message to give the engine at once.
func (p *Player) step1(ctx context.Context, m Msg, reply func(avatar.ControlReply)) (time.Time, Msg, error) {
	now := time.Now()
	var held voice.Request
	wasHolding := false
	if p.vo != nil {
		held, wasHolding = p.eng.Holding()
	}
	out, wake, failed := p.eng.Update(now, m)
	var next Msg
	if p.vo != nil {
		if wasHolding {
			if req, still := p.eng.Holding(); !still || keyOf(req) != keyOf(held) {
				p.vo.late(now, held) // if its render is not back (then it is not in time)
			}
		}
		if spoke(out) || isSay(m) || mayAnswer(m) {
			// A line starts, the merchant typed one, or a viewer's
			// question (or the model's answer to one) came: render the
			// next ones while this one is spoken.
			defer p.renderAhead(ctx, true)
		}
	}
	for i := range out {
		o := &out[i]
		var err error
		switch o.Kind {
		case OutEvent:
			// Dated when it goes out, as an event always was: a line's
			// expression, gesture and speech keep their order in time
			// too (an export window cut at the speech leaves out the
			// speech, not what came before it).
			err = p.publish(ctx, time.Now(), o)
		case OutState:
			err = p.sink.SaveState(ctx, p.id, *o.State)
		case OutAudit:
			p.audit(ctx, o.Action, o.Detail)
		case OutQuestion:
			p.recordQuestion(ctx, o.Question)
		case OutAsk:
			p.runAsk(ctx, o.Ask)
		case OutRender:
			if p.vo == nil || p.vo.await(ctx, now, *o.Render) {
				next = MsgRendered{Request: *o.Render}
			}
		case OutReply:
			if reply != nil {
				reply(*o.Reply)
				reply = nil
			}
		}
		if err != nil {
			if reply != nil {
				reply(avatar.ControlReply{Error: "internal error"})
			}
			p.broken = true
			if o.Kind == OutEvent && errors.Is(err, errHandedOver) {
				r := *o
				p.refused = &r
			}
			return wake, nil, err
		}
	}
	if failed != nil {
		return wake, nil, failed
	}
	return wake, next, nil
}

// finalPublisher is a sink that can still publish a room's last
// checkpoint once it refuses everything else (handoverSink).
type finalPublisher interface {
	publishFinal(ctx context.Context, r avatar.RoomID, seq uint64, raw []byte, cursor string, expect uint64) (uint64, error)
}

// FinalCheckpoint stores what the engine holds when the room leaves this
// director in good order (handed over, or let go while its lease is
// held): the checkpoint just before the line a hand-over refused, or, if
// the player stopped between two Updates, the engine's own if it changed
// since the last event (questions, likes… that came since). Nothing is
// stored if the player stopped in the middle of an Update for another
// reason (the engine is past what was stored: the stored cursor stands).
// Call it after Run returned, never while it runs.
func (p *Player) FinalCheckpoint(ctx context.Context) error {
	fp, ok := p.sink.(finalPublisher)
	if !ok {
		return nil
	}
	var o Out
	switch {
	case p.refused != nil:
		if p.refused.Before == "" {
			return nil
		}
		o = Out{Kind: OutEvent, Seq: p.refused.Seq, Type: avatar.EventCheckpoint, Data: avatar.Checkpoint{}, Cursor: p.refused.Before}
	case p.broken || !p.eng.started:
		return nil
	default:
		if o, ok = p.eng.Checkpoint(time.Now()); !ok {
			return nil
		}
	}
	env, err := avatar.NewEnvelope(p.id, o.Seq, time.Now(), o.Type, o.Data)
	if err != nil {
		return fmt.Errorf("director: encode checkpoint of room %s: %w", p.id, err)
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("director: encode checkpoint of room %s: %w", p.id, err)
	}
	token, err := fp.publishFinal(ctx, p.id, o.Seq, raw, o.Cursor, p.token)
	if err != nil {
		return fmt.Errorf("director: store the checkpoint of room %s: %w", p.id, err)
	}
	p.token, p.refused = token, nil
	return nil
}

// publish publishes event o, dated at, fenced by the last event's token.
func (p *Player) publish(ctx context.Context, at time.Time, o *Out) error {
	env, err := avatar.NewEnvelope(p.id, o.Seq, at, o.Type, o.Data)
	if err != nil {
		return fmt.Errorf("director: encode %s: %w", o.Type, err)
	}
	raw, err := json.Marshal(env)
	if err != nil {
		return fmt.Errorf("director: encode %s: %w", o.Type, err)
	}
	token, err := p.sink.Publish(ctx, p.id, o.Seq, raw, o.Cursor, p.token)
	if err != nil {
		return err
	}
	p.token = token
	if p.onEmit != nil {
		p.onEmit(o.Type)
	}
	p.vmet.spoken(o)
	return nil
}

// audit records action for the room's merchant if the sink is an Auditor;
// a sink that is none gets the engine's log line only. A failed record is
// logged, and the show goes on.
func (p *Player) audit(ctx context.Context, action string, detail any) {
	a, ok := p.sink.(Auditor)
	if !ok {
		return
	}
	if err := a.Audit(ctx, p.eng.Room(), action, detail); err != nil {
		p.log.Warn("audit record lost", zap.String("action", action), zap.Error(err))
	}
}

func isSay(m Msg) bool {
	c, ok := m.(MsgControl)
	return ok && c.Control.Type == avatar.CtlSay
}

// mayAnswer reports whether m may queue an answer to a viewer.
func mayAnswer(m Msg) bool {
	switch m := m.(type) {
	case MsgInput:
		return m.Input.Type == avatar.MsgQuestion || m.Input.Type == avatar.MsgComment
	case MsgAnswered:
		return true
	}
	return false
}
