// Package bus is avatarcast's only non-test user of nats.go: it starts the
// embedded NATS server, connects, creates the events stream and the KV
// buckets named in package avatar, and publishes and reads room events.
//
// It imports package avatar and must never import the gateway or the director.
package bus
