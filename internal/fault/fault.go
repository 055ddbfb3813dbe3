// Package fault is how keybind's domain says what went wrong: a kind (the
// input breaks a rule, something is not there, the state does not allow it,
// a dependency is not answering), a stable code and the facts. It carries no
// HTTP status and no wording: the edge (the pages, the API) decides both.
package fault

import "errors"

// Kind is the sort of failure; the edge maps it to a status.
type Kind uint8

// Kinds of failure.
const (
	KindNone        Kind = iota
	KindInvalid          // the input breaks a rule
	KindNotFound         // what the input names does not exist
	KindConflict         // the current state does not allow it
	KindUnavailable      // a dependency (the cloud, the database) is not answering
	KindForbidden        // the actor may not do this (the refusal is audited where it is decided)
)

// Error is a domain failure of a kind, with a stable code (such as
// "job_not_found") and, for input errors, the field at fault.
type Error struct {
	Kind    Kind
	Code    string
	Field   string            // the input at fault, if one
	Fields  map[string]string // several inputs at fault: field → code of the rule it breaks
	Subject string            // what the error is about: a region ID, a key pair name
	Err     error             // cause, for the log
}

// Invalid returns an input failure naming, for each field at fault, the
// code of the rule it breaks; nil when fields is empty.
func Invalid(code string, fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Code: code, Fields: fields}
}

// New returns a failure of kind with code.
func New(kind Kind, code string) *Error { return &Error{Kind: kind, Code: code} }

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Err.Error()
	}
	return e.Code
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same code, so sentinels work with
// errors.Is even when a copy carries a field or a cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// FaultKind implements Kinded.
func (e *Error) FaultKind() Kind { return e.Kind }

// FaultCode implements Kinded.
func (e *Error) FaultCode() string { return e.Code }

// OnField returns a copy naming the input field at fault.
func (e *Error) OnField(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

// About returns a copy naming what the error is about.
func (e *Error) About(subject string) *Error {
	c := *e
	c.Subject = subject
	return &c
}

// Wrap returns a copy with a cause kept for the log.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// Kinded is implemented by every domain error: its kind and stable code.
type Kinded interface {
	FaultKind() Kind
	FaultCode() string
}

// KindOf returns the kind of the first domain error in err's chain, or
// KindNone.
func KindOf(err error) Kind {
	var k Kinded
	if errors.As(err, &k) {
		return k.FaultKind()
	}
	return KindNone
}
