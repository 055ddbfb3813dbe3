// Package jobs is keybind's job engine: it binds (and later unbinds or rolls back) SSH key pairs
// on many ECS instances, makes the keys take effect with rolling reboots and starts, and keeps
// every step in the database so that a crash neither loses a job nor repeats a restart blindly.
//
// A job and its items are written in one transaction before any cloud call. The engine then
// works in rounds (Step): for every active job it sends pending key calls (recording each
// attempt before the call and its outcome after), re-reads KeyPairName to confirm, polls the
// status of restarting instances (one batched DescribeInstanceStatus set per job per round),
// dispatches the next restart wave and applies deadlines. Run loops Step in the background.
// Readers (Job, Items, Jobs) only read the database.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/gencache"
	"keybind/internal/store"
)

// Cloud is the part of the cloud gateway the engine uses; *cloud.Gateway provides it.
type Cloud interface {
	InstancesByID(ctx context.Context, region string, ids []string) (found []cloud.Instance, missing []string, err error)
	AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error)
	DetachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error)
	RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]cloud.InstanceResult, error)
	StartInstances(ctx context.Context, region string, ids []string) ([]cloud.InstanceResult, error)
	InstanceStatuses(ctx context.Context, region string, ids []string) ([]cloud.StatusResult, error)
}

// Clock tells the engine what time it is.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// Config tunes the engine; zero fields take the defaults shown.
type Config struct {
	Clock           Clock
	Tick            time.Duration // Run's round period; default 2s
	FirstPollDelay  time.Duration // wait after a restart is accepted before its first status read, until the job has seen one finish; default 5s
	PollBackoff     time.Duration // wait before the second status read, doubled for each further one; default 1s
	PollBackoffCap  time.Duration // the longest wait between status reads; default 10s
	RestartDeadline time.Duration // give up waiting for Running after this; default 10m
	RunningGrace    time.Duration // Running after an accepted reboot with no transition seen counts as rebooted after this; default 60s
	StoppedGrace    time.Duration // Stopped this long during a restart ends it as "ended stopped"; default 30s
	ConfirmGrace    time.Duration // keep re-reading a KeyPairName that does not match yet this long; default 30s
	Concurrency     int           // key and restart calls in flight per job; default 4
	KeyAttempts     int           // automatic attempts per key call on retryable failures; default 3
	RestartAttempts int           // automatic attempts per restart refused before it ran (throttled); default 3
	RetryDelay      time.Duration // first automatic retry delay, doubled each time; default 5s
	Logger          *slog.Logger
	AfterRound      func(err error) // optional: called by Run after each round (tests, metrics)
	Rounds          RoundObserver   // optional: told how long each round (Step) took
	Owner           string          // the name this engine holds job leases under; default host/pid/random
	LeaseTTL        time.Duration   // a job's lease lasts this long unless renewed; default 15s
}

// RoundObserver is told how long each round of the engine took and whether it had errors
// (internal/metrics provides one).
type RoundObserver interface {
	Round(d time.Duration, err error)
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Clock == nil {
		c.Clock = realClock{}
	}
	def(&c.Tick, 2*time.Second)
	def(&c.FirstPollDelay, 5*time.Second)
	def(&c.PollBackoff, time.Second)
	def(&c.PollBackoffCap, 10*time.Second)
	def(&c.RestartDeadline, 10*time.Minute)
	def(&c.RunningGrace, time.Minute)
	def(&c.StoppedGrace, 30*time.Second)
	def(&c.ConfirmGrace, 30*time.Second)
	def(&c.RetryDelay, 5*time.Second)
	def(&c.LeaseTTL, 15*time.Second)
	if c.Owner == "" {
		c.Owner = newOwner()
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.KeyAttempts <= 0 {
		c.KeyAttempts = 3
	}
	if c.RestartAttempts <= 0 {
		c.RestartAttempts = 3
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Engine runs jobs. Create, the restart requests and the readers are safe to call from any
// goroutine while Run is running. Several engines (one per replica) may share a database: each
// active job is worked by the one holding its lease (lease.go).
type Engine struct {
	st     *store.Store
	db     *sql.DB
	cloud  Cloud
	cfg    Config
	log    *slog.Logger
	wake   chan struct{}
	leases leases

	step sync.Mutex // one round at a time
	wmu  sync.Mutex // one engine write transaction at a time (SQLite has one writer)

	// noneUnfinished remembers who had no unfinished job to see, while
	// the database's jobs counter stays put (FindUnfinished).
	noneUnfinished *gencache.Cache[string, struct{}]
}

// New builds an engine over the store's database and the cloud gateway. It starts nothing;
// call Run in the background.
func New(st *store.Store, gw Cloud, cfg Config) *Engine {
	cfg = cfg.withDefaults()
	return &Engine{st: st, db: st.DB(), cloud: gw, cfg: cfg, log: cfg.Logger, wake: make(chan struct{}, 1),
		leases: leases{fence: map[int64]int64{}}, noneUnfinished: gencache.New[string, struct{}](10_000)}
}

// Run reconciles unfinished work, then runs a round whenever something falls due (a status to
// read, a retry to send), whenever a job changes, and at least every Tick, until ctx is done.
// Then it releases the engine's leases, so another replica takes its jobs over at once.
// Give it the server's context, not a request's.
func (e *Engine) Run(ctx context.Context) error {
	t := time.NewTimer(e.cfg.Tick)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := e.Release(rctx); err != nil {
			e.log.WarnContext(rctx, "could not release the job leases; other replicas take the jobs over when they expire", "error", err)
		}
	}()
	for {
		err := e.Step(ctx)
		if err != nil && ctx.Err() == nil {
			e.log.LogAttrs(ctx, slog.LevelWarn, "job engine round had errors", slog.String("error", err.Error()))
		}
		if e.cfg.AfterRound != nil {
			e.cfg.AfterRound(err)
		}
		t.Reset(e.untilDue(ctx))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-e.wake:
		}
	}
}

// untilDue is how long until the next thing an active job waits for falls due: a status read,
// a queued restart's retry, a key call's retry; at most Tick.
func (e *Engine) untilDue(ctx context.Context) time.Duration {
	var due int64
	err := e.db.QueryRowContext(ctx, `SELECT COALESCE(MIN(t), 0) FROM (
		SELECT MIN(i.next_poll_at) AS t FROM job_items i JOIN jobs j ON j.id = i.job_id
			WHERE j.finished_at = 0 AND i.restart_state IN ('in-progress', 'in-transition')
		UNION ALL SELECT MIN(i.next_at) FROM job_items i JOIN jobs j ON j.id = i.job_id
			WHERE j.finished_at = 0 AND i.restart_state = 'queued' AND i.next_at > 0
		UNION ALL SELECT MIN(i.key_next_at) FROM job_items i JOIN jobs j ON j.id = i.job_id
			WHERE j.finished_at = 0 AND i.key_state = 'pending') due WHERE t > 0`).Scan(&due)
	if err != nil || due == 0 {
		return e.cfg.Tick
	}
	return min(max(fromMicros(due).Sub(e.now()), time.Millisecond), e.cfg.Tick)
}

// Wake asks Run for a round now.
func (e *Engine) Wake() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Step runs one round over every active job: reconcile unknown outcomes, send pending key
// calls, confirm them, poll restarting instances, dispatch the next wave, apply deadlines.
// Errors of one job do not stop the others; they are joined.
func (e *Engine) Step(ctx context.Context) error {
	start := time.Now()
	err := e.eachActiveJob(ctx, e.stepJob)
	if e.cfg.Rounds != nil {
		e.cfg.Rounds.Round(time.Since(start), err)
	}
	return err
}

// eachActiveJob runs fn for every job the engine still has work for and holds the lease of,
// one round at a time; errors of one job do not stop the others.
func (e *Engine) eachActiveJob(ctx context.Context, fn func(context.Context, Job) error) error {
	e.step.Lock()
	defer e.step.Unlock()
	ctx = cloud.WithPriority(ctx, cloud.Background) // people's pages go first in the cloud's budget
	jobs, err := activeJobs(ctx, e.db)
	if err != nil {
		return err
	}
	e.forgetFinished(ctx, jobs)
	stop := make(chan struct{})
	defer close(stop)
	go e.keepLeases(ctx, stop)
	var errs []error
	for _, j := range jobs {
		held, err := e.acquire(ctx, j.ID)
		if err != nil {
			errs = append(errs, err)
		}
		if !held {
			continue
		}
		// The job's calls work in its account, on behalf of who made it
		// (a role's session name says so).
		jctx := cloud.WithActor(cloud.WithAccount(ctx, j.Account), j.CreatedBy.Username)
		if err := fn(jctx, j); errors.Is(err, errLeaseLost) {
			e.log.InfoContext(ctx, "another engine took the job over", "job", j.ID)
		} else if err != nil {
			errs = append(errs, fmt.Errorf("jobs: job %d: %w", j.ID, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(errs...)
}

func (e *Engine) stepJob(ctx context.Context, j Job) error {
	phases := []func(context.Context, Job) error{e.reconcile, e.sendKeys, e.confirmKeys, e.poll, e.dispatch}
	var errs []error
	for _, phase := range phases {
		if err := phase(ctx, j); errors.Is(err, errLeaseLost) {
			return err // another engine works the job now
		} else if err != nil {
			errs = append(errs, err)
		}
		if ctx.Err() != nil {
			return errors.Join(errs...)
		}
	}
	if err := e.finishIfIdle(ctx, j); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// finishIfIdle marks the job finished when no item is in motion any more.
func (e *Engine) finishIfIdle(ctx context.Context, j Job) error {
	counts, err := loadCounts(ctx, e.db, []int64{j.ID})
	if err != nil {
		return err
	}
	c := counts[j.ID]
	if c.KeyPending > 0 || c.InMotion > 0 {
		return nil
	}
	return e.jobTx(ctx, j.ID, func(tx *sql.Tx) error { return setFinished(ctx, tx, j.ID, e.now(), e.now()) })
}

func (e *Engine) now() time.Time { return e.cfg.Clock.Now().UTC() }

// tx runs fn in a write transaction. Writes after a cloud call must not be lost to a
// cancelled ctx, so tx detaches from ctx's cancellation (bounded by a timeout).
func (e *Engine) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	e.wmu.Lock()
	defer e.wmu.Unlock()
	return e.st.WithTx(ctx, fn)
}

// actingFor makes a cloud write's calls on behalf of the person who asked
// for it (a RAM role's session name says so); the engine's own decisions
// stay on behalf of the job's creator.
func actingFor(ctx context.Context, a Actor) context.Context {
	if a.UserID == 0 || a.Username == "" {
		return ctx
	}
	return cloud.WithActor(ctx, a.Username)
}

// audit appends an entry inside tx.
func (e *Engine) audit(ctx context.Context, tx *sql.Tx, a store.AuditEntry) error {
	if a.Time.IsZero() {
		a.Time = e.now()
	}
	if a.Account == "" {
		a.Account = cloud.AccountOf(ctx)
	}
	_, err := e.st.With(tx).AppendAudit(ctx, a)
	return err
}
