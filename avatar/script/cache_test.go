package script

import (
	"strings"
	"sync"
	"testing"
)

const cacheSrc = `id: c
kind: museum
title: {en: TITLE}
persona: p
languages: [en]
exhibits:
  - id: e
    title: {en: E}
    narration:
      - {id: n, say: {en: Look at this.}}
segments:
  - id: s
    steps:
      - focus: e
      - {id: l, say: {en: Hello there.}}
`

func cacheScript(title string) []byte {
	return []byte(strings.Replace(cacheSrc, "TITLE", title, 1))
}

// TestCache checks that a stored version is parsed once for every user,
// that a new version is parsed anew, and that a version that does not
// parse is kept with its problems.
func TestCache(t *testing.T) {
	c := NewCache(2)
	v1 := cacheScript("one")
	a, ps := c.Get("m.c", 1, v1)
	if a == nil {
		t.Fatalf("Get v1: %v", ps)
	}
	if a.Pos.File != "m.c" {
		t.Errorf("file = %q, want the script id m.c", a.Pos.File)
	}
	// A second user of version 1, with its own copy of the source.
	b, _ := c.Get("m.c", 1, append([]byte(nil), v1...))
	if b != a {
		t.Error("Get v1 twice: two Shows, want the one parsed first")
	}
	if s := c.Stats(); s.Gets != 2 || s.Parses != 1 || s.Len != 1 {
		t.Errorf("stats after v1 twice = %+v, want 2 gets, 1 parse, 1 held", s)
	}

	// A changed version is parsed anew; the old one stays as it was.
	n, _ := c.Get("m.c", 2, cacheScript("two"))
	if n == nil || n == a || n.Title["en"] != "two" {
		t.Fatalf("Get v2 = %p titled %q, want a new Show titled two", n, n.Title["en"])
	}
	if again, _ := c.Get("m.c", 1, v1); again != a || again.Title["en"] != "one" {
		t.Error("v1 after v2: not the Show first parsed")
	}
	// The same version number of another script is another script.
	if o, _ := c.Get("m.other", 1, cacheScript("other")); o == a || o.Title["en"] != "other" {
		t.Error("another script's version 1 came from m.c's")
	}
	if s := c.Stats(); s.Parses != 3 || s.Len != 2 {
		t.Errorf("stats = %+v, want 3 parses and 2 held (the size)", s)
	}
	// m.c@2 was the least recently used: it went when m.other came.
	if n2, _ := c.Get("m.c", 2, cacheScript("two")); n2 == n {
		t.Error("m.c@2 still held past the cache's size")
	}

	// A version that does not parse is kept with its problems.
	bad := []byte("id: [broken")
	s1, p1 := c.Get("m.c", 3, bad)
	s2, p2 := c.Get("m.c", 3, bad)
	if s1 != nil || s2 != nil || !p1.HasErrors() || p2.String() != p1.String() {
		t.Errorf("bad version: %v %v / %v %v, want no Show and the same problems twice", s1, p1, s2, p2)
	}
	before := c.Stats().Parses
	c.Get("m.c", 3, bad)
	if c.Stats().Parses != before {
		t.Error("a bad version was parsed again")
	}

	// Version 0 is unknown: parsed each time, never kept.
	z1, _ := c.Get("m.c", 0, v1)
	z2, _ := c.Get("m.c", 0, v1)
	if z1 == nil || z1 == z2 {
		t.Error("version 0: want a fresh Show each time")
	}
}

// TestCacheConcurrent checks that users asking for one version at once
// share one parse.
func TestCacheConcurrent(t *testing.T) {
	c := NewCache(0)
	src := cacheScript("x")
	shows := make([]*Show, 16)
	var wg sync.WaitGroup
	for i := range shows {
		wg.Go(func() { shows[i], _ = c.Get("m.c", 7, src) })
	}
	wg.Wait()
	for i, s := range shows {
		if s == nil || s != shows[0] {
			t.Fatalf("user %d got %p, user 0 %p: want one Show", i, s, shows[0])
		}
	}
	if s := c.Stats(); s.Parses != 1 || s.Gets != 16 {
		t.Errorf("stats = %+v, want 16 gets and 1 parse", s)
	}
}
