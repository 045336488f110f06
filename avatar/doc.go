// Package avatar is the contract every part of avatarcast shares: room IDs,
// personas with their AI disclosure and likeness licence, the event envelope
// and event types sent to viewers, the messages viewers send back, the wire
// values (close codes and the close reason's format, show and room statuses,
// sale-end reasons; listed in docs/protocol.md), and the NATS subject, stream
// and bucket names that link the director to the gateway.
//
// It imports only the standard library and github.com/google/uuid, and must
// never import nats.go, gorilla/websocket or any other avatarcast package.
package avatar
