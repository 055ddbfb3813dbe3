package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"keybind/handlers/request"
	"keybind/internal/apperr"
	"keybind/internal/auth"
	"keybind/internal/binding"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/selection"
	"keybind/internal/text"
)

// JobPlanner plans jobs from a fresh read of the cloud and creates them;
// *binding.Service provides it.
type JobPlanner interface {
	Plan(ctx context.Context, t binding.Target) (binding.Review, error)
	PlanRollback(ctx context.Context, parentID int64) (binding.Review, error)
	Existing(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error)
	Create(ctx context.Context, r binding.Request) (jobID int64, created bool, err error)
}

// JobsCreate creates binding, unbinding and rollback jobs.
type JobsCreate struct {
	plans JobPlanner
	jobs  JobReader
}

// NewJobsCreate builds POST /api/v1/jobs/bind, /jobs/unbind and /jobs/:id/rollback.
func NewJobsCreate(p JobPlanner, j JobReader) *JobsCreate { return &JobsCreate{plans: p, jobs: j} }

// IdempotencyKeyHeader carries the client's key for a job-creating POST.
const IdempotencyKeyHeader = "Idempotency-Key"

var apiIdempotencyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// apiPolicyRequest is the restart policy fields of a job request.
type apiPolicyRequest struct {
	After    string `json:"after"`
	Force    bool   `json:"force"`
	WaveSize *int   `json:"wave_size"`
	Reason   string `json:"reason"` // why, or a ticket; optional
}

// reason checks the reason into fields (the review page's rule) and
// returns it trimmed.
func (p apiPolicyRequest) reason(fields map[string]string) string {
	r, err := jobs.CleanReason(p.Reason)
	if err != nil {
		fields["reason"] = apperr.Words(err)
	}
	return r
}

// policy checks the fields into fields and returns the policy.
func (p apiPolicyRequest) policy(fields map[string]string) jobs.RestartPolicy {
	out := jobs.RestartPolicy{Force: p.Force, WaveSize: binding.DefaultWave}
	switch p.After {
	case "", "none":
	case "restart":
		out.AfterBind = true
	default:
		fields["after"] = `Either "none" (reboot or start later, yourself) or "restart" (reboot the Running instances and start the Stopped ones once bound).`
	}
	if p.WaveSize != nil {
		if n := *p.WaveSize; n < 1 || n > jobs.MaxWaveSize {
			fields["wave_size"] = fmt.Sprintf("A whole number from 1 to %d.", jobs.MaxWaveSize)
		} else {
			out.WaveSize = n
		}
	}
	return out
}

// apiWant is what a job request asks for, to compare a retried request
// with the job the first one made.
type apiWant struct {
	kind    jobs.Kind
	region  string
	keyPair string
	ids     []string // nil for a rollback
	parent  int64
	policy  jobs.RestartPolicy
	reason  string
	same    bool // include the instances that already have the key
}

// idempotencyKey reads the header and returns the key as the jobs table
// keeps it: per user and apart from the console's keys.
func idempotencyKey(c echo.Context) (string, error) {
	k := c.Request().Header.Get(IdempotencyKeyHeader)
	if !apiIdempotencyPattern.MatchString(k) {
		msg := "Required: a key you choose per job, such as a UUID, so that a retried request returns the same job."
		if k != "" {
			msg = "8 to 128 letters, digits, '.', '_', ':' or '-'."
		}
		e := apperr.New(http.StatusBadRequest, "idempotency_key_required", "Send an Idempotency-Key header with a key of your choice for this job.")
		e.Fields = map[string]string{IdempotencyKeyHeader: msg}
		return "", e
	}
	return "api:" + strconv.FormatInt(request.Get(c).User.ID, 10) + ":" + k, nil
}

// replay answers with the job an earlier request with the same key made, if
// there is one: 200 if it asked for the same, 422 if it asked for something
// else. handled is false when there is no such job.
func (h *JobsCreate) replay(c echo.Context, key string, want apiWant) (handled bool, err error) {
	id, found, err := h.plans.Existing(c.Request().Context(), request.Get(c).User.ID, key)
	if err != nil || !found {
		return false, err
	}
	j, err := apiReadJob(c, h.jobs, id)
	if err != nil {
		return true, err
	}
	if !sameRequest(j, want) {
		return true, apperr.New(http.StatusUnprocessableEntity, codeIdempotencyReused,
			fmt.Sprintf("This Idempotency-Key was used for job %d, which asked for something else. Use a new key for a new job.", id))
	}
	c.Response().Header().Set("Idempotent-Replayed", "true")
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/jobs/%d", id))
	return true, c.JSON(http.StatusOK, j)
}

func sameRequest(j apiJob, w apiWant) bool {
	after := "none"
	if w.policy.AfterBind {
		after = "restart"
	}
	parent := int64(0)
	if j.RollbackOf != nil {
		parent = *j.RollbackOf
	}
	if w.region != "" && j.Region != w.region { // a rollback's region is its parent's
		return false
	}
	if j.Kind != string(w.kind) || j.KeyPair != w.keyPair || parent != w.parent || j.Reason != w.reason ||
		j.Policy.After != after || j.Policy.Force != w.policy.Force || j.Policy.WaveSize != w.policy.WaveSize {
		return false
	}
	if w.ids == nil {
		return true
	}
	have := make([]string, len(j.Items))
	for i, it := range j.Items {
		have[i] = it.InstanceID
	}
	want := slices.Clone(w.ids)
	sort.Strings(have)
	sort.Strings(want)
	return slices.Equal(have, slices.Compact(want))
}

// create writes the job of a review and answers 201 with it (200 if a
// concurrent request with the same key won).
func (h *JobsCreate) create(c echo.Context, key string, want apiWant, rv binding.Review) error {
	id, created, err := h.plans.Create(c.Request().Context(), binding.Request{
		Review: rv, IdempotencyKey: key, Actor: request.JobActor(c, auth.ViaAPI), Policy: want.policy, Reason: want.reason,
	})
	var none *binding.NothingIncludedError
	if errors.As(err, &none) {
		return nothingIncluded(want.kind, none.Plan)
	}
	if err != nil {
		return err
	}
	if !created {
		if handled, err := h.replay(c, key, want); handled || err != nil {
			return err
		}
	}
	j, err := apiReadJob(c, h.jobs, id)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/jobs/%d", id))
	return c.JSON(http.StatusCreated, j)
}

// checkInstanceIDs validates a request's instance IDs into fields.
func checkInstanceIDs(ids []string, fields map[string]string) {
	if len(ids) == 0 {
		fields["instance_ids"] = "Required: at least one instance ID."
		return
	}
	if len(ids) > selection.Max {
		fields["instance_ids"] = fmt.Sprintf("At most %d instance IDs per job.", selection.Max)
		return
	}
	var bad []string
	for _, id := range ids {
		if !cloud.ValidInstanceID(id) {
			bad = append(bad, strconv.Quote(id))
		}
	}
	if len(bad) > 0 {
		fields["instance_ids"] = "Not instance IDs (i- followed by lowercase letters and digits): " + strings.Join(text.FirstFew(bad, 5), ", ") + "."
	}
}

// nothingIncluded words a plan that would send no call: for a rollback a
// conflict, for a bind or unbind an error on instance_ids.
func nothingIncluded(kind jobs.Kind, p jobs.Plan) error {
	if kind == jobs.KindRollback {
		return apperr.New(http.StatusConflict, codeNothingToDo, "No key of this job can be restored: "+excludedWords(p)+".")
	}
	verb := "bound"
	if kind == jobs.KindUnbind {
		verb = "unbound"
	}
	return apperr.Invalid("No instance can be "+verb+".", map[string]string{
		"instance_ids": "None of these instances can be " + verb + ": " + excludedWords(p) + ".",
	})
}

// excludedWords says why a plan leaves instances out: "2 windows (…); 1 not found any more".
func excludedWords(p jobs.Plan) string {
	var why []string
	for _, r := range jobs.ExcludeReasons {
		if n := p.Counts.ExcludedBy[r]; n > 0 {
			why = append(why, fmt.Sprintf("%d %s", n, strings.ToLower(r.Label())))
		}
	}
	if len(why) == 0 {
		return "nothing to change"
	}
	return strings.Join(why, "; ")
}
