// Package htmx is the one place for htmx's request and response headers.
package htmx

import "github.com/labstack/echo/v4"

// Header names of htmx.
const (
	Request  = "HX-Request"  // set by htmx on its requests
	Redirect = "HX-Redirect" // asks htmx to navigate to a URL
	Retarget = "HX-Retarget" // swaps the answer into another element
	Reswap   = "HX-Reswap"   // swaps it in another way
	Target   = "HX-Target"   // the id of the element a request's answer is swapped into
	Trigger  = "HX-Trigger"  // answer header: events htmx fires on the page
	Restore  = "HX-History-Restore-Request"
)

// Targets reports whether htmx sent the request to swap its answer into
// the element with this id (and is not restoring history, which wants the
// whole page).
func Targets(c echo.Context, id string) bool {
	h := c.Request().Header
	return Is(c) && h.Get(Target) == id && h.Get(Restore) != "true"
}

// Fire asks htmx to fire the named event on the page's body.
func Fire(c echo.Context, event string) { c.Response().Header().Set(Trigger, event) }

// Is reports whether htmx sent the request (a fragment is wanted).
func Is(c echo.Context) bool { return c.Request().Header.Get(Request) == "true" }

// Vary marks a response whose body depends on HX-Request, so caches keep
// the page and the fragment apart.
func Vary(c echo.Context) { c.Response().Header().Add("Vary", Request+", "+Target) }
