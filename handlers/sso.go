package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/internal/fault"
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
}

// NewSSO builds the single sign-on handlers.
func NewSSO(s SingleSignOn, f FlowCookies, l IPLimiter) *SSO {
	return &SSO{sso: s, flows: f, limiter: l}
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
		return h.page(c, http.StatusTooManyRequests, "sso_throttled", "Too many sign-ins",
			fmt.Sprintf("Too many sign-in attempts from your address. Try again in %s.", humanWait(c, wait)))
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
	again := " Go back to the sign-in page and start again."
	switch {
	case errors.Is(err, sso.ErrUnavailable):
		return h.page(c, http.StatusServiceUnavailable, f.Code, "Single sign-on is not reachable",
			"keybind cannot reach "+idp+" right now. Try again in a minute; if this goes on, tell an administrator.")
	case errors.Is(err, sso.ErrState):
		return h.page(c, http.StatusBadRequest, f.Code, "This sign-in cannot be completed",
			"It did not start in this browser, was already used, or is more than 10 minutes old."+again)
	case errors.Is(err, sso.ErrRefused) && f.Subject == "access_denied":
		return h.page(c, http.StatusForbidden, f.Code, "Sign-in refused", idp+" did not sign you in to keybind (access denied).")
	case errors.Is(err, sso.ErrRefused):
		return h.page(c, http.StatusBadRequest, f.Code, "Sign-in refused",
			fmt.Sprintf("%s did not sign you in to keybind (%s).%s", idp, f.Subject, again))
	case errors.Is(err, sso.ErrExchange):
		return h.page(c, http.StatusBadRequest, f.Code, "This sign-in cannot be completed",
			idp+" did not accept it: it was already used, has expired, or was started in another browser."+again)
	case errors.Is(err, sso.ErrTokenExpired):
		return h.page(c, http.StatusUnauthorized, f.Code, "Single sign-on failed",
			"The answer from "+idp+" had already expired."+again+" If this goes on, the clocks of keybind's server and "+idp+" may differ: tell an administrator.")
	case errors.Is(err, sso.ErrToken):
		return h.page(c, http.StatusUnauthorized, f.Code, "Single sign-on failed",
			"keybind could not verify the answer from "+idp+", so it did not sign you in."+again+" If this goes on, tell an administrator.")
	case errors.Is(err, sso.ErrClaims):
		return h.page(c, http.StatusForbidden, f.Code, "Single sign-on failed",
			idp+" did not tell keybind your user name. Tell an administrator: the provider's application needs the user name claim.")
	case errors.Is(err, auth.ErrNoRole):
		return h.page(c, http.StatusForbidden, f.Code, "No access to keybind",
			"You signed in at "+idp+" as "+f.Subject+", but none of your groups gives you a role in keybind, so you cannot use it. "+
				"Ask an administrator to add you to keybind's admin or helpdesk group at "+idp+", then sign in again.")
	case errors.Is(err, auth.ErrAccountDisabled):
		return h.page(c, http.StatusForbidden, f.Code, "Account disabled",
			"Your keybind account "+f.Subject+" is disabled. Ask a keybind administrator to enable it.")
	case errors.Is(err, auth.ErrNameTaken):
		return h.page(c, http.StatusConflict, f.Code, "User name already in use",
			"The user name "+f.Subject+" belongs to another keybind account, so keybind did not sign you in with it. "+
				"Ask a keybind administrator: the audit log names your account at "+idp+".")
	case errors.Is(err, auth.ErrBadUsername):
		return h.page(c, http.StatusForbidden, f.Code, "User name not usable",
			"The user name "+f.Subject+" from "+idp+" cannot be a keybind user name (letters, digits, '.', '_', '-' and '@', starting with a letter, at most 64). Tell an administrator.")
	}
	return err
}

func (h *SSO) page(c echo.Context, status int, reason, heading, message string) error {
	p := views.SSORefusedPage{Page: Frame(c, heading, "login"), Status: status, Reason: reason, Heading: heading,
		Message: message, RequestID: c.Response().Header().Get(echo.HeaderXRequestID)}
	return render(c, status, views.SSORefused(p))
}
