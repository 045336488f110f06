// Package director plays show scripts: it turns a script, the room's clock,
// viewers' input and merchants' controls into the timed stream of avatar
// events of each room, publishes them through package bus, and keeps each
// room's state snapshot and the cursor stored with every event, so a late
// joiner sees the show at once and another director can carry a room on.
//
// The show's rules are an Engine: a state machine that does no I/O and reads
// no clock (Update(now, msg) → what to publish, save and answer, and when to
// wake). A Player drives one room's engine with the clock, the room's input
// and controls, and publishes what it says, fenced. A Director watches the
// rooms bucket and plays every room whose lease it holds, one Player per
// room; a Program is a parsed script version shared by all rooms playing it. docs/director.md describes the pre-emption rules,
// controls, leases and takeover.
//
// It imports avatar, avatar/bus, avatar/script and avatar/speech, and must
// never import the gateway.
package director
