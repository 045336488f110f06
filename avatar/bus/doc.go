// Package bus is avatarcast's only non-test user of nats.go: it starts the
// embedded NATS server, connects, creates the events stream and the KV
// buckets named in package avatar, and gives each subject and bucket one
// typed method taking and returning avatar types. Its NATS connection,
// streams and buckets are unexported: no caller depends on JetStream.
//
// One file per concern: events.go and live.go (room events, stored and
// live), inputs.go, chat.go, viewers.go, control.go and ctlserve.go
// (core NATS subjects), rooms.go, state.go, lease.go, orders.go,
// scripts.go and scriptstore.go (buckets), records.go and audit.go (the
// long-kept streams), errors.go (every sentinel, each reading "bus: …").
//
// It imports package avatar and must never import the gateway or the director.
package bus
