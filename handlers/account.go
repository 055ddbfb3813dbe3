package handlers

import (
	"context"
	"errors"
	"fmt"
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
}

// NewAccount builds the account page handlers.
func NewAccount(a PasswordChanger, t TokenManager) *Account { return &Account{auth: a, tokens: t} }

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

// renderAccount renders the account page with children (the tokens panel) at its end.
func renderAccount(c echo.Context, status int, errs map[string]string, children templ.Component) error {
	p := views.AccountPage{Page: page(c, "Your account", "account"), Errors: errs}
	if u := request.Get(c).User; u != nil && u.MustChangePassword {
		p.Notice = "Your password was set by someone else. Choose your own password before you continue."
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
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"confirm": "The two new passwords differ."})
	}
	err := h.auth.ChangeOwnPassword(c.Request().Context(), request.Actor(c, auth.ViaWeb), current, next)
	var ve *auth.ValidationError
	var te *auth.ThrottledError
	switch {
	case errors.As(err, &ve):
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"next": passwordMessage(ve)})
	case errors.Is(err, auth.ErrInvalidCredentials):
		return h.render(c, http.StatusUnprocessableEntity, map[string]string{"current": "The current password is wrong."})
	case errors.Is(err, auth.ErrSSOAccount):
		return apperr.Conflict("You sign in through single sign-on; keybind keeps no password for you.")
	case errors.As(err, &te):
		c.Response().Header().Set("Retry-After", retryAfter(te.RetryAfter))
		return h.render(c, http.StatusTooManyRequests, map[string]string{"current": fmt.Sprintf("Too many wrong passwords. Try again in %s.", humanWait(c, te.RetryAfter))})
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
func passwordMessage(ve *auth.ValidationError) string {
	if ve.Message == "" {
		return "Choose another password."
	}
	return "The new password " + ve.Message + "."
}
