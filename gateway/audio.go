package gateway

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
)

// audioSrv serves rendered speech from the audio object store. The store
// is bound on first use, and again after a failure (it exists once the
// first voice worker has started).
type audioSrv struct {
	b     *bus.Bus
	log   *zap.Logger
	mu    sync.Mutex
	store *bus.AudioStore
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
	s, err := a.bind(ctx)
	if err != nil {
		a.log.Warn("audio store", zap.Error(err))
		http.Error(w, "audio unavailable", http.StatusServiceUnavailable)
		return
	}
	data, mod, err := s.Audio(ctx, key, f)
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
