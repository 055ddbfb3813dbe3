package web

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

const nonceKey = "keybind.nonce"

func nonce(c echo.Context) string {
	n, _ := c.Get(nonceKey).(string)
	return n
}

// securityHeaders sets the CSP with a fresh nonce and the other security
// headers on every response (SECURITY.md, V3.4).
func securityHeaders(tls bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			var b [18]byte
			_, _ = rand.Read(b[:])
			n := base64.RawStdEncoding.EncodeToString(b[:])
			c.Set(nonceKey, n)
			h := c.Response().Header()
			h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+n+"'; style-src 'self'; "+
				"img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			h.Set("X-Frame-Options", "DENY")
			if tls {
				h.Set("Strict-Transport-Security", "max-age=31536000")
			}
			return next(c)
		}
	}
}

// noStore keeps pages with user data out of shared and browser caches.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return next(c)
	}
}

// gzipFragment compresses a response that carries no secret (no CSRF token,
// no session data), such as the polled result grid, so compression cannot
// leak a secret through response sizes (BREACH).
var gzipFragment = middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 2048})
