package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
)

const (
	csrfSessionKey = request.CSRFSessionKey
	csrfFormField  = "csrf_token"
	csrfHeader     = "X-CSRF-Token"
)

func newCSRFToken() string { return request.NewToken() }

var errCSRF = apperr.New(http.StatusForbidden, "csrf_failed",
	"This form has expired or did not come from keybind. Reload the page and try again.")

// csrfProtect refuses every state-changing request that does not carry the
// session's token (form field or X-CSRF-Token header) or that a browser
// marks as cross-site (SECURITY.md, V3.5).
func csrfProtect(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			return next(c)
		}
		if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
			return errCSRF
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r) {
			return errCSRF
		}
		if err := readForm(c); err != nil {
			return err
		}
		want := request.Get(c).CSRFToken
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = c.FormValue(csrfFormField)
		}
		if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

// readForm reads the body of a state-changing request before anything else,
// so the body limit answers 413 however the body is sent (chunked too) and
// wherever the token is (form or header), and a malformed body answers 400.
func readForm(c echo.Context) error {
	if _, err := c.FormParams(); err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit's 413
		}
		return apperr.BadRequest("The form could not be read.").Wrap(err)
	}
	return nil
}

// sameOrigin compares the Origin header's host with the request's Host.
func sameOrigin(origin string, r *http.Request) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Host == r.Host
}
