package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument describes /api/v1. It is written by hand, and
// TestAPIConformsToOpenAPI checks every operation in it against the real
// responses.
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns the API's OpenAPI 3 document.
func OpenAPIDocument() []byte { return openAPIDocument }

// OpenAPI serves the document to any valid token (no permission needed).
func OpenAPI(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, openAPIDocument)
}
