// Package console is the merchant console, served by the gateway at
// /console/: plain HTML, CSS and ES modules embedded in the binary (nothing
// from a CDN), with the script editor built on a vendored CodeMirror 6
// (static/vendor). The console has no endpoints of its own: everything it
// does goes through the public merchant API (gateway/api, docs/api.md) with
// the merchant's bearer token, which it keeps in sessionStorage only.
package console

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"io/fs"
	"net/http"
	"strconv"
)

//go:embed static
var files embed.FS

// csp allows only the console's own scripts, styles and API calls: no
// inline script, no form posts, framed by nothing; it frames only the
// gateway's own pages (a private preview's viewer page). The page's nonce lets in only
// the <style> element CodeMirror writes its theme into (EditorView.cspNonce).
func csp(nonce string) string {
	return "default-src 'none'; script-src 'self'; style-src 'self' 'nonce-" + nonce + "'; img-src 'self' data:; " +
		"connect-src 'self' ws: wss:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}

// newNonce returns a fresh CSP nonce, 128 random bits.
func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Handler serves the console under /console/: the page at /console/ and
// its files under /console/static/.
func Handler() http.Handler {
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree always has static/
	}
	page, err := fs.ReadFile(static, "index.html")
	if err != nil {
		panic(err)
	}
	fileServer := http.StripPrefix("/console/", http.FileServerFS(static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		nonce := newNonce()
		h.Set("Content-Security-Policy", csp(nonce))
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			h.Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/console/" {
			body := bytes.Replace(page, []byte("{{nonce}}"), []byte(nonce), 1)
			h.Set("Content-Type", "text/html; charset=utf-8")
			h.Set("Content-Length", strconv.Itoa(len(body)))
			h.Set("Cache-Control", "no-store")
			if r.Method == http.MethodGet {
				w.Write(body)
			}
			return
		}
		if r.URL.Path == "/console/index.html" {
			http.Redirect(w, r, "/console/", http.StatusMovedPermanently)
			return
		}
		fileServer.ServeHTTP(w, r)
	})
}
