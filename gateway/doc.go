// Package gateway is avatarcast's edge: the WebSocket hub that fans each
// room's events out to its viewers and carries their messages back, the HTTP
// routes, and the embedded web pages. It reads and writes NATS only through
// package bus, and never plays scripts: it must never import the director.
package gateway
