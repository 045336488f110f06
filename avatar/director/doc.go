// Package director plays show scripts: it turns a script, the room's clock
// and viewers' input into the timed stream of avatar events of each room,
// publishes them through package bus, and keeps each room's state snapshot
// and cursor checkpoint so a late joiner sees the show at once and another
// director can carry a room on.
//
// It imports avatar, avatar/bus, avatar/script and avatar/speech, and must
// never import the gateway.
package director
