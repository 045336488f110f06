package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/avatarcast/avatarcast/avatar/bus"
	"github.com/avatarcast/avatarcast/avatar/bus/bustest"
	"github.com/avatarcast/avatarcast/avatar/director"
	"github.com/avatarcast/avatarcast/avatar/script"
	"github.com/avatarcast/avatarcast/gateway/api"
)

// newSharedEnv runs the API for merchant a, as serve does, on one cache
// of parsed script versions that the directors of runDirector share, on a
// bus whose leases last a second.
func newSharedEnv(t *testing.T) (*env, *script.Cache) {
	t.Helper()
	b := bustest.StartConfig(t, bus.Config{LeaseTTL: time.Second})
	shows := script.NewCache(0)
	a, err := api.New(api.Config{
		Merchants: []api.Merchant{{ID: "a", TokenSHA256: api.HashToken(tokenA)}},
		Personas:  personas,
		Scripts:   shows,
	}, b, logger(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return &env{t: t, b: b, srv: srv}, shows
}

// runDirector runs a real director on e's bus with the script cache shows
// until the test ends.
func (e *env) runDirector(shows *script.Cache) {
	ctx, cancel := context.WithCancel(context.Background())
	d := director.New(director.Config{ID: "d", LeaseTTL: time.Second, Scripts: shows}, e.b, logger(e.t))
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			e.t.Error(err)
		}
	})
}

// TestOneParsePerVersion runs the API and a real director on one cache of
// parsed script versions, as serve does: a stored version is parsed once
// for both, and a changed version once more.
func TestOneParsePerVersion(t *testing.T) {
	e, shows := newSharedEnv(t)

	v1 := e.want(e.putTea(tokenA), 201, "script").json(t)["version"].(float64)
	e.want(e.do(tokenA, "POST", "/api/v1/rooms", "application/json",
		fmt.Appendf(nil, `{"id":"live1","kind":"livestream","script":"tea","version":%v}`, v1)), 201, "room")
	created := shows.Stats()
	e.want(e.do(tokenA, "PUT", "/api/v1/rooms/live1/script", "application/json",
		fmt.Appendf(nil, `{"script":"tea","version":%v}`, v1)), 200, "assign the same version")
	// How many times assigning asks the cache, to tell the API's asking
	// from the director's below.
	perAssign := shows.Stats().Gets - created.Gets
	e.want(e.do(tokenA, "POST", "/api/v1/rooms/live1/start", "", nil), 200, "start")
	st := shows.Stats()
	if st.Parses != 1 || st.Gets < 2 || perAssign < 1 {
		t.Fatalf("API alone: %+v (%d per assignment), want version 1 asked at least twice and parsed once", st, perAssign)
	}

	// The director plays the room: it asks for version 1 and parses nothing.
	e.runDirector(shows)
	st = waitStats(t, shows, "the director asks for version 1", func(s script.CacheStats) bool { return s.Gets > st.Gets })
	if st.Parses != 1 {
		t.Errorf("after the director: %+v, want still one parse", st)
	}

	// A changed version: the API parses it once when it is assigned, and
	// the director, asked to play it, takes that parse.
	v2src := bytes.Replace(teaScript(t), []byte("Tea sale"), []byte("Tea sale, second edition"), 1)
	v2 := e.want(e.do(tokenA, "PUT", "/api/v1/scripts/tea", "application/yaml", v2src), 200, "new version").json(t)["version"].(float64)
	if v2 == v1 {
		t.Fatalf("new version %v, want one after %v", v2, v1)
	}
	e.want(e.do(tokenA, "PUT", "/api/v1/rooms/live1/script", "application/json",
		fmt.Appendf(nil, `{"script":"tea","version":%v}`, v2)), 200, "assign version 2")
	// The director may ask as soon as the record changes, before the
	// API's answer: wait for both askings.
	want := st.Gets + perAssign + 1
	st = waitStats(t, shows, "the director asks for version 2", func(s script.CacheStats) bool { return s.Gets >= want })
	if st.Parses != 2 {
		t.Errorf("after the director took version 2: %+v, want 2 parses", st)
	}
	if s, _ := shows.Get("a.tea", uint64(v2), v2src); s == nil || s.Title["en"] != "Tea sale, second edition" {
		t.Errorf("cached version 2 = %+v, want the new title", s)
	}
}

// waitStats polls the cache's stats until cond holds, for at most 20s.
func waitStats(t *testing.T, c *script.Cache, what string, cond func(script.CacheStats) bool) script.CacheStats {
	t.Helper()
	end := time.Now().Add(20 * time.Second)
	for {
		s := c.Stats()
		if cond(s) {
			return s
		}
		if time.Now().After(end) {
			t.Fatalf("%s: not after 20s (%+v)", what, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
