package handlers

import "github.com/labstack/echo/v4"

// Header names of htmx, kept in one place.
const (
	hxRequest  = "HX-Request"
	hxRedirect = "HX-Redirect"
)

// isHTMX reports whether htmx sent the request (a fragment is wanted).
func isHTMX(c echo.Context) bool { return c.Request().Header.Get(hxRequest) == "true" }

// varyOnHTMX marks a response whose body depends on HX-Request, so caches
// keep the page and the fragment apart.
func varyOnHTMX(c echo.Context) { c.Response().Header().Add("Vary", hxRequest) }
