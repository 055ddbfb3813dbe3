package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/fault"
	"keybind/internal/i18n"
	"keybind/internal/sso"
	"keybind/views"
)

// SingleSignOn runs a sign-in at the identity provider (package sso).
type SingleSignOn interface {
	Begin(ctx context.Context, next string) (sso.Flow, string, error)
	Finish(ctx context.Context, in sso.Callback) (*auth.Session, error)
	ProviderName() string
}

// FlowCookies keep a sign-in in progress in the browser, each used once.
type FlowCookies interface {
	Put(w http.ResponseWriter, f sso.Flow) error
	Take(r *http.Request, w http.ResponseWriter) *sso.Flow
}

// SSO sends the browser to the identity provider and signs the person in
// when it comes back.
type SSO struct {
	sso     SingleSignOn
	flows   FlowCookies
	limiter IPLimiter
	prefs   Preferences // the language and time zone kept at a first sign-in; nil: none
}

// NewSSO builds the single sign-on handlers.
func NewSSO(s SingleSignOn, f FlowCookies, l IPLimiter, p Preferences) *SSO {
	return &SSO{sso: s, flows: f, limiter: l, prefs: p}
}

// Start begins a sign-in and redirects to the provider. It changes nothing
// on the server: the flow lives in the browser's cookie.
func (h *SSO) Start(c echo.Context) error {
	next := safeNext(c.QueryParam("next"))
	if request.Get(c).User != nil {
		return c.Redirect(http.StatusSeeOther, next)
	}
	flow, authURL, err := h.sso.Begin(c.Request().Context(), next)
	if err != nil {
		return h.refuse(c, err)
	}
	if _, ok := i18n.LoadZone(c.QueryParam("tz")); ok {
		flow.TimeZone = c.QueryParam("tz")
	}
	if err := h.flows.Put(c.Response(), flow); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, authURL)
}

// Callback completes a sign-in: the session is made exactly as for a
// password (a new session ID, the pre-sign-in session ended) and the browser
// goes where it was going.
func (h *SSO) Callback(c echo.Context) error {
	if ok, wait := h.limiter.Allow(c.RealIP()); !ok {
		c.Response().Header().Set("Retry-After", retryAfter(wait))
		return h.page(c, http.StatusTooManyRequests, "sso_throttled", request.T(c, "sso.h_throttled"),
			request.T(c, "login.too_many_ip", "Wait", humanWait(c, wait)))
	}
	st := request.Get(c)
	flow := h.flows.Take(c.Request(), c.Response())
	q := c.Request().URL.Query()
	in := sso.Callback{Flow: flow, State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"),
		ErrorDescription: q.Get("error_description"), IP: c.RealIP(), UserAgent: c.Request().UserAgent()}
	if st.Session != nil {
		in.OldSessionID = st.Session.ID
	}
	sess, err := h.sso.Finish(c.Request().Context(), in)
	if err != nil {
		return h.refuse(c, err)
	}
	st.Session.ID = sess.ID
	st.Session.Values = map[any]any{request.CSRFSessionKey: request.NewToken()}
	if err := st.Session.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	rememberFirstSignIn(c, h.prefs, sess.User, flow.TimeZone)
	return c.Redirect(http.StatusSeeOther, safeNext(flow.Next))
}

// refuse words why a sign-in did not happen, on a page of its own.
func (h *SSO) refuse(c echo.Context, err error) error {
	var f *fault.Error
	if !errors.As(err, &f) {
		return err // not a refusal: the error page
	}
	request.Get(c).Logger.Warn("single sign-on refused", "code", f.Code, "err", err)
	idp := h.sso.ProviderName()
	t := func(id string) string { return request.T(c, "sso."+id, "IdP", idp, "Subject", f.Subject) }
	for _, r := range ssoRefusals {
		if errors.Is(err, r.err) && (r.subject == "" || r.subject == f.Subject) {
			return h.page(c, r.status, f.Code, t(r.heading), t(r.message))
		}
	}
	return err
}

// ssoRefusals words each refused sign-in, first match first: its status and
// the catalogue's heading and message (under "sso."). subject narrows a
// refusal to the provider's error code.
var ssoRefusals = []struct {
	err              error
	subject          string
	status           int
	heading, message string
}{
	{sso.ErrUnavailable, "", http.StatusServiceUnavailable, "h_unreachable", "unreachable"},
	{sso.ErrState, "", http.StatusBadRequest, "h_cannot_complete", "state"},
	{sso.ErrRefused, "access_denied", http.StatusForbidden, "h_refused", "access_denied"},
	{sso.ErrRefused, "", http.StatusBadRequest, "h_refused", "refused"},
	{sso.ErrExchange, "", http.StatusBadRequest, "h_cannot_complete", "exchange"},
	{sso.ErrTokenExpired, "", http.StatusUnauthorized, "h_failed", "token_expired"},
	{sso.ErrToken, "", http.StatusUnauthorized, "h_failed", "token"},
	{sso.ErrClaims, "", http.StatusForbidden, "h_failed", "claims"},
	{auth.ErrNoRole, "", http.StatusForbidden, "h_no_access", "no_role"},
	{auth.ErrAccountDisabled, "", http.StatusForbidden, "h_disabled", "disabled"},
	{auth.ErrNameTaken, "", http.StatusConflict, "h_name_taken", "name_taken"},
	{auth.ErrBadUsername, "", http.StatusForbidden, "h_bad_name", "bad_name"},
}

func (h *SSO) page(c echo.Context, status int, reason, heading, message string) error {
	p := views.SSORefusedPage{Page: Frame(c, heading, "login"), Status: status, Reason: reason, Heading: heading,
		Message: message, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	return render(c, status, views.SSORefused(p))
}
