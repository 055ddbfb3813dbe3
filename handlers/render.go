package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/views"
)

// render writes a component through echo's renderer, which buffers the whole
// output first, so a failing component never leaves half a page.
func render(c echo.Context, status int, component templ.Component) error {
	return c.Render(status, "", component)
}

// page builds the layout's view model and consumes the flash messages.
func page(c echo.Context, title, nav string) views.Page {
	st := request.Get(c)
	p := views.Page{Title: title, Nav: nav, Sandbox: st.Sandbox, SandboxControls: st.Controls, CSRFToken: st.CSRFToken}
	if u := st.User; u != nil {
		p.User = &views.User{Name: u.Name, Role: string(u.Role), IsAdmin: u.Role == "admin"}
	}
	p.Flashes = takeFlashes(c)
	return p
}

// redirect answers a POST with 303 See Other (PRG); for htmx requests it
// asks htmx to navigate instead.
func redirect(c echo.Context, url string) error {
	if isHTMX(c) {
		c.Response().Header().Set(hxRedirect, url)
		return c.NoContent(http.StatusNoContent)
	}
	return c.Redirect(http.StatusSeeOther, url)
}
