package answer

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"golang.org/x/time/rate"

	"github.com/avatarcast/avatarcast/avatar"
	"github.com/avatarcast/avatarcast/avatar/guard"
)

// Errors a caller branches on: each means "speak the fallback line".
var (
	// ErrOverBudget: the room spent its calls per minute or tokens per
	// hour; the endpoint was not called.
	ErrOverBudget = errors.New("over the room's model budget")
	// ErrTimeout: the endpoint gave no whole answer within Config.Timeout.
	ErrTimeout = errors.New("model did not answer in time")
)

// The environment variables ConfigFromEnv reads. The key is read only
// from the environment, never from a script or a flag, and never logged.
const (
	EnvURL     = "AVATARCAST_AI_URL"     // base URL with /v1: http://127.0.0.1:11434/v1
	EnvModel   = "AVATARCAST_AI_MODEL"   // default model: qwen2.5:3b
	EnvKey     = "AVATARCAST_AI_KEY"     // bearer token; empty for a local server
	EnvTimeout = "AVATARCAST_AI_TIMEOUT" // a Go duration: 8s
)

// Defaults of Config and Budget.
const (
	DefaultTimeout        = 8 * time.Second
	DefaultMaxTokens      = 160
	DefaultMaxSentences   = 3
	DefaultCallsPerMinute = 6
	DefaultTokensPerHour  = 100000 // about a hundred answers with a demo-sized prompt
	// MaxResponseBytes bounds what the client reads of one response, so
	// an endpoint that sends without end cannot grow memory.
	MaxResponseBytes = 1 << 20
)

// Config is one OpenAI-compatible chat endpoint (Ollama, llama.cpp's
// server, vLLM or a hosted API). Zero fields take the defaults above.
type Config struct {
	// URL is the API's base URL, up to and including /v1; the client
	// posts to URL + "/chat/completions". It may not hold a user or
	// password: the key goes in Key.
	URL   string
	Model string
	// Key is the bearer token (EnvKey). String and errors never show it.
	Key string
	// Timeout bounds a whole answer, from the request to the last
	// sentence; past it Answer returns ErrTimeout.
	Timeout time.Duration
	// MaxTokens bounds the tokens of one answer.
	MaxTokens int
	// MaxSentences is how many checked sentences an answer may speak;
	// the stream is closed once they are there.
	MaxSentences int
	// Temperature of the model (default 0.3: answers from facts, not
	// invention).
	Temperature float32
	// Plain asks for the whole answer at once instead of a stream (for a
	// server whose streaming is broken); sentences are checked the same.
	Plain bool
	// HTTPClient is used for every call (default: a client with no
	// timeout of its own; Timeout bounds each answer).
	HTTPClient *http.Client
}

// String describes c without its key.
func (c Config) String() string {
	key := "none"
	if c.Key != "" {
		key = "set"
	}
	return fmt.Sprintf("endpoint %s model %s key %s timeout %v", c.URL, c.Model, key, c.Timeout)
}

// ConfigFromEnv reads the endpoint from getenv (EnvURL, EnvModel, EnvKey,
// EnvTimeout). With no EnvURL the model is off and ok is false.
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool, err error) {
	cfg.URL = strings.TrimSpace(getenv(EnvURL))
	if cfg.URL == "" {
		return Config{}, false, nil
	}
	cfg.Model = strings.TrimSpace(getenv(EnvModel))
	cfg.Key = strings.TrimSpace(getenv(EnvKey))
	if s := strings.TrimSpace(getenv(EnvTimeout)); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return Config{}, false, fmt.Errorf("answer: %s=%q: want a positive duration such as 8s", EnvTimeout, s)
		}
		cfg.Timeout = d
	}
	return cfg, true, nil
}

// Budget is what one room may spend on the model: calls in any minute
// and tokens in any hour. Zero fields take the defaults.
type Budget struct {
	CallsPerMinute int `json:"calls_per_minute,omitempty"`
	TokensPerHour  int `json:"tokens_per_hour,omitempty"`
}

func (b Budget) withDefaults() Budget {
	if b.CallsPerMinute <= 0 {
		b.CallsPerMinute = DefaultCallsPerMinute
	}
	if b.TokensPerHour <= 0 {
		b.TokensPerHour = DefaultTokensPerHour
	}
	return b
}

// Client answers viewers' questions with a model, checking every sentence
// with a guard before it is given out. Its methods are safe for
// concurrent use; it keeps a budget per room in memory, for as long as it
// lives (a director that takes a room over starts its budget afresh).
type Client struct {
	cfg   Config
	api   *openai.Client
	guard *guard.Guard
	now   func() time.Time

	mu    sync.Mutex
	rooms map[avatar.RoomID]*roomBudget
}

type roomBudget struct {
	budget Budget
	calls  *rate.Limiter
	spent  []spend // the last hour's calls, oldest first
}

type spend struct {
	at     time.Time
	tokens int
}

// New returns a client of the endpoint cfg that checks with g.
func New(cfg Config, g *guard.Guard) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("answer: endpoint URL %q: want http:// or https:// and a host, such as http://127.0.0.1:11434/v1", cfg.URL)
	case u.User != nil:
		return nil, fmt.Errorf("answer: endpoint URL %s: holds a user or password; put the key in %s", u.Redacted(), EnvKey)
	case strings.TrimSpace(cfg.Model) == "":
		return nil, fmt.Errorf("answer: endpoint %s: no model (%s)", cfg.URL, EnvModel)
	case g == nil:
		return nil, errors.New("answer: no guard")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxTokens <= 0 {
		cfg.MaxTokens = DefaultMaxTokens
	}
	if cfg.MaxSentences <= 0 {
		cfg.MaxSentences = DefaultMaxSentences
	}
	if cfg.Temperature <= 0 {
		cfg.Temperature = 0.3
	}
	oc := openai.DefaultConfig(cfg.Key)
	oc.BaseURL = strings.TrimRight(cfg.URL, "/")
	hc := http.Client{}
	if cfg.HTTPClient != nil {
		hc = *cfg.HTTPClient
	}
	hc.Transport = limitTransport{next: cmp.Or[http.RoundTripper](hc.Transport, http.DefaultTransport)}
	oc.HTTPClient = &hc
	return &Client{cfg: cfg, api: openai.NewClientWithConfig(oc), guard: g, now: time.Now, rooms: map[avatar.RoomID]*roomBudget{}}, nil
}

// Timeout is how long the client waits for a whole answer.
func (c *Client) Timeout() time.Duration { return c.cfg.Timeout }

// Model is the model the client asks.
func (c *Client) Model() string { return c.cfg.Model }

// Request is one question to answer.
type Request struct {
	Room   avatar.RoomID
	Budget Budget
	// Model overrides the client's model for this question (a script's
	// ai.model); "" keeps Config.Model.
	Model  string
	Prompt Prompt
	// Facts are what each sentence is checked against; nil builds them
	// from Prompt (guard.NewFacts of its show, live state and language).
	Facts *guard.Facts
	// Continue goes on past a refused sentence. By default the answer
	// stops at the first: the sentences after a refused one often lean on
	// it ("That is 59 yuan. Grab it now!"), and a merchant would rather
	// the checked sentences before it, or the fallback, than a broken
	// answer. Continue is for trying a model out (every refusal recorded).
	Continue bool
	// OnSentence, if set, is called with each sentence as soon as it is
	// checked, in order, from Answer's goroutine: a driver may start
	// speaking the first while the model writes the next.
	OnSentence func(Sentence)
}

// Sentence is one checked sentence: passed when Reasons is empty.
type Sentence struct {
	Text    string
	Reasons []avatar.GuardReason
}

// Result is what the model said, checked.
type Result struct {
	Model   string
	Spoken  []string                 // the sentences that passed, in order
	Refused []avatar.RefusedSentence // those that did not, and why
	// Stopped: the answer was cut at a refused sentence (Request.Continue
	// unset) or at Config.MaxSentences.
	Stopped                        bool
	PromptTokens, CompletionTokens int // as the endpoint reported (0 if it did not)
}

// Answered says how the question was answered: avatar.AnsweredModel when
// a sentence passed, else avatar.AnsweredRefused (speak the fallback).
func (r Result) Answered() string {
	if len(r.Spoken) > 0 {
		return avatar.AnsweredModel
	}
	return avatar.AnsweredRefused
}

// Answer asks the model req's question and checks each sentence of the
// answer as it streams in. It returns ErrOverBudget (wrapped) without
// calling when the room's budget is spent, ErrTimeout after
// Config.Timeout, and the endpoint's error when it fails. On an error
// after some sentences passed, the Result holds them (they were checked
// and may be spoken); with none, speak the fallback.
func (c *Client) Answer(ctx context.Context, req Request) (Result, error) {
	model := cmp.Or(strings.TrimSpace(req.Model), c.cfg.Model)
	res := Result{Model: model}
	system, user := req.Prompt.Build()
	estimate := (len(system)+len(user))/3 + c.cfg.MaxTokens
	sp, err := c.reserve(req.Room, req.Budget, estimate)
	if err != nil {
		return res, err
	}
	facts := req.Facts
	if facts == nil {
		show := req.Prompt.Show
		if show == nil {
			facts = &guard.Facts{Lang: req.Prompt.Lang}
		} else {
			facts = guard.NewFacts(show, req.Prompt.Live, req.Prompt.Lang, req.Prompt.Persona.Name)
		}
	}
	tctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	creq := openai.ChatCompletionRequest{
		Model: model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: system},
			{Role: openai.ChatMessageRoleUser, Content: user},
		},
		//lint:ignore SA1019 Ollama and llama.cpp's server read max_tokens; max_completion_tokens is OpenAI's newer name for it
		MaxTokens:   c.cfg.MaxTokens,
		Temperature: c.cfg.Temperature,
	}
	var think thinkFilter
	var split guard.Splitter
	// check handles one sentence; false means stop.
	check := func(s string) bool {
		reasons := c.guard.Check(s, facts)
		if req.OnSentence != nil {
			req.OnSentence(Sentence{Text: s, Reasons: reasons})
		}
		if len(reasons) > 0 {
			res.Refused = append(res.Refused, avatar.RefusedSentence{Text: s, Reasons: reasons})
			if !req.Continue {
				res.Stopped = true
				return false
			}
			return true
		}
		res.Spoken = append(res.Spoken, s)
		if len(res.Spoken) >= c.cfg.MaxSentences {
			res.Stopped = true
			return false
		}
		return true
	}
	feed := func(piece string, final bool) bool {
		text := think.Write(piece)
		if final {
			text += think.Flush()
		}
		ss := split.Write(text)
		if final {
			ss = append(ss, split.Flush()...)
		}
		for _, s := range ss {
			if !check(s) {
				return false
			}
		}
		return true
	}
	if c.cfg.Plain {
		resp, err := c.api.CreateChatCompletion(tctx, creq)
		if err != nil {
			c.settle(req.Room, sp, 0)
			return res, c.fail(ctx, tctx, req.Room, err)
		}
		res.PromptTokens, res.CompletionTokens = resp.Usage.PromptTokens, resp.Usage.CompletionTokens
		c.settle(req.Room, sp, resp.Usage.TotalTokens)
		if len(resp.Choices) > 0 {
			feed(resp.Choices[0].Message.Content, true)
		}
		return res, nil
	}
	creq.Stream = true
	creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := c.api.CreateChatCompletionStream(tctx, creq)
	if err != nil {
		c.settle(req.Room, sp, 0)
		return res, c.fail(ctx, tctx, req.Room, err)
	}
	defer stream.Close()
	total := 0
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			feed("", true)
			break
		}
		if err != nil {
			c.settle(req.Room, sp, total)
			return res, c.fail(ctx, tctx, req.Room, err)
		}
		if u := chunk.Usage; u != nil {
			res.PromptTokens, res.CompletionTokens, total = u.PromptTokens, u.CompletionTokens, u.TotalTokens
		}
		more := true
		for _, ch := range chunk.Choices {
			if more = feed(ch.Delta.Content, false); !more {
				break
			}
		}
		if !more {
			break // closing the stream stops the model writing
		}
	}
	c.settle(req.Room, sp, total)
	return res, nil
}

// fail wraps an endpoint error with the operation, as ErrTimeout when
// the answer's own deadline passed (not the caller's).
func (c *Client) fail(ctx, tctx context.Context, room avatar.RoomID, err error) error {
	if errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		return fmt.Errorf("answer: room %s: model %s: %w after %v", room, c.cfg.Model, ErrTimeout, c.cfg.Timeout)
	}
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return fmt.Errorf("answer: room %s: model %s: endpoint answered %d: %s", room, c.cfg.Model, apiErr.HTTPStatusCode, truncate(apiErr.Message, 200))
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return fmt.Errorf("answer: room %s: model %s: endpoint answered %d", room, c.cfg.Model, reqErr.HTTPStatusCode)
	}
	return fmt.Errorf("answer: room %s: model %s: %w", room, c.cfg.Model, err)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// reserve takes one call and estimate tokens from room's budget before a
// call, or returns ErrOverBudget taking nothing.
func (c *Client) reserve(room avatar.RoomID, b Budget, estimate int) (spend, error) {
	b = b.withDefaults()
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	rb := c.rooms[room]
	if rb == nil || rb.budget != b {
		lim := rate.NewLimiter(rate.Every(time.Minute/time.Duration(b.CallsPerMinute)), b.CallsPerMinute)
		if rb != nil {
			lim = rb.calls
			lim.SetLimitAt(now, rate.Every(time.Minute/time.Duration(b.CallsPerMinute)))
			lim.SetBurstAt(now, b.CallsPerMinute)
		} else {
			rb = &roomBudget{}
			c.rooms[room] = rb
		}
		rb.budget, rb.calls = b, lim
	}
	hourAgo := now.Add(-time.Hour)
	used, keep := 0, rb.spent[:0]
	for _, s := range rb.spent {
		if s.at.After(hourAgo) {
			keep = append(keep, s)
			used += s.tokens
		}
	}
	rb.spent = keep
	if used+estimate > b.TokensPerHour {
		return spend{}, fmt.Errorf("answer: room %s: %d of %d tokens this hour spent, a call may take %d: %w", room, used, b.TokensPerHour, estimate, ErrOverBudget)
	}
	if !rb.calls.AllowN(now, 1) {
		return spend{}, fmt.Errorf("answer: room %s: %d calls a minute spent: %w", room, b.CallsPerMinute, ErrOverBudget)
	}
	sp := spend{at: now, tokens: estimate}
	rb.spent = append(rb.spent, sp)
	return sp, nil
}

// settle replaces a call's estimate with the tokens the endpoint reported
// (the estimate stays when it reported none).
func (c *Client) settle(room avatar.RoomID, sp spend, tokens int) {
	if tokens <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rb := c.rooms[room]
	if rb == nil {
		return
	}
	// Found by value: spent is re-sliced as calls come and go.
	for i := range rb.spent {
		if rb.spent[i].at.Equal(sp.at) && rb.spent[i].tokens == sp.tokens {
			rb.spent[i].tokens = tokens
			return
		}
	}
}

// Spent returns the tokens room spent in the last hour (estimates for
// calls still running), for metrics and tests.
func (c *Client) Spent(room avatar.RoomID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	rb := c.rooms[room]
	if rb == nil {
		return 0
	}
	hourAgo, n := c.now().Add(-time.Hour), 0
	for _, s := range rb.spent {
		if s.at.After(hourAgo) {
			n += s.tokens
		}
	}
	return n
}

// thinkFilter drops a reasoning model's <think>…</think> from its
// answer (qwen3 and deepseek-r1 on Ollama write it in the content), so
// it is neither checked nor spoken. Tags may be cut between pieces.
type thinkFilter struct {
	in      bool
	pending string
}

const thinkOpen, thinkClose = "<think>", "</think>"

func (t *thinkFilter) Write(piece string) string {
	s := t.pending + piece
	t.pending = ""
	var out strings.Builder
	for s != "" {
		tag := thinkOpen
		if t.in {
			tag = thinkClose
		}
		if i := strings.Index(s, tag); i >= 0 {
			if !t.in {
				out.WriteString(s[:i])
			}
			s = s[i+len(tag):]
			t.in = !t.in
			continue
		}
		// Keep back a tail that may be the start of tag.
		keep := 0
		for k := min(len(tag)-1, len(s)); k > 0; k-- {
			if strings.HasSuffix(s, tag[:k]) {
				keep = k
				break
			}
		}
		if !t.in {
			out.WriteString(s[:len(s)-keep])
		}
		t.pending = s[len(s)-keep:]
		break
	}
	return out.String()
}

// Flush ends the answer: a held-back tail that was no tag after all.
func (t *thinkFilter) Flush() string {
	s := t.pending
	t.pending = ""
	if t.in {
		return ""
	}
	return s
}

// Resolve answers an unmatched question and says how, for the driver of
// a room: with the model when c is not nil (the room turned it on), else
// or when nothing the model wrote passed, with fallback (the script's
// fallback line in the room's language). q is the record to complete
// (Room, Merchant, Lang, Text, Asked and Version set by the caller); the
// returned record says what to speak (Spoken), how it was answered, what
// was refused and why, and why the model gave nothing (Error). It blocks
// for at most c's timeout; run it off the engine.
func Resolve(ctx context.Context, c *Client, req Request, q avatar.Question, fallback string) avatar.Question {
	q.Answered, q.Spoken = avatar.AnsweredFallback, nil
	if c != nil {
		res, err := c.Answer(ctx, req)
		q.Model, q.Refused = res.Model, res.Refused
		if err != nil {
			q.Error = err.Error()
		}
		if len(res.Spoken) > 0 {
			q.Answered, q.Spoken = avatar.AnsweredModel, res.Spoken
			return q
		}
		if len(res.Refused) > 0 {
			q.Answered = avatar.AnsweredRefused
		}
	}
	if fallback != "" {
		q.Spoken = []string{fallback}
	}
	return q
}

// limitTransport cuts every response body at MaxResponseBytes.
type limitTransport struct{ next http.RoundTripper }

func (t limitTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, MaxResponseBytes), Closer: resp.Body}
	return resp, nil
}

type limitedBody struct {
	io.Reader
	io.Closer
}
