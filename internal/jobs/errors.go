package jobs

import (
	"keybind/internal/apperr"
)

// Errors returned to handlers; each is an *apperr.Error with a message safe to show, and can be
// recognised with errors.Is.
var (
	ErrJobNotFound         = apperr.NotFound("The job")
	ErrItemNotFound        = apperr.NotFound("The instance in this job")
	ErrIdempotencyKeyInUse = apperr.Conflict("This form was already submitted by someone else. Reload the page and review again.")
	ErrNothingToDo         = apperr.Conflict("None of the chosen instances can be changed that way now.")
	ErrBadRequest          = apperr.BadRequest("The request is not valid for this job.")
	ErrEmptyJob            = apperr.BadRequest("A job needs at least one instance.")
)
