package gateway

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// Overlay parts: what an OBS overlay may show besides the AI label, which
// it always shows.
const (
	PartAvatar    = "avatar"
	PartSubtitles = "subtitles"
	PartProduct   = "product"
	PartSale      = "sale"
	PartDanmaku   = "danmaku"
)

// Overlay scale bounds: outside them the parts would be unreadable or
// larger than the frame.
const (
	overlayMinScale = 0.5
	overlayMaxScale = 2.0
)

// OverlayOptions is what an overlay's query string asks for, checked: only
// known parts, a finite scale within bounds, a known side. Nothing in it
// can hide the AI label.
type OverlayOptions struct {
	Avatar, Subtitles, Product, Sale, Danmaku bool
	Scale                                     float64 // overlayMinScale..overlayMaxScale, default 1
	Side                                      string  // where the avatar stands: "left", "center" or "right" (default)
}

// ParseOverlayOptions reads an overlay's query string:
//
//	parts=avatar,subtitles,product,sale,danmaku   what to show (default: all
//	        but danmaku); unknown names are ignored; an empty list shows
//	        the AI label alone
//	scale=0.5..2                                  size of the parts (default 1)
//	side=left|center|right                        where the avatar stands
//	                                              (default right); the cards
//	                                              take the other side
//
// A value out of range or unreadable falls back to its default or bound;
// the page never fails on a query string.
func ParseOverlayOptions(q url.Values) OverlayOptions {
	o := OverlayOptions{Avatar: true, Subtitles: true, Product: true, Sale: true, Scale: 1, Side: "right"}
	if ps, ok := q["parts"]; ok {
		o.Avatar, o.Subtitles, o.Product, o.Sale = false, false, false, false
		for _, p := range ps {
			for _, name := range strings.Split(p, ",") {
				switch strings.ToLower(strings.TrimSpace(name)) {
				case PartAvatar:
					o.Avatar = true
				case PartSubtitles, "subtitle":
					o.Subtitles = true
				case PartProduct:
					o.Product = true
				case PartSale:
					o.Sale = true
				case PartDanmaku:
					o.Danmaku = true
				}
			}
		}
	}
	if s := q.Get("scale"); s != "" {
		// 1e999 is out of float64's range: ParseFloat says so and returns
		// ±Inf, which the bounds take care of.
		if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); (err == nil || errors.Is(err, strconv.ErrRange)) && !math.IsNaN(f) {
			o.Scale = min(max(f, overlayMinScale), overlayMaxScale)
		}
	}
	switch side := strings.ToLower(strings.TrimSpace(q.Get("side"))); side {
	case "left", "center", "right":
		o.Side = side
	}
	return o
}

// Parts lists the parts shown, space-separated (for the page's data-parts).
func (o OverlayOptions) Parts() string {
	var ps []string
	for _, p := range []struct {
		on   bool
		name string
	}{{o.Avatar, PartAvatar}, {o.Subtitles, PartSubtitles}, {o.Product, PartProduct}, {o.Sale, PartSale}, {o.Danmaku, PartDanmaku}} {
		if p.on {
			ps = append(ps, p.name)
		}
	}
	return strings.Join(ps, " ")
}

// overlayPage is what overlay.html is rendered from. Found is false for an
// unknown room: the page is then transparent and empty.
type overlayPage struct {
	avatar.Room
	Found bool
	Label string // the AI label until hello brings it in the spoken language
	Opt   OverlayOptions
	Scale string
}

// serveOverlay serves the OBS overlay of a room, /overlay/{room}: a
// transparent page with the avatar, subtitles, cards and the AI label. An
// unknown room gets the same transparent page, empty, with 404: a browser
// source must never put an error text on stream.
func (g *Gateway) serveOverlay(w http.ResponseWriter, r *http.Request) {
	page := overlayPage{Opt: ParseOverlayOptions(r.URL.Query())}
	page.Scale = strconv.FormatFloat(page.Opt.Scale, 'f', -1, 64)
	status := http.StatusOK
	if id, err := avatar.ParseRoomID(r.PathValue("room")); err == nil {
		page.Room, page.Found = g.viewable(r, id)
	}
	if page.Found {
		page.Label = page.Persona.DisclosureFor("zh-CN")
		if page.Label == "" {
			page.Label = avatar.AIGCLabel
		}
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		status = http.StatusNotFound
		w.Header().Set("Cache-Control", "no-store")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := pages.ExecuteTemplate(w, "overlay.html", page); err != nil {
		g.log.Debug("render overlay", zap.Error(err))
	}
}
