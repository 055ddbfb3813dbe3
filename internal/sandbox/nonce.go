package sandbox

import (
	"sync"
	"time"
)

// nonceCache remembers signature nonces for as long as a request carrying
// them could still pass the timestamp check (twice the timestamp window,
// since timestamps may lie on either side of the wall clock). Older entries
// are dropped, so memory stays bounded by the request rate.
type nonceCache struct {
	mu     sync.Mutex
	window time.Duration
	seen   map[string]time.Time
	order  []nonceEntry // in arrival order, for expiry
}

type nonceEntry struct {
	nonce string
	at    time.Time
}

func newNonceCache(window time.Duration) *nonceCache {
	return &nonceCache{window: window, seen: map[string]time.Time{}}
}

// use records nonce at now and reports whether it was fresh.
func (c *nonceCache) use(nonce string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.expire(now)
	if _, dup := c.seen[nonce]; dup {
		return false
	}
	c.seen[nonce] = now
	c.order = append(c.order, nonceEntry{nonce, now})
	return true
}

func (c *nonceCache) expire(now time.Time) {
	cut := 0
	for cut < len(c.order) && now.Sub(c.order[cut].at) > c.window {
		delete(c.seen, c.order[cut].nonce)
		cut++
	}
	c.order = c.order[cut:]
}

// size reports how many nonces are remembered.
func (c *nonceCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}
