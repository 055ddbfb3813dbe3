package views

import (
	"fmt"
	"strconv"

	"keybind/views/components"
)

// JobCounts are the numbers at the top of the result grid.
type JobCounts struct {
	Total, Bound, Failed, Excluded, Pending, InEffect, InMotion int
	RebootReady, StartReady, Retryable, Decisions               int
}

// JobSummary describes a job.
type JobSummary struct {
	ID                 int64
	Kind               string // bind, unbind, rollback
	Title              string // e.g. "Bind ops-2025"
	Region, Key        string
	CreatedBy, Created string
	State              string // in words
	StateTone          components.Tone
	After              string // what happens after binding, in words
	Counts             JobCounts
	CanRollback        bool
	RollbackOf         int64
	CanPause           bool // the engine has work for the job and it is not paused
	CanResume          bool // paused
	CanCancel          bool // the engine has work for the job and it is not cancelled
}

// JobRow is one instance in the result grid.
type JobRow struct {
	ID, Name      string
	PrevKey       string
	TargetKey     string
	Result        string // bound, failed, excluded, pending …
	ResultTone    components.Tone
	ResultDetail  string // code and plain-language message
	Restart       string // restart state in words
	RestartTone   components.Tone
	CanReboot     bool
	CanStart      bool
	NeedsDecision bool
}

// JobGridData is the self-refreshing part of the job page. It carries no
// CSRF token (htmx sends the page's token in a header), so the fragment can
// be compressed without a BREACH-style leak.
type JobGridData struct {
	Job      JobSummary
	Rows     []JobRow
	InMotion bool
}

// JobPage is the result grid of one job.
type JobPage struct {
	Page
	Grid JobGridData
}

func (j JobSummary) url(suffix string) string {
	return "/jobs/" + strconv.FormatInt(j.ID, 10) + suffix
}

func itemURL(jobID int64, instanceID, action string) string {
	return fmt.Sprintf("/jobs/%d/items/%s/%s", jobID, instanceID, action)
}

// progressDone is how many items reached a final bind outcome.
func (c JobCounts) progressDone() int { return c.Bound + c.Failed + c.Excluded }

// BackgroundHeader marks requests the page makes on its own (the grid's
// polling): the server does not count them as user activity, so an
// unattended page does not hold off the session's idle timeout.
const BackgroundHeader = "X-Keybind-Background"

var backgroundHeaders = `{"` + BackgroundHeader + `":"poll"}`
