package bus

import (
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// For this package's own tests (package bus_test) only: what the Bus keeps
// to itself, to break or inspect it as no caller may.

func (b *Bus) RawNC() *nats.Conn              { return b.nc }
func (b *Bus) RawJS() jetstream.JetStream     { return b.js }
func (b *Bus) RawEvents() jetstream.Stream    { return b.events }
func (b *Bus) RawRecords() jetstream.Stream   { return b.records }
func (b *Bus) RawAudit() jetstream.Stream     { return b.audit }
func (b *Bus) RawRooms() jetstream.KeyValue   { return b.rooms }
func (b *Bus) RawState() jetstream.KeyValue   { return b.state }
func (b *Bus) RawScripts() jetstream.KeyValue { return b.scripts }
func (b *Bus) RawLeases() jetstream.KeyValue  { return b.leases }
func (b *Bus) RawOrders() jetstream.KeyValue  { return b.orders }
