package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/views"
)

// PasswordChanger changes the signed-in user's own password.
type PasswordChanger interface {
	ChangeOwnPassword(ctx context.Context, actor auth.Actor, current, next string) error
}

// Account is the signed-in user's own page.
type Account struct {
	auth   PasswordChanger
	tokens TokenManager // the API tokens panel (tokens.go)
	prefs  Preferences  // language and time zone (account_prefs.go)
}

// NewAccount builds the account page handlers.
func NewAccount(a PasswordChanger, t TokenManager, p Preferences) *Account {
	return &Account{auth: a, tokens: t, prefs: p}
}

// Show renders the account page.
func (h *Account) Show(c echo.Context) error {
	return h.render(c, http.StatusOK, nil)
}

func (h *Account) render(c echo.Context, status int, errs map[string]string) error {
	panel, err := tokensPanel(c, h.tokens, views.TokensPanel{})
	if err != nil {
		return err
	}
	return renderAccount(c, status, errs, panel)
}

// prefsForm is the language and time zone form as the person's saved
// preferences fill it.
func prefsForm(c echo.Context) views.PrefsForm {
	l := request.Loc(c)
	return views.PrefsForm{Language: l.Lang(), TimeZone: l.Zone().String(), Zones: commonZones}
}

// renderAccount renders the account page with children (the tokens panel) at its end.
func renderAccount(c echo.Context, status int, errs map[string]string, children templ.Component) error {
	p := views.AccountPage{Page: page(c, request.T(c, "account.title"), "account"), Errors: errs, Prefs: prefsForm(c)}
	if v, ok := errs["time_zone"]; ok {
		p.Prefs.TimeZone, p.Prefs.Error = c.FormValue("time_zone"), v
	}
	if u := request.Get(c).User; u != nil && u.MustChangePassword {
		p.Notice = request.T(c, "account.must_change")
	}
	if u := request.Get(c).User; u != nil {
		p.SSO = u.SSO
	}
	return render(c, status, withChildren(views.Account(p), children))
}

// ChangePassword checks the current password and sets the new one; every
// session of the user ends, so they sign in again.
func (h *Account) ChangePassword(c echo.Context) error {
	current, next, confirm := c.FormValue("current"), c.FormValue("next"), c.FormValue("confirm")
	if next != confirm {
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"confirm": request.T(c, "account.differ")})
	}
	err := h.auth.ChangeOwnPassword(c.Request().Context(), request.Actor(c, auth.ViaWeb), current, next)
	var ve *auth.ValidationError
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &ve):
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"next": passwordMessage(c, ve)})
	case errors.Is(err, auth.ErrInvalidCredentials):
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"current": request.T(c, "account.wrong_current")})
	case errors.Is(err, auth.ErrSSOAccount):
		return apperr.Conflict(request.T(c, "account.sso_no_password"))
	case errors.As(err, &te):
		c.Response().Header().Set("Retry-After", retryAfter(te.RetryAfter))
		return h.render(c, http.StatusTooManyRequests, map[string]string{"current": request.T(c, "account.too_many", "Wait", humanWait(c, te.RetryAfter))})
	case err != nil:
		return err
	}
	// The session is gone with all the others: clear the cookie too.
	st := request.Get(c)
	st.Session.Options.MaxAge = -1
	if err := st.Session.Save(c.Request(), c.Response()); err != nil {
		return err
	}
	return redirect(c, "/login?changed=1")
}

// passwordMessage words a password validation error as a sentence.
func passwordMessage(c echo.Context, ve *auth.ValidationError) string {
	if ve.Message == "" {
		return request.T(c, "account.choose_another")
	}
	return ruleWords(c, "password", ve.Message)
}
