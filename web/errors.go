package web

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers"
	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/i18n"
	"keybind/internal/store"
	"keybind/views"
)

// errCannotSave answers a request the database could not serve (disk full,
// read-only, I/O error): the problem is the server's, for now.
var errCannotSave = apperr.New(http.StatusServiceUnavailable, "cannot_save",
	"keybind cannot save changes right now. Try again in a few minutes; if this goes on, tell an administrator "+
		"(the server's disk may be full).")

// errCannotReach answers a request while the database server cannot be
// reached (PostgreSQL down, restarting or failing over). database/sql opens
// new connections as requests come, so the console recovers by itself.
var errCannotReach = apperr.New(http.StatusServiceUnavailable, "cannot_reach_database",
	"keybind cannot reach the database right now. Try again in a moment; if this goes on, tell an administrator.")

// classify turns any error into what the user is shown. Raw internal text
// (SQL, SDK dumps) never reaches a page.
func classify(err error) *apperr.Error {
	if e, ok := apperr.As(err); ok {
		return e
	}
	if e, ok := apperr.FromFault(err); ok {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return apperr.New(he.Code, "http_"+strings.ToLower(strings.ReplaceAll(http.StatusText(he.Code), " ", "_")), httpMessage(he.Code))
	}
	switch {
	case errors.Is(err, auth.ErrForbidden):
		return apperr.Forbidden("Your role does not allow this. Ask an administrator if you need it.")
	case errors.Is(err, auth.ErrNotFound):
		return apperr.NotFound("That user")
	case errors.Is(err, context.DeadlineExceeded):
		return apperr.New(http.StatusGatewayTimeout, "timeout", "This took too long. Try again in a moment.")
	case store.Unreachable(err):
		return errCannotReach
	case store.Unavailable(err):
		return errCannotSave
	}
	if e, ok := apperr.FromCloud(err); ok {
		return e
	}
	return apperr.New(http.StatusInternalServerError, "internal", "Something went wrong on our side. The error has been logged.")
}

func httpMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return "This page does not exist."
	case http.StatusMethodNotAllowed:
		return "This address does not accept that kind of request."
	case http.StatusRequestEntityTooLarge:
		return "The request is too large."
	case http.StatusUnsupportedMediaType:
		return "The request's content type is not supported."
	case http.StatusServiceUnavailable:
		return "The console is busy or shutting down. Try again in a moment."
	case http.StatusTooManyRequests:
		return "Too many requests. Wait a moment and try again."
	}
	if status >= 500 {
		return "Something went wrong on our side. The error has been logged."
	}
	return "The request could not be understood."
}

// handleError is echo's central error handler: it logs (5xx at Error, 4xx at
// Warn), then answers with JSON for the API, a fragment for htmx, or a page.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := localize(request.Loc(c), classify(err))
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	log := s.log.With("request_id", rid, "method", c.Request().Method, "path", c.Request().URL.Path, "status", e.Status)
	if e.Status >= 500 {
		log.Error("request failed", "err", err)
	} else {
		log.Warn("request refused", "code", e.Code, "err", err)
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(e.Status)
	case strings.HasPrefix(c.Request().URL.Path, "/api/"):
		werr = c.JSON(e.Status, apiError{Code: e.Code, Message: e.Message, RequestID: rid, Fields: e.Fields})
	default:
		ep := views.ErrorPage{Status: e.Status, Heading: heading(request.Loc(c), e.Status), Message: e.Message, RequestID: rid}
		if htmx.Is(c) {
			c.Response().Header().Set(htmx.Retarget, "#flash-region")
			c.Response().Header().Set(htmx.Reswap, "beforeend")
			werr = c.Render(e.Status, "", views.ErrorFragment(ep))
		} else {
			ep.Page = handlers.Frame(c, request.T(c, "error.title"), "")
			werr = c.Render(e.Status, "", views.Error(ep))
		}
	}
	if werr != nil {
		log.Error("write error response", "err", werr)
	}
}

// apiError is the JSON error body of /api/v1.
type apiError struct {
	Code      string            `json:"code"`
	Message   string            `json:"message"`
	RequestID string            `json:"request_id"`
	Fields    map[string]string `json:"fields,omitempty"`
}

func heading(l *i18n.Localizer, status int) string {
	switch {
	case status == http.StatusNotFound:
		return l.T("error.heading_not_found")
	case status == http.StatusForbidden:
		return l.T("error.heading_forbidden")
	case status == http.StatusUnauthorized:
		return l.T("error.heading_unauthorized")
	case status >= 500:
		return l.T("error.heading_server")
	default:
		return l.T("error.heading_other")
	}
}

// localize returns e with its message and field messages in l's language
// (the code stays: it is a stable identifier).
func localize(l *i18n.Localizer, e *apperr.Error) *apperr.Error {
	c := *e
	if c.ID != "" && i18n.Has(c.ID) {
		c.Message = l.T(c.ID, c.Args...)
	} else {
		c.Message = l.English(c.Message)
	}
	if len(e.Fields) > 0 {
		c.Fields = make(map[string]string, len(e.Fields))
		for k, v := range e.Fields {
			c.Fields[k] = l.English(v)
		}
	}
	return &c
}
