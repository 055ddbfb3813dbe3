package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"keybind/internal/store"
)

// Unfinished is what the dashboard leads back to: the newest unfinished jobs
// a person created and those of everyone else, and how many there are of each.
type Unfinished struct {
	Mine, Team           []Job
	MineTotal, TeamTotal int
}

// FindUnfinished returns the newest n unfinished jobs (JobsUnfinished)
// created by name and the newest n created by anyone but userID, with their
// counts: the same jobs as two FindJobs calls, read in one transaction with
// one count, so the unfinished condition is evaluated once per job, and no
// list query runs when its count is zero. OnlyAccounts on ctx keeps the
// jobs of those accounts only. That there are none is remembered while the
// database's jobs counter (store.Changes on ctx) stays put: only a new job,
// or one that finishes, pauses, resumes or is cancelled, can change it.
func (e *Engine) FindUnfinished(ctx context.Context, name string, userID int64, n int) (Unfinished, error) {
	n = min(max(n, 1), MaxPageSize)
	only, narrowed := ctx.Value(onlyAccountsKey{}).([]string)
	cond, accountArgs := JobsUnfinished.sql(), []any{}
	key := name + "\x00" + strconv.FormatInt(userID, 10)
	if narrowed {
		var accounts string
		accounts, accountArgs = accountsIn(only, 3) // after the name and the user ID (or the limit)
		cond += " AND " + accounts
		key += "\x00" + strings.Join(only, "\x00")
	}
	changes, counted := store.ChangesFrom(ctx)
	if _, none := e.noneUnfinished.Get(changes.Jobs, key); counted && none {
		return Unfinished{}, nil
	}
	countSQL := `SELECT COALESCE(SUM(CASE WHEN created_by_name = $1 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN created_by_id <> $2 THEN 1 ELSE 0 END), 0) FROM jobs WHERE ` + cond
	mineSQL := `SELECT ` + jobCols + ` FROM jobs WHERE ` + cond + ` AND created_by_name = $1 ORDER BY id DESC LIMIT $2`
	teamSQL := `SELECT ` + jobCols + ` FROM jobs WHERE ` + cond + ` AND created_by_id <> $1 ORDER BY id DESC LIMIT $2`
	stmts := e.st.Stmts().Prepare(ctx, countSQL, mineSQL, teamSQL)
	var u Unfinished
	err := e.read(ctx, func(rtx *sql.Tx) error {
		tx := store.PreparedTx{Tx: rtx, Stmts: stmts}
		if err := tx.QueryRowContext(ctx, countSQL, append([]any{name, userID}, accountArgs...)...).Scan(&u.MineTotal, &u.TeamTotal); err != nil {
			return fmt.Errorf("jobs: count unfinished jobs: %w", err)
		}
		var err error
		if u.MineTotal > 0 {
			if u.Mine, err = queryJobs(ctx, tx, mineSQL, append([]any{name, n}, accountArgs...)...); err != nil {
				return err
			}
		}
		if u.TeamTotal > 0 {
			if u.Team, err = queryJobs(ctx, tx, teamSQL, append([]any{userID, n}, accountArgs...)...); err != nil {
				return err
			}
		}
		if err := withCounts(ctx, tx, u.Mine); err != nil {
			return err
		}
		return withCounts(ctx, tx, u.Team)
	})
	if err != nil {
		return Unfinished{}, err
	}
	if counted && u.MineTotal == 0 && u.TeamTotal == 0 {
		e.noneUnfinished.Put(changes.Jobs, key, struct{}{})
	}
	return u, nil
}
