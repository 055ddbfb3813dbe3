package inventory

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultPageTTL is how long a page read from the cloud is shared before it is read again.
const DefaultPageTTL = 5 * time.Second

// maxCachedPages bounds a cache; past it, expired pages go first, then all.
const maxCachedPages = 2000

// Cached is a page read from the cloud and when.
type Cached[T any] struct {
	Value     T
	FetchedAt time.Time
}

// cache keeps pages read from the cloud for a few seconds, shared by everyone who asks for the
// same key, and makes concurrent asks for a page not yet read one call: fifty people paging
// through the same fleet cost the cloud one call per page and TTL, not fifty.
type cache[T any] struct {
	clock Clock
	ttl   time.Duration

	flight singleflight.Group
	mu     sync.Mutex
	pages  map[string]Cached[T]
}

func newCache[T any](clock Clock, ttl time.Duration) *cache[T] {
	if ttl <= 0 {
		ttl = DefaultPageTTL
	}
	return &cache[T]{clock: clock, ttl: ttl, pages: map[string]Cached[T]{}}
}

// get returns the page of key, from the cache when a copy younger than the TTL is there and
// fresh is false, else from load.
func (c *cache[T]) get(ctx context.Context, key string, fresh bool, load func(ctx context.Context) (T, error)) (Cached[T], error) {
	if !fresh {
		c.mu.Lock()
		p, ok := c.pages[key]
		c.mu.Unlock()
		if ok && c.clock.Now().Sub(p.FetchedAt) < c.ttl {
			return p, nil
		}
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		val, err := load(ctx)
		if err != nil {
			return Cached[T]{}, err
		}
		p := Cached[T]{Value: val, FetchedAt: c.clock.Now()}
		c.store(key, p)
		return p, nil
	})
	return v.(Cached[T]), err
}

func (c *cache[T]) store(key string, p Cached[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pages) >= maxCachedPages {
		now := c.clock.Now()
		for k, old := range c.pages {
			if now.Sub(old.FetchedAt) >= c.ttl {
				delete(c.pages, k)
			}
		}
		if len(c.pages) >= maxCachedPages {
			clear(c.pages)
		}
	}
	c.pages[key] = p
}

// forget drops the pages whose key starts with prefix.
func (c *cache[T]) forget(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.pages {
		if strings.HasPrefix(k, prefix) {
			delete(c.pages, k)
		}
	}
}

// pageKey names a page: the region, then the filter with its paging.
func pageKey(region string, filter any) string {
	b, _ := json.Marshal(filter)
	return region + " " + string(b)
}
