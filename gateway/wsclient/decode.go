package wsclient

import (
	"bytes"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/avatarcast/avatarcast/avatar"
)

// decodeFrame splits a frame into events without reflection: a load run's
// viewers decode hundreds of thousands of events a second on the machine
// that serves them, and encoding/json would cost several times what the
// gateway spends delivering them. It reads the envelope's seq, ts, type and
// data, and skips other keys; Data aliases frame.
func decodeFrame(frame []byte, out []wireEvent) ([]wireEvent, error) {
	i := skipSpace(frame, 0)
	if i < len(frame) && frame[i] == '[' {
		i++
		for {
			i = skipSpace(frame, i)
			if i < len(frame) && frame[i] == ']' {
				return out, nil
			}
			var ev wireEvent
			var err error
			if i, err = decodeObject(frame, i, &ev); err != nil {
				return out, err
			}
			out = append(out, ev)
			i = skipSpace(frame, i)
			if i < len(frame) && frame[i] == ',' {
				i++
			}
			if i >= len(frame) {
				return out, errBadJSON
			}
		}
	}
	var ev wireEvent
	if _, err := decodeObject(frame, i, &ev); err != nil {
		return out, err
	}
	return append(out, ev), nil
}

// knownTypes are the contract's event types, so that decoding one does not
// allocate its name; any other type is decoded too.
var knownTypes = func() map[string]avatar.EventType {
	m := map[string]avatar.EventType{}
	for _, t := range []avatar.EventType{avatar.EventHello, avatar.EventShowStart, avatar.EventShowPause, avatar.EventShowResume, avatar.EventShowEnd, avatar.EventSpeech, avatar.EventSpeechCut, avatar.EventExpression, avatar.EventGesture, avatar.EventProductShow, avatar.EventProductHide, avatar.EventSaleStart, avatar.EventSaleUpdate, avatar.EventSaleEnd, avatar.EventCoupon, avatar.EventReply, avatar.EventExhibit, avatar.EventIdle, avatar.EventViewers, avatar.EventComment, avatar.EventNotice, avatar.EventError, avatar.EventResume, avatar.EventPong, avatar.EventCartOK, avatar.EventStock, avatar.EventCheckpoint} {
		m[string(t)] = t
	}
	return m
}()

// scanSeqs reads the seqs of a JSON array of envelopes by finding each
// envelope's key (`,"room":"ROOM","seq":`, as avatar.Envelope's fields are
// encoded in order) instead of decoding it (see Config.SeqsOnly), into
// out. It reports false, for a full decode, unless frame is an array whose
// every event found has a seq above 0. (The key cannot occur inside a
// string value: a quote there is escaped.)
func scanSeqs(frame []byte, key []byte, out []uint64) ([]uint64, bool) {
	if len(frame) == 0 || frame[0] != '[' {
		return out, false
	}
	// Look for the key's 'q' (it ends with "seq":), a byte rare in JSON,
	// and compare the key around it: bytes.Index would stop at every
	// comma, and a load tool's viewers scan gigabytes of catch-up.
	q := bytes.LastIndexByte(key, 'q')
	if q < 0 {
		return out, false
	}
	for i := 0; ; {
		k := -1
		if i+q < len(frame) {
			k = bytes.IndexByte(frame[i+q:], 'q')
		}
		if k < 0 {
			return out, len(out) > 0
		}
		start := i + k
		if start+len(key) > len(frame) || !bytes.Equal(frame[start:start+len(key)], key) {
			i = start + 1
			continue
		}
		i = start + len(key)
		j := i
		for j < len(frame) && frame[j] >= '0' && frame[j] <= '9' {
			j++
		}
		seq, ok := parseSeq(frame[i:j])
		if !ok || seq == 0 {
			return out, false
		}
		out = append(out, seq)
		i = j
	}
}

// seqsPool holds the seq lists of scanned frames, shared by every client
// of a process: a list per client, grown to its largest frame, would hold
// thousands of them in a load tool.
var seqsPool = sync.Pool{New: func() any { s := make([]uint64, 0, 256); return &s }}

var errBadJSON = errors.New("wsclient: bad JSON")

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// decodeObject reads the object at b[i:] into ev and returns the index
// after it.
func decodeObject(b []byte, i int, ev *wireEvent) (int, error) {
	if i >= len(b) || b[i] != '{' {
		return i, errBadJSON
	}
	i++
	for {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == '}' {
			return i + 1, nil
		}
		ks, ke, err := skipString(b, i)
		if err != nil {
			return i, err
		}
		key := b[ks+1 : ke-1]
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return i, errBadJSON
		}
		vs := skipSpace(b, i+1)
		ve, err := skipValue(b, vs)
		if err != nil {
			return i, err
		}
		v := b[vs:ve]
		switch string(key) {
		case "seq":
			n, ok := parseSeq(v)
			if !ok {
				return i, errBadJSON
			}
			ev.Seq = n
		case "ts":
			if t, ok := parseTS(v); ok {
				ev.TS = avatar.Time(t)
			}
		case "type":
			if len(v) >= 2 {
				t, ok := knownTypes[string(v[1:len(v)-1])]
				if !ok {
					t = avatar.EventType(v[1 : len(v)-1])
				}
				ev.Type = t
			}
		case "data":
			ev.Data = v
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i++
		}
	}
}

// skipString returns the bounds of the string starting at b[i]. Past its
// first bytes (keys and short values, quicker a byte at a time) it jumps
// from quote to quote with bytes.IndexByte: most of a frame's bytes are in
// long strings. A quote after an odd number of backslashes is escaped.
func skipString(b []byte, i int) (int, int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, i, errBadJSON
	}
	j := i + 1
	for ; j < len(b) && j <= i+16; j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i, j + 1, nil
		}
	}
	for ; j < len(b); j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		j += k
		escapes := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			escapes++
		}
		if escapes%2 == 0 {
			return i, j + 1, nil
		}
	}
	return i, i, errBadJSON
}

// parseSeq reads a seq, a whole number, without allocating as strconv on
// a converted string would (but for over 19 digits).
func parseSeq(v []byte) (uint64, bool) {
	if len(v) > 19 {
		n, err := strconv.ParseUint(string(v), 10, 64)
		return n, err == nil
	}
	if len(v) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	return n, true
}

// parseTS reads a ts value (quotes included): the gateway's own layout,
// avatar.TimeLayout in UTC ("2006-01-02T15:04:05.000Z"), by hand, any
// other RFC 3339 time with time.Parse.
func parseTS(v []byte) (time.Time, bool) {
	if len(v) < 2 {
		return time.Time{}, false
	}
	s := v[1 : len(v)-1]
	if len(s) == 24 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[23] == 'Z' {
		num := func(b []byte) int {
			n := 0
			for _, c := range b {
				if c < '0' || c > '9' {
					return -1
				}
				n = n*10 + int(c-'0')
			}
			return n
		}
		y, mo, d, h, mi, se, ms := num(s[0:4]), num(s[5:7]), num(s[8:10]), num(s[11:13]), num(s[14:16]), num(s[17:19]), num(s[20:23])
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60 && ms >= 0 {
			if t := time.Date(y, time.Month(mo), d, h, mi, se, ms*1e6, time.UTC); t.Day() == d {
				return t, true // not a day the month lacks, which Date would move on
			}
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(s))
	return t, err == nil
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return i, errBadJSON
	}
	switch b[i] {
	case '"':
		_, e, err := skipString(b, i)
		return e, err
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				_, e, err := skipString(b, j)
				if err != nil {
					return j, err
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1, nil
				}
			}
		}
		return i, errBadJSON
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' {
		j++
	}
	return j, nil
}
