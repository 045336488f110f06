package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// TestServePreviewRoom: a merchant's preview room in a real serve (API,
// gateway, director) plays for the holder of its token only: an anonymous
// viewer, a wrong token and another merchant get 404 on every route, the
// index does not list it, and deleting it ends the show.
func TestServePreviewRoom(t *testing.T) {
	const demoToken = "demo-token-for-preview-0123456789"
	const acmeToken = "acme-token-for-preview-0123456789"
	dir := t.TempDir()
	env := twoMerchants(t, dir, demoToken, acmeToken)
	s := startServeEnv(t, filepath.Join(dir, "data"), env, io.Discard, "-log-level", "warn")

	status, body := apiCall(t, s, demoToken, "POST", "/api/v1/previews?script=demo-live", "", "")
	if status != 201 {
		t.Fatalf("create a preview: HTTP %d %v", status, body)
	}
	room := body["room"].(map[string]any)
	id, token, viewerURL := room["id"].(string), body["token"].(string), body["viewer"].(string)

	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string, cookie *http.Cookie) (int, string, *http.Response) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.base+path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), res
	}
	// Nobody without the token sees it, on any route.
	wrong := &http.Cookie{Name: "avatarcast-preview-" + id, Value: acmeToken}
	for _, c := range []*http.Cookie{nil, wrong} {
		for _, p := range []string{"/rooms/" + id, "/rooms/" + id + "/public.json", "/kiosk/" + id, "/overlay/" + id, "/rooms/" + id + "?preview=" + acmeToken} {
			if st, _, _ := get(p, c); st != http.StatusNotFound {
				t.Errorf("GET %s (cookie %v): HTTP %d, want 404", p, c != nil, st)
			}
		}
		hdr := http.Header{}
		if c != nil {
			hdr.Set("Cookie", c.String())
		}
		_, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.base, "http")+"/ws?room="+id, hdr)
		if err == nil || res == nil || res.StatusCode != http.StatusNotFound {
			t.Errorf("socket without the token (cookie %v): %v, want 404", c != nil, err)
		}
	}
	if st, page, _ := get("/", nil); st != 200 || strings.Contains(page, id) || !strings.Contains(page, "demo-live") {
		t.Errorf("the index (HTTP %d) lists the preview or not the demo room", st)
	}
	// Another merchant cannot reach it through the API either.
	for _, p := range []string{"/api/v1/previews/" + id, "/api/v1/rooms/" + id, "/api/v1/rooms/" + id + "/questions"} {
		if st, _ := apiCall(t, s, acmeToken, "GET", p, "", ""); st != http.StatusNotFound {
			t.Errorf("acme GET %s: HTTP %d, want 404", p, st)
		}
	}

	// The viewer URL trades the token for a cookie and drops it from the URL.
	st, _, res := get(viewerURL, nil)
	if st != http.StatusSeeOther || res.Header.Get("Location") != "/rooms/"+id {
		t.Fatalf("viewer URL: HTTP %d to %q, want 303 to /rooms/%s", st, res.Header.Get("Location"), id)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "avatarcast-preview-"+id {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Value != token {
		t.Fatalf("preview cookie %+v, want HttpOnly SameSite=Strict with the token", cookie)
	}
	for _, p := range []string{"/rooms/" + id, "/rooms/" + id + "/public.json"} {
		if st, _, _ := get(p, cookie); st != 200 {
			t.Errorf("GET %s with the cookie: HTTP %d", p, st)
		}
	}
	// The director plays it: a viewer with the cookie gets the show.
	hdr := http.Header{"Cookie": {cookie.String()}}
	conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(s.base, "http")+"/ws?room="+id, hdr)
	if err != nil {
		t.Fatalf("socket with the cookie: %v", err)
	}
	defer conn.Close()
	v := &viewer{t: t, conn: conn}
	v.hello()
	for {
		e := v.next(30 * time.Second)
		if e.Type == avatar.EventSpeech {
			break
		}
	}
	// Deleting the preview ends it: the socket closes and the page is gone.
	if st, body := apiCall(t, s, demoToken, "DELETE", "/api/v1/previews/"+id, "", ""); st != http.StatusNoContent {
		t.Fatalf("delete the preview: HTTP %d %v", st, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := v.read(30 * time.Second); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the preview's socket still open 30 s after it was deleted")
		}
	}
	if st, _, _ := get("/rooms/"+id, cookie); st != http.StatusNotFound {
		t.Errorf("the deleted preview's page: HTTP %d, want 404", st)
	}
}
