package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"keybind/internal/store"
)

// The SQL of the job engine over the tables of migration 00002_jobs.sql. Like internal/store it
// uses $N placeholders, INSERT … RETURNING / ON CONFLICT, INTEGER 0/1 for booleans and BIGINT
// unix microseconds for times (0 = not set), so PostgreSQL accepts it unchanged.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UTC().UnixMicro()
}

func fromMicros(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// request is one row of job_requests: who asked for what on a job.
type request struct {
	ID, JobID int64
	Kind      string
	Actor     Actor
	Detail    string
	At        time.Time
}

// Request kinds.
const (
	reqCreate     = "create"
	reqRestart    = "restart"
	reqRestartAll = "restart-all"
	reqRetry      = "retry"
	reqResolve    = "resolve"
)

const jobCols = `id, kind, region, key_pair, idempotency_key, created_by_id, created_by_name, created_by_role, created_ip,
	created_via, restart_after_bind, restart_force, wave_size, created_at, updated_at, finished_at, COALESCE(parent_job_id, 0),
	reason, rev, window_spec, max_errors, max_errors_spec, start_with_one, paused_at, pause_reason, paused_by, errors_accepted,
	cancelled_at, cancelled_by, transition_ms, account`

func scanJob(sc store.Scanner) (Job, error) {
	var j Job
	var after, force, one int
	var created, updated, finished, paused, cancelled, transition int64
	err := sc.Scan(&j.ID, &j.Kind, &j.Region, &j.KeyPair, &j.IdempotencyKey, &j.CreatedBy.UserID, &j.CreatedBy.Username,
		&j.CreatedBy.Role, &j.CreatedBy.IP, &j.CreatedBy.Via, &after, &force, &j.Policy.WaveSize, &created, &updated, &finished, &j.ParentID,
		&j.Reason, &j.Rev, &j.Policy.Window, &j.Policy.MaxErrors, &j.Policy.MaxErrorsSpec, &one, &paused, &j.Paused.Reason,
		&j.Paused.By, &j.Paused.ErrorsAccepted, &cancelled, &j.CancelledBy, &transition, &j.Account)
	j.Policy.AfterBind, j.Policy.Force, j.Policy.StartWithOne = after != 0, force != 0, one != 0
	j.CreatedAt, j.UpdatedAt, j.FinishedAt = fromMicros(created), fromMicros(updated), fromMicros(finished)
	j.Paused.At, j.CancelledAt, j.Transition = fromMicros(paused), fromMicros(cancelled), time.Duration(transition)*time.Millisecond
	return j, err
}

// insertJob inserts the job unless its idempotency key exists; it returns the job's ID either way.
func insertJob(ctx context.Context, q store.DBTX, j Job) (id int64, created bool, err error) {
	err = q.QueryRowContext(ctx, `INSERT INTO jobs (kind, region, key_pair, idempotency_key, created_by_id, created_by_name,
		created_by_role, created_ip, created_via, restart_after_bind, restart_force, wave_size, created_at, updated_at, parent_job_id,
		reason, rev, window_spec, max_errors, max_errors_spec, start_with_one, account)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, 1, $16, $17, $18, $19, $20)
		ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
		j.Kind, j.Region, j.KeyPair, j.IdempotencyKey, j.CreatedBy.UserID, j.CreatedBy.Username, j.CreatedBy.Role,
		j.CreatedBy.IP, j.CreatedBy.Via, b2i(j.Policy.AfterBind), b2i(j.Policy.Force), j.Policy.WaveSize, micros(j.CreatedAt),
		nullID(j.ParentID), j.Reason, j.Policy.Window, j.Policy.MaxErrors, j.Policy.MaxErrorsSpec, b2i(j.Policy.StartWithOne),
		j.Account).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("jobs: insert job: %w", err)
	}
	var owner int64
	err = q.QueryRowContext(ctx, `SELECT id, created_by_id FROM jobs WHERE idempotency_key = $1`, j.IdempotencyKey).Scan(&id, &owner)
	if err != nil {
		return 0, false, fmt.Errorf("jobs: find job by idempotency key: %w", err)
	}
	if owner != j.CreatedBy.UserID {
		return 0, false, ErrIdempotencyKeyInUse
	}
	return id, false, nil
}

func insertRequest(ctx context.Context, q store.DBTX, r request) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO job_requests (job_id, kind, user_id, username, role, ip, via, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		r.JobID, r.Kind, r.Actor.UserID, r.Actor.Username, r.Actor.Role, r.Actor.IP, r.Actor.Via, r.Detail, micros(r.At)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("jobs: insert request: %w", err)
	}
	return id, nil
}

// requests loads job requests by ID.
func loadRequests(ctx context.Context, q store.DBTX, ids []int64) (map[int64]request, error) {
	out := make(map[int64]request, len(ids))
	for _, id := range ids {
		if _, ok := out[id]; ok || id == 0 {
			continue
		}
		var r request
		var at int64
		err := q.QueryRowContext(ctx, `SELECT id, job_id, kind, user_id, username, role, ip, via, detail, created_at
			FROM job_requests WHERE id = $1`, id).Scan(&r.ID, &r.JobID, &r.Kind, &r.Actor.UserID, &r.Actor.Username,
			&r.Actor.Role, &r.Actor.IP, &r.Actor.Via, &r.Detail, &at)
		if err != nil {
			return nil, fmt.Errorf("jobs: load request %d: %w", id, err)
		}
		r.At = fromMicros(at)
		out[id] = r
	}
	return out, nil
}

func loadJob(ctx context.Context, q store.DBTX, id int64) (Job, error) {
	j, err := scanJob(q.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Job{}, ErrJobNotFound
	}
	if err != nil {
		return Job{}, fmt.Errorf("jobs: load job %d: %w", id, err)
	}
	counts, err := loadCounts(ctx, q, []int64{id})
	if err != nil {
		return Job{}, err
	}
	j.Counts = counts[id]
	j.State = j.deriveState()
	return j, nil
}

// activeJobs lists the jobs the engine still has work for, oldest first.
func activeJobs(ctx context.Context, q store.DBTX) ([]Job, error) {
	return queryJobs(ctx, q, `SELECT `+jobCols+` FROM jobs WHERE finished_at = 0 ORDER BY id`)
}

func queryJobs(ctx context.Context, q store.DBTX, query string, args ...any) ([]Job, error) {
	out, err := store.All(ctx, q, scanJob, query, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: list jobs: %w", err)
	}
	return out, nil
}

// countsSQL aggregates item states per job; the CASE lists mirror Counts.
const countsSQL = `SELECT job_id, COUNT(*),
	SUM(CASE WHEN key_state = 'excluded' THEN 1 ELSE 0 END),
	SUM(CASE WHEN key_state IN ('pending', 'attempting', 'applied') THEN 1 ELSE 0 END),
	SUM(CASE WHEN key_state = 'done' THEN 1 ELSE 0 END),
	SUM(CASE WHEN key_state = 'failed' THEN 1 ELSE 0 END),
	SUM(CASE WHEN key_state <> 'excluded' AND key_change = 'same' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'needs-reboot' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'needs-start' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state IN ('in-transition', 'queued', 'requested', 'in-progress') THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'key-in-effect' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'marked-done' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state IN ('failed', 'timed-out', 'ended-stopped', 'disappeared', 'key-replaced') THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'key-replaced' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'needs-decision' THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state IN ('in-transition', 'requested', 'in-progress') THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state IN ('requested', 'in-progress') THEN 1 ELSE 0 END),
	SUM(CASE WHEN restart_state = 'queued' THEN 1 ELSE 0 END),
	SUM(CASE WHEN key_state = 'cancelled' OR restart_state = 'cancelled' THEN 1 ELSE 0 END)
	FROM job_items WHERE job_id IN (%s) GROUP BY job_id`

func loadCounts(ctx context.Context, q store.DBTX, ids []int64) (map[int64]Counts, error) {
	out := make(map[int64]Counts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf(countsSQL, strings.Join(ph, ", ")), args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: count items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var c Counts
		if err := rows.Scan(&id, &c.Total, &c.Excluded, &c.KeyPending, &c.Bound, &c.KeyFailed, &c.AlreadyHad,
			&c.NeedsReboot, &c.NeedsStart, &c.InMotion, &c.KeyInEffect, &c.MarkedDone, &c.RestartFailed, &c.KeyReplaced,
			&c.NeedsDecision, &c.InFlight, &c.Restarting, &c.Queued, &c.Cancelled); err != nil {
			return nil, fmt.Errorf("jobs: scan counts: %w", err)
		}
		out[id] = c
	}
	return out, rows.Err()
}

// setFinished records whether the engine has work for the job (at zero = it has).
func setFinished(ctx context.Context, q store.DBTX, jobID int64, at, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE jobs SET finished_at = $1, updated_at = $2, rev = rev + 1 WHERE id = $3`, micros(at), micros(now), jobID)
	if err != nil {
		return fmt.Errorf("jobs: update job %d: %w", jobID, err)
	}
	return nil
}

// nullID stores 0 as NULL.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
