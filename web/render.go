package web

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/i18n"
	"keybind/internal/text"
)

// templRenderer renders templ components for echo. Echo's Context.Render
// hands it a buffer and writes the response only when rendering succeeded,
// so a failing component never leaves half a page.
//
// Every page, htmx fragment and error page goes through here, so this is
// where control characters in text from the cloud or from people (an
// instance named "a\x1b[31mb") are made visible, as \u001b: templ escapes
// markup but passes them through. The templates themselves never contain
// such characters, so nothing else is changed.
type templRenderer struct{}

func (templRenderer) Render(w io.Writer, _ string, data any, c echo.Context) error {
	component, ok := data.(templ.Component)
	if !ok {
		return fmt.Errorf("web: render: %T is not a templ component", data)
	}
	// Rendering is CPU work on data already read; error pages are rendered
	// after the request's timeout context was cancelled, so do not inherit it.
	ctx := templ.WithNonce(context.WithoutCancel(c.Request().Context()), nonce(c))
	ctx = i18n.With(ctx, request.Loc(c))
	var buf bytes.Buffer
	if err := component.Render(ctx, &buf); err != nil {
		return err
	}
	_, err := w.Write(text.VisibleBytes(buf.Bytes()))
	return err
}
