package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/views"
)

// DenialRecorder writes authorization failures to the audit trail.
type DenialRecorder interface {
	RecordDenied(ctx context.Context, actor auth.Actor, action, detail string) error
}

// loadSession finds the request's session (creating an anonymous one with a
// CSRF token when there is none) and stores what it learns in the request
// state for handlers.
func (s *Server) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		ctx := r.Context()
		if isPoll(r) {
			ctx = auth.Background(ctx)
		}
		if _, err := r.Cookie(CookieName); err == nil {
			// Signed in (or was): what the request reads about the
			// person is kept while the database's counters stay put.
			ctx = s.deps.Auth.ReadChanges(ctx)
		}
		r = r.WithContext(ctx)
		c.SetRequest(r)
		sess, err := s.sessions.Get(r, CookieName)
		if err != nil {
			return err
		}
		st := request.Get(c)
		st.Session, st.User = sess, sessionUser(sess)
		s.personalise(c)
		token, _ := sess.Values[csrfSessionKey].(string)
		if token == "" {
			token = newCSRFToken()
			sess.Values[csrfSessionKey] = token
			if err := sess.Save(r, c.Response()); err != nil {
				return err
			}
		}
		st.CSRFToken = token
		return next(c)
	}
}

// requireUser lets only signed-in users through. A browser asking for a page
// is sent to the sign-in page and back afterwards.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if request.Get(c).User != nil {
			return next(c)
		}
		r := c.Request()
		login := "/login?next=" + url.QueryEscape(r.URL.RequestURI())
		if r.Header.Get(htmx.Request) == "true" {
			c.Response().Header().Set(htmx.Redirect, login)
			return c.NoContent(http.StatusUnauthorized)
		}
		if r.Method == http.MethodGet {
			return c.Redirect(http.StatusSeeOther, login)
		}
		return apperr.New(http.StatusUnauthorized, "signed_out", "Your session has ended. Sign in again.")
	}
}

// requirePerm refuses users whose role lacks p, with a 403 and an audit entry.
func (s *Server) requirePerm(p auth.Permission) echo.MiddlewareFunc {
	return s.permission(p, auth.ViaWeb)
}

// permission refuses users whose role lacks p, with a 403 and an audit
// entry naming the channel (via) the request came through.
func (s *Server) permission(p auth.Permission, via string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := request.Get(c).User
			if u != nil && u.Role.Can(p) {
				return next(c)
			}
			actor := request.Actor(c, via)
			detail := c.Request().Method + " " + c.Path()
			if err := s.deps.Denials.RecordDenied(c.Request().Context(), actor, "access."+string(p), detail); err != nil {
				request.Get(c).Logger.Error("record authorization failure", "err", err)
			}
			return apperr.Forbidden("Your role does not allow this. Ask an administrator if you need it.")
		}
	}
}

// mustChangePassword sends a user whose password someone else chose to the
// account page before anything else (ASVS 6.4.1).
func mustChangePassword(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := request.Get(c).User
		if u == nil || !u.MustChangePassword {
			return next(c)
		}
		switch c.Path() {
		case "/account", "/account/password":
			return next(c)
		}
		if c.Request().Method == http.MethodGet && !htmx.Is(c) {
			return c.Redirect(http.StatusSeeOther, "/account?first=1")
		}
		return apperr.Forbidden("Choose a new password on your account page before you continue.")
	}
}

// isPoll reports a request a page made on its own (views.BackgroundHeader),
// such as the result grid refreshing itself. Such requests are not activity.
func isPoll(r *http.Request) bool {
	return r.Method == http.MethodGet && r.Header.Get(views.BackgroundHeader) != ""
}
