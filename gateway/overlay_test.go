package gateway_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/gateway"
)

func TestParseOverlayOptions(t *testing.T) {
	all := "avatar subtitles product sale danmaku"
	for _, tc := range []struct {
		name, query string
		parts       string
		scale       float64
		side        string
	}{
		{"defaults", "", "avatar subtitles product sale", 1, "right"},
		{"chosen parts", "parts=avatar,subtitles", "avatar subtitles", 1, "right"},
		{"every part", "parts=avatar,subtitles,product,sale,danmaku", all, 1, "right"},
		{"repeated and spaced", "parts=avatar&parts=%20SALE%20,danmaku", "avatar sale danmaku", 1, "right"},
		{"empty list: the label alone", "parts=", "", 1, "right"},
		{"unknown names ignored", "parts=label,ai-label,disclosure,-label,avatar", "avatar", 1, "right"},
		{"scale", "scale=1.5", "avatar subtitles product sale", 1.5, "right"},
		{"scale zero", "scale=0", "avatar subtitles product sale", 0.5, "right"},
		{"scale negative", "scale=-3", "avatar subtitles product sale", 0.5, "right"},
		{"scale huge", "scale=1e308", "avatar subtitles product sale", 2, "right"},
		{"scale beyond float64", "scale=1e999", "avatar subtitles product sale", 2, "right"},
		{"scale infinite", "scale=Inf", "avatar subtitles product sale", 2, "right"},
		{"scale NaN", "scale=NaN", "avatar subtitles product sale", 1, "right"},
		{"scale CSS", "scale=1%3Bdisplay:none", "avatar subtitles product sale", 1, "right"},
		{"side left", "side=left", "avatar subtitles product sale", 1, "left"},
		{"side center", "side=Center", "avatar subtitles product sale", 1, "center"},
		{"side injection", `side="><style>.ai-label{display:none}</style>`, "avatar subtitles product sale", 1, "right"},
	} {
		q, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		o := gateway.ParseOverlayOptions(q)
		if o.Parts() != tc.parts || o.Scale != tc.scale || o.Side != tc.side {
			t.Errorf("%s: ParseOverlayOptions(%q) = parts %q scale %v side %q, want %q %v %q", tc.name, tc.query, o.Parts(), o.Scale, o.Side, tc.parts, tc.scale, tc.side)
		}
	}
}

// TestOverlayPage serves the overlay with the page headers, and whatever
// the query string says, the AI label is in the page, outside every part
// the query can hide, and the values that reach the page are the checked
// ones.
func TestOverlayPage(t *testing.T) {
	h := start(t, gateway.Config{})
	label := regexp.MustCompile(`<p id="ai-label" class="ai-label ov-label" role="note">AI-generated</p>`)
	for _, q := range []string{
		"",
		"?parts=",
		"?parts=label&hide=label&label=0&disclosure=off",
		"?scale=0",
		"?scale=1e999",
		"?scale=0.5&side=left&parts=danmaku",
		`?side="><style>.ai-label{display:none}</style>`,
		"?parts=%22%3E%3Cstyle%3E*%7Bdisplay:none%7D%3C/style%3E",
		"?scale=1)%3B--scale:0",
	} {
		resp, page := httpGet(t, h.httpURL()+"/overlay/r"+q, nil)
		if resp.StatusCode != 200 {
			t.Errorf("GET /overlay/r%s: %d, want 200", q, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
			t.Errorf("GET /overlay/r%s: Cache-Control %q, want no-cache", q, got)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET /overlay/r%s: CSP %q, want the pages' strict one", q, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET /overlay/r%s: no nosniff", q)
		}
		if len(label.FindAllString(page, -1)) != 1 {
			t.Errorf("GET /overlay/r%s: want the AI label once, outside the parts:\n%s", q, page)
		}
		// The label comes before the frame that holds every part.
		if i, j := strings.Index(page, `id="ai-label"`), strings.Index(page, `class="ov-frame"`); i < 0 || j < i {
			t.Errorf("GET /overlay/r%s: the label is not before the parts' frame", q)
		}
		if strings.Contains(page, "<style") || strings.Contains(page, "display:none") || strings.Contains(page, "--scale:0") {
			t.Errorf("GET /overlay/r%s: the query string reached the page:\n%s", q, page)
		}
		if m := regexp.MustCompile(`data-scale="([^"]*)"`).FindStringSubmatch(page); m == nil || !regexp.MustCompile(`^(0\.5|1|2|1\.\d+|0\.\d+)$`).MatchString(m[1]) {
			t.Errorf("GET /overlay/r%s: data-scale %v, want a number in bounds", q, m)
		}
	}
	_, page := httpGet(t, h.httpURL()+"/overlay/r?parts=avatar,sale&scale=1.25&side=left", nil)
	for _, want := range []string{`data-parts="avatar sale"`, `data-scale="1.25"`, `data-side="left"`, `<div class="ov-part ov-product" hidden>`, `<div class="ov-part ov-avatar" >`} {
		if !strings.Contains(page, want) {
			t.Errorf("overlay with avatar,sale, 1.25, left: no %s in\n%s", want, page)
		}
	}
}

// TestOverlayUnknownRoom: an unknown room (or a bad room id) gets a 404
// that is still a transparent, empty page: nothing an OBS source would
// put on stream.
func TestOverlayUnknownRoom(t *testing.T) {
	h := start(t, gateway.Config{})
	for _, path := range []string{"/overlay/nope", "/overlay/bad%20id", "/overlay/" + strings.Repeat("x", 80)} {
		resp, page := httpGet(t, h.httpURL()+path, nil)
		if resp.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q, want a page", path, ct)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, resp.Header.Get("Cache-Control"))
		}
		if !strings.Contains(page, `<body class="overlay" data-room=""></body>`) || !strings.Contains(page, "/static/overlay.css") {
			t.Errorf("GET %s: want the empty transparent page, got\n%s", path, page)
		}
		if strings.Contains(strings.ToLower(page), "no such room") || strings.Contains(page, "<script") {
			t.Errorf("GET %s: the page shows an error or runs a script:\n%s", path, page)
		}
	}
}
