package handlers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/sso"
	"keybind/views"
)

// Authenticator signs users in and out; EndSession returns the ID token a
// session made by single sign-on kept ("" for others).
type Authenticator interface {
	Login(ctx context.Context, oldRawID, username, password, ip, userAgent string) (*auth.Session, error)
	EndSession(ctx context.Context, rawID string, actor *auth.User, ip string) (string, error)
}

// EndSessionOffer is the identity provider's end-session page for a
// session's ID token ("" when it has none).
type EndSessionOffer interface {
	EndSessionURL(ctx context.Context, idToken string) string
}

// LoginOptions are the ways in the sign-in page offers.
type LoginOptions struct {
	// PasswordLogin: everyone may sign in with a password. When false, the
	// form is shown only at /login?break-glass=1.
	PasswordLogin bool
	// SSOName is the identity provider's name; "" when single sign-on is off.
	SSOName string
	// EndSession offers the provider's end-session page at sign-out; nil
	// when single sign-on is off.
	EndSession EndSessionOffer
	// Prefs keeps, at a person's first sign-in, the language they chose
	// before and their browser's time zone; nil: nothing is kept.
	Prefs Preferences
}

// IPLimiter rate-limits sign-in attempts per client IP.
type IPLimiter interface {
	Allow(ip string) (bool, time.Duration)
}

// Login shows and handles the sign-in form, and signs out.
type Login struct {
	auth    Authenticator
	limiter IPLimiter
	opts    LoginOptions
}

// NewLogin builds the sign-in handlers.
func NewLogin(a Authenticator, l IPLimiter, o LoginOptions) *Login {
	return &Login{auth: a, limiter: l, opts: o}
}

// Show renders the sign-in form; a signed-in user goes to the dashboard.
func (h *Login) Show(c echo.Context) error {
	if request.Get(c).User != nil {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	p := h.loginPage(c, safeNext(c.QueryParam("next")))
	p.PasswordForm = p.PasswordForm || c.QueryParam("break-glass") == "1"
	if c.QueryParam("changed") == "1" {
		p.Info = request.T(c, "login.changed")
	}
	return render(c, http.StatusOK, views.Login(p))
}

// loginPage is the sign-in page with the ways in that are on.
func (h *Login) loginPage(c echo.Context, next string) views.LoginPage {
	p := views.LoginPage{Page: page(c, request.T(c, "login.title"), "login"), Next: next, PasswordForm: h.opts.PasswordLogin}
	if h.opts.SSOName != "" {
		p.SSOName, p.SSOURL = h.opts.SSOName, sso.StartPath+"?next="+url.QueryEscape(next)
	}
	return p
}

// Submit checks the credentials and rotates the session on success.
func (h *Login) Submit(c echo.Context) error {
	username := strings.TrimSpace(c.FormValue("username"))
	next := safeNext(c.FormValue("next"))
	fail := func(status int, msg string) error {
		p := h.loginPage(c, next)
		p.Username, p.Error, p.PasswordForm = username, msg, true
		return render(c, status, views.Login(p))
	}
	if ok, wait := h.limiter.Allow(c.RealIP()); !ok {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return fail(http.StatusTooManyRequests, request.T(c, "login.too_many_ip", "Wait", humanWait(c, wait)))
	}
	st := request.Get(c)
	sess, err := h.auth.Login(c.Request().Context(), st.Session.ID, username, c.FormValue("password"), c.RealIP(), c.Request().UserAgent())
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Response().Header().Set("Retry-After", retryAfter(throttled.RetryAfter))
		return fail(http.StatusTooManyRequests, request.T(c, "login.too_many_account", "Wait", humanWait(c, throttled.RetryAfter)))
	case errors.Is(err, auth.ErrInvalidCredentials):
		return fail(http.StatusUnauthorized, request.T(c, "login.wrong"))
	case errors.Is(err, auth.ErrPasswordLoginOff):
		p := h.loginPage(c, next)
		p.Error = request.T(c, "login.password_off", "Provider", cmp.Or(h.opts.SSOName, request.T(c, "login.single_sign_on")))
		return render(c, http.StatusForbidden, views.Login(p))
	case err != nil:
		return err
	}
	// The pre-login session is gone; the new one gets a fresh ID and token.
	st.Session.ID = sess.ID
	st.Session.Values = map[any]any{request.CSRFSessionKey: request.NewToken()}
	if err := st.Session.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	rememberFirstSignIn(c, h.opts.Prefs, sess.User, c.FormValue("tz"))
	return c.Redirect(http.StatusSeeOther, next)
}

// Logout revokes the session row and clears the cookie. A session made by
// single sign-on at a provider with an end-session page gets a page that
// offers it (the ID token hint it needs is in this response only);
// otherwise the browser goes to the sign-in page.
func (h *Login) Logout(c echo.Context) error {
	st := request.Get(c)
	var idToken string
	if st.Session != nil && st.Session.ID != "" {
		var err error
		if idToken, err = h.auth.EndSession(c.Request().Context(), st.Session.ID, st.User, c.RealIP()); err != nil {
			return err
		}
		st.Session.Options.MaxAge = -1
		if err := st.Session.Save(c.Request(), c.Response()); err != nil {
			return err
		}
	}
	if idToken != "" && h.opts.EndSession != nil {
		if u := h.opts.EndSession.EndSessionURL(c.Request().Context(), idToken); u != "" {
			st.User = nil // signed out: the page is an anonymous one
			return render(c, http.StatusOK, views.SignedOut(views.SignedOutPage{Page: Frame(c, request.T(c, "login.signed_out_title"), "login"),
				ProviderName: h.opts.SSOName, EndSessionURL: u}))
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

// humanWait says how long to wait, in the person's language: "5 seconds".
func humanWait(c echo.Context, d time.Duration) string {
	s := int(math.Ceil(d.Seconds()))
	if s < 60 {
		return request.T(c, "wait.seconds", "Count", max(s, 1))
	}
	return request.T(c, "wait.minutes", "Count", (s+59)/60)
}
