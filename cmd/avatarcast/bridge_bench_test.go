package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/avatarcast/avatarcast/avatar"
)

// benchFAQs is how many FAQ entries the latency benchmark's script has:
// an entry answered is not answered again for avatar's AnswerCooldown
// (20 s), so each sample asks another one.
const benchFAQs = 40

// benchScript is a livestream of short lines on a loop, with benchFAQs
// entries "问题N号" → "回答N。".
func benchScript() string {
	var b strings.Builder
	b.WriteString(`id: bench-live
kind: livestream
title: {zh-CN: 测试}
persona: xiaoya
languages: [zh-CN]
segments:
  - id: loop
    steps:
      - id: tick
        say: {zh-CN: 好。}
      - goto: loop
faq:
  entries:
`)
	for i := range benchFAQs {
		fmt.Fprintf(&b, "    - id: faq-%d\n      match: {zh-CN: [问题%d号]}\n      answer:\n        - id: ans-%d\n          say: {zh-CN: 回答%d。}\n", i, i, i, i)
	}
	return b.String()
}

// BenchmarkPlatformReplyLatency: through a real serve (embedded NATS,
// director, gateway, API, as run starts them), the time from posting a
// Douyin comment that matches a FAQ entry to the director's reply event
// reaching a WebSocket viewer (reply-*), and to the comment showing in
// that viewer's danmaku (danmaku-*). Each sample is posted as a scripted
// line of 670 ms starts; the reply waits for it to end and the 400 ms
// breath after it (a reply never cuts a line), so about 1.1 s of the
// reply's latency is the show's, not the pipeline's. Run it with
// -benchtime=Nx, N ≤ 40 (one FAQ entry per sample); it reports the
// median and the slowest sample. ns/op is the reply's mean.
func BenchmarkPlatformReplyLatency(b *testing.B) {
	if b.N > benchFAQs {
		b.Skipf("at most %d samples (one per FAQ entry): run with -benchtime=%dx", benchFAQs, benchFAQs)
	}
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "bench-live.yaml"), []byte(benchScript()), 0o644); err != nil {
		b.Fatal(err)
	}
	const token = "bench-token-0123456789abcdef"
	env := map[string]string{"AVATARCAST_DEMO_TOKEN": token}
	args := []string{"avatarcast", "serve", "-addr", "127.0.0.1:0", "-data", b.TempDir(), "-scripts", dir,
		"-personas", filepath.Join(repoRootTB(b), "configs", "personas.yaml"), "-log-level", "warn"}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), pw, io.Discard)
		pw.CloseWithError(fmt.Errorf("run returned: %v", err))
		errc <- err
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			b.Error(err)
		}
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		b.Fatalf("serve did not start: %v", err)
	}
	go io.Copy(io.Discard, pr)
	base := strings.TrimPrefix(strings.TrimSpace(line), "avatarcast: serving ")
	// The gateway knows the room once it has read the rooms (healthz).
	var conn *websocket.Conn
	var res *http.Response
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		conn, res, err = websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws?room=bench-live", nil)
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		msg := ""
		if res != nil {
			data, _ := io.ReadAll(res.Body)
			msg = fmt.Sprintf("HTTP %d %s", res.StatusCode, data)
		}
		b.Fatalf("dial: %v %s", err, msg)
	}
	defer conn.Close()
	events := make(chan avatar.Envelope, 1024)
	go func() {
		defer close(events)
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var es []avatar.Envelope
			if len(data) > 0 && data[0] == '[' {
				_ = json.Unmarshal(data, &es)
			} else {
				var e avatar.Envelope
				_ = json.Unmarshal(data, &e)
				es = append(es, e)
			}
			for _, e := range es {
				events <- e
			}
		}
	}()
	post := func(i int, msgID string) {
		body := platformComment(msgID, fmt.Sprintf("u%d", i), "", fmt.Sprintf("问题%d号", i))
		req, _ := http.NewRequest("POST", base+"/api/v1/rooms/bench-live/inputs", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			b.Fatalf("post: HTTP %d", res.StatusCode)
		}
	}
	// await reads events until match holds for one, for at most timeout.
	await := func(timeout time.Duration, match func(avatar.Envelope) bool) bool {
		deadline := time.After(timeout)
		for {
			select {
			case e, ok := <-events:
				if !ok {
					b.Fatal("the viewer's socket closed")
				}
				if match(e) {
					return true
				}
			case <-deadline:
				return false
			}
		}
	}
	awaitReply := func(faq string, timeout time.Duration) bool {
		return await(timeout, func(e avatar.Envelope) bool {
			var r avatar.Reply
			return e.Type == avatar.EventReply && json.Unmarshal(e.Data, &r) == nil && r.FAQ == faq
		})
	}
	tick := func(e avatar.Envelope) bool {
		var sp avatar.Speech
		return e.Type == avatar.EventSpeech && json.Unmarshal(e.Data, &sp) == nil && sp.LineID == "tick"
	}
	// Warm up: until the director plays the room and hears its input.
	warm := false
	for try := range 20 {
		post(benchFAQs-1, fmt.Sprintf("warm-%d", try))
		if awaitReply(fmt.Sprintf("faq-%d", benchFAQs-1), 3*time.Second) {
			warm = true
			break
		}
	}
	if !warm {
		b.Fatal("the director never answered")
	}
	var took, shown []time.Duration
	b.ResetTimer()
	for i := range b.N {
		// Each sample starts as a scripted line starts, as a comment
		// arriving mid-show would: the reply waits out that line.
		b.StopTimer()
		if !await(30*time.Second, tick) {
			b.Fatal("the show did not go back to its script")
		}
		b.StartTimer()
		start := time.Now()
		post(i, fmt.Sprintf("m-%d", i))
		want := fmt.Sprintf("问题%d号", i)
		if !await(10*time.Second, func(e avatar.Envelope) bool {
			var c avatar.Comment
			return e.Type == avatar.EventComment && json.Unmarshal(e.Data, &c) == nil && c.Text == want
		}) {
			b.Fatalf("sample %d never reached the danmaku", i)
		}
		shown = append(shown, time.Since(start))
		if !awaitReply(fmt.Sprintf("faq-%d", i), 30*time.Second) {
			b.Fatalf("no reply to sample %d", i)
		}
		took = append(took, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(took)
	slices.Sort(shown)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "reply-p50-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "reply-max-ms")
	b.ReportMetric(float64(shown[len(shown)/2].Microseconds())/1000, "danmaku-p50-ms")
	b.ReportMetric(float64(shown[len(shown)-1].Microseconds())/1000, "danmaku-max-ms")
}

func repoRootTB(b testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}
