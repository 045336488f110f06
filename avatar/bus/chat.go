package bus

import "github.com/avatarcast/avatarcast/avatar"

// PublishChat sends c, a comment already moderated, to every gateway with
// viewers in room r. It is core NATS: not stored, not acked.
func (b *Bus) PublishChat(r avatar.RoomID, c avatar.Comment) error {
	return publishJSON(b, avatar.ChatSubject(r), "chat", r, c)
}

// SubscribeChat calls fn, one at a time, with each comment published to
// room r's chat subject.
func (b *Bus) SubscribeChat(r avatar.RoomID, fn func(avatar.Comment)) (*Subscription, error) {
	return subscribeJSON(b, avatar.ChatSubject(r), "chat", 0, func(_ avatar.RoomID, c avatar.Comment) { fn(c) })
}
