package console_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/gateway/console"
)

func get(t *testing.T, srv *httptest.Server, method, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestHandler: the page and its files are embedded, load nothing from
// elsewhere, and come with a strict CSP whose nonce is fresh each time and
// is the one the page hands to CodeMirror.
func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/console/", console.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, page := get(t, srv, "GET", "/console/")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /console/: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	m := regexp.MustCompile(`'nonce-([A-Za-z0-9_-]{22})'`).FindStringSubmatch(csp)
	if m == nil || !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "frame-src 'self';") || strings.Contains(csp, "unsafe") {
		t.Fatalf("CSP %q: want self-only scripts, a nonce for styles, framed by nothing and framing only its own pages, nothing unsafe", csp)
	}
	if !strings.Contains(page, `<meta name="csp-nonce" content="`+m[1]+`">`) {
		t.Errorf("the page does not carry the CSP's nonce %s", m[1])
	}
	res2, _ := get(t, srv, "GET", "/console/")
	if res2.Header.Get("Content-Security-Policy") == csp {
		t.Error("two loads of the page got the same nonce")
	}
	// Nothing from a CDN: every src and href is the console's own.
	for _, u := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(u[1], "/console/") {
			t.Errorf("the page loads %q, not from /console/", u[1])
		}
	}
	for _, f := range []string{"/console/console.js", "/console/presenters.js", "/console/console.css", "/console/vendor/codemirror.js", "/console/vendor/LICENSE.codemirror"} {
		if res, body := get(t, srv, "GET", f); res.StatusCode != 200 || len(body) == 0 {
			t.Errorf("GET %s: %d", f, res.StatusCode)
		}
	}
	if res, _ := get(t, srv, "GET", "/console/index.html"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/console/" {
		t.Errorf("GET /console/index.html: %d to %q, want a redirect to /console/", res.StatusCode, res.Header.Get("Location"))
	}
	if res, _ := get(t, srv, "POST", "/console/"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /console/: %d, want 405", res.StatusCode)
	}
	if res, _ := get(t, srv, "GET", "/console/nope.js"); res.StatusCode != 404 {
		t.Errorf("GET a missing file: %d, want 404", res.StatusCode)
	}
	// The token is never put into the page's HTML or a cookie by the server.
	if res.Header.Get("Set-Cookie") != "" {
		t.Error("the console sets a cookie")
	}
}
