package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// TestDouyinSignatureDocumented checks DouyinSignature against the worked
// example of Douyin's open platform docs (live-room scope, "签名方式":
// the headers x-msg-type=user_group, x-nonce-str=123456, x-roomid=268,
// x-timestamp=456789, body "abc123你好", secret "123abc").
func TestDouyinSignatureDocumented(t *testing.T) {
	h := map[string]string{"x-nonce-str": "123456", "x-timestamp": "456789", "x-roomid": "268", "x-msg-type": "user_group"}
	if got, want := api.DouyinSignature(h, []byte("abc123你好"), "123abc"), "GAkalGmhzqlUGQO/TgvMug=="; got != want {
		t.Errorf("DouyinSignature(doc example) = %q, want %q", got, want)
	}
}

const douyinSecret = "douyin-app-secret-123"

// push sends a Douyin push of msgType with body, signed with secret
// (none if empty) at time ts, as Douyin's servers would.
func (e *env) push(room, msgType, body, secret string, ts time.Time) resp {
	e.t.Helper()
	h := map[string]string{"x-nonce-str": "n" + strconv.FormatInt(ts.UnixNano(), 36), "x-timestamp": strconv.FormatInt(ts.UnixMilli(), 10), "x-roomid": "7238876224917949240", "x-msg-type": msgType}
	req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/rooms/"+room+"/bridges/douyin/push", strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Header.Set("content-type", "application/json")
	if secret != "" {
		req.Header.Set("x-signature", api.DouyinSignature(h, []byte(body), secret))
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return resp{status: res.StatusCode, header: res.Header, body: data}
}

// Payloads shaped as Douyin's data-push page documents them: the body is
// the JSON array of the messages of one type.
const (
	douyinComments = `[{"msg_id":"7385","sec_openid":"MS4wLjABAAAA-u1","content":"这个多少钱？","avatar_url":"https://p3.douyinpic.com/a.jpeg","nickname":"抖音小红","timestamp":1720000000000},
{"msg_id":"7385","sec_openid":"MS4wLjABAAAA-u1","content":"这个多少钱？","avatar_url":"https://p3.douyinpic.com/a.jpeg","nickname":"抖音小红","timestamp":1720000000000},
{"msg_id":"7386","sec_openid":"MS4wLjABAAAA-u2","content":"好看","avatar_url":"","nickname":"\u202e反转名","timestamp":1720000000001}]`
	douyinGifts = `[{"msg_id":"g-1","sec_openid":"MS4wLjABAAAA-u3","sec_gift_id":"n1/Dg1905sTCyyas","gift_num":5,"gift_value":500,"avatar_url":"","nickname":"送礼的人名字很长很长很长很长很长很长很长很长很长很长","timestamp":1720000000002,"test":false,"audience_sec_open_id":""}]`
	douyinLikes = `[{"msg_id":"l-1","sec_openid":"MS4wLjABAAAA-u4","like_num":"15","avatar_url":"","nickname":"点赞","timestamp":1720000000003}]`
	douyinFans  = `[{"msg_id":"f-1","sec_openid":"MS4wLjABAAAA-u5","fansclub_reason_type":2,"fansclub_level":1,"avatar_url":"","nickname":"新粉","timestamp":1720000000004},
{"msg_id":"f-2","sec_openid":"MS4wLjABAAAA-u6","fansclub_reason_type":1,"fansclub_level":3,"avatar_url":"","nickname":"老粉","timestamp":1720000000005}]`
)

// TestDouyinPush: a room's Douyin push is taken only with a valid
// signature made with the room's secret and a fresh timestamp; its
// messages become platform events (a repeated msg_id counted once, a
// hostile nickname dropped, a long one cut), and reach the director.
func TestDouyinPush(t *testing.T) {
	e := newEnv(t)
	liveRoom(t, e.b, "r1", "a")
	s := listen(t, e.b, "r1")
	now := time.Now()
	if r := e.push("r1", "live_comment", douyinComments, douyinSecret, now); r.status != 404 {
		t.Errorf("push to a room without a Douyin bridge: HTTP %d, want 404", r.status)
	}
	e.want(e.do(tokenB, "PUT", "/api/v1/rooms/r1/bridges/douyin", "application/json", []byte(`{"secret":"`+douyinSecret+`"}`)), 404, "another merchant's room")
	e.want(e.do(tokenA, "PUT", "/api/v1/rooms/r1/bridges/douyin", "application/json", []byte(`{"secret":"short"}`)), 422, "a short secret")
	r := e.want(e.do(tokenA, "PUT", "/api/v1/rooms/r1/bridges/douyin", "application/json",
		[]byte(`{"secret":"`+douyinSecret+`","gift_names":{"n1/Dg1905sTCyyas":"小心心"}}`)), 200, "set the secret")
	if strings.Contains(string(r.body), douyinSecret) {
		t.Errorf("the answer holds the secret: %s", r.body)
	}
	got := e.want(e.do(tokenA, "GET", "/api/v1/rooms/r1/bridges/douyin", "", nil), 200, "get").json(t)
	if got["configured"] != true || strings.Contains(string(e.do(tokenA, "GET", "/api/v1/rooms/r1/bridges/douyin", "", nil).body), douyinSecret) {
		t.Errorf("get %v: want configured, never the secret", got)
	}
	audit := e.want(e.do(tokenA, "GET", "/api/v1/audit?action=room.bridge", "", nil), 200, "audit")
	if strings.Contains(string(audit.body), douyinSecret) || !strings.Contains(string(audit.body), "room.bridge.douyin.set") {
		t.Errorf("audit %s: want the change, never the secret", audit.body)
	}

	for _, tc := range []struct {
		name, secret string
		ts           time.Time
		code         string
	}{
		{"unsigned", "", now, "bad_signature"},
		{"signed with another secret", "not-the-secret", now, "bad_signature"},
		{"an old push replayed", douyinSecret, now.Add(-time.Hour), "stale_push"},
	} {
		if r := e.push("r1", "live_comment", douyinComments, tc.secret, tc.ts); r.status != 401 || r.errCode(t) != tc.code {
			t.Errorf("%s: HTTP %d %s, want 401 %s", tc.name, r.status, r.body, tc.code)
		}
	}
	// A body changed after signing is refused too.
	h := map[string]string{"x-nonce-str": "abc", "x-timestamp": strconv.FormatInt(now.UnixMilli(), 10), "x-roomid": "1", "x-msg-type": "live_comment"}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/rooms/r1/bridges/douyin/push", bytes.NewReader([]byte(douyinLikes)))
	for k, v := range h {
		req.Header.Set(k, v)
	}
	req.Header.Set("x-signature", api.DouyinSignature(h, []byte(douyinComments), douyinSecret))
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 401 {
		t.Errorf("a tampered body: %v %v, want 401", res.StatusCode, err)
	}

	var reply batchAnswer
	r = e.want(e.push("r1", "live_comment", douyinComments, douyinSecret, now), 200, "comments")
	if err := json.Unmarshal(r.body, &reply); err != nil || reply.Taken != 2 || reply.Duplicate != 1 {
		t.Errorf("comments: %s, want 2 taken and the repeated msg_id a duplicate", r.body)
	}
	// Douyin pushes the same message again: counted once.
	r = e.want(e.push("r1", "live_comment", douyinComments, douyinSecret, now.Add(time.Second)), 200, "the comments again")
	if err := json.Unmarshal(r.body, &reply); err != nil || reply.Taken != 0 || reply.Duplicate != 3 {
		t.Errorf("comments again: %s, want all duplicates", r.body)
	}
	e.want(e.push("r1", "live_gift", douyinGifts, douyinSecret, now), 200, "gifts")
	e.want(e.push("r1", "live_like", douyinLikes, douyinSecret, now), 200, "likes")
	e.want(e.push("r1", "live_fansclub", douyinFans, douyinSecret, now), 200, "fans club")
	if r := e.want(e.push("r1", "live_unknown", `[{"msg_id":"x"}]`, douyinSecret, now), 200, "an unknown type"); !strings.Contains(string(r.body), `"taken":0`) {
		t.Errorf("unknown type: %s, want nothing taken", r.body)
	}
	e.want(e.push("r1", "live_comment", `[{"msg_id":"end","sec_openid":"x","content":"marker"}]`, douyinSecret, now), 200, "marker")

	ins, _ := s.until(t, "marker")
	want := []struct {
		typ        avatar.MessageType
		viewer     string
		name, text string
	}{
		{avatar.MsgComment, "douyin:MS4wLjABAAAA-u1", "抖音小红", "这个多少钱？"},
		{avatar.MsgComment, "douyin:MS4wLjABAAAA-u2", "", "好看"}, // the bidi nickname dropped
		{avatar.MsgGift, "douyin:MS4wLjABAAAA-u3", "送礼的人名字很长很长很长很长很长很长很长很长很长", ""},
		{avatar.MsgLike, "douyin:MS4wLjABAAAA-u4", "点赞", ""},
		{avatar.MsgFollow, "douyin:MS4wLjABAAAA-u5", "新粉", ""}, // joined the fans club; a level-up is not an event
		{avatar.MsgComment, "douyin:x", "", "marker"},
	}
	if len(ins) != len(want) {
		t.Fatalf("director got %d inputs, want %d: %+v", len(ins), len(want), ins)
	}
	for i, w := range want {
		in := ins[i]
		if in.Type != w.typ || in.Viewer != w.viewer || in.Data.Name != w.name || in.Data.Text != w.text || in.Platform != "douyin" {
			t.Errorf("input %d: %+v, want %+v", i, in, w)
		}
	}
	if g := ins[2].Data.Gift; g == nil || *g != (avatar.Gift{Name: "小心心", Count: 5, Value: 100}) {
		t.Errorf("gift %+v, want 5 小心心 of 100 each (gift_value 500 in all)", g)
	}
	if ins[3].Data.Count != 15 {
		t.Errorf("like count %d, want 15", ins[3].Data.Count)
	}
	// Without the secret, pushes are refused again.
	e.want(e.do(tokenA, "DELETE", "/api/v1/rooms/r1/bridges/douyin", "", nil), 204, "delete")
	if r := e.push("r1", "live_comment", douyinComments, douyinSecret, now); r.status != 404 {
		t.Errorf("push after delete: HTTP %d, want 404", r.status)
	}
}
