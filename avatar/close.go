package avatar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CloseCode is the status code of a close frame the gateway sends a viewer
// (RFC 6455 7.4); 4000-4999 are avatarcast's own. It is part of the wire
// protocol: add values, never renumber them. The list, with what a client
// should do on each, is docs/protocol.md#close-codes.
type CloseCode int

// Close codes the gateway sends, each with the cause its reason opens with.
const (
	CloseNormal       CloseCode = 1000 // CauseBye: the viewer's socket ended (it left, or reading it failed)
	CloseGoingAway    CloseCode = 1001 // CauseGoingAway: the gateway is shutting down or full; resume after the wait
	CloseBadUTF8      CloseCode = 1007 // CodeBadUTF8: a text frame was not UTF-8 (RFC 6455 8.1), never forwarded
	CloseTooLarge     CloseCode = 1009 // CodeTooLarge: a frame over the hard limit (64 KiB)
	CloseInternal     CloseCode = 1011 // CodeInternal: the gateway failed to catch the viewer up
	CloseSlowConsumer CloseCode = 4008 // CauseSlowConsumer: the viewer fell too far behind
	CloseAbuse        CloseCode = 4009 // CauseAbuse: too many bad or rate-limited frames
)

// Close causes: the word a close reason opens with. Those of 1007, 1009 and
// 1011 are the error codes CodeBadUTF8, CodeTooLarge and CodeInternal.
const (
	CauseBye          = "bye"
	CauseGoingAway    = "going_away"
	CauseSlowConsumer = "slow_consumer"
	CauseAbuse        = "abuse"
)

// Cause is the word a close reason with code c opens with ("closed" for a
// code this version does not send).
func (c CloseCode) Cause() string {
	switch c {
	case CloseNormal:
		return CauseBye
	case CloseGoingAway:
		return CauseGoingAway
	case CloseBadUTF8:
		return CodeBadUTF8
	case CloseTooLarge:
		return CodeTooLarge
	case CloseInternal:
		return CodeInternal
	case CloseSlowConsumer:
		return CauseSlowConsumer
	case CloseAbuse:
		return CauseAbuse
	}
	return "closed"
}

// CloseReason is what the reason text of a gateway's close frame says:
// why, when to come back and from where. On the wire (FormatCloseReason):
//
//	CAUSE[: DETAIL]; retry_after_ms=N; resume since=SEQ
//
// for example "slow_consumer; retry_after_ms=2417; resume since=1042".
type CloseReason struct {
	// Cause is one word (a letter a-z, then a-z 0-9 _; at most
	// MaxCloseCause bytes): the close code's Cause.
	Cause string
	// Detail is optional text for people ("frame over 65536 bytes"): UTF-8
	// without control characters or ';', trimmed.
	Detail string
	// RetryAfter is how long to wait before reconnecting, in whole
	// milliseconds, at most MaxRetryAfter. The gateway jitters it so that
	// dropped viewers do not all come back at once.
	RetryAfter time.Duration
	// Since is the last room seq written to the viewer: reconnect with
	// since=Since to get every event after it.
	Since uint64
}

// Limits of a close reason.
const (
	// MaxCloseReason is the longest reason a close frame can carry: a
	// control frame's 125 bytes less the 2 of the code (RFC 6455 5.5).
	MaxCloseReason = 123
	MaxCloseCause  = 32
	MaxRetryAfter  = 10 * time.Minute
)

const (
	retryKey = "; retry_after_ms="
	sinceKey = "; resume since="
)

// FormatCloseReason writes r as a close frame's reason. It always returns a
// reason ParseCloseReason accepts, within MaxCloseReason bytes: a cause that
// is not a word is lower-cased and has its other characters replaced by '_' (and "closed"
// put before it unless it starts with a letter),
// control characters and ';' in the detail become spaces and ',', a detail
// too long is cut at a character, and RetryAfter is clamped to
// [0, MaxRetryAfter] and truncated to the millisecond.
func FormatCloseReason(r CloseReason) string {
	cause := r.Cause
	if len(cause) > MaxCloseCause {
		cause = cause[:MaxCloseCause]
	}
	cause = strings.Map(func(c rune) rune {
		switch {
		case isCauseByte(c):
			return c
		case c >= 'A' && c <= 'Z':
			return c + 'a' - 'A'
		}
		return '_'
	}, cause)
	if cause == "" || cause[0] < 'a' || cause[0] > 'z' {
		cause = "closed" + cause
		cause = cause[:min(len(cause), MaxCloseCause)]
	}
	retry := min(max(r.RetryAfter, 0), MaxRetryAfter).Milliseconds()
	tail := retryKey + strconv.FormatInt(retry, 10) + sinceKey + strconv.FormatUint(r.Since, 10)

	detail := strings.TrimSpace(strings.Map(func(c rune) rune {
		switch {
		case c == ';':
			return ','
		case unicode.IsControl(c):
			return ' '
		}
		return c // invalid UTF-8 has become U+FFFD
	}, r.Detail))
	if room := MaxCloseReason - len(tail) - len(cause) - len(": "); len(detail) > room {
		cut := max(room, 0)
		for cut > 0 && !utf8.RuneStart(detail[cut]) {
			cut--
		}
		detail = strings.TrimSpace(detail[:cut])
	}
	if detail != "" {
		return cause + ": " + detail + tail
	}
	return cause + tail
}

func isCauseByte(c rune) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' }

// errCloseReason is wrapped by every error of ParseCloseReason.
var errCloseReason = errors.New("not an avatarcast close reason")

// ParseCloseReason reads a close frame's reason as FormatCloseReason writes
// it. It accepts exactly what FormatCloseReason can return and nothing
// else (so FormatCloseReason(r) == s for the r it returns): any other text
// is an error, and it never panics, whatever s holds.
func ParseCloseReason(s string) (CloseReason, error) {
	bad := func(what string) (CloseReason, error) {
		q := s
		if len(q) > 40 {
			q = q[:40] + "…"
		}
		return CloseReason{}, fmt.Errorf("avatar: close reason %q: %w: %s", q, errCloseReason, what)
	}
	if len(s) > MaxCloseReason {
		return bad(fmt.Sprintf("over %d bytes", MaxCloseReason))
	}
	semi := strings.IndexByte(s, ';')
	if semi < 0 {
		return bad("no " + strings.TrimPrefix(retryKey, "; "))
	}
	why, tail := s[:semi], s[semi:]

	var r CloseReason
	r.Cause, r.Detail = why, ""
	if colon := strings.IndexByte(why, ':'); colon >= 0 {
		r.Cause = why[:colon]
		d, ok := strings.CutPrefix(why[colon+1:], " ")
		if !ok || d == "" {
			return bad(`want "CAUSE: DETAIL"`)
		}
		r.Detail = d
	}
	badCause := r.Cause == "" || len(r.Cause) > MaxCloseCause || r.Cause[0] < 'a' || r.Cause[0] > 'z'
	for i := 0; i < len(r.Cause) && !badCause; i++ {
		badCause = !isCauseByte(rune(r.Cause[i]))
	}
	if badCause {
		return bad(fmt.Sprintf("cause must be a letter a-z then a-z 0-9 _, at most %d", MaxCloseCause))
	}
	if r.Detail != "" {
		if strings.TrimSpace(r.Detail) != r.Detail {
			return bad("detail has spaces around it")
		}
		if !utf8.ValidString(r.Detail) {
			return bad("detail is not UTF-8")
		}
		for _, c := range r.Detail {
			if unicode.IsControl(c) {
				return bad("detail has a control character")
			}
		}
	}

	rest, ok := strings.CutPrefix(tail, retryKey)
	if !ok {
		return bad("want " + strconv.Quote(retryKey) + " after the cause")
	}
	ms, rest, ok := strings.Cut(rest, sinceKey)
	if !ok {
		return bad("want " + strconv.Quote(sinceKey) + " after retry_after_ms")
	}
	n, ok := decimal(ms)
	if !ok || time.Duration(n) > MaxRetryAfter/time.Millisecond {
		return bad(fmt.Sprintf("retry_after_ms must be 0-%d", MaxRetryAfter.Milliseconds()))
	}
	r.RetryAfter = time.Duration(n) * time.Millisecond
	if r.Since, ok = decimal(rest); !ok {
		return bad("resume since must be a seq, a whole number")
	}
	return r, nil
}

// decimal reads s as a uint64 written as strconv writes it: digits only,
// no sign, no leading zero.
func decimal(s string) (uint64, bool) {
	if s == "" || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
