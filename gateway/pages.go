package gateway

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// KioskConfig sets up the museum kiosk page, /kiosk/{room}.
type KioskConfig struct {
	// PasscodeSHA256 is the SHA-256 (hex) of the staff passcode that
	// unlocks a kiosk (leave kiosk mode, reload); empty: no staff lock.
	// The passcode itself is never configured nor logged.
	PasscodeSHA256 string
	// FreeText and Like show a free-text question box and a like button on
	// the kiosk; a kiosk has neither unless asked.
	FreeText, Like bool
	// IdleAfter is how long a kiosk waits with no touch before it plays its
	// attract loop (default 60s).
	IdleAfter time.Duration
}

// Unlock attempts allowed across all kiosks: one every 2s, 5 at once.
const (
	unlockEvery = 2 * time.Second
	unlockBurst = 5
	maxPasscode = 64
)

// pageSrv serves what the viewer and kiosk pages need besides the socket:
// assets, the public part of a room's script, and the kiosk's staff lock.
type pageSrv struct {
	g      *Gateway
	assets *os.Root // nil: no assets directory
	unlock *rate.Limiter
	hash   []byte // decoded KioskConfig.PasscodeSHA256

	mu    sync.Mutex
	cache map[string][]byte // script key@version → public JSON
}

func newPageSrv(g *Gateway) *pageSrv {
	p := &pageSrv{g: g, unlock: rate.NewLimiter(rate.Every(unlockEvery), unlockBurst), cache: map[string][]byte{}}
	if dir := g.cfg.Assets; dir != "" {
		root, err := os.OpenRoot(dir)
		if err != nil {
			g.log.Warn("assets directory cannot be opened; images will show placeholders", zap.String("dir", dir), zap.Error(err))
		} else {
			p.assets = root
		}
	}
	if h := g.cfg.Kiosk.PasscodeSHA256; h != "" {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != sha256.Size {
			// Refuse every passcode rather than run a kiosk without its lock.
			g.log.Error("kiosk passcode hash is not 64 hex digits; every unlock will be refused")
			b = make([]byte, sha256.Size)
		}
		p.hash = b
	}
	return p
}

// serveAsset serves a file of the assets directory. os.Root keeps every
// path inside the directory (no .., no symlink out); dot files are hidden.
// The files are the merchant's, so they may not run script here: SVG is
// served under a CSP that allows none.
func (p *pageSrv) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("path")
	if p.assets == nil || name == "" || strings.HasPrefix(name, ".") || strings.Contains(name, "/.") {
		http.NotFound(w, r)
		return
	}
	f, err := p.assets.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()))
	http.ServeContent(w, r, st.Name(), st.ModTime(), f)
}

// Public is the part of a room's script every viewer may see: what the
// pages list beside the stream (products, coupons, exhibits, the FAQ's
// questions) in every language of the script. GET /rooms/{room}/public.json.
type Public struct {
	Room      avatar.RoomID     `json:"room"`
	Kind      string            `json:"kind"`
	Title     map[string]string `json:"title"`
	Languages []string          `json:"languages"`
	Catalog   []PublicProduct   `json:"catalog,omitempty"`
	Coupons   []PublicCoupon    `json:"coupons,omitempty"`
	Exhibits  []PublicExhibit   `json:"exhibits,omitempty"`
	FAQ       []PublicFAQ       `json:"faq,omitempty"`
}

// PublicProduct is a catalog entry as the catalog lists it (live prices and
// stock come as events).
type PublicProduct struct {
	SKU       string              `json:"sku"`
	Title     map[string]string   `json:"title"`
	Price     string              `json:"price"`
	ListPrice string              `json:"list_price"`
	Currency  string              `json:"currency"`
	Image     string              `json:"image,omitempty"`
	Points    map[string][]string `json:"points,omitempty"`
}

// PublicCoupon is a coupon with its terms.
type PublicCoupon struct {
	ID       string            `json:"id"`
	Title    map[string]string `json:"title"`
	Discount string            `json:"discount"`
	MinSpend string            `json:"min_spend,omitempty"`
}

// PublicExhibit is an exhibit with its tap-to-ask options and a short text
// (its first narration line).
type PublicExhibit struct {
	ID      string            `json:"id"`
	Title   map[string]string `json:"title"`
	Era     map[string]string `json:"era,omitempty"`
	Image   string            `json:"image,omitempty"`
	Text    map[string]string `json:"text,omitempty"`
	Options []PublicOption    `json:"options,omitempty"`
}

// PublicOption is a tap-to-ask choice; a tap sends its ID.
type PublicOption struct {
	ID    string            `json:"id"`
	Label map[string]string `json:"label"`
}

// PublicFAQ is an FAQ entry as a question a kiosk offers: asking Ask in a
// language (a question message) gets its answer.
type PublicFAQ struct {
	ID  string            `json:"id"`
	Ask map[string]string `json:"ask"`
}

func (p *pageSrv) servePublic(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	rm, ok := p.g.viewable(r, id)
	if !ok {
		http.Error(w, "no such room", http.StatusNotFound)
		return
	}
	src, v, err := p.g.bus.GetScript(r.Context(), rm.Merchant, rm.Show, rm.Version)
	if err != nil {
		p.g.log.Debug("public: load script", zap.String("room", string(id)), zap.Error(err))
		http.Error(w, "the room's script is not available", http.StatusServiceUnavailable)
		return
	}
	key := fmt.Sprintf("%s@%d", avatar.ScriptKey(rm.Merchant, rm.Show), v)
	p.mu.Lock()
	js, ok := p.cache[key]
	p.mu.Unlock()
	if !ok {
		show, probs := script.Parse(rm.Show+".yaml", src)
		if show == nil {
			p.g.log.Warn("public: stored script does not parse", zap.String("room", string(id)), zap.Error(probs))
			http.Error(w, "the room's script is not available", http.StatusServiceUnavailable)
			return
		}
		js, err = json.Marshal(publicOf(rm, show))
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		p.mu.Lock()
		if len(p.cache) >= 256 {
			clear(p.cache)
		}
		p.cache[key] = js
		p.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(js)
}

func publicOf(rm avatar.Room, s *script.Show) Public {
	out := Public{Room: rm.ID, Kind: rm.Kind, Title: s.Title, Languages: s.Languages}
	for _, c := range s.Catalog {
		cur := c.Currency
		if cur == "" {
			cur = "CNY"
		}
		out.Catalog = append(out.Catalog, PublicProduct{SKU: c.SKU, Title: c.Title, Price: c.Price.String(), ListPrice: c.ListPrice.String(), Currency: cur, Image: c.Image, Points: c.Points})
	}
	for _, c := range s.Coupons {
		pc := PublicCoupon{ID: c.ID, Title: c.Title, Discount: c.Discount.String()}
		if c.MinSpend > 0 {
			pc.MinSpend = c.MinSpend.String()
		}
		out.Coupons = append(out.Coupons, pc)
	}
	for _, e := range s.Exhibits {
		pe := PublicExhibit{ID: e.ID, Title: e.Title, Era: e.Era, Image: e.Image}
		if len(e.Narration) > 0 {
			pe.Text = map[string]string{}
			for lang, u := range e.Narration[0].Say {
				pe.Text[lang] = u.Text
			}
		}
		for _, o := range e.Options {
			pe.Options = append(pe.Options, PublicOption{ID: o.ID, Label: o.Label})
		}
		out.Exhibits = append(out.Exhibits, pe)
	}
	for _, f := range s.FAQ {
		pf := PublicFAQ{ID: f.ID, Ask: map[string]string{}}
		for lang, m := range f.Match {
			if len(m) > 0 {
				pf.Ask[lang] = m[0]
			}
		}
		out.FAQ = append(out.FAQ, pf)
	}
	return out
}

// serveUnlock checks a kiosk's staff passcode: POST /kiosk/unlock with
// {"passcode": "..."}; 204 when it matches, 403 when not, 429 when too many
// attempts were made, 404 when no staff lock is configured. The compare
// takes the same time whatever the passcode.
func (p *pageSrv) serveUnlock(w http.ResponseWriter, r *http.Request) {
	if p.hash == nil {
		http.Error(w, "no staff lock configured", http.StatusNotFound)
		return
	}
	if !p.unlock.Allow() {
		w.Header().Set("Retry-After", "2")
		http.Error(w, "too many attempts; wait and try again", http.StatusTooManyRequests)
		return
	}
	var req struct {
		Passcode string `json:"passcode"`
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1024))
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil || req.Passcode == "" || len(req.Passcode) > maxPasscode {
		http.Error(w, `want {"passcode": "..."}`, http.StatusBadRequest)
		return
	}
	sum := sha256.Sum256([]byte(req.Passcode))
	if subtle.ConstantTimeCompare(sum[:], p.hash) != 1 {
		p.g.log.Info("kiosk unlock refused", zap.String("addr", r.RemoteAddr))
		http.Error(w, "wrong passcode", http.StatusForbidden)
		return
	}
	p.g.log.Info("kiosk unlocked", zap.String("addr", r.RemoteAddr))
	w.WriteHeader(http.StatusNoContent)
}

// kioskPage is what kiosk.html is rendered from.
type kioskPage struct {
	avatar.Room
	Locked, FreeText, Like bool
	IdleSeconds            int
}

func (p *pageSrv) serveKiosk(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	info, ok := p.g.viewable(r, id)
	if !ok {
		http.Error(w, "no such room", http.StatusNotFound)
		return
	}
	k := p.g.cfg.Kiosk
	idle := k.IdleAfter
	if idle <= 0 {
		idle = 60 * time.Second
	}
	page := kioskPage{Room: info, Locked: p.hash != nil, FreeText: k.FreeText, Like: k.Like, IdleSeconds: max(1, int(idle/time.Second))}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, "kiosk.html", page); err != nil {
		p.g.log.Debug("render kiosk", zap.Error(err))
	}
}
