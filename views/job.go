package views

import (
	"fmt"
	"strconv"

	"github.com/a-h/templ"

	"keybind/internal/text"
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
	Account            string // the cloud account it works in
	Region, Key        string
	CreatedBy, Created string
	Reason             string // why, in the person's words; may be ""
	State              string // in words
	StateTone          components.Tone
	After              string // what happens after binding, in words
	HeldUp             string // why the job is held up, in words; "" when it is not
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
	Unchanged     bool   // nothing is sent to it: its key stays as it is
	Result        string // bound, failed, excluded, pending …
	ResultTone    components.Tone
	ResultDetail  string // code and plain-language message
	Waiting       string // why it waits to be tried again, with attempts and next try
	Restart       string // restart state in words
	RestartTone   components.Tone
	CanReboot     bool
	CanStart      bool
	NeedsDecision bool
}

// GridCard is a summary card: a count that is also the grid's filter.
type GridCard struct {
	Group  string // "" for all
	Label  string
	N      int
	URL    string
	Active bool
	Tone   components.Tone // "" for plain; bad or warn when it holds what needs people
}

// Option is one choice of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// JobGridData is the result grid: the summary and its filters, one page of
// rows, and what its poll asks for. Fragments of it carry no CSRF token
// (htmx sends the page's token in a header), so they can be compressed
// without a BREACH-style leak; only the whole page fills CSRF, for the
// forms to work without JavaScript.
type JobGridData struct {
	Job      JobSummary
	Rows     []JobRow
	InMotion bool
	Cards    []GridCard
	Group    string // the active filter
	Search   string
	Sorts    []Option
	Sizes    []Option
	Matching int // rows that match the filter and the search
	Pager    components.PagerProps
	PollURL  string // the changes since this page was read
	Rev      int64  // the job's revision this page shows
	Announce string // the counts in one sentence, for the live region
	CSRF     string // only when the grid is part of the whole page
}

// JobGridChanges is what a poll sends when the job changed: the summary,
// and either the rows that changed on the page or, when the page's rows
// are other rows now, the whole page of rows.
type JobGridChanges struct {
	Grid        JobGridData
	Changed     []JobRow
	PageChanged bool
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

// GridRefresh is the event that makes the grid poll at once (after an
// action on it).
const GridRefresh = "grid-refresh"

// pollTrigger polls every 2 s while anything is in motion, and at once
// after an action.
func pollTrigger(inMotion bool) string {
	if inMotion {
		return "every 2s, " + GridRefresh + " from:body"
	}
	return GridRefresh + " from:body"
}

// oob marks an element for an out-of-band swap when on is set.
func oob(on bool) templ.Attributes {
	if on {
		return templ.Attributes{"hx-swap-oob": "true"}
	}
	return templ.Attributes{}
}

// ariaDisabled marks a button that has nothing to act on: it stays
// focusable (keyboard focus is not lost when a poll empties it), and the
// server answers that there is nothing to do.
func ariaDisabled(off bool) templ.Attributes {
	if off {
		return templ.Attributes{"aria-disabled": "true"}
	}
	return templ.Attributes{}
}

// actID is the id of the focusable element in a row's action cell: the
// same whichever button (or none) the row shows, so focus stays in the row
// when a poll or an action changes it.
func actID(id string) string { return "act-" + id }

// cardTestID keeps the test IDs the grid's counts have always had.
func cardTestID(group string) string {
	if group == "" {
		return "count-all"
	}
	return "count-" + group
}

// readyWords is what a bulk button acts on: "all 174 bound Running
// instances", "1 bound Running instance".
func readyWords(n int, one, many string) string {
	if n > 1 {
		return "all " + text.Plural(n, one, many)
	}
	return text.Plural(n, one, many)
}

func currentIf(on bool) string {
	if on {
		return "true"
	}
	return "false"
}
