package wsclient

import (
	"errors"
	"strconv"
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
			n, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return i, err
			}
			ev.Seq = n
		case "ts":
			if len(v) >= 2 {
				t, err := time.Parse(time.RFC3339Nano, string(v[1:len(v)-1]))
				if err == nil {
					ev.TS = avatar.Time(t)
				}
			}
		case "type":
			if len(v) >= 2 {
				ev.Type = avatar.EventType(v[1 : len(v)-1])
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

// skipString returns the bounds of the string starting at b[i].
func skipString(b []byte, i int) (int, int, error) {
	if i >= len(b) || b[i] != '"' {
		return i, i, errBadJSON
	}
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return i, j + 1, nil
		}
	}
	return i, i, errBadJSON
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
