package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// ErrNoAudio is returned by AudioStore.Audio for a key with no audio.
var ErrNoAudio = errors.New("bus: no such audio")

// AudioConfig bounds the audio store; the zero value is the default.
type AudioConfig struct {
	MaxAge   time.Duration // how long a render is kept (default 30 days; a line asked again after is rendered again)
	MaxBytes int64         // bytes the store may hold (default 1 GiB: ~90 hours of speech at 24 kbit/s)
	Replicas int           // servers of a cluster that keep it (default 1)
}

// AudioStore is the object store of rendered speech (avatar.AudioBucket),
// a voice.Store: the worker writes it, every gateway reads it. Its methods
// are safe for concurrent use.
type AudioStore struct{ obj jetstream.ObjectStore }

// AudioStore creates (for a role that provisions) or binds the audio
// object store.
func (b *Bus) AudioStore(ctx context.Context, cfg AudioConfig) (*AudioStore, error) {
	oc := jetstream.ObjectStoreConfig{
		Bucket:      avatar.AudioBucket,
		Description: "rendered speech by content key: KEY.ogg and its timings KEY.json",
		TTL:         cfg.MaxAge,
		MaxBytes:    cfg.MaxBytes,
		Storage:     jetstream.FileStorage,
		Replicas:    max(cfg.Replicas, 1),
	}
	if oc.TTL <= 0 {
		oc.TTL = 30 * 24 * time.Hour
	}
	if oc.MaxBytes <= 0 {
		oc.MaxBytes = 1 << 30
	}
	var obj jetstream.ObjectStore
	err := retry(ctx, b.reqTimeout, func(ctx context.Context) (err error) {
		obj, err = b.js.ObjectStore(ctx, avatar.AudioBucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			obj, err = b.js.CreateOrUpdateObjectStore(ctx, oc)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bus: audio store %s: %w", avatar.AudioBucket, err)
	}
	return &AudioStore{obj: obj}, nil
}

// Get returns the Result stored for key; ok is false when there is none.
func (s *AudioStore) Get(ctx context.Context, key string) (voice.Result, bool, error) {
	b, err := s.obj.GetBytes(ctx, avatar.AudioMetaObject(key))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return voice.Result{}, false, nil
	}
	if err != nil {
		return voice.Result{}, false, fmt.Errorf("bus: get audio meta %s: %w", key, err)
	}
	var res voice.Result
	if err := json.Unmarshal(b, &res); err != nil {
		return voice.Result{}, false, fmt.Errorf("bus: decode audio meta %s: %w", key, err)
	}
	return res, true, nil
}

// Put stores the audio of res.Key, then its Result (so a Result found
// always has its audio).
func (s *AudioStore) Put(ctx context.Context, res voice.Result, audio []byte) error {
	if !voice.ValidKey(res.Key) {
		return fmt.Errorf("bus: put audio: bad key %q", res.Key)
	}
	meta := jetstream.ObjectMeta{Name: avatar.AudioObject(res.Key, res.Format.Ext()),
		Headers: nats.Header{"Content-Type": []string{res.Format.MIME()}}}
	if _, err := s.obj.Put(ctx, meta, bytes.NewReader(audio)); err != nil {
		return fmt.Errorf("bus: put audio %s: %w", res.Key, err)
	}
	res.Cached = false
	b, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("bus: encode audio meta %s: %w", res.Key, err)
	}
	if _, err := s.obj.PutBytes(ctx, avatar.AudioMetaObject(res.Key), b); err != nil {
		return fmt.Errorf("bus: put audio meta %s: %w", res.Key, err)
	}
	return nil
}

// Audio returns the audio of key in format f and when it was stored, or
// ErrNoAudio. Audio of a line is small (tens of KB), so it is read whole.
func (s *AudioStore) Audio(ctx context.Context, key string, f voice.Format) ([]byte, time.Time, error) {
	res, err := s.obj.Get(ctx, avatar.AudioObject(key, f.Ext()))
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, time.Time{}, ErrNoAudio
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("bus: audio %s: %w", key, err)
	}
	defer res.Close()
	info, err := res.Info()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("bus: audio %s: %w", key, err)
	}
	b, err := io.ReadAll(io.LimitReader(res, 64<<20))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("bus: audio %s: %w", key, err)
	}
	return b, info.ModTime, nil
}

// voiceReply is a worker's answer on VoiceRenderSubject: the result, or
// why there is none.
type voiceReply struct {
	Result *voice.Result `json:"result,omitempty"`
	Error  string        `json:"error,omitempty"`
}

// ServeVoice answers render requests on avatar.VoiceRenderSubject (queue
// group avatar.VoiceQueue) with p, each in its own goroutine, at most
// limit at once (0: one), until ctx ends; then it stops taking requests
// and waits for those under way.
func (b *Bus) ServeVoice(ctx context.Context, p voice.Provider, limit int, log *zap.Logger) error {
	limit = max(limit, 1)
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	sub, err := b.nc.QueueSubscribe(avatar.VoiceRenderSubject(), avatar.VoiceQueue, func(m *nats.Msg) {
		var req voice.Request
		if err := json.Unmarshal(m.Data, &req); err != nil {
			respondVoice(m, voiceReply{Error: "bad request: " + err.Error()}, log)
			return
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			res, err := p.Render(ctx, req)
			if err != nil {
				log.Warn("voice render failed", zap.String("lang", req.Lang), zap.Error(err))
				respondVoice(m, voiceReply{Error: err.Error()}, log)
				return
			}
			respondVoice(m, voiceReply{Result: &res}, log)
		})
	})
	if err != nil {
		return fmt.Errorf("bus: subscribe %s: %w", avatar.VoiceRenderSubject(), err)
	}
	if err := b.nc.Flush(); err != nil {
		_ = sub.Unsubscribe()
		return fmt.Errorf("bus: subscribe %s: %w", avatar.VoiceRenderSubject(), err)
	}
	<-ctx.Done()
	err = sub.Drain()
	wg.Wait()
	if err != nil {
		return fmt.Errorf("bus: drain %s: %w", avatar.VoiceRenderSubject(), err)
	}
	return nil
}

func respondVoice(m *nats.Msg, r voiceReply, log *zap.Logger) {
	b, _ := json.Marshal(r)
	if err := m.Respond(b); err != nil {
		log.Debug("voice reply", zap.Error(err))
	}
}

// VoiceClient asks voice workers over NATS; it is a voice.Provider, safe
// for concurrent use.
type VoiceClient struct {
	nc      *nats.Conn
	timeout time.Duration
}

// VoiceClient returns a client whose renders give up after timeout
// (default 10s) when ctx has no earlier deadline.
func (b *Bus) VoiceClient(timeout time.Duration) *VoiceClient {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &VoiceClient{nc: b.nc, timeout: timeout}
}

// Render asks a worker to render req. With no worker running it fails at
// once with an error wrapping voice.ErrUnavailable (NATS says no one
// listens), so the caller speaks the line without audio.
func (c *VoiceClient) Render(ctx context.Context, req voice.Request) (voice.Result, error) {
	if err := req.Validate(); err != nil {
		return voice.Result{}, err
	}
	data, err := json.Marshal(req)
	if err != nil {
		return voice.Result{}, fmt.Errorf("bus: voice render: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	m, err := c.nc.RequestWithContext(ctx, avatar.VoiceRenderSubject(), data)
	if errors.Is(err, nats.ErrNoResponders) {
		return voice.Result{}, fmt.Errorf("bus: voice render: no voice worker answers on %s: %w", avatar.VoiceRenderSubject(), voice.ErrUnavailable)
	}
	if err != nil {
		return voice.Result{}, fmt.Errorf("bus: voice render: %w", err)
	}
	var r voiceReply
	if err := json.Unmarshal(m.Data, &r); err != nil {
		return voice.Result{}, fmt.Errorf("bus: voice render: decode reply: %w", err)
	}
	if r.Error != "" || r.Result == nil {
		return voice.Result{}, fmt.Errorf("bus: voice render: worker: %s", r.Error)
	}
	return *r.Result, nil
}
