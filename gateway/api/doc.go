// Package api is the merchant HTTP API under /api/v1: merchants store
// versioned show scripts, create rooms, run their lifecycle and steer live
// shows, and read the audit trail of what they changed. It speaks to
// directors only through NATS (avatar/bus) and never imports the director.
//
// Every request but the schema needs a merchant's bearer token. Tokens are
// high-entropy random strings, so a merchant is stored with the SHA-256 of
// its token (no slow KDF is needed: there is nothing to brute-force), and a
// presented token is compared against every merchant in constant time. A
// merchant never sees another's scripts or rooms: they answer 404, as if
// they did not exist.
package api
