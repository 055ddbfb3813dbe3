package jobs

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"keybind/internal/fault"
)

// MaxReason bounds a job's reason, in characters.
const MaxReason = 200

// Errors of a reason.
var (
	ErrReasonTooLong = fault.New(fault.KindInvalid, "reason_too_long").OnField("reason")
	ErrReasonInvalid = fault.New(fault.KindInvalid, "reason_invalid").OnField("reason")
)

// CleanReason checks the reason (or ticket) a person gives for a job and
// returns it trimmed: optional, one line of at most MaxReason characters,
// no control characters. The review page and the API both use it.
func CleanReason(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return s, ErrReasonInvalid
	}
	if utf8.RuneCountInString(s) > MaxReason {
		return s, ErrReasonTooLong
	}
	return s, nil
}
