package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"keybind/handlers/htmx"
	"keybind/handlers/request"
	"keybind/internal/auth"
	"keybind/views"
)

// render writes a component through echo's renderer, which buffers the whole
// output first, so a failing component never leaves half a page.
func render(c echo.Context, status int, component templ.Component) error {
	if w, ok := c.Echo().Renderer.(PageWriter); ok {
		return w.WritePage(c, status, component)
	}
	return c.Render(status, "", component)
}

// PageWriter is a renderer that also sends what it rendered itself, sparing
// echo's copy of the page (web's renderer is one).
type PageWriter interface {
	WritePage(c echo.Context, status int, component templ.Component) error
}

// page builds the layout's view model and consumes the flash messages.
func page(c echo.Context, title, nav string) views.Page {
	p := Frame(c, title, nav)
	p.Flashes = takeFlashes(c)
	return p
}

// Frame builds the layout's view model from the request state alone,
// without touching the session: the error pages use it (the session itself
// may be what failed).
func Frame(c echo.Context, title, nav string) views.Page {
	st := request.Get(c)
	p := views.Page{Title: title, Nav: nav, Sandbox: st.Sandbox, SandboxControls: st.Controls, CSRFToken: st.CSRFToken,
		CloudAccount: st.Account, Path: "/"}
	if r := c.Request(); r.Method == http.MethodGet {
		p.Path = safeNext(r.URL.RequestURI())
	}
	if u := st.User; u != nil {
		p.User = &views.User{Name: u.Name, Role: string(u.Role), IsAdmin: u.Role == auth.RoleAdmin}
	}
	return p
}

// redirect answers a POST with 303 See Other (PRG); for htmx requests it
// asks htmx to navigate instead.
func redirect(c echo.Context, url string) error {
	if htmx.Is(c) {
		c.Response().Header().Set(htmx.Redirect, url)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, url)
}
