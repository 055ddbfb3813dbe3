package inventory

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"keybind/internal/cloud"
)

// DefaultPageTTL is how long a page read from the cloud is shared before it is read again.
const DefaultPageTTL = 5 * time.Second

// staleFactor × the TTL is how long a page may still be shown while a fresh copy is read in the
// background: people get the page they asked for at once, said to be that old, instead of
// waiting for the cloud (and its rate limit) behind everyone else.
const staleFactor = 6

// refreshTimeout bounds a background refresh, which outlives the request that started it.
const refreshTimeout = 30 * time.Second

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

	flight     singleflight.Group
	mu         sync.Mutex
	pages      map[string]Cached[T]
	refreshing map[string]bool // keys a background refresh is reading
}

func newCache[T any](clock Clock, ttl time.Duration) *cache[T] {
	if ttl <= 0 {
		ttl = DefaultPageTTL
	}
	return &cache[T]{clock: clock, ttl: ttl, pages: map[string]Cached[T]{}, refreshing: map[string]bool{}}
}

// get returns the page of key: unless fresh is set, a copy younger than the TTL as it is, and a
// copy younger than staleFactor TTLs as it is while a fresh one is read in the background;
// otherwise it reads the page with load (one call for everyone asking at once).
func (c *cache[T]) get(ctx context.Context, key string, fresh bool, load func(ctx context.Context) (T, error)) (Cached[T], error) {
	key = cloud.AccountOf(ctx) + "|" + key // each cloud account has its own pages
	if !fresh {
		c.mu.Lock()
		p, ok := c.pages[key]
		age := c.clock.Now().Sub(p.FetchedAt)
		stale := ok && age >= c.ttl && age < staleFactor*c.ttl
		refresh := stale && !c.refreshing[key]
		if refresh {
			c.refreshing[key] = true
		}
		c.mu.Unlock()
		if refresh {
			go c.refresh(context.WithoutCancel(ctx), key, load)
		}
		if ok && age < staleFactor*c.ttl {
			return p, nil
		}
	}
	return c.read(ctx, key, load)
}

// read reads the page of key with load and keeps it; concurrent reads of a key are one.
func (c *cache[T]) read(ctx context.Context, key string, load func(ctx context.Context) (T, error)) (Cached[T], error) {
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

// refresh reads the page of key in the background; a failure keeps the copy there is.
func (c *cache[T]) refresh(ctx context.Context, key string, load func(ctx context.Context) (T, error)) {
	ctx, cancel := context.WithTimeout(ctx, refreshTimeout)
	defer cancel()
	_, _ = c.read(ctx, key, load)
	c.mu.Lock()
	delete(c.refreshing, key)
	c.mu.Unlock()
}

func (c *cache[T]) store(key string, p Cached[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.pages) >= maxCachedPages {
		now := c.clock.Now()
		for k, old := range c.pages {
			if now.Sub(old.FetchedAt) >= staleFactor*c.ttl {
				delete(c.pages, k)
			}
		}
		if len(c.pages) >= maxCachedPages {
			clear(c.pages)
		}
	}
	c.pages[key] = p
}

// forget drops the pages whose key starts with prefix, in every account.
func (c *cache[T]) forget(prefix string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.pages {
		_, rest, _ := strings.Cut(k, "|")
		if strings.HasPrefix(rest, prefix) {
			delete(c.pages, k)
		}
	}
}

// pageKey names a page: the region, then the filter with its paging.
func pageKey(region string, filter any) string {
	b, _ := json.Marshal(filter)
	return region + " " + string(b)
}
