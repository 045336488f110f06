package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkNotice is a notice control end to end: HTTP, auth, room record,
// script (cached), claim check, NATS request to a fake director, audit.
func BenchmarkNotice(b *testing.B) {
	e := newEnv(b)
	e.want(e.putTea(tokenA), 201, "script")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json", []byte(`{"id":"live1","kind":"livestream","title":"L","script":"tea"}`)), 201, "room")
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/live1/start", "", nil), 200, "start")
	startDirector(b, e.b, "live1")
	for i := 0; b.Loop(); i++ {
		e.want(e.do(tokenA, "POST", "/api/v1/rooms/live1/notice", "application/json", []byte(fmt.Sprintf(`{"text":"Sale ends at 9","ref":"r%d"}`, i))), 200, "notice")
	}
}

// BenchmarkPutScript stores a new version of a small script each time.
func BenchmarkPutScript(b *testing.B) {
	e := newEnv(b)
	src := string(teaScript(b))
	for i := 0; b.Loop(); i++ {
		s := strings.Replace(src, "Tea sale", fmt.Sprintf("Tea sale %d", i), 1)
		r := e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", []byte(s))
		if r.status != 200 && r.status != 201 {
			b.Fatalf("PUT: %d %s", r.status, r.body)
		}
	}
}
