package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"keybind/internal/cloud"
	"keybind/internal/store"
)

// MaxWaveSize bounds RestartPolicy.WaveSize.
const MaxWaveSize = 1000

// CreateRequest is a reviewed plan submitted for execution.
type CreateRequest struct {
	IdempotencyKey string // server-issued per review form; a second submit returns the same job
	Actor          Actor
	Plan           Plan
	Policy         RestartPolicy
	ParentID       int64  // for a rollback: the job whose keys it restores
	Reason         string // why, in the person's words; may be ""
}

// Create writes the job and its items in one transaction, before any cloud call, and wakes
// the engine. Submitting the same IdempotencyKey again returns the existing job with
// created=false.
func (e *Engine) Create(ctx context.Context, r CreateRequest) (jobID int64, created bool, err error) {
	if strings.TrimSpace(r.IdempotencyKey) == "" || r.Plan.Region == "" {
		return 0, false, ErrBadRequest
	}
	if r.Plan.Counts.Included == 0 && countIncluded(r.Plan.Rows) == 0 {
		return 0, false, ErrEmptyJob
	}
	p := r.Policy
	if p.WaveSize <= 0 {
		p.WaveSize = DefaultWaveSize
	}
	p.WaveSize = min(p.WaveSize, MaxWaveSize)
	now := e.now()
	j := Job{Kind: r.Plan.Kind, Account: cmp.Or(r.Plan.Account, cloud.DefaultAccount), Region: r.Plan.Region, KeyPair: r.Plan.KeyPair, IdempotencyKey: r.IdempotencyKey,
		CreatedBy: r.Actor, CreatedAt: now, Policy: p, ParentID: r.ParentID, Reason: r.Reason}
	if j.Kind == "" {
		j.Kind = KindBind
	}
	err = e.tx(ctx, func(tx *sql.Tx) error {
		// One job creation at a time, on every replica, so that the overlap check below sees
		// every job made before this one.
		if err := e.st.With(tx).Serialize(ctx, "jobs.create"); err != nil {
			return err
		}
		var err error
		jobID, created, err = insertJob(ctx, tx, j)
		if err != nil || !created {
			return err
		}
		// In the same write transaction as the insert, so two jobs made at the same moment
		// cannot both pass: one instance, one active job.
		if o, err := overlaps(ctx, tx, j.Region, includedIDs(r.Plan.Rows)); err != nil {
			return err
		} else if len(slices.DeleteFunc(o, func(o Overlap) bool { return o.JobID == jobID })) > 0 {
			return &OverlapError{Overlaps: o}
		}
		reqID, err := insertRequest(ctx, tx, request{JobID: jobID, Kind: reqCreate, Actor: r.Actor, At: now})
		if err != nil {
			return err
		}
		items := make([]Item, len(r.Plan.Rows))
		var ids []string
		for i, row := range r.Plan.Rows {
			it := Item{JobID: jobID, Seq: i, InstanceID: row.InstanceID, Name: row.Name, OSName: row.OSName,
				PlanStatus: row.Status, PreviousKey: row.CurrentKey, Action: row.Action, KeyPair: row.KeyPair,
				ExpectKey: row.ExpectKey, Change: row.Change, ExcludeReason: row.Excluded, Key: KeyPending,
				KeyAt: now, KeyRequest: reqID, UpdatedAt: now, Rev: 1}
			if !row.Included() || row.Action == ActionNone {
				it.Key, it.Action = KeyExcluded, ActionNone
				if it.ExcludeReason == ExcludedNone {
					it.ExcludeReason = ExcludedNotFound
				}
			} else {
				ids = append(ids, row.InstanceID)
			}
			items[i] = it
		}
		if err := insertItems(ctx, tx, items); err != nil {
			return err
		}
		return e.audit(ctx, tx, store.AuditEntry{Time: now, UserID: r.Actor.UserID, Username: r.Actor.Username,
			Role: r.Actor.Role, Via: r.Actor.Via, ClientIP: r.Actor.IP, Action: "job.create", Region: j.Region,
			KeyPair: j.KeyPair, InstanceIDs: ids, Outcome: store.OutcomeSuccess, JobID: jobID, Account: j.Account,
			Detail: fmt.Sprintf("%s job: %d instances, %d excluded; restart after bind: %t, force: %t, wave size: %d",
				j.Kind, len(ids), len(items)-len(ids), p.AfterBind, p.Force, p.WaveSize)})
	})
	if err != nil {
		return 0, false, err
	}
	if created {
		e.Wake()
	}
	return jobID, created, nil
}

// includedIDs lists the instances a plan sends calls for.
func includedIDs(rows []PlanRow) []string {
	var out []string
	for _, r := range rows {
		if r.Included() && r.Action != ActionNone {
			out = append(out, r.InstanceID)
		}
	}
	return out
}

func countIncluded(rows []PlanRow) int {
	n := 0
	for _, r := range rows {
		if r.Included() && r.Action != ActionNone {
			n++
		}
	}
	return n
}
