package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// MaxPageSize bounds Jobs' page size.
const MaxPageSize = 200

// Job returns a job with its counts and derived state; ErrJobNotFound if there is none.
func (e *Engine) Job(ctx context.Context, id int64) (Job, error) {
	var j Job
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = loadJob(ctx, tx, id)
		return err
	})
	return j, err
}

// JobAccount returns the cloud account a job works in, reading nothing
// else (a grid's poll asks it every 2 s); ErrJobNotFound if there is no such job.
func (e *Engine) JobAccount(ctx context.Context, id int64) (string, error) {
	var account string
	err := e.db.QueryRowContext(ctx, `SELECT account FROM jobs WHERE id = $1`, id).Scan(&account)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrJobNotFound
	}
	if err != nil {
		return "", fmt.Errorf("jobs: job %d account: %w", id, err)
	}
	return account, nil
}

// Items returns a job's items in request order; ErrJobNotFound if there is no such job.
func (e *Engine) Items(ctx context.Context, id int64) ([]Item, error) {
	var items []Item
	err := e.read(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE id = $1`, id).Scan(&n); err != nil {
			return fmt.Errorf("jobs: find job %d: %w", id, err)
		}
		if n == 0 {
			return ErrJobNotFound
		}
		var err error
		items, err = loadItems(ctx, tx, id)
		return err
	})
	return items, err
}

// Jobs returns one page (1-based) of all jobs, newest first, with their counts, and the number
// of jobs in all.
func (e *Engine) Jobs(ctx context.Context, page, pageSize int) ([]Job, int, error) {
	return e.FindJobs(ctx, JobFilter{Page: page, PageSize: pageSize})
}

// read runs fn in a read-only transaction, so a page and its counts come from one snapshot.
func (e *Engine) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := e.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("jobs: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	err = fn(tx)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrJobNotFound
	}
	return err
}
