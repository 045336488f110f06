package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

type arrival struct {
	env avatar.Envelope
	at  time.Time
}

// watch reads room events from ws until seq upto, and returns them with
// their arrival times.
func watch(ws *websocket.Conn, upto uint64) ([]arrival, error) {
	var got []arrival
	for {
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		_, data, err := ws.ReadMessage()
		if err != nil {
			return got, err
		}
		at := time.Now()
		envs, err := gateway.DecodeFrame(data)
		if err != nil {
			return got, err
		}
		for _, e := range envs {
			if e.Seq == 0 {
				continue
			}
			got = append(got, arrival{e, at})
			if e.Seq >= upto {
				return got, nil
			}
		}
	}
}

// Issue 19: on three routed NATS servers with R3 streams, the server
// leading the events stream is killed while a director publishes (and, as
// a successor director would, goes on from the last stored event when a
// publish fails), and a stale director that lost the room sends its own
// next event before each of the owner's, fenced out by the stream. Every
// event any viewer of two gateways received is the
// stream's event at that seq (id, type, data), and no seq is missing or
// repeated.
func TestStreamLeaderKilledViewersSeeTheRecord(t *testing.T) {
	streamLeaderKilled(t, (*bustest.Cluster).Kill)
}

// TestStreamLeaderHardKilledViewersSeeTheRecord: the same when the
// leader dies without handing its leadership over (kill -9), so the
// stream has no leader for the servers' election timeout (4-9s).
func TestStreamLeaderHardKilledViewersSeeTheRecord(t *testing.T) {
	streamLeaderKilled(t, (*bustest.Cluster).HardKill)
}

func streamLeaderKilled(t *testing.T, killLeader func(*bustest.Cluster, string)) {
	if testing.Short() {
		t.Skip("three NATS servers and a leader election")
	}
	const total, killAt = 80, 15
	c := bustest.NewCluster(t, 3)
	dir := c.Open(bus.Config{Name: "director"})
	stale := c.Open(bus.Config{Name: "stale director"})
	ctx := context.Background()
	bustest.PutRoom(t, dir, avatar.Room{ID: "r", Kind: "livestream", Title: "Test", Persona: avatar.Persona{ID: "p", Name: "P", Disclosure: map[string]string{"en": "AI-generated"}}})
	var viewers []*websocket.Conn
	for i := range 2 {
		h := &harness{t: t, b: c.Open(bus.Config{Name: fmt.Sprint("gateway", i)})}
		h.restart(gateway.Config{RingSize: 256})
		for range 2 {
			viewers = append(viewers, h.dial("room=r&since=0").ws)
		}
	}
	results := make([][]arrival, len(viewers))
	errs := make([]error, len(viewers))
	var wg sync.WaitGroup
	for i, ws := range viewers {
		wg.Go(func() { results[i], errs[i] = watch(ws, total) })
	}

	// The director: one event every 20ms, fenced on the last it stored.
	kill := make(chan struct{})
	var failures int
	var pubPause time.Duration
	wg.Go(func() {
		var seq, expect uint64
		lastOK := time.Now()
		for attempt := 1; seq < total; attempt++ {
			if seq > 0 {
				// The stale director's event, as PublishEvent sends it,
				// with a fence (expected last stream seq) the room's last
				// event never has: the stream refuses it. It does not wait
				// for the refusal (a publish during the election would
				// hold the owner up and blur the pause measured), only
				// until its server has passed it on.
				env, _ := avatar.NewEnvelope("r", seq+1, time.Now(), avatar.EventNotice, avatar.Notice{Text: fmt.Sprintf("stale, seq %d", seq+1)})
				raw, _ := json.Marshal(env)
				m := nats.NewMsg(avatar.EventsSubject("r"))
				m.Data = raw
				m.Header.Set(avatar.HeaderSeq, fmt.Sprint(seq+1))
				m.Header.Set(jetstream.MsgIDHeader, fmt.Sprintf("r:%d", seq+1))
				m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, fmt.Sprint(uint64(1<<40)))
				_ = bustest.Publish(stale, 200*time.Millisecond, m)
			}
			env, _ := avatar.NewEnvelope("r", seq+1, time.Now(), avatar.EventNotice, avatar.Notice{Text: fmt.Sprintf("attempt %d, seq %d", attempt, seq+1)})
			raw, _ := json.Marshal(env)
			pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			sseq, err := dir.PublishEvent(pctx, "r", seq+1, raw, "", expect)
			cancel()
			if err == nil {
				pubPause = max(pubPause, time.Since(lastOK))
				lastOK = time.Now()
				seq, expect = seq+1, sseq
				if seq == killAt {
					close(kill)
				}
				// Back to back while the leader is killed, so that
				// publishes are in flight when it dies.
				if seq < killAt || seq > killAt+30 {
					time.Sleep(20 * time.Millisecond)
				}
				continue
			}
			failures++
			// Take the room over from the last stored event, as the
			// director that succeeds a failed one does.
			for {
				lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				last, ok, err := dir.LastEvent(lctx, "r")
				cancel()
				if err == nil {
					seq, expect = 0, 0
					if ok {
						seq, expect = last.Seq, last.StreamSeq
					}
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
	})
	<-kill
	leader := bustest.StreamInfo(t, dir, avatar.EventsStream).Cluster.Leader
	killed := time.Now()
	killLeader(c, leader)
	wg.Wait()

	stored := map[uint64]avatar.Envelope{}
	err := dir.Replay(ctx, "r", 0, func(ev bus.StoredEvent) error {
		var e avatar.Envelope
		if err := json.Unmarshal(ev.Data, &e); err != nil {
			return err
		}
		stored[ev.Seq] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, got := range results {
		if errs[i] != nil {
			t.Errorf("viewer %d: %v after %d events", i, errs[i], len(got))
		}
		var pause time.Duration
		for k, a := range got {
			if want := uint64(k + 1); a.env.Seq != want {
				t.Errorf("viewer %d: event %d has seq %d, want %d", i, k, a.env.Seq, want)
				break
			}
			s, ok := stored[a.env.Seq]
			if !ok {
				t.Errorf("viewer %d: seq %d is not in the stream", i, a.env.Seq)
				continue
			}
			if s.ID != a.env.ID || s.Type != a.env.Type || string(s.Data) != string(a.env.Data) {
				t.Errorf("viewer %d: seq %d is %s %s, the stream holds %s %s", i, a.env.Seq, a.env.ID, a.env.Data, s.ID, s.Data)
			}
			if k > 0 && a.at.After(killed) {
				pause = max(pause, a.at.Sub(got[k-1].at))
			}
		}
		t.Logf("viewer %d: %d events, longest wait between two after the kill %v", i, len(got), pause.Round(time.Millisecond))
	}
	t.Logf("killed stream leader %s; director: %d failed publishes, longest time between two stored events %v", leader, failures, pubPause.Round(time.Millisecond))
}
