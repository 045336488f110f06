package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
)

// maxInputsBody bounds a batch's body: MaxPlatformBatch events of the
// longest text fit with room to spare.
const maxInputsBody = 1 << 20

// maxLimiters bounds the rooms whose rate this gateway tracks at once;
// past it the table starts afresh (every room gets a full bucket).
const maxLimiters = 10000

// ingest is the API's state for platform events: the shared buckets
// (opened on first use), the blocklist and one rate limiter per room.
type ingest struct {
	block *avatar.Blocklist

	mu   sync.Mutex
	plat *bus.Platform
	lim  map[avatar.RoomID]*rate.Limiter
}

// platform returns the platform buckets, opening them the first time.
func (a *API) platform(ctx context.Context) (*bus.Platform, error) {
	a.in.mu.Lock()
	defer a.in.mu.Unlock()
	if a.in.plat == nil {
		p, err := a.bus.OpenPlatform(ctx, a.cfg.PlatformWindow)
		if err != nil {
			return nil, err
		}
		a.in.plat = p
	}
	return a.in.plat, nil
}

// reserve takes n events from room r's rate and returns 0, or, if the
// room is over its rate, takes nothing and returns how long to wait.
func (a *API) reserve(r avatar.RoomID, n int) time.Duration {
	a.in.mu.Lock()
	defer a.in.mu.Unlock()
	if a.in.lim == nil || len(a.in.lim) >= maxLimiters {
		a.in.lim = map[avatar.RoomID]*rate.Limiter{}
	}
	l := a.in.lim[r]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(a.cfg.InputRate), a.cfg.InputBurst)
		a.in.lim[r] = l
	}
	now := time.Now()
	res := l.ReserveN(now, n)
	if !res.OK() {
		return time.Duration(float64(n) / a.cfg.InputRate * float64(time.Second))
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return d
	}
	return 0
}

// Ingest takes a batch of room r's platform events: each is checked as
// hostile input, dropped if its (platform, msg_id) was seen within the
// window (on any API gateway), masked with the blocklist and passed to
// the room's director as an Input with Platform set; comments are also
// shown in the room's danmaku. It answers within cfg.IngestTimeout: what
// is not handled by then is refused as busy. It does not check who sent
// the batch: its callers do (postInputs, douyinPush, ServePlatform).
func (a *API) Ingest(ctx context.Context, r avatar.RoomID, batch avatar.PlatformBatch) avatar.PlatformReply {
	reply := avatar.PlatformReply{Results: []avatar.PlatformResult{}}
	switch n := len(batch.Inputs); {
	case n == 0:
		reply.Code, reply.Error = avatar.PlatformCodeBadBatch, `the batch has no events: send {"inputs": [...]}`
		return reply
	case n > avatar.MaxPlatformBatch:
		reply.Code, reply.Error = avatar.PlatformCodeTooMany, fmt.Sprintf("the batch has %d events, at most %d", n, avatar.MaxPlatformBatch)
		return reply
	}
	if wait := a.reserve(r, len(batch.Inputs)); wait > 0 {
		reply.Code, reply.Error = avatar.PlatformCodeRateLimited, fmt.Sprintf("room %s is over %g platform events a second; send again later", r, a.cfg.InputRate)
		reply.RetryAfterMS = max(wait.Milliseconds(), 1)
		return reply
	}
	ctx, cancel := context.WithTimeout(ctx, a.cfg.IngestTimeout)
	defer cancel()
	// The room: it must exist (a bridge on NATS names any room), and its
	// merchant may have muted some of the platform's viewers.
	rm, _, err := a.bus.RoomRecord(ctx, r)
	if errors.Is(err, bus.ErrNotFound) {
		reply.Code, reply.Error = avatar.PlatformCodeNoRoom, "no room "+string(r)
		return reply
	}
	var p *bus.Platform
	if err == nil {
		p, err = a.platform(ctx)
	}
	now := a.cfg.Now().UTC()
	for i := range batch.Inputs {
		e := batch.Inputs[i]
		if e.Gift != nil {
			g := *e.Gift // checked and masked here, not in the caller's batch
			e.Gift = &g
		}
		res := avatar.PlatformResult{Index: i}
		if avatar.ValidMsgID(e.MsgID) {
			res.MsgID = e.MsgID // echoed only if it is one
		}
		if prob := e.Check(); prob != nil {
			res.Status, res.Field, res.Code, res.Message = avatar.PlatformRefused, prob.Field, prob.Code, prob.Message
			reply.Add(res)
			continue
		}
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			err = a.pass(ctx, p, rm, e, now)
			if errors.Is(err, errDuplicate) {
				res.Status = avatar.PlatformDuplicate
				reply.Add(res)
				err = nil
				continue
			}
		}
		if err != nil {
			res.Status, res.Code, res.Message = avatar.PlatformRefused, avatar.PlatformCodeBusy, "not handled in time; send it again"
			reply.Add(res)
			continue
		}
		res.Status = avatar.PlatformTaken
		reply.Add(res)
	}
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		a.log.Warn("platform ingest", zap.String("room", string(r)), zap.Error(err))
	}
	return reply
}

var errDuplicate = errors.New("duplicate platform message")

// pass deduplicates e, a checked event, and passes it on to room rm: a
// comment or question of a viewer the merchant muted is taken but
// neither shown nor answered, as the gateway does with our own viewers'.
func (a *API) pass(ctx context.Context, p *bus.Platform, rm avatar.Room, e avatar.PlatformEvent, now time.Time) error {
	r := rm.ID
	first, err := p.FirstSeen(ctx, r, e.Platform, e.MsgID)
	if err != nil {
		return err
	}
	if !first {
		return errDuplicate
	}
	a.in.block.MaskPlatform(&e)
	in := e.Input(r, now)
	if (e.Type == avatar.MsgComment || e.Type == avatar.MsgQuestion) && rm.IsMuted(in.Viewer) {
		return nil
	}
	if e.Type == avatar.MsgComment {
		err = a.bus.PublishChat(r, avatar.Comment{Viewer: in.Viewer, Name: in.Data.Name, Text: in.Data.Text, Platform: in.Platform})
	}
	if err == nil {
		err = a.bus.PublishInput(r, in)
	}
	if err != nil {
		// Not passed on: the platform's next try must be taken.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		return errors.Join(err, p.Forget(ctx, r, e.Platform, e.MsgID))
	}
	return nil
}

// ServeBridges answers the platform batches bridges inside the cluster
// send on avatar.PlatformSubject (bus.SendPlatform) until ctx ends; the
// NATS role is their authentication (bus.RoleBridge).
func (a *API) ServeBridges(ctx context.Context) error {
	s, err := a.bus.ServePlatform(ctx, 0, a.Ingest)
	if err != nil {
		return fmt.Errorf("api: %w", err)
	}
	<-ctx.Done()
	return s.Stop()
}

// inputsReply is the answer to POST …/inputs: the reply, plus a problem
// per refused event (field "inputs[i].user.name").
type inputsReply struct {
	avatar.PlatformReply
	Problems  []Problem `json:"problems,omitempty"`
	RequestID string    `json:"request_id"`
}

// postInputs takes a batch of platform events for a room: POST
// /api/v1/rooms/{room}/inputs {"inputs": [...]}, with the room's
// merchant's token or one of the room's bridge tokens. It answers 200
// with what became of each event (refused ones also as problems), 429
// with Retry-After over the room's rate, 400 for a body that is not a
// batch.
func (a *API) postInputs(w http.ResponseWriter, r *http.Request) {
	id, err := avatar.ParseRoomID(r.PathValue("room"))
	if err != nil {
		a.fail(w, r, http.StatusNotFound, "not_found", err.Error())
		return
	}
	if !a.bridgeAuth(w, r, id) {
		return
	}
	if ct := mediaType(r); ct != "" && ct != "application/json" {
		a.fail(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return
	}
	body, ok := a.readBody(w, r, maxInputsBody)
	if !ok {
		return
	}
	var batch avatar.PlatformBatch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&batch); err != nil {
		p := jsonProblem(err)
		if p.Field != "" {
			p.Field = "inputs." + p.Field
		}
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return
	}
	a.answerBatch(w, r, a.Ingest(r.Context(), id, batch))
}

// answerBatch writes reply as the HTTP answer to a batch.
func (a *API) answerBatch(w http.ResponseWriter, r *http.Request, reply avatar.PlatformReply) {
	switch reply.Code {
	case avatar.PlatformCodeRateLimited:
		w.Header().Set("Retry-After", strconv.FormatInt(int64(math.Ceil(float64(reply.RetryAfterMS)/1000)), 10))
		a.fail(w, r, http.StatusTooManyRequests, reply.Code, reply.Error)
		return
	case avatar.PlatformCodeBadBatch, avatar.PlatformCodeTooMany:
		a.fail(w, r, http.StatusBadRequest, reply.Code, reply.Error)
		return
	case avatar.PlatformCodeNoRoom:
		a.fail(w, r, http.StatusNotFound, "not_found", reply.Error)
		return
	}
	out := inputsReply{PlatformReply: reply, RequestID: requestID(r)}
	for _, res := range reply.Results {
		if res.Status == avatar.PlatformRefused {
			field := fmt.Sprintf("inputs[%d]", res.Index)
			if res.Field != "" {
				field += "." + res.Field
			}
			out.Problems = append(out.Problems, fieldProblem(field, res.Code, "%s", res.Message))
		}
	}
	a.writeJSON(w, http.StatusOK, out)
}

// readBody reads a request body of at most limit bytes that must be
// UTF-8; on failure it has answered (413, 400) and returns false.
func (a *API) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("the body is over %d KiB", limit>>10))
		return nil, false
	case err != nil:
		a.fail(w, r, http.StatusBadRequest, "bad_request", "could not read the body: "+err.Error())
		return nil, false
	}
	if !utf8.Valid(body) {
		p := utf8Problem(body)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return nil, false
	}
	return body, true
}

// bridgeAuth lets a request for room id through with the bearer token of
// the room's merchant or one of the room's bridge tokens; otherwise it
// has answered 401 (or 404 for a merchant's token and another's room,
// 503 when the buckets cannot be read) and returns false.
func (a *API) bridgeAuth(w http.ResponseWriter, r *http.Request, id avatar.RoomID) bool {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="avatarcast"`)
		a.fail(w, r, http.StatusUnauthorized, "unauthorized", "missing bearer token: send Authorization: Bearer <merchant or bridge token>")
		return false
	}
	setMerchant := func(m string) {
		if p, _ := r.Context().Value(keyMerchant).(*string); p != nil {
			*p = m
		}
	}
	if m := a.merchantFor(token); m != "" {
		setMerchant(m)
		_, _, ok := a.ownRoom(w, r)
		return ok
	}
	p, err := a.platform(r.Context())
	if err != nil {
		a.internal(w, r, err)
		return false
	}
	rb, _, err := p.Bridges(r.Context(), id)
	if err != nil {
		a.internal(w, r, err)
		return false
	}
	sum := sha256.Sum256([]byte(token))
	found := false
	for _, t := range rb.Tokens {
		var h [32]byte
		if _, err := hex.Decode(h[:], []byte(t.SHA256)); err != nil {
			continue
		}
		if subtle.ConstantTimeCompare(sum[:], h[:]) == 1 {
			found = true
		}
	}
	if !found {
		w.Header().Set("WWW-Authenticate", `Bearer realm="avatarcast", error="invalid_token"`)
		a.fail(w, r, http.StatusUnauthorized, "unauthorized", "invalid bearer token for room "+string(id))
		return false
	}
	// The tokens were made for the room of this merchant: a room deleted
	// and made again by another merchant does not inherit them.
	rm, _, err := a.bus.RoomRecord(r.Context(), id)
	if errors.Is(err, bus.ErrNotFound) || (err == nil && rm.Merchant != rb.Merchant) {
		a.fail(w, r, http.StatusNotFound, "not_found", "no room "+string(id))
		return false
	}
	if err != nil {
		a.internal(w, r, err)
		return false
	}
	setMerchant(rm.Merchant)
	return true
}
