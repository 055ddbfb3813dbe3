// Package handlers holds one file per page or action of the console. Each
// handler gets its dependencies through a constructor and declares the small
// interface it consumes next to itself.
package handlers

import (
	"log/slog"

	"github.com/gorilla/sessions"
	"github.com/labstack/echo/v4"

	"keybind/internal/auth"
)

// RequestState is what the web layer's middleware learns about a request
// before a handler runs.
type RequestState struct {
	User      *auth.User        // nil when signed out
	Session   *sessions.Session // the gorilla session; its ID is the raw session token
	CSRFToken string
	Sandbox   bool         // the cloud is a keybind sandbox: show the banner
	Controls  bool         // the sandbox is embedded: its controls page exists
	Logger    *slog.Logger // carries the request ID
}

const stateKey = "keybind.request"

// SetState stores the request state; the web layer calls it.
func SetState(c echo.Context, s *RequestState) { c.Set(stateKey, s) }

// State returns the request state; never nil.
func State(c echo.Context) *RequestState {
	if s, ok := c.Get(stateKey).(*RequestState); ok && s != nil {
		return s
	}
	return &RequestState{Logger: slog.Default()}
}

// actor is who is asking, for the audit trail.
func actor(c echo.Context) auth.Actor {
	return auth.Actor{User: State(c).User, IP: c.RealIP(), Via: "web"}
}
