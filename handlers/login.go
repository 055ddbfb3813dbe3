package handlers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/text"
	"keybind/views"
)

// Authenticator signs users in and out.
type Authenticator interface {
	Login(ctx context.Context, oldRawID, username, password, ip, userAgent string) (*auth.Session, error)
	Logout(ctx context.Context, rawID string, actor *auth.User, ip string) error
}

// IPLimiter rate-limits sign-in attempts per client IP.
type IPLimiter interface {
	Allow(ip string) (bool, time.Duration)
}

// Login shows and handles the sign-in form, and signs out.
type Login struct {
	auth    Authenticator
	limiter IPLimiter
}

// NewLogin builds the sign-in handlers.
func NewLogin(a Authenticator, l IPLimiter) *Login { return &Login{auth: a, limiter: l} }

// Show renders the sign-in form; a signed-in user goes to the dashboard.
func (h *Login) Show(c echo.Context) error {
	if request.Get(c).User != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	p := views.LoginPage{Page: page(c, "Sign in", "login"), Next: safeNext(c.QueryParam("next"))}
	if c.QueryParam("changed") == "1" {
		p.Info = "Your password was changed and every session ended. Sign in with the new password."
	}
	return render(c, http.StatusOK, views.Login(p))
}

// Submit checks the credentials and rotates the session on success.
func (h *Login) Submit(c echo.Context) error {
	username := strings.TrimSpace(c.FormValue("username"))
	next := safeNext(c.FormValue("next"))
	fail := func(status int, msg string) error {
		return render(c, status, views.Login(views.LoginPage{Page: page(c, "Sign in", "login"), Username: username, Next: next, Error: msg}))
	}
	if ok, wait := h.limiter.Allow(c.RealIP()); !ok {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return fail(http.StatusTooManyRequests, fmt.Sprintf("Too many sign-in attempts from your address. Try again in %s.", humanWait(wait)))
	}
	st := request.Get(c)
	sess, err := h.auth.Login(c.Request().Context(), st.Session.ID, username, c.FormValue("password"), c.RealIP(), c.Request().UserAgent())
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Response().Header().Set("Retry-After", retryAfter(throttled.RetryAfter))
		return fail(http.StatusTooManyRequests, fmt.Sprintf("Too many failed sign-in attempts for this account. Try again in %s.", humanWait(throttled.RetryAfter)))
	case errors.Is(err, auth.ErrInvalidCredentials):
		return fail(http.StatusUnauthorized, "Wrong username or password.")
	case err != nil:
		return err
	}
	// The pre-login session is gone; the new one gets a fresh ID and token.
	st.Session.ID = sess.ID
	st.Session.Values = map[any]any{request.CSRFSessionKey: request.NewToken()}
	if err := st.Session.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// Logout revokes the session row and clears the cookie.
func (h *Login) Logout(c echo.Context) error {
	st := request.Get(c)
	if st.Session != nil && st.Session.ID != "" {
		if err := h.auth.Logout(c.Request().Context(), st.Session.ID, st.User, c.RealIP()); err != nil {
			return err
		}
		st.Session.Options.MaxAge = -1
		if err := st.Session.Save(c.Request(), c.Response()); err != nil {
			return err
		}
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// safeNext keeps post-login redirects on this site: a path of this origin,
// with nothing a browser could read as another host. Browsers drop tabs and
// newlines anywhere in a URL ("/\t/evil" is "//evil") and read \ as /, so
// any control character or backslash is refused.
func safeNext(next string) string {
	if len(next) > maxNextLen || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	return next
}

// maxNextLen bounds the post-login redirect target.
const maxNextLen = 2048

func retryAfter(d time.Duration) string {
	return fmt.Sprint(int(math.Ceil(d.Seconds())))
}

func humanWait(d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s < 60 {
		return text.Plural(max(s, 1), "second", "seconds")
	}
	return text.Plural((s+59)/60, "minute", "minutes")
}
