package main

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/web"
)

// TestPageParsesCloseReasonsAsGo runs the pages' client.js in Chromium on
// the shared close reason cases (avatar/testdata/close), the golden
// reasons, and a few thousand mutations of them: parseCloseReason must
// accept exactly what avatar.ParseCloseReason accepts, with the same
// values.
func TestPageParsesCloseReasonsAsGo(t *testing.T) {
	ctx := browser(t)
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.FileServerFS(web.FS))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><meta charset="utf-8"><script src="/static/client.js"></script>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	dir := filepath.Join(repoRoot(t), "avatar", "testdata", "close")
	b, err := os.ReadFile(filepath.Join(dir, "parse.json"))
	if err != nil {
		t.Fatal(err)
	}
	var shared []struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(b, &shared); err != nil {
		t.Fatal(err)
	}
	var reasons, seeds []string
	for _, c := range shared {
		reasons = append(reasons, c.Reason)
	}
	goldens, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
	for _, f := range goldens {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, strings.TrimSuffix(string(b), "\n"))
	}
	if len(reasons) < 10 || len(seeds) < 5 {
		t.Fatalf("%d shared cases and %d golden reasons in %s: want more", len(reasons), len(seeds), dir)
	}
	reasons = append(reasons, seeds...)
	reasons = append(reasons, mutations(seeds, 3000)...)

	do(t, ctx, "open a page with client.js", chromedp.Navigate(srv.URL+"/"))
	in, err := json.Marshal(reasons)
	if err != nil {
		t.Fatal(err)
	}
	out := eval[string](t, ctx, `JSON.stringify(`+string(in)+`.map(s => AvatarClient.parseCloseReason(s)))`)
	var got []*struct {
		Cause        string  `json:"cause"`
		Detail       string  `json:"detail"`
		RetryAfterMS int64   `json:"retryAfterMs"`
		Since        float64 `json:"since"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("results: %v", err)
	}
	if len(got) != len(reasons) {
		t.Fatalf("%d results for %d reasons", len(got), len(reasons))
	}
	accepted, differ := 0, 0
	for i, s := range reasons {
		r, err := avatar.ParseCloseReason(s)
		js := got[i]
		switch {
		case (err == nil) != (js != nil):
			t.Errorf("parseCloseReason(%q) = %+v; Go: %v", s, js, err)
		case err == nil && (js.Cause != r.Cause || js.Detail != r.Detail || js.RetryAfterMS != r.RetryAfter.Milliseconds() || js.Since != float64(r.Since)):
			t.Errorf("parseCloseReason(%q) = %+v; Go: %+v", s, *js, r)
		default:
			if err == nil {
				accepted++
			}
			continue
		}
		if differ++; differ > 20 {
			t.Fatal("too many differences")
		}
	}
	t.Logf("%d reasons, %d accepted by both", len(reasons), accepted)
	if accepted < len(seeds) || accepted == len(reasons) {
		t.Errorf("%d of %d reasons accepted: the cases test nothing", accepted, len(reasons))
	}
}

// mutations returns n strings, each a seed with a few characters inserted,
// deleted or replaced by ones that matter to the format.
func mutations(seeds []string, n int) []string {
	rnd := rand.New(rand.NewPCG(1, 2)) // the same cases every run
	alphabet := []rune("az_09;: =.-+\t\n\x00\x7f\u0085\u00a0\u3000\ufeff\u2028\ufffd太ZA")
	out := make([]string, 0, n)
	for range n {
		r := []rune(seeds[rnd.IntN(len(seeds))])
		for range 1 + rnd.IntN(3) {
			i := rnd.IntN(len(r) + 1)
			c := alphabet[rnd.IntN(len(alphabet))]
			switch op := rnd.IntN(3); {
			case op == 0 || i == len(r):
				r = append(r[:i], append([]rune{c}, r[i:]...)...)
			case op == 1:
				r = append(r[:i], r[i+1:]...)
			default:
				r[i] = c
			}
		}
		out = append(out, string(r))
	}
	return out
}
