package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/i18n"
	"keybind/views"
)

// UserAdmin is the account administration the users page needs.
type UserAdmin interface {
	Users(ctx context.Context) ([]auth.User, error)
	CreateUser(ctx context.Context, actor auth.Actor, name string, role auth.Role, password string) (auth.User, error)
	SetPassword(ctx context.Context, actor auth.Actor, name, password string) error
	SetRole(ctx context.Context, actor auth.Actor, name string, role auth.Role) error
	Disable(ctx context.Context, actor auth.Actor, name string) error
	Enable(ctx context.Context, actor auth.Actor, name string) error
	EndSessions(ctx context.Context, actor auth.Actor, name string) error
}

// Users is the administrators' users page.
type Users struct {
	auth UserAdmin
}

// NewUsers builds the users page handlers.
func NewUsers(a UserAdmin) *Users { return &Users{auth: a} }

// Show lists the accounts.
func (h *Users) Show(c echo.Context) error {
	return h.render(c, http.StatusOK, views.NewUserForm{Role: string(auth.RoleHelpdesk)}, nil, nil)
}

func (h *Users) render(c echo.Context, status int, form views.NewUserForm, errs map[string]string, gen *views.GeneratedPassword) error {
	users, err := h.auth.Users(c.Request().Context())
	if err != nil {
		return err
	}
	p := views.UsersPage{Page: page(c, request.T(c, "nav.users"), "users"), Form: form, Errors: errs, Generated: gen}
	for _, r := range auth.Roles {
		p.Roles = append(p.Roles, string(r))
	}
	me := request.Get(c).User
	for _, u := range users {
		p.Users = append(p.Users, views.UserRow{Name: u.Name, Role: string(u.Role), Disabled: u.Disabled,
			Created: formatTime(c, u.CreatedAt), PasswordChanged: formatTime(c, u.PasswordChangedAt), Self: me != nil && me.ID == u.ID})
	}
	return render(c, status, views.Users(p))
}

// Create adds a user with a generated password, shown once in this response
// (never stored, so not through a redirect).
func (h *Users) Create(c echo.Context) error {
	form := views.NewUserForm{Name: c.FormValue("name"), Role: c.FormValue("role")}
	role, err := auth.ParseRole(form.Role)
	if err != nil {
		return h.render(c, http.StatusUnprocessableEntity, form, map[string]string{"role": request.T(c, "users.choose_role")}, nil)
	}
	pw, err := auth.GeneratePassword()
	if err != nil {
		return err
	}
	u, err := h.auth.CreateUser(c.Request().Context(), request.Actor(c, auth.ViaWeb), form.Name, role, pw)
	var ve *auth.ValidationError
	switch {
	case errors.As(err, &ve):
		return h.render(c, http.StatusUnprocessableEntity, form, map[string]string{"name": ruleWords(c, "username", ve.Message)}, nil)
	case errors.Is(err, auth.ErrExists):
		return h.render(c, http.StatusUnprocessableEntity, form, map[string]string{"name": request.T(c, "users.taken")}, nil)
	case err != nil:
		return err
	}
	return h.render(c, http.StatusOK, views.NewUserForm{Role: form.Role}, nil, &views.GeneratedPassword{User: u.Name, Password: pw})
}

// ResetPassword gives the user a new generated password, shown once, and
// ends their sessions.
func (h *Users) ResetPassword(c echo.Context) error {
	name := c.Param("name")
	pw, err := auth.GeneratePassword()
	if err != nil {
		return err
	}
	if err := h.auth.SetPassword(c.Request().Context(), request.Actor(c, auth.ViaWeb), name, pw); err != nil {
		return userAdminError(c, err)
	}
	return h.render(c, http.StatusOK, views.NewUserForm{Role: string(auth.RoleHelpdesk)}, nil, &views.GeneratedPassword{User: auth.NormalizeUsername(name), Password: pw})
}

// SetRole changes a user's role; their sessions end.
func (h *Users) SetRole(c echo.Context) error {
	role, err := auth.ParseRole(c.FormValue("role"))
	if err != nil {
		return apperr.BadRequest(request.T(c, "users.choose_role"))
	}
	roleName := views.RoleName(i18n.With(c.Request().Context(), request.Loc(c)), string(role))
	return h.change(c, "users.role_changed", []any{"Role", roleName}, func(ctx context.Context, a auth.Actor, name string) error {
		return h.auth.SetRole(ctx, a, name, role)
	})
}

// Disable disables a user; their sessions end.
func (h *Users) Disable(c echo.Context) error {
	return h.change(c, "users.disabled", nil, h.auth.Disable)
}

// Enable enables a user.
func (h *Users) Enable(c echo.Context) error {
	return h.change(c, "users.enabled", nil, h.auth.Enable)
}

// EndSessions signs a user out everywhere.
func (h *Users) EndSessions(c echo.Context) error {
	return h.change(c, "users.ended", nil, h.auth.EndSessions)
}

func (h *Users) change(c echo.Context, done string, args []any, fn func(ctx context.Context, a auth.Actor, name string) error) error {
	name := c.Param("name")
	if err := fn(c.Request().Context(), request.Actor(c, auth.ViaWeb), name); err != nil {
		return userAdminError(c, err)
	}
	if err := addFlash(c, "success", request.T(c, done, append(args, "User", auth.NormalizeUsername(name))...)); err != nil {
		return err
	}
	return redirect(c, "/users")
}

// userAdminError words the domain's refusals.
func userAdminError(c echo.Context, err error) error {
	var ve *auth.ValidationError
	switch {
	case errors.Is(err, auth.ErrNotFound):
		return apperr.NotFound("That user")
	case errors.Is(err, auth.ErrLastAdmin):
		return apperr.Conflict(request.T(c, "users.last_admin"))
	case errors.Is(err, auth.ErrSSOAccount):
		return apperr.Conflict(request.T(c, "users.sso_account"))
	case errors.As(err, &ve):
		msg := ruleWords(c, ve.Field, ve.Message)
		return apperr.Invalid(msg, map[string]string{ve.Field: msg})
	}
	return err
}
