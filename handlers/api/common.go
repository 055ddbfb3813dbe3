// Package api is the JSON API for automation, /api/v1: thin adapters over
// the same domain services as the pages — the same permissions, validation,
// plans and engine calls — speaking JSON. Errors are *apperr.Error or domain
// errors; the web layer's error handler renders them as {code, message,
// request_id, fields} for /api/ paths. It imports nothing from views.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"keybind/internal/apperr"
)

// Codes of API errors that the console's errors do not already have.
const (
	codeNothingToDo       = "nothing_to_do"
	codeIdempotencyReused = "idempotency_key_reused"
	codeUnsupportedType   = "unsupported_media_type"
	codeBadJSON           = "bad_json"
)

// decodeJSON reads the request body, which must be one JSON object with
// Content-Type application/json, into v (a pointer to a struct). A field v
// does not declare is refused by name, as is a value of the wrong type.
func decodeJSON(c echo.Context, v any) error { return decodeBody(c, v, false) }

// decodeOptionalJSON is decodeJSON for a body that may be left out: an
// empty body leaves v as it is.
func decodeOptionalJSON(c echo.Context, v any) error { return decodeBody(c, v, true) }

func decodeBody(c echo.Context, v any, optional bool) error {
	r := c.Request()
	if optional && r.ContentLength == 0 {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return apperr.New(http.StatusUnsupportedMediaType, codeUnsupportedType, "Send the body as JSON, with Content-Type: application/json.")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit's 413
		}
		return apperr.BadRequest("The request body could not be read.").Wrap(err)
	}
	if optional && len(body) == 0 {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := strictDecode(body, &raw); err != nil || raw == nil {
		return apperr.New(http.StatusBadRequest, codeBadJSON, "The body must be one JSON object.").Wrap(err)
	}
	known := jsonFieldNames(v)
	fields := map[string]string{}
	for k := range raw {
		if !known[k] {
			fields[k] = "This field is not part of the request."
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("The request has fields this operation does not take.", fields)
	}
	if err := strictDecode(body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			// Field is a dotted path that may start with an embedded struct's name.
			name := te.Field[strings.LastIndex(te.Field, ".")+1:]
			return apperr.Invalid("A field has the wrong type.", map[string]string{name: mustBe(te.Type)})
		}
		return apperr.New(http.StatusBadRequest, codeBadJSON, "The body must be one JSON object.").Wrap(err)
	}
	return nil
}

// strictDecode decodes exactly one JSON value from b.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON value")
	}
	return nil
}

// jsonFieldNames lists the JSON names of a struct's fields, embedded
// structs' included.
func jsonFieldNames(v any) map[string]bool {
	out := map[string]bool{}
	addJSONFields(reflect.TypeOf(v), out)
	return out
}

func addJSONFields(t reflect.Type, out map[string]bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "" && f.Anonymous:
			addJSONFields(f.Type, out)
		case name != "" && name != "-":
			out[name] = true
		}
	}
}

// mustBe words the JSON type a client must send for a Go type.
func mustBe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "Must be true or false."
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "Must be a whole number."
	case reflect.String:
		return "Must be a string."
	case reflect.Slice, reflect.Array:
		return "Must be an array."
	case reflect.Pointer:
		return mustBe(t.Elem())
	}
	return "Must be an object."
}

// apiPaging reads page (default 1) and page_size (default def, 1..most);
// a bad value is refused naming the parameter.
func apiPaging(c echo.Context, def, most int) (page, size int, err error) {
	fields := map[string]string{}
	page, size = 1, def
	if s := c.QueryParam("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			fields["page"] = "A page number is a whole number from 1 to 100000."
		}
		page = n
	}
	if s := c.QueryParam("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > most {
			fields["page_size"] = fmt.Sprintf("A page size is a whole number from 1 to %d.", most)
		}
		size = n
	}
	if len(fields) > 0 {
		return 0, 0, apperr.Invalid("Check the paging parameters.", fields)
	}
	return page, size, nil
}

// apiTime formats a time for JSON (RFC 3339, UTC), or nil when unknown.
func apiTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

// onlyQuery refuses query parameters other than the ones listed, naming them.
func onlyQuery(c echo.Context, allowed ...string) error {
	ok := map[string]bool{}
	for _, a := range allowed {
		ok[a] = true
	}
	var bad []string
	for k := range c.QueryParams() {
		if !ok[k] {
			bad = append(bad, k)
		}
	}
	if len(bad) == 0 {
		return nil
	}
	sort.Strings(bad)
	fields := map[string]string{}
	for _, k := range bad {
		fields[k] = "This parameter is not part of the request."
	}
	return apperr.Invalid("The request has parameters this operation does not take.", fields)
}
