package web

import (
	"context"
	"fmt"
	"io"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
)

// templRenderer renders templ components for echo. Echo's Context.Render
// hands it a buffer and writes the response only when rendering succeeded,
// so a failing component never leaves half a page.
type templRenderer struct{}

func (templRenderer) Render(w io.Writer, _ string, data any, c echo.Context) error {
	component, ok := data.(templ.Component)
	if !ok {
		return fmt.Errorf("web: render: %T is not a templ component", data)
	}
	// Rendering is CPU work on data already read; error pages are rendered
	// after the request's timeout context was cancelled, so do not inherit it.
	ctx := templ.WithNonce(context.WithoutCancel(c.Request().Context()), nonce(c))
	return component.Render(ctx, w)
}
