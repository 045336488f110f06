package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/gateway"
)

func (h *harness) httpURL() string { return "http" + strings.TrimPrefix(h.url, "ws") }

func httpGet(t *testing.T, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAssets serves the assets directory with caching headers and never
// anything outside it, nor a dot file.
func TestAssets(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "img"), 0o755); err != nil {
		t.Fatal(err)
	}
	svg := `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
	for name, body := range map[string]string{"img/tea.svg": svg, ".secret": "token", "img/.hidden.png": "x"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A file beside the assets directory, and a symlink pointing at it.
	outside := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"-outside.txt")
	if err := os.WriteFile(outside, []byte("outside"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(outside) })
	if err := os.Symlink(outside, filepath.Join(dir, "img", "link.svg")); err != nil {
		t.Fatal(err)
	}
	h := start(t, gateway.Config{Assets: dir})
	base := h.httpURL()

	resp, body := httpGet(t, base+"/assets/img/tea.svg", nil)
	if resp.StatusCode != 200 || body != svg {
		t.Fatalf("GET tea.svg: %d %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Errorf("Content-Type %q", ct)
	}
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Errorf("caching headers: ETag %q Last-Modified %q Cache-Control %q", etag, lm, resp.Header.Get("Cache-Control"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "sandbox") {
		t.Errorf("an asset's CSP %q lets a merchant's SVG run script", csp)
	}
	if r, _ := httpGet(t, base+"/assets/img/tea.svg", map[string]string{"If-None-Match": etag}); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", r.StatusCode)
	}
	if r, _ := httpGet(t, base+"/assets/img/tea.svg", map[string]string{"If-Modified-Since": lm}); r.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d, want 304", r.StatusCode)
	}
	for _, p := range []string{
		"/assets/img/missing.svg", "/assets/.secret", "/assets/img/.hidden.png", "/assets/img/link.svg",
		"/assets/..%2f" + filepath.Base(dir) + "-outside.txt", "/assets/img/..%2f..%2f" + filepath.Base(dir) + "-outside.txt",
		"/assets/img", "/assets/",
	} {
		r, b := httpGet(t, base+p, nil)
		if r.StatusCode != http.StatusNotFound || strings.Contains(b, "outside") || strings.Contains(b, "token") {
			t.Errorf("GET %s: %d %q, want 404", p, r.StatusCode, b)
		}
	}
}

// TestAssetsMissingDirectory: no directory, no assets, and the gateway runs.
func TestAssetsMissingDirectory(t *testing.T) {
	h := start(t, gateway.Config{Assets: filepath.Join(t.TempDir(), "nope")})
	if r, _ := httpGet(t, h.httpURL()+"/assets/img/tea.svg", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("GET with no assets directory: %d, want 404", r.StatusCode)
	}
}

func unlock(t *testing.T, base, body string) int {
	t.Helper()
	resp, err := http.Post(base+"/kiosk/unlock", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestKioskUnlock checks the staff passcode against its hash, refuses a
// wrong one, and limits the attempts.
func TestKioskUnlock(t *testing.T) {
	sum := sha256.Sum256([]byte("2468"))
	h := start(t, gateway.Config{Kiosk: gateway.KioskConfig{PasscodeSHA256: hex.EncodeToString(sum[:])}})
	base := h.httpURL()
	if c := unlock(t, base, `{"passcode":"1357"}`); c != http.StatusForbidden {
		t.Errorf("wrong passcode: %d, want 403", c)
	}
	if c := unlock(t, base, `{"passcode":"2468"}`); c != http.StatusNoContent {
		t.Errorf("right passcode: %d, want 204", c)
	}
	if c := unlock(t, base, `not json`); c != http.StatusBadRequest {
		t.Errorf("bad body: %d, want 400", c)
	}
	// The bucket holds 5 attempts: guessing soon meets 429, and then even
	// the right passcode waits.
	limited := false
	for range 10 {
		if unlock(t, base, `{"passcode":"0000"}`) == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Error("10 quick guesses were never refused with 429")
	}
	if c := unlock(t, base, `{"passcode":"2468"}`); c != http.StatusTooManyRequests {
		t.Errorf("right passcode while limited: %d, want 429", c)
	}
	// The kiosk page says it is locked; the passcode is nowhere in it.
	_, page := httpGet(t, base+"/kiosk/r", nil)
	if !strings.Contains(page, `data-locked="true"`) || strings.Contains(page, hex.EncodeToString(sum[:])) {
		t.Errorf("kiosk page: locked mark missing or the hash shown")
	}
}

// TestKioskUnlockNotConfigured: without a passcode hash there is no lock.
func TestKioskUnlockNotConfigured(t *testing.T) {
	h := start(t, gateway.Config{})
	if c := unlock(t, h.httpURL(), `{"passcode":"2468"}`); c != http.StatusNotFound {
		t.Errorf("unlock with no lock: %d, want 404", c)
	}
	r, page := httpGet(t, h.httpURL()+"/kiosk/r", nil)
	if r.StatusCode != 200 || !strings.Contains(page, `data-locked="false"`) || !strings.Contains(page, `id="say" class="say" hidden`) || strings.Contains(page, `id="like"`) {
		t.Errorf("kiosk page without config: %d, want unlocked with no free text or like", r.StatusCode)
	}
	if r, _ := httpGet(t, h.httpURL()+"/kiosk/nope", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("kiosk of an unknown room: %d", r.StatusCode)
	}
}

// TestPublicCatalog lists a room's exhibits, options and FAQ questions in
// every language of its script, for the kiosk's buttons.
func TestPublicCatalog(t *testing.T) {
	h := start(t, gateway.Config{})
	src, err := os.ReadFile(filepath.Join("..", "scripts", "demo-museum.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bustest.SeedRoom(t, h.b, src, avatar.Room{ID: "k", Kind: "museum", Title: "Gallery", Merchant: "m", Show: "demo-museum", Status: avatar.RoomPlaying,
		Persona: avatar.Persona{ID: "p", Name: "P", Disclosure: map[string]string{"en": "AI-generated"}}})
	var resp *http.Response
	var body string
	bustest.WaitFor(t, 10*time.Second, "public.json of room k", func() bool {
		resp, body = httpGet(t, h.httpURL()+"/rooms/k/public.json", nil)
		return resp.StatusCode == 200
	})
	var p gateway.Public
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Languages, ",") != "zh-CN,en,fr" || len(p.Exhibits) != 2 || len(p.FAQ) == 0 {
		t.Fatalf("public: languages %v, %d exhibits, %d faq", p.Languages, len(p.Exhibits), len(p.FAQ))
	}
	x := p.Exhibits[0]
	if x.ID != "houmuwu-ding" || x.Title["fr"] == "" || x.Era["en"] == "" || x.Image != "/assets/img/houmuwu-ding.svg" || len(x.Options) != 2 || x.Options[0].Label["en"] != "Who was it for?" {
		t.Errorf("exhibit %+v", x)
	}
	if strings.Contains(x.Text["en"], "[") || x.Text["en"] == "" {
		t.Errorf("exhibit text %q, want the first narration line without cue marks", x.Text["en"])
	}
	if p.FAQ[0].Ask["en"] != "opening hours" {
		t.Errorf("faq ask %v, want the first match phrase per language", p.FAQ[0].Ask)
	}
	// The answers themselves are not public.
	if strings.Contains(body, "inscription") {
		t.Error("public.json holds an answer line")
	}
	if r, _ := httpGet(t, h.httpURL()+"/rooms/r/public.json", nil); r.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("public.json of a room without a stored script: %d, want 503", r.StatusCode)
	}
}

// TestKioskExtras shows the free-text box and the like button when the
// kiosk configuration asks for them.
func TestKioskExtras(t *testing.T) {
	h := start(t, gateway.Config{Kiosk: gateway.KioskConfig{FreeText: true, Like: true, IdleAfter: 90 * time.Second}})
	r, page := httpGet(t, h.httpURL()+"/kiosk/r", nil)
	if r.StatusCode != 200 || strings.Contains(page, `id="say" class="say" hidden`) || !strings.Contains(page, `id="like"`) || !strings.Contains(page, `data-idle="90"`) {
		t.Errorf("kiosk page with free text and like: %d, want both shown and idle 90s", r.StatusCode)
	}
}
