package gateway

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// What the package's tests, internal and external (gateway_test), share
// to read what a viewer receives. A _test.go file of package gateway is
// built into the package under test, so gateway_test sees its exports.

// DecodeFrame returns the events of a text frame as a viewer reads it:
// one event (an object) or several (an array: a batch or a span).
func DecodeFrame(data []byte) ([]avatar.Envelope, error) {
	if strings.HasPrefix(string(data), "[") {
		var evs []avatar.Envelope
		err := json.Unmarshal(data, &evs)
		return evs, err
	}
	evs := make([]avatar.Envelope, 1)
	err := json.Unmarshal(data, &evs[0])
	return evs, err
}

// ReadCatchUp reads a resuming viewer's frames from ws up to the one with
// the resume event: the events' seqs must go on one by one from first,
// and the resume must say recovered after seq last; the events after it
// in its frame must go on from there. Each read waits at most 30 seconds
// (a bound on a wait, not a timed assertion).
func ReadCatchUp(ws *websocket.Conn, first, last uint64) error {
	want, recovered := first, false
	for !recovered {
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			return fmt.Errorf("after seq %d: %w", want-1, err)
		}
		evs, err := DecodeFrame(data)
		if err != nil {
			return err
		}
		for _, e := range evs {
			switch {
			case e.Seq > 0 && e.Seq != want:
				return fmt.Errorf("seq %d, want %d", e.Seq, want)
			case e.Seq > 0:
				want++
			case e.Type == avatar.EventResume:
				var r avatar.Resume
				_ = json.Unmarshal(e.Data, &r)
				if !r.Recovered || want != last+1 {
					return fmt.Errorf("resume %+v after seq %d, want recovered after %d", r, want-1, last)
				}
				recovered = true
			}
		}
	}
	return nil
}
