// Package htmx is the one place for htmx's request and response headers.
package htmx

import "github.com/labstack/echo/v4"

// Header names of htmx.
const (
	Request  = "HX-Request"  // set by htmx on its requests
	Redirect = "HX-Redirect" // asks htmx to navigate to a URL
	Retarget = "HX-Retarget" // swaps the answer into another element
	Reswap   = "HX-Reswap"   // swaps it in another way
)

// Is reports whether htmx sent the request (a fragment is wanted).
func Is(c echo.Context) bool { return c.Request().Header.Get(Request) == "true" }

// Vary marks a response whose body depends on HX-Request, so caches keep
// the page and the fragment apart.
func Vary(c echo.Context) { c.Response().Header().Add("Vary", Request) }
