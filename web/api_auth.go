package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
)

// TokenAuthenticator finds the user a personal API token acts for, with
// their current role; auth.ErrInvalidToken for any token that does not work.
type TokenAuthenticator interface {
	Authenticate(ctx context.Context, raw string) (*auth.User, error)
}

const bearerChallenge = `Bearer realm="keybind"`

// apiAuth lets through only calls that carry a working personal API token in
// "Authorization: Bearer kb_…". Cookies are never read here: a browser
// session alone does not reach the API, so the API needs no CSRF token.
//
// Limits answer 429 with Retry-After: failures refuses an address whose
// calls keep failing authentication before its token is even looked up;
// calls limits each user, so a runaway script slows down before it uses up
// the cloud API's quota.
func (s *Server) apiAuth(tokens TokenAuthenticator, failures, calls limiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			ip := c.RealIP()
			ctx := c.Request().Context()
			if wait, ok := failures.peek(ctx, ip); !ok {
				return tooMany(c, wait)
			}
			raw, ok := bearerToken(c.Request())
			if !ok {
				failures.take(ctx, ip)
				h.Set(echo.HeaderWWWAuthenticate, bearerChallenge)
				return apperr.New(http.StatusUnauthorized, "unauthorized",
					"Send a personal API token in the Authorization header: Bearer kb_… (create one on your account page).")
			}
			u, err := tokens.Authenticate(c.Request().Context(), raw)
			if errors.Is(err, auth.ErrInvalidToken) {
				failures.take(ctx, ip)
				h.Set(echo.HeaderWWWAuthenticate, bearerChallenge+`, error="invalid_token"`)
				return apperr.New(http.StatusUnauthorized, "invalid_token",
					"This API token is unknown, expired or revoked, or its account cannot use it now.")
			}
			if err != nil {
				return err
			}
			if wait, ok := calls.take(ctx, "user:"+strconv.FormatInt(u.ID, 10)); !ok {
				return tooMany(c, wait)
			}
			st := request.Get(c)
			st.User = u
			st.Logger = st.Logger.With("user", u.Name, "via", auth.ViaAPI)
			return next(c)
		}
	}
}

// bearerToken reads the one Authorization header's bearer token.
func bearerToken(r *http.Request) (string, bool) {
	values := r.Header.Values(echo.HeaderAuthorization)
	if len(values) != 1 {
		return "", false
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// apiPerm refuses a token whose user's role lacks p: 403 and an audit
// entry, as requirePerm does for pages.
func (s *Server) apiPerm(p auth.Permission) echo.MiddlewareFunc { return s.permission(p, auth.ViaAPI) }

// tooMany answers 429 with Retry-After.
func tooMany(c echo.Context, wait time.Duration) error {
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
	return apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many requests. Wait a moment and try again.")
}

// keyedLimiter is a token bucket per key (a client address, a user), in
// memory. It can be asked without spending (peek), so an address can be
// refused on its past failures only. Past maxKeys keys, full buckets (which
// behave like new ones) are forgotten first, then all.
type keyedLimiter struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	buckets map[string]*rate.Limiter
}

const maxLimiterKeys = 10000

func newKeyedLimiter(perSecond float64, burst int) *keyedLimiter {
	return &keyedLimiter{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}}
}

func (l *keyedLimiter) bucket(key string, now time.Time) *rate.Limiter {
	b := l.buckets[key]
	if b != nil {
		return b
	}
	if len(l.buckets) >= maxLimiterKeys {
		for k, v := range l.buckets {
			if v.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, k)
			}
		}
		if len(l.buckets) >= maxLimiterKeys {
			clear(l.buckets)
		}
	}
	b = rate.NewLimiter(l.limit, l.burst)
	l.buckets[key] = b
	return b
}

// peek reports whether key has a token left, without spending it, and
// otherwise how long until it has.
func (l *keyedLimiter) peek(_ context.Context, key string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return 0, true
	}
	if t := b.TokensAt(now); t < 1 {
		return time.Duration((1 - t) / float64(l.limit) * float64(time.Second)), false
	}
	return 0, true
}

// take spends one of key's tokens if it has one, and otherwise says how
// long until it has.
func (l *keyedLimiter) take(_ context.Context, key string) (time.Duration, bool) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.bucket(key, now).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d, false
	}
	return 0, true
}
