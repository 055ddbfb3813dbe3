package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Several engines (one per replica) may share one PostgreSQL database. Each active job is worked
// by one of them at a time: the holder of the job's lease row (job_leases). An engine takes the
// lease of every active job it can at the start of a round (a free one, an expired one, or its
// own, which it renews) and works only those. Every write it makes for a job (eng.jobTx) checks
// in the same transaction that it still holds the lease with the fence it took it with, and
// renews it; a write that finds another owner or fence fails with errLeaseLost and the engine
// drops the job. A killed engine's leases expire after LeaseTTL and another engine takes the
// job over: its round starts with reconcile, which settles the calls the dead engine left
// unknown exactly as after a crash of a single console. Release gives the leases up at once.

// errLeaseLost is a write refused because another engine took the job's lease.
var errLeaseLost = errors.New("jobs: another engine took over this job")

// leases is what an engine holds: the fence of each job whose lease it took.
type leases struct {
	mu    sync.Mutex
	fence map[int64]int64
}

func (l *leases) get(jobID int64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.fence[jobID]
	return f, ok
}

func (l *leases) set(jobID, fence int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fence[jobID] = fence
}

func (l *leases) drop(jobID int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fence, jobID)
}

func (l *leases) ids() []int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int64, 0, len(l.fence))
	for id := range l.fence {
		out = append(out, id)
	}
	return out
}

// newOwner names this engine in lease rows: host, process and a random part, so that a
// restarted process is a new owner (and takes its old leases over with a new fence).
func newOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// Owner is the name this engine holds leases under.
func (e *Engine) Owner() string { return e.cfg.Owner }

// LeasesHeld is how many jobs this engine holds the lease of.
func (e *Engine) LeasesHeld() int {
	e.leases.mu.Lock()
	defer e.leases.mu.Unlock()
	return len(e.leases.fence)
}

// acquire takes or renews the lease of the job, and reports whether this engine holds it.
func (e *Engine) acquire(ctx context.Context, jobID int64) (bool, error) {
	now := e.now()
	var fence int64
	err := e.db.QueryRowContext(ctx, `
		INSERT INTO job_leases (job_id, owner, fence, expires_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (job_id) DO UPDATE SET
			fence = CASE WHEN job_leases.owner = excluded.owner THEN job_leases.fence ELSE job_leases.fence + 1 END,
			owner = excluded.owner, expires_at = excluded.expires_at
		WHERE job_leases.owner = excluded.owner OR job_leases.expires_at <= $4
		RETURNING fence`, jobID, e.cfg.Owner, micros(now.Add(e.cfg.LeaseTTL)), micros(now)).Scan(&fence)
	if errors.Is(err, sql.ErrNoRows) {
		e.leases.drop(jobID)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: lease of job %d: %w", jobID, err)
	}
	if old, ok := e.leases.get(jobID); (!ok || old != fence) && fence > 1 {
		e.log.InfoContext(ctx, "took a job over from another engine", "job", jobID, "fence", fence)
	}
	e.leases.set(jobID, fence)
	return true, nil
}

// checkLease fails with errLeaseLost unless this engine still holds the job's lease with the
// fence it took; it renews the lease. It runs inside the transaction of a write for the job: on
// PostgreSQL the row lock it takes keeps another engine from taking the lease until the write
// has committed.
func (e *Engine) checkLease(ctx context.Context, tx *sql.Tx, jobID int64) error {
	fence, ok := e.leases.get(jobID)
	if !ok {
		return errLeaseLost
	}
	res, err := tx.ExecContext(ctx, `UPDATE job_leases SET expires_at = $1 WHERE job_id = $2 AND owner = $3 AND fence = $4`,
		micros(e.now().Add(e.cfg.LeaseTTL)), jobID, e.cfg.Owner, fence)
	if err != nil {
		return fmt.Errorf("jobs: lease of job %d: %w", jobID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		e.leases.drop(jobID)
		return errLeaseLost
	}
	return nil
}

// jobTx is tx for a write the engine makes for job jobID: it fails with errLeaseLost, writing
// nothing, when another engine has taken the job over.
func (e *Engine) jobTx(ctx context.Context, jobID int64, fn func(tx *sql.Tx) error) error {
	return e.tx(ctx, func(tx *sql.Tx) error {
		if err := e.checkLease(ctx, tx, jobID); err != nil {
			return err
		}
		return fn(tx)
	})
}

// renewHeld renews every lease this engine holds; a lease found taken is dropped.
func (e *Engine) renewHeld(ctx context.Context) {
	for _, id := range e.leases.ids() {
		if _, err := e.acquire(ctx, id); err != nil && ctx.Err() == nil {
			e.log.WarnContext(ctx, "cannot renew a job's lease", "job", id, "error", err)
		}
	}
}

// keepLeases renews the held leases every LeaseTTL/3 until stop is closed: a round that takes
// long (a slow cloud) does not lose its jobs.
func (e *Engine) keepLeases(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(e.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			e.renewHeld(ctx)
		}
	}
}

// Release gives up every lease this engine holds, at once, so that another engine takes its
// jobs over without waiting for them to expire. Run calls it when its context ends.
func (e *Engine) Release(ctx context.Context) error {
	e.step.Lock() // not while a round writes
	defer e.step.Unlock()
	_, err := e.db.ExecContext(ctx, `UPDATE job_leases SET expires_at = 0 WHERE owner = $1`, e.cfg.Owner)
	if err != nil {
		return fmt.Errorf("jobs: release leases: %w", err)
	}
	e.leases.mu.Lock()
	clear(e.leases.fence)
	e.leases.mu.Unlock()
	return nil
}

// forgetFinished gives up the leases of held jobs that are no longer active (finished).
func (e *Engine) forgetFinished(ctx context.Context, active []Job) {
	keep := make(map[int64]bool, len(active))
	for _, j := range active {
		keep[j.ID] = true
	}
	for _, id := range e.leases.ids() {
		if keep[id] {
			continue
		}
		e.leases.drop(id)
		if _, err := e.db.ExecContext(ctx, `UPDATE job_leases SET expires_at = 0 WHERE job_id = $1 AND owner = $2`, id, e.cfg.Owner); err != nil {
			e.log.WarnContext(ctx, "cannot release a finished job's lease", "job", id, "error", err)
		}
	}
}
