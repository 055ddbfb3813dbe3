package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"

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

func (r templRenderer) Render(w io.Writer, _ string, data any, c echo.Context) error {
	component, ok := data.(templ.Component)
	if !ok {
		return fmt.Errorf("web: render: %T is not a templ component", data)
	}
	return r.render(c, component, func(out []byte) error {
		_, err := w.Write(out)
		return err
	})
}

// WritePage renders a page and sends it with status: Render without echo's
// own buffer (a page is otherwise copied once more on its way out).
func (r templRenderer) WritePage(c echo.Context, status int, component templ.Component) error {
	return r.render(c, component, func(out []byte) error {
		return c.HTMLBlob(status, out)
	})
}

// render renders component into a pooled buffer and hands send the page,
// its control characters made visible; send must be done with it on return.
func (templRenderer) render(c echo.Context, component templ.Component, send func([]byte) error) error {
	// Rendering is CPU work on data already read; error pages are rendered
	// after the request's timeout context was cancelled, so do not inherit it.
	ctx := templ.WithNonce(context.WithoutCancel(c.Request().Context()), nonce(c))
	ctx = i18n.With(ctx, request.Loc(c))
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := component.Render(ctx, buf); err != nil {
		return err
	}
	out := text.VisibleBytes(buf.Bytes())
	// The whole answer is known: say how long it is, so that it goes out
	// in one piece instead of chunked.
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(out)))
	return send(out)
}

// renderBuffers are the buffers pages are rendered into, kept for reuse: a
// page grown in a fresh buffer is copied about ten times on the way.
var renderBuffers = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 32<<10)) }}

// maxPooledBuffer is the largest buffer kept for reuse (a result grid of
// many rows is not kept).
const maxPooledBuffer = 256 << 10
