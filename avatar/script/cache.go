package script

import (
	"container/list"
	"sync"
)

// Cache holds parsed versions of stored scripts, so that each version is
// parsed once in a process for all who play or check it (the merchant API,
// the director): a stored version never changes, so what was parsed from
// it stays true. It keys a version by the script's id (the scripts-bucket
// key, avatar.ScriptKey) and its version number, and parses it with the
// default Config, naming the file by the id in problems; checks that depend
// on the deployment, such as the personas a server knows, are the caller's.
// A version that does not parse is kept too, with its problems.
//
// A Cache holds at most its size of versions and drops the least recently
// used. It is safe for concurrent use; callers asking for a version being
// parsed wait for that one parse.
type Cache struct {
	size int

	mu      sync.Mutex
	entries map[cacheKey]*list.Element // → *cacheEntry
	order   list.List                  // most recently used first
	stats   CacheStats
}

// CacheStats counts what a Cache was asked and did.
type CacheStats struct {
	Gets   uint64 // calls of Get
	Parses uint64 // versions parsed: Gets that found no entry
	Len    int    // versions held now
}

type cacheKey struct {
	id      string
	version uint64
}

type cacheEntry struct {
	key   cacheKey
	once  sync.Once
	show  *Show
	probs Problems
}

// NewCache returns a Cache of at most size versions (256 if size < 1).
func NewCache(size int) *Cache {
	if size < 1 {
		size = 256
	}
	return &Cache{size: size, entries: map[cacheKey]*list.Element{}}
}

// Get returns the Show parsed from src, which is version version of the
// stored script id, and the problems found, as Parse does (the Show is nil
// when there is an error). Only the first Get of a version parses src;
// later ones return the same *Show, which is read-only and shared. Version
// 0 (unknown) is parsed every time and not kept.
func (c *Cache) Get(id string, version uint64, src []byte) (*Show, Problems) {
	if version == 0 {
		c.mu.Lock()
		c.stats.Gets++
		c.stats.Parses++
		c.mu.Unlock()
		return Parse(id, src)
	}
	k := cacheKey{id, version}
	c.mu.Lock()
	c.stats.Gets++
	var e *cacheEntry
	if el, ok := c.entries[k]; ok {
		c.order.MoveToFront(el)
		e = el.Value.(*cacheEntry)
	} else {
		c.stats.Parses++
		e = &cacheEntry{key: k}
		c.entries[k] = c.order.PushFront(e)
		for c.order.Len() > c.size {
			old := c.order.Back()
			c.order.Remove(old)
			delete(c.entries, old.Value.(*cacheEntry).key)
		}
	}
	c.mu.Unlock()
	e.once.Do(func() { e.show, e.probs = Parse(id, src) })
	return e.show, e.probs
}

// Stats returns what c was asked and did so far.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Len = c.order.Len()
	return s
}
