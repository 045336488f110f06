package api

import (
	"bytes"
	"crypto/md5"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
)

// The Douyin live-room data push ("直播间数据开放", developer.open-douyin.com
// …/interaction/develop/server/live-room-scope/data-open/data-open-desc):
// Douyin POSTs each message batch of a room it was told to push (one task
// per room, app and message type) to the app's callback URL, with headers
// x-nonce-str, x-timestamp (milliseconds), x-roomid, x-msg-type and
// x-signature, and as body the JSON of the message payloads. It expects a
// 2xx within 2 seconds (3 for gifts); ten failures in a row stop the push
// for a while. docs/bridge.md says what we assumed beyond the page.

// douyinPushPath is where a room's Douyin push comes in; it carries no
// bearer token: the signature made with the room's app secret is its
// authentication.
const douyinPushPath = "/api/v1/rooms/{room}/bridges/douyin/push"

// maxDouyinBody bounds one push's body.
const maxDouyinBody = 1 << 20

// douyinSignedHeaders are the headers the signature covers, in the
// lexical order it joins them (the doc: every header of the table but
// x-signature and content-type, sorted by name).
var douyinSignedHeaders = []string{"x-msg-type", "x-nonce-str", "x-roomid", "x-timestamp"}

// DouyinSignature is the x-signature Douyin sends with a push whose
// headers (name → value; the names of douyinSignedHeaders) and body are
// given, for the app secret: base64 of the MD5 of "k1=v1&k2=v2…" over
// the headers sorted by name, then the body, then the secret, as the
// Douyin open platform documents it.
func DouyinSignature(headers map[string]string, body []byte, secret string) string {
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	h := md5.New()
	for i, k := range keys {
		if i > 0 {
			h.Write([]byte("&"))
		}
		h.Write([]byte(k + "=" + headers[k]))
	}
	h.Write(body)
	h.Write([]byte(secret))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// Douyin's message types (x-msg-type) and what each becomes.
const (
	douyinComment  = "live_comment"
	douyinGift     = "live_gift"
	douyinLike     = "live_like"
	douyinFansclub = "live_fansclub"
	douyinFollow   = "live_follow" // assumed: named in Douyin's client API (tt.onReceiveLiveInteractPluginMessage), not in the push page
)

// douyinPayload is one message of a push, with the fields the Douyin doc
// lists for comments, gifts, likes and fans-club changes; others are
// ignored.
type douyinPayload struct {
	MsgID      string  `json:"msg_id"`
	SecOpenID  string  `json:"sec_openid"`
	SecOpenID2 string  `json:"sec_open_id"` // the client API's spelling
	Nickname   string  `json:"nickname"`
	Content    string  `json:"content"`
	SecGiftID  string  `json:"sec_gift_id"`
	GiftNum    flexInt `json:"gift_num"`
	GiftValue  flexInt `json:"gift_value"` // the gifts' whole value
	LikeNum    flexInt `json:"like_num"`
	Reason     flexInt `json:"fansclub_reason_type"`
	Timestamp  flexInt `json:"timestamp"`
	Test       bool    `json:"test"`
}

// flexInt is a JSON number, or a string holding one (Douyin's pages show
// both for the same fields).
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*f = 0
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// douyinName returns a Douyin nickname fit to show and speak: checked
// with avatar.ParseName after cutting it to avatar.MaxNameRunes
// characters; a nickname that still fails (control or format characters)
// is dropped, so the event goes on without a name rather than be lost.
func douyinName(s string) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > avatar.MaxNameRunes {
		s = string([]rune(s)[:avatar.MaxNameRunes])
	}
	n, err := avatar.ParseName(s)
	if err != nil {
		return ""
	}
	return n
}

// douyinEvents turns the payloads of a push of msgType into platform
// events; messages that are no event of ours (a fans-club level change)
// are skipped.
func douyinEvents(msgType string, ps []douyinPayload, gifts map[string]string) []avatar.PlatformEvent {
	out := make([]avatar.PlatformEvent, 0, len(ps))
	for _, p := range ps {
		user := p.SecOpenID
		if user == "" {
			user = p.SecOpenID2
		}
		e := avatar.PlatformEvent{Platform: "douyin", MsgID: p.MsgID, User: avatar.PlatformUser{ID: user, Name: douyinName(p.Nickname)}}
		switch msgType {
		case douyinComment:
			e.Type, e.Text = avatar.MsgComment, p.Content
		case douyinLike:
			e.Type, e.Count = avatar.MsgLike, int(min(max(p.LikeNum, 1), avatar.MaxPlatformLikes))
		case douyinGift:
			n := max(int64(p.GiftNum), 1)
			name := gifts[p.SecGiftID]
			if name == "" {
				name = "礼物" // "gift": the push names gifts by id only
			}
			e.Type, e.Gift = avatar.MsgGift, &avatar.Gift{Name: name, Count: int(min(n, avatar.MaxGiftCount)), Value: int64(p.GiftValue) / n}
		case douyinFansclub:
			if p.Reason != 2 { // assumed: 1 levelled up, 2 joined
				continue
			}
			e.Type = avatar.MsgFollow
		case douyinFollow:
			e.Type = avatar.MsgFollow
		default:
			continue
		}
		out = append(out, e)
	}
	return out
}

// douyinPush takes a room's Douyin live-room data push: the signature is
// checked with the room's app secret (401 if wrong or missing, 404 if the
// room has no Douyin bridge), a push older or newer than the dedupe
// window is refused (401: a replay), and the messages go through Ingest
// like any platform events, repeated msg_ids counted once. It answers 200
// with the batch's reply (429 with Retry-After over the room's rate).
func (a *API) douyinPush(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "not_found", err.Error())
		return
	}
	body, ok := a.readBody(w, r, maxDouyinBody)
	if !ok {
		return
	}
	p, err := a.platform(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return
	}
	rb, _, err := p.Bridges(r.Context(), id)
	if err != nil {
		a.internal(w, r, err)
		return
	}
	rm, _, err := a.bus.RoomRecord(r.Context(), id)
	if err != nil || rb.Douyin == nil || rm.Merchant != rb.Merchant {
		a.fail(w, r, http.StatusNotFound, "not_found", "room "+string(id)+" takes no Douyin push")
		return
	}
	if p, _ := r.Context().Value(keyMerchant).(*string); p != nil {
		*p = rm.Merchant
	}
	headers := make(map[string]string, len(douyinSignedHeaders))
	for _, k := range douyinSignedHeaders {
		headers[k] = r.Header.Get(k)
	}
	want := DouyinSignature(headers, body, rb.Douyin.Secret)
	got := r.Header.Get("x-signature")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		a.fail(w, r, http.StatusUnauthorized, "bad_signature", "x-signature does not match the push signed with the room's Douyin app secret")
		return
	}
	ms, err := strconv.ParseInt(headers["x-timestamp"], 10, 64)
	if age := a.cfg.Now().Sub(time.UnixMilli(ms)); err != nil || age > a.cfg.PlatformWindow || age < -a.cfg.PlatformWindow {
		a.fail(w, r, http.StatusUnauthorized, "stale_push", "x-timestamp is not within "+a.cfg.PlatformWindow.String()+" of now: a replayed push is refused")
		return
	}
	var payloads []douyinPayload
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var one douyinPayload
		err = json.Unmarshal(trimmed, &one)
		payloads = []douyinPayload{one}
	} else {
		err = json.Unmarshal(trimmed, &payloads)
	}
	if err != nil {
		p := jsonProblem(err)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	events := douyinEvents(headers["x-msg-type"], payloads, rb.Douyin.GiftNames)
	if len(events) == 0 {
		// A message type we do not map (or only skipped messages): taken,
		// so Douyin does not count the push as failed.
		a.writeJSON(w, http.StatusOK, inputsReply{PlatformReply: avatar.PlatformReply{Results: []avatar.PlatformResult{}}, RequestID: requestID(r)})
		return
	}
	reply := a.Ingest(r.Context(), id, avatar.PlatformBatch{Inputs: events})
	if reply.Refused > 0 {
		a.log.Info("douyin push: events refused", zap.String("room", string(id)), zap.Int("refused", reply.Refused), zap.Int("taken", reply.Taken))
	}
	a.answerBatch(w, r, reply)
}
