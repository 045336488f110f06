package bus

import "github.com/avatarcast/avatarcast/avatar"

// PublishInput forwards in, a viewer's message to room r as the gateway
// validated and stamped it, to the room's director. It does not wait for
// the server.
func (b *Bus) PublishInput(r avatar.RoomID, in avatar.Input) error {
	return publishJSON(b, avatar.InputSubject(r), "input", r, in)
}

// SubscribeInputs calls fn, one at a time, with each viewer input of room
// r. Its Room is the subject's: a body cannot redirect an input.
func (b *Bus) SubscribeInputs(r avatar.RoomID, fn func(avatar.Input)) (*Subscription, error) {
	return subscribeJSON(b, avatar.InputSubject(r), "input", 0, func(r avatar.RoomID, in avatar.Input) {
		in.Room = r
		fn(in)
	})
}

// SubscribeAllInputs calls fn, one at a time, with each viewer input of
// every room (its Room taken from the subject). One subscription serves all
// rooms; the caller drops inputs of rooms it does not play.
func (b *Bus) SubscribeAllInputs(fn func(avatar.Input)) (*Subscription, error) {
	return subscribeJSON(b, avatar.AllInputSubject(), "input", 1<<16, func(r avatar.RoomID, in avatar.Input) {
		in.Room = r
		fn(in)
	})
}
