// Package binding holds the use-cases of the binding flow: check what a job
// is asked for, plan a bind, unbind or rollback from a fresh read of the
// cloud (what the review shows), and create the job from the plan. The
// pages and the API are adapters over the same Service.
package binding

import (
	"context"
	"errors"

	"keybind/internal/cloud"
	"keybind/internal/fault"
	"keybind/internal/jobs"
	"keybind/internal/sshkey"
)

// Regions finds a region by ID; *inventory.Regions provides it.
type Regions interface {
	Region(ctx context.Context, id string) (cloud.Region, error)
}

// Cloud is the part of the gateway the plans read; *cloud.Gateway provides it.
type Cloud interface {
	KeyPair(ctx context.Context, region, name string) (cloud.KeyPair, error)
	InstancesByID(ctx context.Context, region string, ids []string) (found []cloud.Instance, missing []string, err error)
}

// Jobs creates jobs and reads them back; *jobs.Engine provides it.
type Jobs interface {
	Create(ctx context.Context, r jobs.CreateRequest) (jobID int64, created bool, err error)
	JobByIdempotencyKey(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error)
	Job(ctx context.Context, id int64) (jobs.Job, error)
	Items(ctx context.Context, id int64) ([]jobs.Item, error)
	Overlaps(ctx context.Context, region string, ids []string) ([]jobs.Overlap, error)
}

// Errors of planning and creating a job.
var (
	ErrKeyPairNameInvalid = fault.New(fault.KindInvalid, "key_pair_name_invalid")
	ErrKeyPairNotFound    = fault.New(fault.KindNotFound, "key_pair_not_found")
	ErrNothingSelected    = fault.New(fault.KindConflict, "nothing_selected")
	ErrJobInMotion        = fault.New(fault.KindConflict, "job_in_motion")
	ErrNothingToRestore   = fault.New(fault.KindConflict, "nothing_to_restore")
	// ErrOtherAccount: the calls were to work in another cloud account than the job's.
	ErrOtherAccount = fault.New(fault.KindConflict, "job_other_account")
)

// NothingIncludedError refuses a job in which no instance would be changed;
// Plan says why each one is left out.
type NothingIncludedError struct{ Plan jobs.Plan }

func (e *NothingIncludedError) Error() string { return "binding: no instance can be changed" }

// FaultKind implements fault.Kinded.
func (e *NothingIncludedError) FaultKind() fault.Kind { return fault.KindInvalid }

// FaultCode implements fault.Kinded.
func (e *NothingIncludedError) FaultCode() string { return "nothing_included" }

// Service plans and creates binding, unbinding and rollback jobs.
type Service struct {
	regions Regions
	cloud   Cloud
	jobs    Jobs
}

// New builds the service.
func New(r Regions, c Cloud, j Jobs) *Service { return &Service{regions: r, cloud: c, jobs: j} }

// Target is what a bind or unbind job is asked for.
type Target struct {
	Kind        jobs.Kind // jobs.KindBind or jobs.KindUnbind
	Region      string
	KeyPair     string
	InstanceIDs []string
}

// Review is a plan and the region it is in: what the review page shows and
// what Create writes. Parent is the job a rollback restores; Overlaps are the
// active jobs that already work on some of the instances (the job would be
// refused until they end).
type Review struct {
	Region   cloud.Region
	Plan     jobs.Plan
	Parent   *jobs.Job
	Overlaps []jobs.Overlap
}

// Check reads the region and checks the key pair of a target: a bind needs
// a name that follows ECS's rules today, an unbind only a plausible name of
// an existing key; either way the key pair must exist in the region.
func (s *Service) Check(ctx context.Context, kind jobs.Kind, regionID, key string) (cloud.Region, error) {
	region, err := s.regions.Region(ctx, regionID)
	if err != nil {
		return region, err
	}
	if kind == jobs.KindUnbind && !sshkey.ValidExistingName(key) || kind != jobs.KindUnbind && sshkey.ValidName(key) != nil {
		return region, ErrKeyPairNameInvalid
	}
	if _, err := s.cloud.KeyPair(ctx, region.ID, key); err != nil {
		var ce *cloud.Error
		if errors.As(err, &ce) && ce.Kind == cloud.KindNotFound {
			return region, ErrKeyPairNotFound.About(key + " in " + region.ID)
		}
		return region, err
	}
	return region, nil
}

// Plan classifies the target's instances from a fresh read of the cloud.
func (s *Service) Plan(ctx context.Context, t Target) (Review, error) {
	region, err := s.Check(ctx, t.Kind, t.Region, t.KeyPair)
	if err != nil {
		return Review{Region: region}, err
	}
	if len(t.InstanceIDs) == 0 {
		return Review{Region: region}, ErrNothingSelected
	}
	found, _, err := s.cloud.InstancesByID(ctx, region.ID, t.InstanceIDs)
	if err != nil {
		return Review{Region: region}, err
	}
	rv := Review{Region: region, Plan: jobs.PlanBind(region.ID, t.KeyPair, t.InstanceIDs, found)}
	if t.Kind == jobs.KindUnbind {
		rv.Plan = jobs.PlanUnbind(region.ID, t.KeyPair, t.InstanceIDs, found)
	}
	rv.Plan.Account = cloud.AccountOf(ctx)
	rv.Overlaps, err = s.jobs.Overlaps(ctx, region.ID, rv.Plan.IncludedIDs())
	return rv, err
}

// PlanRollback plans putting back, on every instance a finished job bound,
// the key it had before, from a fresh read of the cloud; instances whose key
// changed since are left out.
func (s *Service) PlanRollback(ctx context.Context, parentID int64) (Review, error) {
	j, err := s.jobs.Job(ctx, parentID)
	if err != nil {
		return Review{}, err
	}
	rv := Review{Parent: &j}
	if j.InMotion() {
		return rv, ErrJobInMotion
	}
	if cloud.AccountOf(ctx) != j.Account {
		return rv, ErrOtherAccount.About(j.Account)
	}
	if rv.Region, err = s.regions.Region(ctx, j.Region); err != nil {
		return rv, err
	}
	items, err := s.jobs.Items(ctx, parentID)
	if err != nil {
		return rv, err
	}
	var ids []string
	for _, it := range items {
		if it.Key == jobs.KeyDone {
			ids = append(ids, it.InstanceID)
		}
	}
	if len(ids) == 0 {
		return rv, ErrNothingToRestore
	}
	found, _, err := s.cloud.InstancesByID(ctx, j.Region, ids)
	if err != nil {
		return rv, err
	}
	rv.Plan = jobs.PlanRollback(j.Region, items, found)
	rv.Plan.Account = j.Account
	rv.Overlaps, err = s.jobs.Overlaps(ctx, j.Region, rv.Plan.IncludedIDs())
	return rv, err
}

// Existing returns the job a user already created with this idempotency
// key, if any: a second submit of one form, or a retried API request.
func (s *Service) Existing(ctx context.Context, userID int64, key string) (jobID int64, found bool, err error) {
	return s.jobs.JobByIdempotencyKey(ctx, userID, key)
}

// Request is a reviewed plan submitted for execution.
type Request struct {
	Review         Review
	IdempotencyKey string
	Actor          jobs.Actor
	Rollout        Rollout
	Reason         string // why, in the person's words (a ticket number, say); may be ""
}

// Rollout is how the key is made to take effect, as the person asked: restart after binding
// or not, force, and the rate control (see jobs.ParseRollout).
type Rollout struct {
	AfterBind, Force bool
	Window           string // "10%" or "25"; "" = jobs.DefaultWindow
	MaxErrors        string // "0", "5" or "2%"; "" = jobs.DefaultMaxErrors
	StartWithOne     *bool  // nil = on for more than jobs.StartWithOneThreshold instances
}

// Policy resolves the rollout for a job that changes n instances.
func (r Rollout) Policy(n int) (jobs.RestartPolicy, error) {
	p, err := jobs.ParseRollout(r.Window, r.MaxErrors, n)
	if err != nil {
		return p, err
	}
	p.AfterBind, p.Force = r.AfterBind, r.Force
	p.StartWithOne = n > jobs.StartWithOneThreshold
	if r.StartWithOne != nil {
		p.StartWithOne = *r.StartWithOne
	}
	return p, nil
}

// Create writes the job of a review. created is false when the key made a
// job already (it is returned). A plan that changes no instance is refused
// with a *NothingIncludedError, one whose instances an active job works on
// with a *jobs.OverlapError, a rollout that cannot be read with a field error.
func (s *Service) Create(ctx context.Context, r Request) (jobID int64, created bool, err error) {
	if r.Review.Plan.Counts.Included == 0 {
		return 0, false, &NothingIncludedError{Plan: r.Review.Plan}
	}
	policy, err := r.Rollout.Policy(r.Review.Plan.Counts.Included)
	if err != nil {
		return 0, false, err
	}
	req := jobs.CreateRequest{IdempotencyKey: r.IdempotencyKey, Actor: r.Actor, Plan: r.Review.Plan, Policy: policy, Reason: r.Reason}
	if r.Review.Parent != nil {
		req.ParentID = r.Review.Parent.ID
	}
	return s.jobs.Create(ctx, req)
}
