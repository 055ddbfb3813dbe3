// Package handlers holds the console's pages: one file per page or action,
// each a thin adapter that parses the request, calls a domain service and
// renders a templ view. Each handler gets its dependencies through a
// constructor and declares the small interface it consumes next to itself.
// The JSON API is in handlers/api, over the same services.
package handlers
