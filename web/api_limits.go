package web

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"keybind/handlers"
	"keybind/internal/auth"
	"keybind/internal/store"
)

// limiter is a token bucket per key: peek says whether key has a token
// without spending it, take spends one; both say how long to wait when not.
type limiter interface {
	peek(ctx context.Context, key string) (time.Duration, bool)
	take(ctx context.Context, key string) (time.Duration, bool)
}

// RateStore keeps the API's token buckets in the database that replicas
// share, so that N replicas do not allow N times the limit; *store.Store
// provides it.
type RateStore interface {
	TakeToken(ctx context.Context, key string, l store.RateLimit, now time.Time) (time.Duration, bool, error)
	PeekToken(ctx context.Context, key string, l store.RateLimit, now time.Time) (time.Duration, error)
	PurgeRateLimits(ctx context.Context, now time.Time) (int64, error)
}

// apiLimiters are the API's two limits: failed authentications per client
// address and calls per user. With Deps.RateLimits they are counted in the
// shared database, otherwise in this process's memory.
func (s *Server) apiLimiters() (failures, calls limiter) {
	if s.deps.RateLimits == nil {
		return newKeyedLimiter(apiFailuresPerSecond, apiFailuresBurst), newKeyedLimiter(apiCallsPerSecond, apiCallsBurst)
	}
	return s.sharedLimiter("api-failures:", apiFailuresPerSecond, apiFailuresBurst),
		s.sharedLimiter("api-calls:", apiCallsPerSecond, apiCallsBurst)
}

func (s *Server) sharedLimiter(prefix string, perSecond float64, burst int) *sharedLimiter {
	interval := time.Duration(min(float64(time.Second)/perSecond, float64(24*time.Hour))) // a day: "never" without overflowing
	return &sharedLimiter{s: s, prefix: prefix, limit: store.RateLimit{Interval: interval, Burst: burst}}
}

// sharedLimiter is a limiter kept in the database. When the database does
// not answer it lets the call through: the call then fails on its own
// reading of the database, with the right words.
type sharedLimiter struct {
	s      *Server
	prefix string
	limit  store.RateLimit
	purged atomic.Int64 // unix seconds of the last purge of full buckets
}

// purgeEvery is how often a limiter forgets the buckets that are full again.
const purgeEvery = time.Minute

func (l *sharedLimiter) peek(ctx context.Context, key string) (time.Duration, bool) {
	wait, err := l.s.deps.RateLimits.PeekToken(ctx, l.prefix+key, l.limit, l.s.cfg.Clock.Now())
	if err != nil {
		l.s.log.WarnContext(ctx, "API rate limit not checked", "error", err)
		return 0, true
	}
	return wait, wait == 0
}

func (l *sharedLimiter) take(ctx context.Context, key string) (time.Duration, bool) {
	now := l.s.cfg.Clock.Now()
	if last := l.purged.Load(); now.Unix()-last >= int64(purgeEvery/time.Second) && l.purged.CompareAndSwap(last, now.Unix()) {
		if _, err := l.s.deps.RateLimits.PurgeRateLimits(ctx, now); err != nil {
			l.s.log.WarnContext(ctx, "API rate limits not purged", "error", err)
		}
	}
	wait, ok, err := l.s.deps.RateLimits.TakeToken(ctx, l.prefix+key, l.limit, now)
	if err != nil {
		l.s.log.WarnContext(ctx, "API rate limit not counted", "error", err)
		return 0, true
	}
	return wait, ok
}

// signInLimiter limits sign-in attempts per client address (IPv6 per /64):
// a burst of 10, then loginRate a second. With Deps.RateLimits the buckets
// are in the shared database, so replicas do not multiply the rate.
func (s *Server) signInLimiter(prefix string) handlers.IPLimiter {
	r := s.cfg.loginRate()
	if s.deps.RateLimits == nil || math.IsInf(r, 1) {
		return auth.NewIPLimiter(rate.Limit(r), 10, s.cfg.Clock)
	}
	return sharedIPLimiter{s.sharedLimiter(prefix, r, 10)}
}

// sharedIPLimiter is a sharedLimiter keyed by client address.
type sharedIPLimiter struct{ l *sharedLimiter }

func (l sharedIPLimiter) Allow(ip string) (bool, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	wait, ok := l.l.take(ctx, auth.IPKey(ip))
	return ok, wait
}
