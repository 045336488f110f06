package api

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/script"
)

// Config sets up the API. Merchants is required; the rest have defaults.
type Config struct {
	// Merchants are the accounts, each with its token's SHA-256.
	Merchants []Merchant
	// Personas are the personas rooms and scripts may name, by ID.
	Personas map[string]avatar.Persona
	// Schema is served at /schema/show-script.json when set.
	Schema []byte
	// MaxScriptBytes bounds a script upload (default 1 MiB); larger is 413.
	MaxScriptBytes int64
	// ControlTimeout bounds the wait for a director's answer (default 3s).
	ControlTimeout time.Duration
	// Now returns the time, for licence checks and records (default time.Now).
	Now func() time.Time
	// Scripts holds the parsed stored script versions; give the one the
	// director of the same process uses, so each version is parsed once
	// (default: the API's own).
	Scripts *script.Cache
	// LicenceCheckEvery is how often Run checks that every playing room's
	// licence still covers it, stopping those whose licence expired
	// (default 10s).
	LicenceCheckEvery time.Duration
	// MaxLicences is how many licences one merchant may keep (default
	// 1000); a new one beyond is 409 too_many.
	MaxLicences int
	// PreviewIdle is how long a preview room lives after the merchant last
	// used it (default DefaultPreviewIdle); Run deletes it then.
	PreviewIdle time.Duration
	// MaxPreviews is how many preview rooms one merchant may have at once
	// (default DefaultMaxPreviews); one more is 409 too_many.
	MaxPreviews int
	// MaxPersonas is how many personas one merchant may keep (default
	// 200); a new one beyond is 409 too_many.
	MaxPersonas int
	// BlockedWords are masked in platform events' names and texts, as the
	// gateway masks them in our own viewers' (give the gateways' list).
	BlockedWords []string
	// PlatformWindow is how long a platform message id is remembered to
	// drop repeats (default bus.DefaultPlatformWindow); a Douyin push
	// older than that is refused.
	PlatformWindow time.Duration
	// InputRate is how many platform events per second one room may send
	// to this gateway (default 100), InputBurst how many at once (default
	// 2 × avatar.MaxPlatformBatch); beyond, a batch is 429.
	InputRate  float64
	InputBurst int
	// IngestTimeout bounds the handling of one batch (default 1.5s), so
	// a platform's push is answered within its 2 seconds; events not
	// handled by then are refused as busy (send them again).
	IngestTimeout time.Duration
}

// API serves the merchant API. Its handler is safe for concurrent use.
type API struct {
	cfg       Config
	bus       *bus.Bus
	log       *zap.Logger
	merchants []merchantKey
	parse     script.Config // for uploads and lint: with the personas

	licMu sync.Mutex
	lic   *bus.Licences // opened on first use

	perMu sync.Mutex
	per   *bus.Personas // opened on first use

	in ingest // platform events (inputs.go)
}

type merchantKey struct {
	id   string
	hash [32]byte
}

// New returns the API over b. It fails if the merchants are not valid.
func New(cfg Config, b *bus.Bus, log *zap.Logger) (*API, error) {
	if err := checkMerchants(cfg.Merchants); err != nil {
		return nil, fmt.Errorf("api: %w", err)
	}
	if cfg.MaxScriptBytes <= 0 {
		cfg.MaxScriptBytes = 1 << 20
	}
	if cfg.ControlTimeout <= 0 {
		cfg.ControlTimeout = 3 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Scripts == nil {
		cfg.Scripts = script.NewCache(0)
	}
	if cfg.LicenceCheckEvery <= 0 {
		cfg.LicenceCheckEvery = 10 * time.Second
	}
	if cfg.MaxLicences <= 0 {
		cfg.MaxLicences = 1000
	}
	if cfg.PreviewIdle <= 0 {
		cfg.PreviewIdle = DefaultPreviewIdle
	}
	if cfg.MaxPreviews <= 0 {
		cfg.MaxPreviews = DefaultMaxPreviews
	}
	if cfg.MaxPersonas <= 0 {
		cfg.MaxPersonas = 200
	}
	if cfg.InputRate <= 0 {
		cfg.InputRate = 100
	}
	if cfg.InputBurst <= 0 {
		cfg.InputBurst = 2 * avatar.MaxPlatformBatch
	}
	if cfg.IngestTimeout <= 0 {
		cfg.IngestTimeout = 1500 * time.Millisecond
	}
	if cfg.PlatformWindow <= 0 {
		cfg.PlatformWindow = bus.DefaultPlatformWindow
	}
	a := &API{cfg: cfg, bus: b, log: log.Named("api")}
	a.in.block = avatar.NewBlocklist(cfg.BlockedWords)
	if len(cfg.Merchants) == 0 {
		// A cluster's API gateway may start before anyone wrote the
		// merchants file (docker compose as shipped): viewers and public
		// pages are served, merchant calls answer 503 saying why.
		a.log.Warn("merchant API: " + noMerchants)
	}
	for _, m := range cfg.Merchants {
		var k merchantKey
		k.id = m.ID
		if _, err := hex.Decode(k.hash[:], []byte(m.TokenSHA256)); err != nil {
			return nil, fmt.Errorf("api: merchant %s: %w", m.ID, err)
		}
		a.merchants = append(a.merchants, k)
	}
	a.parse.Personas = make([]string, 0, len(cfg.Personas))
	for id := range cfg.Personas {
		a.parse.Personas = append(a.parse.Personas, id)
	}
	slices.Sort(a.parse.Personas)
	return a, nil
}

// Handler returns the API's routes (see docs/api.md):
//
//	GET    /schema/show-script.json          the show-script JSON Schema (no auth)
//	PUT    /api/v1/scripts/{id}              store a new version (YAML or JSON)
//	GET    /api/v1/scripts                   the merchant's scripts, latest versions
//	GET    /api/v1/scripts/{id}              the latest version
//	DELETE /api/v1/scripts/{id}
//	GET    /api/v1/scripts/{id}/versions     every version kept
//	GET    /api/v1/scripts/{id}/versions/{v} one version
//	POST   /api/v1/rooms                     create a room (stopped)
//	GET    /api/v1/rooms, /api/v1/rooms/{room}
//	GET    /api/v1/rooms/{room}/questions    questions no FAQ entry matched, newest first
//	PUT    /api/v1/rooms/{room}/script       assign a script version
//	POST   /api/v1/rooms/{room}/{start,pause,resume,stop}
//	POST   /api/v1/rooms/{room}/{pitch,sale,stock,price,say,notice,skip}
//	POST   /api/v1/rooms/{room}/orders       an order from the merchant's shop, once per idempotency key
//	POST   /api/v1/rooms/{room}/{mute,unmute} {"viewer": id}: hide a viewer's comments
//	PUT    /api/v1/licences/{id}             record or change a likeness/voice licence (revoke: "revoked": true)
//	GET    /api/v1/licences, /api/v1/licences/{id}, /api/v1/licences/{id}/versions
//	DELETE /api/v1/licences/{id}
//	PUT    /api/v1/personas/{id}             record or change a persona of the merchant's own
//	GET    /api/v1/personas, /api/v1/personas/{id}, /api/v1/personas/{id}/versions
//	DELETE /api/v1/personas/{id}
//	GET    /api/v1/audit                     the merchant's audit trail, newest first
//	POST   /api/v1/lint                      check a script, store nothing
//	POST   /api/v1/previews                  a private preview room of a script (?script=&version= or the text)
//	GET    /api/v1/previews, /api/v1/previews/{room}  (getting one keeps it alive)
//	DELETE /api/v1/previews/{room}
//	POST   /api/v1/rooms/{room}/inputs       a batch of platform events (merchant or bridge token; docs/bridge.md)
//	POST   /api/v1/rooms/{room}/bridge-tokens  make a bridge token (shown once)
//	GET    /api/v1/rooms/{room}/bridge-tokens, DELETE …/bridge-tokens/{id}
//	PUT    /api/v1/rooms/{room}/bridges/douyin  the Douyin push's app secret (GET, DELETE)
//	POST   /api/v1/rooms/{room}/bridges/douyin/push  Douyin's live-room data push (signed, no token)
func (a *API) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /api/v1/scripts/{id}", a.putScript)
	mux.HandleFunc("GET /api/v1/scripts", a.listScripts)
	mux.HandleFunc("GET /api/v1/scripts/{id}", a.getScript)
	mux.HandleFunc("DELETE /api/v1/scripts/{id}", a.deleteScript)
	mux.HandleFunc("GET /api/v1/scripts/{id}/versions", a.listVersions)
	mux.HandleFunc("GET /api/v1/scripts/{id}/versions/{v}", a.getVersion)
	mux.HandleFunc("POST /api/v1/rooms", a.createRoom)
	mux.HandleFunc("GET /api/v1/rooms", a.listRooms)
	mux.HandleFunc("GET /api/v1/rooms/{room}", a.getRoom)
	mux.HandleFunc(recordRoute, a.getRecord)
	mux.HandleFunc("GET /api/v1/rooms/{room}/questions", a.listQuestions)
	mux.HandleFunc("PUT /api/v1/rooms/{room}/script", a.assignScript)
	mux.HandleFunc("GET /api/v1/rooms/{room}/schedule", a.getSchedule)
	mux.HandleFunc("PUT /api/v1/rooms/{room}/schedule", a.putSchedule)
	mux.HandleFunc("DELETE /api/v1/rooms/{room}/schedule", a.deleteSchedule)
	for _, op := range lifecycle {
		mux.HandleFunc("POST /api/v1/rooms/{room}/"+op.name, a.lifecycleHandler(op))
	}
	for _, t := range []avatar.ControlType{avatar.CtlSkip, avatar.CtlPitch, avatar.CtlSale, avatar.CtlStock, avatar.CtlPrice, avatar.CtlSay, avatar.CtlNotice, avatar.CtlLang, avatar.CtlClear} {
		mux.HandleFunc("POST /api/v1/rooms/{room}/"+string(t), a.controlHandler(t))
	}
	mux.HandleFunc("POST /api/v1/rooms/{room}/orders", a.postOrder)
	mux.HandleFunc("POST /api/v1/rooms/{room}/mute", a.muteHandler(true))
	mux.HandleFunc("POST /api/v1/rooms/{room}/unmute", a.muteHandler(false))
	mux.HandleFunc("PUT /api/v1/licences/{id}", a.putLicence)
	a.licenceRecords().routes(mux)
	mux.HandleFunc("PUT /api/v1/personas/{id}", a.putPersona)
	a.personaRecords().routes(mux)
	mux.HandleFunc("GET /api/v1/audit", a.auditLog)
	mux.HandleFunc("POST /api/v1/lint", a.lintScript)
	mux.HandleFunc("POST /api/v1/previews", a.createPreview)
	mux.HandleFunc("GET /api/v1/previews", a.listPreviews)
	mux.HandleFunc("GET /api/v1/previews/{room}", a.getPreview)
	mux.HandleFunc("DELETE /api/v1/previews/{room}", a.deletePreview)
	mux.HandleFunc("POST /api/v1/rooms/{room}/bridge-tokens", a.createBridgeToken)
	mux.HandleFunc("GET /api/v1/rooms/{room}/bridge-tokens", a.listBridgeTokens)
	mux.HandleFunc("DELETE /api/v1/rooms/{room}/bridge-tokens/{id}", a.revokeBridgeToken)
	mux.HandleFunc("PUT /api/v1/rooms/{room}/bridges/douyin", a.putDouyin)
	mux.HandleFunc("GET /api/v1/rooms/{room}/bridges/douyin", a.getDouyin)
	mux.HandleFunc("DELETE /api/v1/rooms/{room}/bridges/douyin", a.deleteDouyin)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		// The catch-all also gets known paths asked with another method.
		var allow []string
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete} {
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/api/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			a.fail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.URL.Path+" takes "+strings.Join(allow, ", "))
			return
		}
		a.fail(w, r, http.StatusNotFound, "not_found", "no such API route: "+r.Method+" "+r.URL.Path)
	})
	authed := a.authenticate(mux)

	root := http.NewServeMux()
	root.Handle("/api/", authed)
	// Platform bridges authenticate their own way: a merchant's or the
	// room's bridge token (inputs), the push's signature (Douyin).
	root.HandleFunc("POST /api/v1/rooms/{room}/inputs", a.postInputs)
	root.HandleFunc("POST "+douyinPushPath, a.douyinPush)
	root.HandleFunc("GET /schema/show-script.json", a.serveSchema)
	return a.logRequests(root)
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyMerchant
)

func requestID(r *http.Request) string {
	s, _ := r.Context().Value(keyRequestID).(string)
	return s
}

func merchantOf(r *http.Request) string {
	s, _ := r.Context().Value(keyMerchant).(*string)
	if s == nil {
		return ""
	}
	return *s
}

// statusWriter remembers the status a handler sent, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// logRequests gives each request an ID (X-Request-Id) and logs it when done:
// method, path, status, time and merchant. It never logs headers, bodies or
// query strings, so tokens and script text stay out of the log.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := uuid.NewString()
		w.Header().Set("X-Request-Id", id)
		var merchant string
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyMerchant, &merchant)
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(sw, r.WithContext(ctx))
		a.log.Info("request",
			zap.String("request_id", id), zap.String("method", r.Method), zap.String("path", r.URL.Path),
			zap.Int("status", sw.status), zap.Duration("took", time.Since(start)), zap.String("merchant", merchant))
	})
}

// noMerchants says why the API refuses every merchant call when it has no
// accounts.
const noMerchants = "no merchants configured: add accounts to the merchants file (-merchants) or set AVATARCAST_DEMO_TOKEN, then restart"

// authenticate lets a request through only with a merchant's bearer token;
// it answers 401 before routing, so unauthenticated callers learn nothing
// of which routes or records exist.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(a.merchants) == 0 {
			a.fail(w, r, http.StatusServiceUnavailable, "no_merchants", noMerchants)
			return
		}
		h := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if h == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="avatarcast"`)
			a.fail(w, r, http.StatusUnauthorized, "unauthorized", "missing bearer token: send Authorization: Bearer <token>")
			return
		}
		id := ""
		if ok && strings.EqualFold(scheme, "Bearer") {
			id = a.merchantFor(strings.TrimSpace(token))
		}
		if id == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="avatarcast", error="invalid_token"`)
			a.fail(w, r, http.StatusUnauthorized, "unauthorized", "invalid bearer token")
			return
		}
		if p, _ := r.Context().Value(keyMerchant).(*string); p != nil {
			*p = id
		}
		next.ServeHTTP(w, r)
	})
}

// merchantFor returns the merchant whose token is token, or "". It compares
// the token's hash with every merchant's, in constant time, and does not
// stop at a match.
func (a *API) merchantFor(token string) string {
	if token == "" {
		return ""
	}
	sum := sha256Sum(token)
	found := ""
	for _, m := range a.merchants {
		if subtle.ConstantTimeCompare(sum[:], m.hash[:]) == 1 {
			found = m.id
		}
	}
	return found
}

func (a *API) serveSchema(w http.ResponseWriter, r *http.Request) {
	if len(a.cfg.Schema) == 0 {
		a.fail(w, r, http.StatusNotFound, "not_found", "no schema is configured")
		return
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(a.cfg.Schema)
}

// Problem is one thing wrong with a request: a script problem at Line:Col,
// or a body field that is missing or bad.
type Problem struct {
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Field    string `json:"field,omitempty"`
	Severity string `json:"severity"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Rule     string `json:"rule"`
	// Licence and Reason, on a persona no licence covers: the licence
	// considered ("" if none) and why (avatar.LicenceRevoked, ...).
	Licence string `json:"licence,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func scriptProblems(ps script.Problems) []Problem {
	out := make([]Problem, 0, len(ps))
	for _, p := range ps {
		out = append(out, Problem{Line: p.Line, Col: p.Col, Severity: p.Severity.String(), Code: p.Code, Message: p.Msg, Rule: p.Rule})
	}
	return out
}

func fieldProblem(field, code, format string, args ...any) Problem {
	return Problem{Field: field, Severity: "error", Code: code, Message: fmt.Sprintf(format, args...)}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Problems  []Problem `json:"problems,omitempty"`
	RequestID string    `json:"request_id"`
}

func (a *API) writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// fail answers with the JSON error body.
func (a *API) fail(w http.ResponseWriter, r *http.Request, status int, code, msg string, problems ...Problem) {
	var b errorBody
	b.Error.Code, b.Error.Message = code, msg
	b.Problems = problems
	b.RequestID = requestID(r)
	a.writeJSON(w, status, b)
}

// internal logs err once, with the request ID, and tells the caller only
// that something failed and which request it was.
func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	a.log.Error("internal error", zap.String("request_id", requestID(r)), zap.String("merchant", merchantOf(r)), zap.Error(err))
	a.fail(w, r, http.StatusInternalServerError, "internal", "internal error (request "+requestID(r)+")")
}

// record writes an audit record of a change the request made. The change is
// done by then, so a failure to record is logged, not returned.
func (a *API) record(r *http.Request, action, target string, detail any) {
	a.audit(r.Context(), bus.AuditRecord{Merchant: merchantOf(r), Action: action, Target: target, RequestID: requestID(r)}, detail)
}

// audit writes rec, stamped now and with detail, to the audit log, even if
// ctx has ended; a failure is logged, not returned.
func (a *API) audit(ctx context.Context, rec bus.AuditRecord, detail any) {
	rec.TS = a.cfg.Now().UTC()
	if detail != nil {
		d, err := json.Marshal(detail)
		if err == nil {
			rec.Detail = d
		}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := a.bus.RecordAudit(ctx, rec); err != nil {
		a.log.Error("audit record lost", zap.String("request_id", rec.RequestID), zap.String("merchant", rec.Merchant),
			zap.String("action", rec.Action), zap.String("target", rec.Target), zap.Error(err))
	}
}

// decodeJSON reads a small JSON request body into v, refusing unknown
// fields; on failure it has answered 400 (or 413, 415) and returns false.
func (a *API) decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := mediaType(r); ct != "" && ct != "application/json" {
		a.fail(w, r, http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<10))
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		a.fail(w, r, http.StatusRequestEntityTooLarge, "too_large", "the body is over 64 KiB")
		return false
	case err != nil:
		a.fail(w, r, http.StatusBadRequest, "bad_request", "could not read the body: "+err.Error())
		return false
	}
	// The JSON decoder would turn bytes that are not UTF-8 into U+FFFD
	// without a word, so every later check of the text would pass: check
	// the raw bytes first.
	if !utf8.Valid(body) {
		p := utf8Problem(body)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	switch {
	case errors.Is(err, io.EOF):
		a.fail(w, r, http.StatusBadRequest, "bad_request", "the body is empty; send a JSON object")
		return false
	case err != nil:
		p := jsonProblem(err)
		a.fail(w, r, http.StatusBadRequest, "bad_request", p.Message, p)
		return false
	case dec.More():
		a.fail(w, r, http.StatusBadRequest, "bad_request", "the body holds more than one JSON value")
		return false
	}
	return true
}

// utf8Problem says where the first byte of body that is not UTF-8 is: its
// line and column (in characters, from 1) and the JSON field whose value
// or name holds it, as a dotted path ("" when outside any field).
func utf8Problem(body []byte) Problem {
	off := 0
	for off < len(body) {
		r, n := utf8.DecodeRune(body[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	before := body[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := 1 + utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:])
	p := fieldProblem(jsonFieldAt(body, off), "bad-utf8", "the body is not valid UTF-8: byte 0x%02x at line %d, column %d (byte offset %d); send text as UTF-8", body[off], line, col, off)
	p.Line, p.Col = line, col
	return p
}

// jsonFieldAt returns the dotted path of the object field whose name or
// value spans byte offset off of body, or "" if none can be told.
func jsonFieldAt(body []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(body))
	type level struct {
		object bool
		key    string
		isKey  bool // the next string token in this object is a key
	}
	var stack []level
	path := func() string {
		var parts []string
		for _, l := range stack {
			if l.object && l.key != "" {
				parts = append(parts, l.key)
			}
		}
		return strings.Join(parts, ".")
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].object && stack[top].isKey {
			if k, ok := tok.(string); ok {
				stack[top].key, stack[top].isKey = k, false
				if int(dec.InputOffset()) > off {
					return path()
				}
				continue
			}
		}
		if int(dec.InputOffset()) > off {
			return path()
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{object: true, isKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, level{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
			top--
		}
		if top >= 0 && stack[top].object {
			stack[top].isKey = true // a value ended: a key comes next
		}
	}
}

// jsonProblem turns a JSON decoding error into a problem naming the field.
func jsonProblem(err error) Problem {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		what := typeErr.Field
		if what == "" {
			what = "the body"
		}
		return fieldProblem(typeErr.Field, "bad-type", "%s must be a JSON %s, not %s", what, jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return fieldProblem("", "bad-json", "the body is not JSON: %v (at byte %d)", err, syntaxErr.Offset)
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		f = strings.Trim(f, `"`)
		return fieldProblem(f, "unknown-field", "unknown field %q", f)
	}
	return fieldProblem("", "bad-json", "the body is not valid: %s", msg)
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"), strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "slice":
		return "array"
	case goKind == "struct", goKind == "map":
		return "object"
	}
	return goKind
}

func mediaType(r *http.Request) string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.ToLower(strings.TrimSpace(ct))
}
