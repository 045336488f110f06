package bus_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// storeProvider renders every line as the same few bytes, kept in the
// audio store of the bus it was given: what a worker does with the store.
type storeProvider struct{ store *bus.AudioStore }

func (p storeProvider) Render(ctx context.Context, req voice.Request) (voice.Result, error) {
	res := voice.Result{Key: voice.Key("test", req), Format: voice.FormatOggOpus, Bytes: 5}
	res.DurationMS = 100
	if err := p.store.Put(ctx, res, []byte("audio")); err != nil {
		return voice.Result{}, err
	}
	return res, nil
}

// TestVoiceRole: on a listening embedded server, a worker with the voice
// role's credentials creates the audio store, answers a director's render
// in the workers' queue group and writes the audio, which a gateway then
// reads, with no permission refused; with the gateway's credentials a
// worker can serve nothing (the director finds no worker).
func TestVoiceRole(t *testing.T) {
	b := bustest.StartConfig(t, bus.Config{Listen: "127.0.0.1:-1"})
	ctx := context.Background()
	open := func(r bus.Role) *bus.Bus { return bustest.OpenAs(t, b, bus.Config{Role: r}) }
	serve := func(w *bus.Bus, p voice.Provider) func() {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- w.ServeVoice(sctx, p, 1, zaptest.NewLogger(t)) }()
		return func() { cancel(); <-done }
	}
	req := voice.Request{Text: "Welcome.", Lang: "en", Voice: "en-gb-x-rp", Pitch: 1.2}

	t.Run("gateway credentials", func(t *testing.T) {
		d, g := open(bus.RoleDirector), open(bus.RoleGateway)
		stop := serve(g, storeProvider{})
		defer stop()
		// The server refuses the worker's subscription (asynchronously).
		for deadline := time.Now().Add(10 * time.Second); g.Violations() == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		}
		if _, err := d.VoiceClient(0).Render(ctx, req); !errors.Is(err, voice.ErrUnavailable) {
			t.Errorf("render with a worker on the gateway's credentials: %v, want no worker (%v)", err, voice.ErrUnavailable)
		}
		if g.Violations() == 0 {
			t.Error("the server let the gateway role subscribe to render requests")
		}
	})

	t.Run("voice credentials", func(t *testing.T) {
		d, w, g := open(bus.RoleDirector), open(bus.RoleVoice), open(bus.RoleGateway)
		store, err := w.AudioStore(ctx, bus.AudioConfig{})
		if err != nil {
			t.Fatalf("voice role creates the audio store: %v", err)
		}
		stop := serve(w, storeProvider{store})
		defer stop()
		// Ready once the worker's subscription is in (ServeVoice runs on).
		var res voice.Result
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if res, err = d.VoiceClient(0).Render(ctx, req); !errors.Is(err, voice.ErrUnavailable) || time.Now().After(deadline) {
				break
			}
		}
		if err != nil || res.Key != voice.Key("test", req) {
			t.Fatalf("render through the voice role's worker: %+v, %v", res, err)
		}
		// Written again (a render after the store lost its meta): the
		// worker replaces the object, purging its old chunks.
		if err := store.Put(ctx, res, []byte("audio2")); err != nil {
			t.Fatalf("voice role rewrites audio: %v", err)
		}
		gs, err := g.AudioStore(ctx, bus.AudioConfig{})
		if err != nil {
			t.Fatalf("gateway role binds the audio store: %v", err)
		}
		if got, ok, err := gs.Get(ctx, res.Key); err != nil || !ok || got.Key != res.Key {
			t.Errorf("gateway reads the render's timings: %+v, %v, %v", got, ok, err)
		}
		if audio, _, err := gs.Audio(ctx, res.Key, res.Format); err != nil || string(audio) != "audio2" {
			t.Errorf("gateway reads the audio: %q, %v", audio, err)
		}
		// Refused publishes are never acknowledged: bound the wait.
		fctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := gs.Put(fctx, res, []byte("forged")); err == nil {
			t.Error("the gateway role wrote into the audio store")
		}
		for _, c := range []*bus.Bus{d, w} {
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
			if n := c.Violations(); n != 0 {
				t.Errorf("%d permissions refused to a role doing its own work", n)
			}
		}
	})
}
