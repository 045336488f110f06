package gateway

import (
	"bytes"
	"container/list"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// audioSrv serves rendered speech from the audio object store. The store
// is bound on first use, and again after a failure (it exists once the
// first voice worker has started). Every viewer of a room asks for a line's
// audio at the same moment, so lines are kept in memory (audioCache): the
// store is read once per line per gateway, not once per viewer.
type audioSrv struct {
	b     *bus.Bus
	log   *zap.Logger
	mu    sync.Mutex
	store *bus.AudioStore
	cache *audioCache
	// misses limits per address the requests that read the store (a
	// line not in memory): a viewer asking for made-up keys costs NATS
	// reads, so only so many; lines in memory are free.
	misses *perAddr
}

func newAudioSrv(b *bus.Bus, log *zap.Logger) *audioSrv {
	a := &audioSrv{b: b, log: log, misses: newPerAddr(rate.Limit(5), 50)}
	a.cache = newAudioCache(64<<20, func(ctx context.Context, key string) ([]byte, time.Time, error) {
		s, err := a.bind(ctx)
		if err != nil {
			return nil, time.Time{}, err
		}
		return s.Audio(ctx, key, voice.FormatOggOpus)
	})
	return a
}

func (a *audioSrv) bind(ctx context.Context) (*bus.AudioStore, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.store != nil {
		return a.store, nil
	}
	s, err := a.b.AudioStore(ctx, bus.AudioConfig{})
	if err != nil {
		return nil, err
	}
	a.store = s
	return s, nil
}

// serveAudio answers GET /audio/{file}, file being KEY.ogg: the audio of
// a line by its content key. The content of a key never changes, so it
// is cached for a year as immutable (by the browser and any CDN), and
// range requests are answered (http.ServeContent) so players can seek.
func (a *audioSrv) serveAudio(w http.ResponseWriter, r *http.Request) {
	key, ext, _ := strings.Cut(r.PathValue("file"), ".")
	f := voice.FormatOggOpus
	if ext != f.Ext() || !voice.ValidKey(key) {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	if !a.cache.has(key) {
		if ip := remoteIP(r); !a.misses.allow(ip, time.Now()) {
			w.Header().Set("Retry-After", "5")
			http.Error(w, "too many audio requests from "+ip, http.StatusTooManyRequests)
			return
		}
	}
	data, mod, err := a.cache.get(ctx, key)
	if errors.Is(err, bus.ErrNoAudio) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		a.log.Warn("audio", zap.String("key", key), zap.Error(err))
		http.Error(w, "audio unavailable", http.StatusServiceUnavailable)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.MIME())
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", `"`+key+`"`)
	h.Set("Access-Control-Allow-Origin", "*") // a CDN or an OBS page on another origin may fetch it
	http.ServeContent(w, r, key+"."+ext, mod, bytes.NewReader(data))
}

// audioCache keeps recently served audio in memory, up to max bytes
// (least recently used out first); concurrent misses of one key load it
// once. Audio of a key never changes, so nothing goes stale. Safe for
// concurrent use.
type audioCache struct {
	max  int
	load func(context.Context, string) ([]byte, time.Time, error)

	mu       sync.Mutex
	size     int
	items    map[string]*list.Element // of *audioItem
	lru      *list.List               // front: most recent
	inflight map[string]*audioLoad
}

type audioItem struct {
	key  string
	data []byte
	mod  time.Time
}

type audioLoad struct {
	done chan struct{}
	item audioItem
	err  error
}

func newAudioCache(max int, load func(context.Context, string) ([]byte, time.Time, error)) *audioCache {
	return &audioCache{max: max, load: load, items: map[string]*list.Element{}, lru: list.New(), inflight: map[string]*audioLoad{}}
}

// has reports whether key is in memory.
func (c *audioCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.items[key]
	return ok
}

func (c *audioCache) get(ctx context.Context, key string) ([]byte, time.Time, error) {
	c.mu.Lock()
	if e, ok := c.items[key]; ok {
		c.lru.MoveToFront(e)
		it := e.Value.(*audioItem)
		c.mu.Unlock()
		return it.data, it.mod, nil
	}
	if l, ok := c.inflight[key]; ok {
		c.mu.Unlock()
		select {
		case <-l.done:
			return l.item.data, l.item.mod, l.err
		case <-ctx.Done():
			return nil, time.Time{}, ctx.Err()
		}
	}
	l := &audioLoad{done: make(chan struct{})}
	c.inflight[key] = l
	c.mu.Unlock()

	// The load outlives the first asker: the others wait for it too.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	data, mod, err := c.load(lctx, key)
	cancel()
	l.item, l.err = audioItem{key: key, data: data, mod: mod}, err

	c.mu.Lock()
	delete(c.inflight, key)
	if err == nil && len(data) <= c.max {
		c.items[key] = c.lru.PushFront(&l.item)
		c.size += len(data)
		for c.size > c.max {
			e := c.lru.Back()
			it := e.Value.(*audioItem)
			c.lru.Remove(e)
			delete(c.items, it.key)
			c.size -= len(it.data)
		}
	}
	c.mu.Unlock()
	close(l.done)
	return data, mod, err
}
