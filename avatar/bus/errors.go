package bus

import "errors"

// The sentinels a caller branches on (test them with errors.Is). Each reads
// "bus: …", and the package wraps them as "bus: …: what and where", so a
// message carries the prefix once.
var (
	// ErrNotFound: a room record, script, script version or order does not
	// exist (or was deleted).
	ErrNotFound = errors.New("bus: not found")
	// ErrExists: creating a record whose key is taken.
	ErrExists = errors.New("bus: already exists")
	// ErrChanged: updating a record that changed since it was read; read it
	// again and retry.
	ErrChanged = errors.New("bus: changed since read")
	// ErrFenced: PublishEvent found the room written by another director
	// since expectLast: this director no longer owns the room.
	ErrFenced = errors.New("bus: room written by another director")
	// ErrLeaseHeld: AcquireLease found another director's live lease, or
	// RenewLease found the lease no longer this one.
	ErrLeaseHeld = errors.New("bus: room lease held by another director")
	// ErrNoDirector: Control found no director playing the room (nobody
	// listens on its control subject, or nobody answered in time).
	ErrNoDirector = errors.New("bus: no director plays the room")
	// ErrBadReply: the director's answer to Control is not a ControlReply.
	ErrBadReply = errors.New("bus: director sent a malformed reply")
	// ErrNoScripts: a script read on a connection whose role may not read
	// the scripts bucket (RoleGateway).
	ErrNoScripts = errors.New("bus: the scripts bucket is not readable by this NATS role")
)
