package bus

import "github.com/avatarcast/avatarcast/avatar"

// PublishViewers sends one gateway's viewer count report for room r.
func (b *Bus) PublishViewers(r avatar.RoomID, rep avatar.ViewerReport) error {
	return publishJSON(b, avatar.ViewersSubject(r), "viewers", r, rep)
}

// SubscribeViewers calls fn, one at a time, with each gateway's viewer
// count report for room r.
func (b *Bus) SubscribeViewers(r avatar.RoomID, fn func(avatar.ViewerReport)) (*Subscription, error) {
	return subscribeJSON(b, avatar.ViewersSubject(r), "viewers", 0, func(_ avatar.RoomID, rep avatar.ViewerReport) { fn(rep) })
}

// SubscribeAllViewers calls fn for each gateway's viewer count report of
// every room (see PublishViewers), one at a time, with the room taken from
// the subject. One subscription serves all rooms; the caller drops reports
// of rooms it does not play. Reports come every few seconds per room and
// gateway; a dropped one is replaced by the next.
func (b *Bus) SubscribeAllViewers(fn func(avatar.RoomID, avatar.ViewerReport)) (*Subscription, error) {
	return subscribeJSON(b, avatar.AllViewersSubject(), "viewers", 1<<16, fn)
}
