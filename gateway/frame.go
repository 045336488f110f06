package gateway

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// frame is one encoded event, shared by every client of a room: it is
// encoded once and framed once (pm) however many viewers receive it.
type frame struct {
	seq uint64 // room seq; 0 for a frame addressed to one client
	raw []byte // the encoded envelope
	pm  *websocket.PreparedMessage
}

func newFrame(seq uint64, raw []byte) (*frame, error) {
	pm, err := websocket.NewPreparedMessage(websocket.TextMessage, raw)
	if err != nil {
		return nil, err
	}
	return &frame{seq: seq, raw: raw, pm: pm}, nil
}

// directFrame encodes an event for one client only (seq 0).
func directFrame(room avatar.RoomID, typ avatar.EventType, data any) *frame {
	env, err := avatar.NewEnvelope(room, 0, time.Now(), typ, data)
	if err != nil {
		panic(fmt.Sprintf("gateway: encode %s: %v", typ, err)) // our own types always encode
	}
	raw, err := json.Marshal(env)
	if err != nil {
		panic(fmt.Sprintf("gateway: encode %s: %v", typ, err))
	}
	return &frame{raw: raw}
}

// appendBatch appends frames as one JSON array.
func appendBatch(buf []byte, fs []*frame) []byte {
	buf = append(buf, '[')
	for i, f := range fs {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f.raw...)
	}
	return append(buf, ']')
}
