package web

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/internal/apperr"
	"keybind/internal/auth"
)

// TokenAuthenticator finds the user a personal API token acts for, with
// their current role; auth.ErrInvalidToken for any token that does not work.
type TokenAuthenticator interface {
	Authenticate(ctx context.Context, raw string) (*auth.User, error)
}

// RateLimiter allows a request from an address now, or says how long to wait.
type RateLimiter interface {
	Allow(ip string) (bool, time.Duration)
}

const bearerChallenge = `Bearer realm="keybind"`

// apiAuth lets through only calls that carry a working personal API token in
// "Authorization: Bearer kb_…". Cookies are never read here: a browser
// session alone does not reach the API, so the API needs no CSRF token.
func (s *Server) apiAuth(tokens TokenAuthenticator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			raw, ok := bearerToken(c.Request())
			if !ok {
				h.Set(echo.HeaderWWWAuthenticate, bearerChallenge)
				return apperr.New(http.StatusUnauthorized, "unauthorized",
					"Send a personal API token in the Authorization header: Bearer kb_… (create one on your account page).")
			}
			u, err := tokens.Authenticate(c.Request().Context(), raw)
			if errors.Is(err, auth.ErrInvalidToken) {
				h.Set(echo.HeaderWWWAuthenticate, bearerChallenge+`, error="invalid_token"`)
				return apperr.New(http.StatusUnauthorized, "invalid_token",
					"This API token is unknown, expired or revoked, or its account cannot use it now.")
			}
			if err != nil {
				return err
			}
			st := handlers.State(c)
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
func (s *Server) apiPerm(p auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := handlers.State(c).User
			if u != nil && u.Role.Can(p) {
				return next(c)
			}
			actor := auth.Actor{User: u, IP: c.RealIP(), Via: auth.ViaAPI}
			detail := c.Request().Method + " " + c.Path()
			if err := s.deps.Denials.RecordDenied(c.Request().Context(), actor, "access."+string(p), detail); err != nil {
				handlers.State(c).Logger.Error("record authorization failure", "err", err)
			}
			return apperr.Forbidden("Your role does not allow this. Ask an administrator if you need it.")
		}
	}
}

// apiRateLimit answers 429 with Retry-After to a client address that
// sends more than the API allows.
func apiRateLimit(l RateLimiter) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if ok, wait := l.Allow(c.RealIP()); !ok {
				c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(wait.Seconds()))))
				return apperr.New(http.StatusTooManyRequests, "rate_limited", "Too many requests from your address. Wait a moment and try again.")
			}
			return next(c)
		}
	}
}
