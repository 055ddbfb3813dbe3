package jobs

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"keybind/internal/store/storetest"
)

type manualClock struct{ t time.Time }

func (c *manualClock) Now() time.Time { return c.t }

// Issue #12: every write of a job checks the fence. An engine whose lease another engine took
// (it was paused past the lease, say) writes nothing more for the job, even though it still
// believes it holds the lease.
func TestAWriteAfterTheLeaseWasTakenIsRefused(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	clock := &manualClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	a := New(st, nil, Config{Clock: clock, Owner: "a"})
	b := New(st, nil, Config{Clock: clock, Owner: "b"})
	var jobID int64
	err := st.WithTx(ctx, func(tx *sql.Tx) error {
		var err error
		jobID, _, err = insertJob(ctx, tx, Job{Kind: KindBind, Region: "cn-hangzhou", KeyPair: "ops", IdempotencyKey: "lease",
			CreatedBy: Actor{UserID: 1, Username: "alice"}, CreatedAt: clock.t, Policy: RestartPolicy{WaveSize: 1}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if held, err := a.acquire(ctx, jobID); err != nil || !held {
		t.Fatalf("A acquire = %t, %v; want the free lease", held, err)
	}
	write := func(e *Engine) error {
		return e.jobTx(ctx, jobID, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE jobs SET reason = $1 WHERE id = $2`, e.Owner(), jobID)
			return err
		})
	}
	if err := write(a); err != nil {
		t.Fatalf("A writes while it holds the lease: %v", err)
	}
	if held, _ := b.acquire(ctx, jobID); held {
		t.Fatal("B took a lease that has not expired")
	}
	clock.t = clock.t.Add(a.cfg.LeaseTTL + time.Second)
	if held, err := b.acquire(ctx, jobID); err != nil || !held {
		t.Fatalf("B acquire after expiry = %t, %v; want it", held, err)
	}
	if err := write(a); !errors.Is(err, errLeaseLost) {
		t.Errorf("A writes after B took over: %v, want errLeaseLost", err)
	}
	if err := write(b); err != nil {
		t.Errorf("B writes: %v", err)
	}
	var reason string
	var fence int64
	if err := st.DB().QueryRowContext(ctx, `SELECT j.reason, l.fence FROM jobs j JOIN job_leases l ON l.job_id = j.id WHERE j.id = $1`, jobID).Scan(&reason, &fence); err != nil {
		t.Fatal(err)
	}
	if reason != "b" || fence != 2 {
		t.Errorf("job written by %q with fence %d; want b's write and fence 2", reason, fence)
	}
}
