package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"keybind/internal/store"
)

// JobState is a filter of the job list: what a job still waits for,
// defined over the item groups (groups.go), so a new item state that joins
// a group joins the filters too.
type JobState string

// Job list filters.
const (
	JobsAll        JobState = ""
	JobsUnfinished JobState = "unfinished" // in progress, paused, or waiting for a decision or a restart: work to come back to
	JobsInProgress JobState = "in-progress"
	JobsPaused     JobState = "paused" // waits for a person to resume it
	JobsDecision   JobState = "decision"
	JobsWaiting    JobState = "waiting" // instances wait for a reboot or start nobody asked for yet
	JobsFailed     JobState = "failed"
	JobsDone       JobState = "done" // nothing in progress, nothing waiting, nothing failed
)

// JobStates lists the filters in the order the job list offers them.
var JobStates = []JobState{JobsAll, JobsUnfinished, JobsInProgress, JobsPaused, JobsDecision, JobsWaiting, JobsFailed, JobsDone}

// Label is the filter in words.
func (s JobState) Label() string {
	switch s {
	case JobsUnfinished:
		return "Unfinished (in progress, or waiting for you)"
	case JobsInProgress:
		return "In progress"
	case JobsPaused:
		return "Paused: waiting to be resumed"
	case JobsDecision:
		return "Waiting for a decision"
	case JobsWaiting:
		return "Waiting for a reboot or start"
	case JobsFailed:
		return "With failures"
	case JobsDone:
		return "Done"
	}
	return "Any state"
}

// Valid reports whether s is a known filter.
func (s JobState) Valid() bool {
	for _, v := range JobStates {
		if v == s {
			return true
		}
	}
	return false
}

// sql is the filter as a condition over jobs.
func (s JobState) sql() string {
	has := func(g Group) string {
		return `EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = jobs.id AND ` + g.sql("i") + `)`
	}
	active := `jobs.finished_at = 0`
	paused := `(jobs.paused_at <> 0 AND jobs.cancelled_at = 0)`
	switch s {
	case JobsUnfinished:
		return "(" + active + " OR " + paused + " OR " + has(GroupDecision) + " OR " + has(GroupWaiting) + ")"
	case JobsInProgress:
		return active
	case JobsPaused:
		return paused
	case JobsDecision:
		return has(GroupDecision)
	case JobsWaiting:
		return has(GroupWaiting)
	case JobsFailed:
		return has(GroupFailed)
	case JobsDone:
		return "NOT " + JobsUnfinished.sql() + " AND NOT " + has(GroupFailed)
	}
	return "1 = 1"
}

// JobFilter selects jobs for the job list and the dashboard.
type JobFilter struct {
	State       JobState
	CreatedBy   string // a username; "" for anyone
	NotByUserID int64  // leave out the jobs of this user (the dashboard's "the team's"); 0 for none
	Region      string
	InstanceID  string // jobs that hold this instance
	Search      string // part of the reason, the key pair or the title's job number
	// Accounts keeps the jobs of these cloud accounts only; nil keeps every
	// account's. OnlyAccounts on the context narrows it further.
	Accounts []string
	Page     int // 1-based
	PageSize int // 1..MaxPageSize; 0 = 20
}

// FindJobs returns one page of the jobs the filter selects, newest first,
// with their counts, and how many it selects in all.
func (e *Engine) FindJobs(ctx context.Context, f JobFilter) ([]Job, int, error) {
	if f.PageSize <= 0 {
		f.PageSize = 20
	}
	f.PageSize = min(f.PageSize, MaxPageSize)
	f.Page = max(f.Page, 1)
	if only, ok := ctx.Value(onlyAccountsKey{}).([]string); ok {
		f.Accounts = intersect(f.Accounts, only)
	}
	where, args := f.where()
	var out []Job
	var total int
	countSQL := `SELECT COUNT(*) FROM jobs WHERE ` + where
	pageSQL := `SELECT ` + jobCols + ` FROM jobs WHERE ` + where + fmt.Sprintf(` ORDER BY id DESC LIMIT $%d OFFSET $%d`, len(args)+1, len(args)+2)
	stmts := e.st.Stmts().Prepare(ctx, countSQL, pageSQL)
	err := e.read(ctx, func(rtx *sql.Tx) error {
		tx := store.PreparedTx{Tx: rtx, Stmts: stmts}
		if err := tx.QueryRowContext(ctx, countSQL, args...).Scan(&total); err != nil {
			return fmt.Errorf("jobs: count jobs: %w", err)
		}
		if total <= (f.Page-1)*f.PageSize {
			return nil // nothing on this page (the dashboard's lists, most of the time)
		}
		var err error
		out, err = queryJobs(ctx, tx, pageSQL, append(args, f.PageSize, (f.Page-1)*f.PageSize)...)
		if err != nil {
			return err
		}
		return withCounts(ctx, tx, out)
	})
	return out, total, err
}

// where is the filter's condition over jobs and its arguments.
func (f JobFilter) where() (string, []any) {
	conds := []string{f.State.sql()}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.CreatedBy != "" {
		conds = append(conds, "created_by_name = "+arg(f.CreatedBy))
	}
	if f.NotByUserID != 0 {
		conds = append(conds, "created_by_id <> "+arg(f.NotByUserID))
	}
	if f.Region != "" {
		conds = append(conds, "region = "+arg(f.Region))
	}
	if f.Accounts != nil {
		cond, accountArgs := accountsIn(f.Accounts, len(args)+1)
		conds, args = append(conds, cond), append(args, accountArgs...)
	}
	if f.InstanceID != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM job_items i WHERE i.job_id = jobs.id AND i.instance_id = "+arg(f.InstanceID)+")")
	}
	if s := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(f.Search), "#")); s != "" {
		like := arg("%" + likeEscape(strings.ToLower(s)) + "%")
		conds = append(conds, `(LOWER(reason) LIKE `+like+` ESCAPE '\' OR LOWER(key_pair) LIKE `+like+` ESCAPE '\' OR CAST(id AS TEXT) = `+arg(s)+`)`)
	}
	return strings.Join(conds, " AND "), args
}

// accountsIn is the condition "the job's account is one of names", its
// placeholders numbered from first, and their arguments; no names, no job.
func accountsIn(names []string, first int) (string, []any) {
	in := []string{"NULL"}
	args := make([]any, len(names))
	for i, a := range names {
		in = append(in, fmt.Sprintf("$%d", first+i))
		args[i] = a
	}
	return "account IN (" + strings.Join(in, ", ") + ")", args
}

type onlyAccountsKey struct{}

// OnlyAccounts makes FindJobs, called with the returned context, keep the
// jobs of these cloud accounts only (the accounts a person may use).
func OnlyAccounts(ctx context.Context, names []string) context.Context {
	if names == nil {
		names = []string{}
	}
	return context.WithValue(ctx, onlyAccountsKey{}, names)
}

// intersect is the accounts in both lists; a nil list is every account.
func intersect(a, b []string) []string {
	if a == nil {
		return b
	}
	out := []string{}
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// withCounts loads the counts and derived state of the jobs.
func withCounts(ctx context.Context, tx store.DBTX, list []Job) error {
	ids := make([]int64, len(list))
	for i, j := range list {
		ids[i] = j.ID
	}
	counts, err := loadCounts(ctx, tx, ids)
	if err != nil {
		return err
	}
	for i := range list {
		list[i].Counts = counts[list[i].ID]
		list[i].State = list[i].deriveState()
	}
	return nil
}

// Reasons returns the reasons of the jobs that have one, by job ID (for
// the audit page, whose entries name their job: a page's worth of IDs).
func (e *Engine) Reasons(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	err := e.read(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			var r string
			err := tx.QueryRowContext(ctx, `SELECT reason FROM jobs WHERE id = $1`, id).Scan(&r)
			switch {
			case errors.Is(err, sql.ErrNoRows):
			case err != nil:
				return fmt.Errorf("jobs: reason of job %d: %w", id, err)
			case r != "":
				out[id] = r
			}
		}
		return nil
	})
	return out, err
}
