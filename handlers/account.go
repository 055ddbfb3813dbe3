package handlers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

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

// TokenManager keeps the signed-in user's personal API tokens.
type TokenManager interface {
	Create(ctx context.Context, actor auth.Actor, name string, expiresAt time.Time) (string, auth.Token, error)
	List(ctx context.Context, actor auth.Actor) ([]auth.Token, error)
	Revoke(ctx context.Context, actor auth.Actor, id int64) (auth.Token, error)
	Now() time.Time
}

// Tokens is the API tokens part of the account page: create (the token is
// shown once, in the answer to the POST, and kept nowhere in clear), list
// and revoke.
type Tokens struct{ tokens TokenManager }

// NewTokens builds the token actions of the account page.
func NewTokens(t TokenManager) *Tokens { return &Tokens{tokens: t} }

// maxTokenDays is the longest lifetime the form offers.
const maxTokenDays = int(auth.MaxTokenLifetime / (24 * time.Hour))

// tokensPanel lists the user's tokens into p.
func tokensPanel(c echo.Context, tm TokenManager, p views.TokensPanel) (templ.Component, error) {
	if u := request.Get(c).User; u == nil || u.MustChangePassword {
		return templ.NopComponent, nil // first a password of their own
	}
	list, err := tm.List(c.Request().Context(), request.Actor(c, auth.ViaWeb))
	if err != nil {
		return nil, err
	}
	now := tm.Now()
	p.CSRFToken, p.Max, p.MaxDays = request.Get(c).CSRFToken, auth.MaxTokensPerUser, maxTokenDays
	p.Rows = make([]views.APITokenRow, 0, len(list))
	for _, tok := range list {
		p.Rows = append(p.Rows, views.APITokenRow{ID: tok.ID, Name: tok.Name, Hint: tok.Hint, Created: formatTime(c, tok.CreatedAt),
			Expires: expiresText(c, tok.ExpiresAt), LastUsed: neverOr(c, tok.LastUsedAt), Expired: tok.Expired(now)})
	}
	return views.Tokens(p), nil
}

func expiresText(c echo.Context, t time.Time) string {
	if t.IsZero() {
		return request.T(c, "tokens3.expires_never")
	}
	return formatTime(c, t)
}

func neverOr(c echo.Context, t time.Time) string {
	if t.IsZero() {
		return request.T(c, "tokens3.never_used")
	}
	return formatTime(c, t)
}

// Create makes a token and shows the account page with it, this once.
func (t *Tokens) Create(c echo.Context) error {
	form := views.TokenForm{Name: c.FormValue("name"), ExpiresDays: strings.TrimSpace(c.FormValue("expires_days"))}
	var expires time.Time
	if form.ExpiresDays != "" {
		days, err := strconv.Atoi(form.ExpiresDays)
		if err != nil || days < 1 || days > maxTokenDays {
			return t.refuse(c, form, "expires_days", request.T(c, "tokens.days", "Max", maxTokenDays))
		}
		expires = t.tokens.Now().Add(time.Duration(days) * 24 * time.Hour)
	}
	raw, tok, err := t.tokens.Create(c.Request().Context(), request.Actor(c, auth.ViaWeb), form.Name, expires)
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve) && ve.Field == "name":
		return t.refuse(c, form, "name", ruleWords(c, "name", ve.Message))
	case errors.As(err, &ve):
		return t.refuse(c, form, "expires_days", ruleWords(c, "expires", ve.Message))
	case errors.Is(err, auth.ErrTooManyTokens):
		return t.refuse(c, form, "form", request.T(c, "tokens.too_many", "Count", auth.MaxTokensPerUser))
	case err != nil:
		return err
	}
	request.Get(c).Logger.Info("API token created", "token", tok.ID)
	created := &views.CreatedToken{Name: tok.Name, Token: raw, Expires: request.T(c, "tokens.never_expires")}
	if !tok.ExpiresAt.IsZero() {
		created.Expires = request.T(c, "tokens.expires_at", "Time", formatTime(c, tok.ExpiresAt))
	}
	return t.show(c, http.StatusOK, views.TokensPanel{Created: created})
}

func (t *Tokens) refuse(c echo.Context, form views.TokenForm, field, msg string) error {
	return t.show(c, http.StatusUnprocessableEntity, views.TokensPanel{Form: form, Errors: map[string]string{field: msg}})
}

// show renders the account page with the panel p.
func (t *Tokens) show(c echo.Context, status int, p views.TokensPanel) error {
	panel, err := tokensPanel(c, t.tokens, p)
	if err != nil {
		return err
	}
	return renderAccount(c, status, nil, panel)
}

// Revoke ends one of the user's tokens at once.
func (t *Tokens) Revoke(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return apperr.NotFound("The token")
	}
	tok, err := t.tokens.Revoke(c.Request().Context(), request.Actor(c, auth.ViaWeb), id)
	if errors.Is(err, auth.ErrTokenNotFound) {
		return apperr.NotFound("The token")
	}
	if err != nil {
		return err
	}
	if err := addFlash(c, "success", request.T(c, "tokens.revoked", "Name", tok.Name)); err != nil {
		return err
	}
	return redirect(c, "/account")
}

// withChildren renders parent with children as its { children... }.
func withChildren(parent, children templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return parent.Render(templ.WithChildren(ctx, children), w)
	})
}
