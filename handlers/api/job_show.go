package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/jobs"
)

// JobShow reads a job with its items.
type JobShow struct{ jobs JobReader }

// NewJobShow builds GET /api/v1/jobs/:id.
func NewJobShow(j JobReader) *JobShow { return &JobShow{jobs: j} }

// apiJob is a job with its items.
type apiJob struct {
	apiJobSummary
	Counts apiJobCounts `json:"counts"`
	Items  []apiJobItem `json:"items"`
}

// apiJobSummary is a job as the API shows it: the result grid's numbers and
// words (state_label, after and the counts are the grid's, built by the
// same code), next to the machine-readable states.
type apiJobSummary struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"` // bind, unbind, rollback
	Title      string  `json:"title"`
	Account    string  `json:"account"` // the cloud account it works in
	Region     string  `json:"region"`
	KeyPair    string  `json:"key_pair"` // "" for a rollback: items differ
	RollbackOf *int64  `json:"rollback_of"`
	CreatedBy  string  `json:"created_by"`
	CreatedVia string  `json:"created_via"`
	CreatedAt  string  `json:"created_at"`
	FinishedAt *string `json:"finished_at"`
	Reason     string  `json:"reason"` // why, or a ticket; may be ""
	// State is running, waiting-restarts, needs-attention, waiting-for-you
	// (keys bound, instances wait for a reboot or start nobody asked for
	// yet) or done (every key in effect or excluded).
	State       string    `json:"state"`
	StateLabel  string    `json:"state_label"`
	InMotion    bool      `json:"in_motion"`
	After       string    `json:"after"`
	Policy      apiPolicy `json:"policy"`
	Paused      *apiPause `json:"paused"`       // null unless paused
	CancelledAt *string   `json:"cancelled_at"` // null unless cancelled
	CancelledBy string    `json:"cancelled_by"`
}

type apiPolicy struct {
	After        string `json:"after"` // none | restart
	Force        bool   `json:"force"`
	WaveSize     int    `json:"wave_size"`  // the window: at most this many restarting at once
	Window       string `json:"window"`     // as asked: "10%" or "25"
	MaxErrors    string `json:"max_errors"` // failed restarts allowed, as asked: "0", "5" or "2%"
	ErrorBudget  int    `json:"error_budget"`
	StartWithOne bool   `json:"start_with_one"`
}

type apiPause struct {
	At     string `json:"at"`
	Reason string `json:"reason"` // errors | person
	By     string `json:"by"`
}

// apiListCounts are the counts of the jobs page.
type apiListCounts struct {
	Total      int `json:"total"`
	Bound      int `json:"bound"`
	Failed     int `json:"failed"`
	Excluded   int `json:"excluded"`
	Pending    int `json:"pending"`
	InEffect   int `json:"in_effect"`
	InMotion   int `json:"in_motion"`
	Decisions  int `json:"decisions"`
	Restarting int `json:"restarting"` // reboots and starts sent and not yet settled
	Queued     int `json:"queued"`     // restarts waiting for a place in the window
	Replaced   int `json:"replaced"`   // Running again with another key pair
	Cancelled  int `json:"cancelled"`
}

// apiJobCounts are the grid's counts, with what its bulk buttons would do.
type apiJobCounts struct {
	apiListCounts
	RebootReady int `json:"reboot_ready"`
	StartReady  int `json:"start_ready"`
	Retryable   int `json:"retryable"`
}

// apiJobItem is one instance of the job: its grid row, plus the states
// and the cloud's codes behind the words.
type apiJobItem struct {
	InstanceID     string `json:"instance_id"`
	Name           string `json:"name"`
	PreviousKey    string `json:"previous_key"`
	TargetKey      string `json:"target_key"`
	Action         string `json:"action"` // attach | detach | "" (excluded)
	Result         string `json:"result"` // the grid's words: Bound, Failed, Excluded, Waiting …
	ResultDetail   string `json:"result_detail"`
	KeyState       string `json:"key_state"` // excluded | pending | attempting | applied | done | failed
	KeyCode        string `json:"key_code"`
	KeyMessage     string `json:"key_message"`
	KeyRequestID   string `json:"key_request_id"`
	ExcludedReason string `json:"excluded_reason"`
	Restart        string `json:"restart"`       // the grid's words: Needs reboot, Rebooting, Running — key in effect …
	Waiting        string `json:"waiting"`       // why it waits to be tried again (the cloud refused or failed a call), with the attempts and the next try; "" if it does not
	RestartState   string `json:"restart_state"` // needs-reboot, in-progress, key-in-effect …
	RestartOp      string `json:"restart_op"`    // reboot | start | ""
	RestartCode    string `json:"restart_code"`
	RestartMessage string `json:"restart_message"`
	LastStatus     string `json:"last_status"`
	CanReboot      bool   `json:"can_reboot"`
	CanStart       bool   `json:"can_start"`
	NeedsDecision  bool   `json:"needs_decision"`
}

// JobReader reads jobs from the database (never from the cloud); *jobs.Engine provides it.
type JobReader interface {
	Job(ctx context.Context, id int64) (jobs.Job, error)
	Items(ctx context.Context, id int64) ([]jobs.Item, error)
}

// Show answers the job and every item.
func (h *JobShow) Show(c echo.Context) error {
	id, err := request.JobID(c)
	if err != nil {
		return err
	}
	j, err := apiReadJob(c, h.jobs, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, j)
}

func apiReadJob(c echo.Context, r JobReader, id int64) (apiJob, error) {
	ctx := c.Request().Context()
	j, err := r.Job(ctx, id)
	if err != nil {
		return apiJob{}, err
	}
	items, err := r.Items(ctx, id)
	if err != nil {
		return apiJob{}, err
	}
	return toAPIJob(j, items), nil
}

// toAPIJob maps a job and its items: the grid's words and counts (the
// same jobs.ItemView the grid renders) next to the states behind them.
func toAPIJob(j jobs.Job, items []jobs.Item) apiJob {
	ready := jobs.ReadyOf(items)
	out := apiJob{apiJobSummary: toAPIJobSummary(j),
		Counts: apiJobCounts{apiListCounts: toAPIListCounts(j.Counts), RebootReady: ready.Reboot, StartReady: ready.Start, Retryable: ready.Retryable}}
	out.Items = make([]apiJobItem, 0, len(items))
	for _, it := range items {
		v := it.View()
		out.Items = append(out.Items, apiJobItem{InstanceID: it.InstanceID, Name: it.Name, PreviousKey: it.PreviousKey,
			TargetKey: it.ExpectKey, Action: string(it.Action), Result: v.Result, ResultDetail: v.ResultDetail,
			KeyState: string(it.Key), KeyCode: it.KeyCode, KeyMessage: it.KeyMessage, KeyRequestID: it.KeyRequestID,
			ExcludedReason: string(it.ExcludeReason), Restart: it.RestartWords(), Waiting: it.RetryWords(), RestartState: string(it.Restart),
			RestartOp: string(it.Op), RestartCode: it.RestartCode, RestartMessage: it.RestartMessage,
			LastStatus: string(it.LastStatus), CanReboot: v.CanReboot, CanStart: v.CanStart, NeedsDecision: v.NeedsDecision})
	}
	return out
}

// toAPIJobSummary maps the job's header, in the grid's words.
func toAPIJobSummary(j jobs.Job) apiJobSummary {
	out := apiJobSummary{ID: j.ID, Kind: string(j.Kind), Title: j.Title(), Account: j.Account, Region: j.Region, KeyPair: j.KeyPair,
		CreatedBy: j.CreatedBy.Username, CreatedVia: j.CreatedBy.Via, CreatedAt: *apiTime(j.CreatedAt), FinishedAt: apiTime(j.FinishedAt), Reason: j.Reason,
		State: string(j.State), StateLabel: j.StateWords(), InMotion: j.InMotion(), After: j.AfterWords(),
		Policy: apiPolicy{After: "none", Force: j.Policy.Force, WaveSize: j.Policy.WaveSize, Window: j.Policy.Window,
			MaxErrors: j.Policy.MaxErrorsSpec, ErrorBudget: j.Policy.MaxErrors, StartWithOne: j.Policy.StartWithOne},
		CancelledAt: apiTime(j.CancelledAt), CancelledBy: j.CancelledBy}
	if !j.Paused.At.IsZero() {
		out.Paused = &apiPause{At: *apiTime(j.Paused.At), Reason: j.Paused.Reason, By: j.Paused.By}
	}
	if j.ParentID != 0 {
		parent := j.ParentID
		out.RollbackOf = &parent
	}
	if j.Policy.AfterBind {
		out.Policy.After = "restart"
	}
	if j.State == jobs.StateDone && j.WaitingForPeople() > 0 {
		out.State = "waiting-for-you"
	}
	return out
}

func toAPIListCounts(c jobs.Counts) apiListCounts {
	return apiListCounts{Total: c.Total, Bound: c.Bound, Failed: c.Failed(), Excluded: c.Excluded, Pending: c.KeyPending,
		InEffect: c.KeyInEffect, InMotion: c.InMotion, Decisions: c.NeedsDecision, Restarting: c.Restarting, Queued: c.Queued,
		Replaced: c.KeyReplaced, Cancelled: c.Cancelled}
}
