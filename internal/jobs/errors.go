package jobs

import "keybind/internal/fault"

// Errors of the engine and its readers: kinds and codes, recognised with
// errors.Is; the pages and the API word them.
var (
	ErrJobNotFound         = fault.New(fault.KindNotFound, "job_not_found")
	ErrItemNotFound        = fault.New(fault.KindNotFound, "job_item_not_found")
	ErrIdempotencyKeyInUse = fault.New(fault.KindConflict, "idempotency_key_in_use") // another user's job has the key
	ErrNothingToDo         = fault.New(fault.KindConflict, "nothing_to_do")          // no item can be changed that way now
	ErrBadRequest          = fault.New(fault.KindInvalid, "bad_job_request")         // an unknown action, decision or missing key
	ErrEmptyJob            = fault.New(fault.KindInvalid, "empty_job")               // a plan in which every instance is excluded
	ErrJobCancelled        = fault.New(fault.KindConflict, "job_cancelled")          // nothing more can be asked of a cancelled job
	ErrJobFinished         = fault.New(fault.KindConflict, "job_finished")           // nothing is left to pause or cancel
	ErrNotPaused           = fault.New(fault.KindConflict, "job_not_paused")
	ErrAlreadyPaused       = fault.New(fault.KindConflict, "job_already_paused")
)
