// Package gencache keeps values read from the database for as long as a
// change counter says they cannot have changed (store.Changes): a value put
// under counter n is handed out only to readers that read the same n. A
// reader that sees a newer counter empties the cache.
package gencache

import "sync"

// Cache maps keys to values read under one counter. Its zero value is not
// usable; call New.
type Cache[K comparable, V any] struct {
	mu  sync.RWMutex
	gen int64
	m   map[K]V
	max int
}

// New returns a cache that keeps at most max values (it starts again when
// full: what it holds is cheap to read again).
func New[K comparable, V any](max int) *Cache[K, V] {
	return &Cache[K, V]{m: make(map[K]V), max: max}
}

// Get returns the value kept for k if it was read under counter gen.
func (c *Cache[K, V]) Get(gen int64, k K) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if gen != c.gen {
		var zero V
		return zero, false
	}
	v, ok := c.m[k]
	return v, ok
}

// Put keeps v for k, read under counter gen. A value read under an older
// counter than the cache's is not kept; a newer counter empties the cache.
func (c *Cache[K, V]) Put(gen int64, k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case gen < c.gen:
		return
	case gen > c.gen:
		c.gen = gen
		clear(c.m)
	case len(c.m) >= c.max:
		clear(c.m)
	}
	c.m[k] = v
}
