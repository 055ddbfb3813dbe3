// Package apperr is the console's user-facing error: an HTTP status, a stable
// code and a message that is safe to show. Handlers return it; the web
// layer's error handler renders it. Internal causes are kept for the log only.
package apperr

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Error is an error that knows how it should be shown to a user.
type Error struct {
	Status  int               // HTTP status
	Code    string            // stable machine-readable code, e.g. "invalid_input"
	Message string            // plain-language message, safe to show
	Fields  map[string]string // per-field validation messages
	Err     error             // cause, logged but never shown
	// ID and Args name the message in the catalogue (internal/i18n) when
	// Message has placeholders filled in; the edge shows it in the
	// person's language. Without an ID, the edge finds Message's own words
	// in the catalogue.
	ID   string
	Args []any
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New builds an Error.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Wrap attaches a cause that is logged but not shown.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// BadRequest is a 400 for input that cannot be understood.
func BadRequest(message string) *Error { return New(http.StatusBadRequest, "bad_request", message) }

// Invalid is a 422 naming the fields that failed validation.
func Invalid(message string, fields map[string]string) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: "invalid_input", Message: message, Fields: fields}
}

// NotFound is a 404.
func NotFound(what string) *Error {
	return New(http.StatusNotFound, "not_found", what+" was not found.")
}

// Forbidden is a 403.
func Forbidden(message string) *Error { return New(http.StatusForbidden, "forbidden", message) }

// Conflict is a 409.
func Conflict(message string) *Error { return New(http.StatusConflict, "conflict", message) }

// Unavailable is a 503 for a dependency (the cloud) that is not answering.
func Unavailable(message string) *Error {
	return New(http.StatusServiceUnavailable, "unavailable", message)
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// userMessager is implemented by errors (the cloud gateway's) that carry a
// plain-language message.
type userMessager interface{ UserMessage() string }

// FromCloud maps a failed cloud call (an error with a plain-language
// message) to a 502 that shows that message.
func FromCloud(err error) (*Error, bool) {
	var um userMessager
	if !errors.As(err, &um) {
		return nil, false
	}
	return New(http.StatusBadGateway, "cloud_error", um.UserMessage()).Wrap(err), true
}

// CloudMessage is the plain-language text for a failed cloud call.
func CloudMessage(err error) string {
	var um userMessager
	if errors.As(err, &um) {
		return um.UserMessage()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "The cloud did not answer in time. Try again in a moment."
	}
	return "The cloud could not be reached. Try again in a moment."
}
