package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
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
	"keybind/internal/inventory"
	"keybind/internal/jobs"
	"keybind/internal/selection"
	"keybind/internal/sshkey"
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

// AccountUser checks that an actor may work in a cloud account (recording
// a refusal) and returns a context whose cloud calls work there;
// *accounts.Service provides it.
type AccountUser interface {
	Use(ctx context.Context, actor auth.Actor, name string) (context.Context, error)
}

// JobsCreate creates binding, unbinding and rollback jobs.
type JobsCreate struct {
	plans    JobPlanner
	jobs     JobReader
	accounts AccountUser
}

// NewJobsCreate builds POST /api/v1/jobs/bind, /jobs/unbind and /jobs/:id/rollback.
func NewJobsCreate(p JobPlanner, j JobReader, a AccountUser) *JobsCreate {
	return &JobsCreate{plans: p, jobs: j, accounts: a}
}

// IdempotencyKeyHeader carries the client's key for a job-creating POST.
const IdempotencyKeyHeader = "Idempotency-Key"

var apiIdempotencyPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// apiPolicyRequest is the restart policy fields of a job request.
type apiPolicyRequest struct {
	After        string      `json:"after"`
	Force        bool        `json:"force"`
	Window       amountField `json:"window"`     // "10%" or 25; default 10%
	MaxErrors    amountField `json:"max_errors"` // 0, 5 or "2%"; default 0
	StartWithOne *bool       `json:"start_with_one"`
	WaveSize     *int        `json:"wave_size"` // the window as a number (before windows had shares)
	Reason       string      `json:"reason"`    // why, or a ticket; optional
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

// amountField is a number or a share such as "10%", as a request gives it.
type amountField string

// UnmarshalJSON takes a JSON number or string.
func (a *amountField) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = amountField(s)
		return nil
	}
	var n int
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[string]()}
	}
	*a = amountField(strconv.Itoa(n))
	return nil
}

// rollout checks the fields into fields and returns the rollout asked for.
func (p apiPolicyRequest) rollout(fields map[string]string) binding.Rollout {
	out := binding.Rollout{Force: p.Force, Window: string(p.Window), MaxErrors: string(p.MaxErrors), StartWithOne: p.StartWithOne}
	switch p.After {
	case "", "none":
	case "restart":
		out.AfterBind = true
	default:
		fields["after"] = `Either "none" (reboot or start later, yourself) or "restart" (reboot the Running instances and start the Stopped ones once bound).`
	}
	if p.WaveSize != nil {
		switch n := *p.WaveSize; {
		case n < 1 || n > jobs.MaxWaveSize:
			fields["wave_size"] = fmt.Sprintf("A whole number from 1 to %d.", jobs.MaxWaveSize)
		case out.Window != "":
			fields["wave_size"] = "Give the window or the wave size, not both."
		default:
			out.Window = strconv.Itoa(n)
		}
	}
	if _, err := out.Policy(1); err != nil {
		rolloutField(err, fields)
	}
	return out
}

// rolloutField words a rollout that cannot be read.
func rolloutField(err error, fields map[string]string) bool {
	switch {
	case errors.Is(err, jobs.ErrWindowInvalid):
		fields["window"] = fmt.Sprintf("A number of instances from 1 to %d, or a share such as \"10%%\".", jobs.MaxWaveSize)
	case errors.Is(err, jobs.ErrMaxErrorsInvalid):
		fields["max_errors"] = "A number of failed restarts (0 or more), or a share such as \"2%\"."
	default:
		return false
	}
	return true
}

// apiWant is what a job request asks for, to compare a retried request
// with the job the first one made.
type apiWant struct {
	account string // "" for a rollback: its parent's
	kind    jobs.Kind
	region  string
	keyPair string
	ids     []string // nil for a rollback
	parent  int64
	rollout binding.Rollout
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
	if w.rollout.AfterBind {
		after = "restart"
	}
	window, maxErrors := cmp.Or(w.rollout.Window, jobs.DefaultWindow), cmp.Or(w.rollout.MaxErrors, jobs.DefaultMaxErrors)
	parent := int64(0)
	if j.RollbackOf != nil {
		parent = *j.RollbackOf
	}
	if w.account != "" && j.Account != w.account || w.region != "" && j.Region != w.region { // a rollback's are its parent's
		return false
	}
	if j.Kind != string(w.kind) || j.KeyPair != w.keyPair || parent != w.parent || j.Reason != w.reason ||
		j.Policy.After != after || j.Policy.Force != w.rollout.Force || j.Policy.Window != window || j.Policy.MaxErrors != maxErrors ||
		w.rollout.StartWithOne != nil && *w.rollout.StartWithOne != j.Policy.StartWithOne {
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
		Review: rv, IdempotencyKey: key, Actor: request.JobActor(c, auth.ViaAPI), Rollout: want.rollout, Reason: want.reason,
	})
	var none *binding.NothingIncludedError
	var overlap *jobs.OverlapError
	switch {
	case errors.As(err, &none):
		return nothingIncluded(want.kind, none.Plan)
	case errors.As(err, &overlap):
		return overlapping(overlap.Overlaps)
	case err != nil:
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

// overlapping refuses a job whose instances active jobs work on, naming them.
func overlapping(overlaps []jobs.Overlap) error {
	parts := make([]string, len(overlaps))
	for i, o := range overlaps {
		parts[i] = fmt.Sprintf("job %d (%s)", o.JobID, strings.Join(text.FirstFew(o.InstanceIDs, 5), ", "))
	}
	e := apperr.New(http.StatusConflict, "jobs_overlap",
		"Some of these instances are in a job that is still running: one instance is changed by one job at a time. Wait for it to end, or leave them out.")
	e.Fields = map[string]string{"instance_ids": "In active jobs: " + strings.Join(parts, "; ") + "."}
	return e
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

// apiTarget is what a bind or an unbind acts on.
type apiTarget struct {
	Account     string   `json:"account"` // the cloud account; default "default"
	Region      string   `json:"region"`
	KeyPair     string   `json:"key_pair"`
	InstanceIDs []string `json:"instance_ids"`
}

// check names the target's fields at fault; keyOK says whether the key
// pair's name may be used.
func (t apiTarget) check(keyOK bool) map[string]string {
	fields := map[string]string{}
	if !keyOK {
		fields["key_pair"] = "Required: the name of a key pair in the region."
	}
	checkInstanceIDs(t.InstanceIDs, fields)
	return fields
}

func (t apiTarget) target(kind jobs.Kind) binding.Target {
	return binding.Target{Kind: kind, Region: t.Region, KeyPair: t.KeyPair, InstanceIDs: t.InstanceIDs}
}

type apiBindRequest struct {
	apiTarget
	// Acknowledge must be true: binding disables password login on every
	// bound instance (the review page's checkbox).
	Acknowledge bool `json:"acknowledge"`
	// IncludeSameKey sends the key again to instances that already have it
	// (the review page's box); by default they are left out.
	IncludeSameKey bool `json:"include_same_key"`
	apiPolicyRequest
}

// Bind plans the binding from a fresh read of the cloud, as the review page
// does, and writes the job. A retried request with the same Idempotency-Key
// answers the same job.
func (h *JobsCreate) Bind(c echo.Context) error {
	var req apiBindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := req.check(sshkey.ValidName(req.KeyPair) == nil)
	if !req.Acknowledge {
		fields["acknowledge"] = "Set to true to confirm that binding disables password login on every bound instance."
	}
	want := apiWant{account: req.Account, rollout: req.rollout(fields), reason: req.reason(fields), same: req.IncludeSameKey}
	return h.plan(c, req.target(jobs.KindBind), want, fields)
}

type apiUnbindRequest struct {
	apiTarget
	apiPolicyRequest
}

// Unbind plans detaching the key pair from the instances that have it and
// writes the job; password login returns on them after a restart.
func (h *JobsCreate) Unbind(c echo.Context) error {
	var req apiUnbindRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	fields := req.check(sshkey.ValidExistingName(req.KeyPair))
	want := apiWant{account: req.Account, rollout: req.rollout(fields), reason: req.reason(fields)}
	return h.plan(c, req.target(jobs.KindUnbind), want, fields)
}

// plan plans the target from a fresh read of the cloud and creates its
// job; want carries the request's rollout, reason and choices.
func (h *JobsCreate) plan(c echo.Context, t binding.Target, want apiWant, fields map[string]string) error {
	idem, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	want.kind, want.region, want.keyPair, want.ids = t.Kind, t.Region, t.KeyPair, t.InstanceIDs
	want.account = cmp.Or(want.account, cloud.DefaultAccount)
	// The plan reads the cloud in the account, if the person may use it
	// (a refusal is audited).
	actx, err := h.accounts.Use(c.Request().Context(), request.Actor(c, auth.ViaAPI), want.account)
	if err != nil {
		return err
	}
	c.SetRequest(c.Request().WithContext(actx))
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	if len(fields) > 0 {
		if !inventory.ValidRegionID(t.Region) {
			if e, ok := apperr.As(regionField(c, "region", t.Region, inventory.ErrRegionIDInvalid)); ok {
				fields["region"] = e.Fields["region"]
			}
		}
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	rv, err := h.plans.Plan(c.Request().Context(), t)
	switch {
	case errors.Is(err, inventory.ErrRegionIDInvalid), errors.Is(err, inventory.ErrRegionNotFound):
		return regionField(c, "region", t.Region, err)
	case errors.Is(err, binding.ErrKeyPairNotFound):
		return apperr.Invalid("Check the key pair.", map[string]string{"key_pair": request.T(c, "api4.no_key_pair", "Key", t.KeyPair, "Region", t.Region)})
	case err != nil:
		return err
	}
	if want.same {
		rv.Plan = rv.Plan.IncludeSame()
	}
	return h.create(c, idem, want, rv)
}

// Rollback plans putting back every bound item's previous key from a fresh
// read of the cloud (items whose key changed since are left out) and writes
// the job. The body (the restart policy) may be empty.
func (h *JobsCreate) Rollback(c echo.Context) error {
	var req apiPolicyRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		return err
	}
	fields := map[string]string{}
	rollout, reason := req.rollout(fields), req.reason(fields)
	parent, err := request.JobID(c)
	if err != nil {
		return err
	}
	idem, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	want := apiWant{kind: jobs.KindRollback, parent: parent, rollout: rollout, reason: reason}
	if handled, err := h.replay(c, idem, want); handled || err != nil {
		return err
	}
	if len(fields) > 0 {
		return apperr.Invalid("The job was not created: check the fields.", fields)
	}
	rv, err := h.plans.PlanRollback(c.Request().Context(), parent)
	if err != nil {
		return err
	}
	want.region = rv.Region.ID
	return h.create(c, idem, want, rv)
}
