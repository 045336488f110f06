package gateway_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/voice"
	"github.com/avatarcast/avatarcast/gateway"
)

// testAudio returns a real rendered line (Ogg Opus, "Only 19 dollars
// today.") and the audio store of h's bus, to put it in.
func testAudio(t *testing.T, h *harness) ([]byte, *bus.AudioStore) {
	t.Helper()
	audio, err := os.ReadFile("../avatar/voice/testdata/en-19-dollars.ogg")
	if err != nil {
		t.Fatal(err)
	}
	store, err := h.b.AudioStore(context.Background(), bus.AudioConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return audio, store
}

// TestServesAudioWithRanges: a rendered line in the audio store is served
// at its URL, cacheable for good, and a range request gets just its bytes.
func TestServesAudioWithRanges(t *testing.T) {
	h := start(t, gateway.Config{})
	audio, store := testAudio(t, h)
	req := voice.Request{Text: "Only 19 dollars today.", Lang: "en"}
	res := voice.Result{Key: voice.Key("test", req), Format: voice.FormatOggOpus, Bytes: len(audio)}
	if err := store.Put(context.Background(), res, audio); err != nil {
		t.Fatal(err)
	}
	base := "http" + strings.TrimPrefix(h.url, "ws")
	get := func(path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	resp, body := get(res.URL())
	if resp.StatusCode != 200 || !bytes.Equal(body, audio) {
		t.Fatalf("GET %s: %s, %d bytes; want 200 and the %d bytes stored", res.URL(), resp.Status, len(body), len(audio))
	}
	for k, want := range map[string]string{
		"Content-Type": "audio/ogg; codecs=opus", "Cache-Control": "public, max-age=31536000, immutable",
		"ETag": `"` + res.Key + `"`, "Accept-Ranges": "bytes",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}

	resp, body = get(res.URL(), "Range", "bytes=100-1099")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, audio[100:1100]) {
		t.Errorf("range 100-1099: %s with %d bytes, want 206 with bytes 100..1099", resp.Status, len(body))
	}
	if cr, want := resp.Header.Get("Content-Range"), "bytes 100-1099/"+itoa(len(audio)); cr != want {
		t.Errorf("Content-Range %q, want %q", cr, want)
	}
	if resp, _ = get(res.URL(), "If-None-Match", `"`+res.Key+`"`); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %s, want 304", resp.Status)
	}
	for _, p := range []string{
		"/audio/" + strings.Repeat("0", 64) + ".ogg", // no such line
		"/audio/" + res.Key + ".mp3", "/audio/" + res.Key, "/audio/..%2f..%2fetc.ogg", "/audio/" + strings.ToUpper(res.Key) + ".ogg",
	} {
		if resp, _ := get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", p, resp.Status)
		}
	}
}

// TestAudioMissesLimitedPerAddress: made-up keys cost store reads, so an
// address gets only so many (429 with Retry-After); a line in memory is
// still served to it.
func TestAudioMissesLimitedPerAddress(t *testing.T) {
	h := start(t, gateway.Config{})
	audio, store := testAudio(t, h)
	res := voice.Result{Key: voice.Key("limit", voice.Request{Text: "x", Lang: "en"}), Format: voice.FormatOggOpus}
	if err := store.Put(context.Background(), res, audio); err != nil {
		t.Fatal(err)
	}
	base := "http" + strings.TrimPrefix(h.url, "ws")
	status := func(path string) (int, string) {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	if code, _ := status(res.URL()); code != 200 {
		t.Fatalf("GET %s: %d", res.URL(), code)
	}
	limited := false
	for i := range 150 {
		key := voice.Key("made-up", voice.Request{Text: strings.Repeat("a", i+1), Lang: "en"})
		code, after := status("/audio/" + key + ".ogg")
		if code == http.StatusTooManyRequests && after != "" {
			limited = true
			break
		}
		if code != http.StatusNotFound {
			t.Fatalf("made-up key %d: %d, want 404 or 429", i, code)
		}
	}
	if !limited {
		t.Fatal("150 made-up keys from one address, never 429")
	}
	if code, _ := status(res.URL()); code != 200 {
		t.Errorf("a line in memory after the limit: %d, want 200", code)
	}
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
