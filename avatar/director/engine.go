package director

import (
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/avatar/speech"
	"github.com/avatarcast/avatarcast/avatar/voice"
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

const recentLines = 3 // spoken lines kept in the state snapshot

// Engine is the show of one room as a state machine: the script's cursor,
// the room's state snapshot, the agenda of interjections (typed lines,
// sell-outs, answers, tapped narration, thanks), commerce and the room's
// viewer counts. It does no I/O, reads no clock and starts no goroutine:
// Update applies one message at a time given by the caller and says what
// to publish and when to wake it. A Player drives it. An Engine is not
// safe for concurrent use.
type Engine struct {
	room avatar.Room
	prog *Program
	log  *zap.Logger
	// block holds blocked words: names holding one are not spoken.
	block *avatar.Blocklist
	voice speech.Voice
	// voices holds the lines the driver rendered (voice.go); nil: no voice.
	voices Voices
	// held is a line waiting for its render (heldReq) since it was
	// chosen, heldDone set when the driver answered for it (voice.go).
	held     *spoken
	heldReq  voice.Request
	heldDone bool

	seq    uint64 // last seq given to an event
	cur    cursor
	curStr string // cur encoded, "" when it changed
	state  avatar.State
	want   string   // the room record's status
	upd    *update  // a room update waiting for the next line boundary
	next   *Program // a new script version, played from the next segment
	sale   *saleRun
	// viewerCounts holds each gateway's latest viewer count report.
	viewerCounts avatar.ViewerCounts
	// disclose is set when a show starts: its first line is the persona's
	// spoken disclosure, whatever the script says.
	disclose bool

	says      []avatar.Control // merchant's typed lines, first in first out
	queued    []queuedSay      // typed lines placed at the end of the queue (place.go)
	soldOut   []string         // SKUs whose sell-out is to be announced
	answers   []*pendingAnswer
	answered  map[int]time.Time // FAQ index → when last answered
	model     modelState        // unmatched questions: fallback, filler, the model (answers.go)
	interlude []*script.Line    // museum: narration of the tapped exhibit or option
	tapFocus  string            // exhibit to focus before the interlude
	tapTarget string            // the exhibit or option tapped, for the checkpoint
	// chosen is the interjection being spoken until its speech event is
	// out: the checkpoint puts it back on the agenda (agenda.go).
	chosen *chosen
	// lastCursor is the cursor of the last event emitted: a control
	// whose change it does not carry gets a checkpoint event.
	lastCursor string
	thank      string // speakable name to thank for likes, "" for a generic thank-you
	thankDue   bool   // a thank-you for likes is due
	lastThank  time.Time
	thanks     thanker // the script's thank-yous for platform viewers (thanks.go)
	skip       bool
	relang     bool // the language changed: show the card and exhibit again in it
	pitch      string
	saleNow    *script.Sale
	burst      int // interjections since the last scripted line
	lastTouch  time.Time
	com        commerce // intents, live price checks, sold-out pitches (commerce.go)
	// silentSteps counts script steps since time last passed (guard.go).
	silentSteps int
	// sched is the room's schedule's clock (schedule.go).
	sched schedClock

	// What Update is doing: the time of its message, what it produces,
	// and where the show waits (see run).
	started  bool
	now      time.Time
	out      []Out
	err      error
	waiting  bool
	w        waitFor
	wake     time.Time
	speaking bool      // finishing the line of cursor.Line (or its breath)
	ends     time.Time // when that line ends, without the breath
	cut      bool      // that line was cut (place.go): no breath after it
	after    afterLine // what follows once the line is over
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

// pendingAnswer is a viewer question waiting to be answered from FAQ
// entry faq, or (faq -1) one no entry matched, answered by the fallback
// or the model (answers.go); repeats of it by other viewers merge into it.
type pendingAnswer struct {
	faq      int
	lang     string
	viewers  []string
	names    []string
	question string
	// notBefore holds a repeat until the cooldown of its last answer is
	// over; zero: due at the next line boundary.
	notBefore time.Time

	// Unmatched questions only.
	key    string           // questionKey of the question
	asked  time.Time        // when first asked
	source string           // avatar.ReplySourceFallback or ReplySourceModel
	id     uint64           // the OutAsk's ID while the model answers
	spoken []string         // the model's sentences that passed
	model  string           // the model that wrote them
	rec    *avatar.Question // the record the driver completed
}

// A Msg is what an Engine is told: MsgRestore (first, once), MsgInput,
// MsgControl, MsgRoom, MsgViewers or MsgTick.
type Msg interface{ isMsg() }

// MsgRestore starts the engine from the room's checkpoint, exactly as the
// sink gives it: the last event's seq and cursor (Sink.Last; zero and "" for
// a new room) and the state snapshot (Sink.LoadState; found false if none).
type MsgRestore struct {
	Seq    uint64
	Cursor string
	State  avatar.State
	Found  bool
}

// MsgInput is a viewer's message.
type MsgInput struct{ Input avatar.Input }

// MsgControl is a merchant's control; the engine answers it with an
// OutReply carrying ID.
type MsgControl struct {
	ID      uint64
	Control avatar.Control
}

// MsgRoom is the room's new record; Program is the script version it
// names if that changed (nil otherwise). Only the latest counts; it
// applies at the next line boundary, a new script at the next segment.
type MsgRoom struct {
	Room    avatar.Room
	Program *Program
}

// MsgViewers is gateway's count of the room's viewers, reported at At.
type MsgViewers struct {
	Gateway string
	Count   int
	At      time.Time
}

// MsgTick says the wake-up time Update asked for has come.
type MsgTick struct{}

func (MsgRestore) isMsg() {}
func (MsgInput) isMsg()   {}
func (MsgControl) isMsg() {}
func (MsgRoom) isMsg()    {}
func (MsgViewers) isMsg() {}
func (MsgTick) isMsg()    {}

// OutKind says what an Out asks the driver to do.
type OutKind uint8

// What the driver does with an Out, in order.
const (
	// OutEvent: publish event Seq of type Type with payload Data, with
	// Cursor (the checkpoint after it), dated when it is published (the
	// time of the Update, or just after).
	OutEvent OutKind = iota + 1
	// OutState: save *State as the room's snapshot.
	OutState
	// OutAudit: record Action with Detail for the room's merchant.
	OutAudit
	// OutReply: answer control ID with *Reply.
	OutReply
	// OutQuestion: record *Question, an unmatched viewer question, for
	// the room's merchant (answers.go).
	OutQuestion
	// OutAsk: run *Ask through the model off the engine and send back a
	// MsgAnswered (answers.go).
	OutAsk
	// OutRender: render *Render, a line the engine holds for its audio,
	// and send back MsgRendered once it is ready in Voices or will not
	// be (voice.go).
	OutRender
)

// Out is one thing an Update asks the driver to do.
type Out struct {
	Kind   OutKind
	Seq    uint64
	Type   avatar.EventType
	Data   any
	Cursor string
	State  *avatar.State
	Action string
	Detail any
	ID     uint64
	Reply  *avatar.ControlReply
	// Question is OutQuestion's record, Ask OutAsk's question.
	Question *avatar.Question
	Ask      *Ask
	// Render is OutRender's line.
	Render *voice.Request
	// Line is the kind of line (LineScript…) an OutEvent of speech or
	// reply speaks, and Voiced whether it has audio: for metrics.
	Line   string
	Voiced bool
	// Before is set on the first event of a spoken line (expression,
	// gesture, speech or reply): the checkpoint just before the line.
	// A room handed over at that line stores it instead (Player).
	Before string
}

// untilKind is what ends a wait before its deadline.
type untilKind uint8

const (
	untilNone         untilKind = iota
	untilInterjection           // something waits to pre-empt a pause (interjectionDue)
	untilPause                  // a scripted pause: as untilInterjection
	untilUpdate                 // the room record changed
	untilRestock                // a product came back in stock, or an interjection is due
	untilRendered               // the driver answered for the line held for its render (voice.go)
)

// waitFor is where the show waits: until deadline (zero: no deadline) or
// until its condition holds.
type waitFor struct {
	deadline time.Time
	until    untilKind
}

// afterLine is what a line's caller does once the line and its breath
// are over. It is not part of the checkpoint: a director taking the room
// over mid-line finishes the line only.
type afterLine uint8

const (
	afterNothing afterLine = iota
	afterTouch             // attract: the next attract line after another quiet spell
	afterRefocus           // interlude: back to the segment's exhibit when the narration is over
	afterAttract           // disclosure: go on with the attract loop
	afterStep              // disclosure: go on with the step under the cursor
)

// NewEngine returns the engine of prog in room. It does nothing until it
// gets MsgRestore. log may be nil.
func NewEngine(room avatar.Room, prog *Program, log *zap.Logger) *Engine {
	if log == nil {
		log = zap.NewNop()
	}
	e := &Engine{
		room:         room,
		prog:         prog,
		log:          log,
		voice:        speech.Voice{Rate: room.Persona.Voice.Rate},
		want:         room.Status,
		viewerCounts: avatar.ViewerCounts{MaxAge: ViewersMaxAge},
	}
	e.cur.Lang = e.defaultLang()
	e.cur.Version = prog.Version
	return e
}

// Update applies m at time now, then plays the show on until it must wait
// for time to pass or for another message. It returns what the driver must
// do, in order (the slice is the caller's), and when to send MsgTick
// (zero: only on a message). A non-nil error (a script that jumps nowhere)
// ends the show: perform out, then stop. Update never blocks. A later now
// than the last call's means time passed (see MaxSilentSteps).
func (e *Engine) Update(now time.Time, m Msg) ([]Out, time.Time, error) {
	if now.After(e.now) {
		e.silentSteps = 0 // time passed
	}
	e.now = now
	var later *Out // a control's answer, given once what it changed is stored
	switch m := m.(type) {
	case MsgRestore:
		if !e.started {
			e.started = true
			e.restore(m)
			e.resumeLine()
		}
	case MsgInput:
		e.onInput(&m.Input)
	case MsgControl:
		r := e.onControl(&m.Control)
		o := Out{Kind: OutReply, ID: m.ID, Reply: &r}
		if r.OK {
			r.Seq = e.seq
		}
		if r.OK && e.cursorString() != e.lastCursor {
			// What the merchant is told was taken is stored before the
			// answer, so a director taking the room over goes on with it:
			// by the events the show goes on with (a typed line placed
			// now, spoken at once), else by a checkpoint event (run).
			later = &o
		} else {
			e.out = append(e.out, o)
		}
	case MsgRoom:
		prog := m.Program
		if e.upd != nil && prog == nil {
			prog = e.upd.prog
		}
		e.upd = &update{room: m.Room, prog: prog}
	case MsgViewers:
		e.viewerCounts.Set(m.Gateway, m.Count, m.At)
	case MsgAnswered:
		e.onAnswered(m)
	case MsgRendered:
		e.renderedMsg(m)
	case MsgTick:
	}
	e.expireAsk()
	e.run()
	if later != nil {
		e.checkpoint()
		e.out = append(e.out, *later)
	}
	// A new slice every time: a buffer kept per room would cost more
	// memory across thousands of idle rooms than the garbage costs.
	out := e.out
	e.out = nil
	return out, e.wake, e.err
}

// run plays the show from where it is: line boundary, interjection or
// step, again and again, until it waits. A wait that is over goes on with
// the line being spoken and what follows it.
func (e *Engine) run() {
	if !e.started {
		return
	}
	for e.err == nil {
		if e.waiting {
			if !e.waitOver() {
				return
			}
			e.waiting = false
			e.resume()
			continue
		}
		if e.lineBoundary() {
			continue
		}
		e.step()
	}
}

// lineBoundary is the one place where the show is interrupted, between two
// lines: it applies the room record's status and script, then the show
// controls (language, skip, pitch, sale), then speaks at most one line that
// pre-empts the script (interject). While the room is paused or stopped it
// waits here for the record to change. It reports whether it spoke or
// waits; false: the script's next step is due.
func (e *Engine) lineBoundary() bool {
	if u := e.upd; u != nil {
		e.upd = nil
		e.want = u.room.Status
		e.room.Title, e.room.Version, e.room.StopReason = u.room.Title, u.room.Version, u.room.StopReason
		e.room.Schedule = u.room.Schedule
		if u.prog != nil && u.prog != e.prog {
			e.next = u.prog // from the next segment on
		}
	}
	e.lifecycle()
	if e.state.Status != avatar.ShowPlaying {
		e.wait(time.Time{}, untilUpdate)
		return true
	}
	e.applyShowControls()
	return e.interject()
}

// interjectionDue reports whether something waits for the next line
// boundary that may pre-empt the script there: a scripted pause is cut
// short for it. Answers and taps may not once a burst is capped.
func (e *Engine) interjectionDue() bool {
	e.promoteQueued()
	return len(e.says) > 0 || len(e.soldOut) > 0 || !e.capped() && (e.answerDue() || len(e.interlude) > 0) ||
		e.skip || e.pitch != "" || e.saleNow != nil || e.upd != nil
}

// wait makes the show wait until deadline (zero: none) or until holds,
// serving viewer input, controls and the sale clock meanwhile. It reports
// whether the engine waits; false: the wait is already over.
func (e *Engine) wait(deadline time.Time, until untilKind) bool {
	if e.untilHolds(until) || !deadline.IsZero() && !e.now.Before(deadline) {
		return false
	}
	e.waiting, e.w = true, waitFor{deadline: deadline, until: until}
	return true
}

func (e *Engine) untilHolds(u untilKind) bool {
	if u != untilNone && e.scheduleDue() {
		return true // the show goes on or off air (schedule.go)
	}
	switch u {
	case untilInterjection, untilPause:
		return e.interjectionDue()
	case untilUpdate:
		return e.upd != nil
	case untilRestock:
		return e.com.restocked || e.interjectionDue()
	case untilRendered:
		return e.heldDone
	}
	return false
}

// waitOver reports whether the wait is over; if not, it runs the sale and
// interest clocks and sets when to wake.
func (e *Engine) waitOver() bool {
	if e.untilHolds(e.w.until) {
		return true
	}
	deadline := e.w.deadline
	if !deadline.IsZero() && !e.now.Before(deadline) {
		return true
	}
	next := e.saleTick()
	next = e.interestTick(next)
	next = e.answersTick(next)
	next = e.scheduleTick(next)
	if next.IsZero() || !deadline.IsZero() && deadline.Before(next) {
		next = deadline
	}
	e.wake = next
	return false
}

// blocked reports whether the engine waits (or failed): its caller must
// return to run.
func (e *Engine) blocked() bool { return e.waiting || e.err != nil }

// resume goes on after a wait: the line being spoken, then what follows it.
func (e *Engine) resume() {
	if e.speakHeld() {
		if e.blocked() {
			return
		}
	} else if e.speaking {
		e.finishLine()
		if e.blocked() {
			return
		}
	}
	k := e.after
	e.after = afterNothing
	e.then(k)
}

// then does k now if the engine does not wait, else once the wait, and the
// line it belongs to, is over.
func (e *Engine) then(k afterLine) {
	if k == afterNothing || e.err != nil {
		return
	}
	if e.waiting {
		e.after = k
		return
	}
	switch k {
	case afterTouch:
		e.touch()
	case afterRefocus:
		if len(e.interlude) == 0 {
			e.refocus()
		}
	case afterAttract:
		e.attract()
	case afterStep:
		e.playStep()
	}
}

// emit publishes one event with the next seq and the cursor after it.
func (e *Engine) emit(typ avatar.EventType, data any) {
	e.seq++
	e.state.Seq = e.seq
	e.lastCursor = e.cursorString()
	e.out = append(e.out, Out{Kind: OutEvent, Seq: e.seq, Type: typ, Data: data, Cursor: e.lastCursor})
}

// checkpoint emits a checkpoint event if the cursor has changed since the
// last event: the change is then stored before anything is answered.
func (e *Engine) checkpoint() {
	if e.cursorString() != e.lastCursor {
		e.emit(avatar.EventCheckpoint, avatar.Checkpoint{})
	}
}

// Checkpoint returns the checkpoint event of what the engine holds now,
// if its cursor changed since the last event (a room handed over while
// nothing is spoken: questions, likes since then). Call it between
// Updates, once the engine will not be updated again.
func (e *Engine) Checkpoint(now time.Time) (Out, bool) {
	e.now = now
	if !e.started || e.cursorString() == e.lastCursor {
		return Out{}, false
	}
	e.emit(avatar.EventCheckpoint, avatar.Checkpoint{})
	o := e.out[len(e.out)-1]
	e.out = nil
	return o, true
}

// emitState is emit followed by a save of the state snapshot it changed.
func (e *Engine) emitState(typ avatar.EventType, data any) {
	e.emit(typ, data)
	e.saveState()
}

// cursorString is the checkpoint: the cursor (encoded once per change)
// with the agenda (agenda.go) while something waits.
func (e *Engine) cursorString() string {
	if e.curStr == "" {
		e.curStr = e.cur.String()
	}
	if q := e.agendaJSON(); q != "" {
		return e.curStr[:len(e.curStr)-1] + `,"q":` + q + "}"
	}
	return e.curStr
}

// saveState saves the snapshot. The Out shares State's slices and maps,
// which the engine replaces, never changes in place.
func (e *Engine) saveState() {
	e.state.Seq = e.seq
	e.state.Languages = e.prog.Show.Languages
	e.state.Viewers = e.viewerCount()
	e.state.AIGC = avatar.MarkAI(string(e.room.ID))
	st := e.state
	e.out = append(e.out, Out{Kind: OutState, State: &st})
}

// viewerCount is the room's viewer count now.
func (e *Engine) viewerCount() int { return e.viewerCounts.Total(e.now) }

// record asks the driver to record action with detail for the merchant.
func (e *Engine) record(action string, detail any) {
	e.out = append(e.out, Out{Kind: OutAudit, Action: action, Detail: detail})
}

// Room is the room record the engine plays from.
func (e *Engine) Room() avatar.Room { return e.room }
