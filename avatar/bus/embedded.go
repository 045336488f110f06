package bus

import "github.com/nats-io/nats-server/v2/server"

// Server is the embedded server b started, or nil if b connects to an
// external one. Give it as Config.Server to open another connection to
// it in the same process: components that each have their own connection
// do not queue behind each other's writes (an in-process connection is a
// synchronous pipe whose writer holds the connection's lock until the
// server has read). It requires no credentials unless the server listens
// beyond the process (see AuthDir).
func (b *Bus) Server() *server.Server { return b.ns }
