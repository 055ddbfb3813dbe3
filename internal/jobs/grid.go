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

// The result grid's reads: one page of a job's items, filtered by group and
// a search, sorted, with the counts of every group, on the database alone.
// A page of the grid costs the same whatever the job's size; a poll that
// finds the job's revision unchanged costs one indexed row.

// MaxGridPage bounds GridQuery.PageSize: the most rows a grid renders.
const MaxGridPage = 200

// DefaultGridPage is the grid's page size when none is chosen.
const DefaultGridPage = 100

// GridSort orders the grid.
type GridSort string

// Grid orders.
const (
	SortOrder     GridSort = ""          // request order
	SortName      GridSort = "name"      // instance name
	SortID        GridSort = "id"        // instance ID
	SortAttention GridSort = "attention" // failed first, then decisions, waiting, in progress, in effect, bound, excluded
	SortChanged   GridSort = "changed"   // most recently changed first
)

// GridSorts lists the orders a grid offers.
var GridSorts = []GridSort{SortOrder, SortName, SortID, SortAttention, SortChanged}

// Valid reports whether s is a known order.
func (s GridSort) Valid() bool {
	for _, v := range GridSorts {
		if v == s {
			return true
		}
	}
	return false
}

// GridQuery is what one grid page shows.
type GridQuery struct {
	Group    Group
	Search   string // part of an instance's name or ID; "" for all
	Sort     GridSort
	Desc     bool
	Page     int // 1-based
	PageSize int // 1..MaxGridPage; 0 = DefaultGridPage
}

// normal returns q with its page and size in range.
func (q GridQuery) normal() GridQuery {
	if q.PageSize <= 0 {
		q.PageSize = DefaultGridPage
	}
	q.PageSize = min(q.PageSize, MaxGridPage)
	q.Page = max(q.Page, 1)
	q.Search = strings.TrimSpace(q.Search)
	if !q.Group.Valid() {
		q.Group = GroupAll
	}
	if !q.Sort.Valid() {
		q.Sort = SortOrder
	}
	return q
}

// GridPage is one page of a job's grid.
type GridPage struct {
	Job      Job
	Query    GridQuery     // as applied (page and size in range)
	Items    []Item        // the page, in the query's order
	Matching int           // items that match the group and the search
	Groups   map[Group]int // items per group, whole job, search ignored
	Ready    Ready         // what the bulk buttons would act on, whole job
	HeldUp   HeldUp        // calls the cloud refused or failed that wait to be sent again
	Now      time.Time     // when it was read (the engine's clock)
}

// HeldUp says why items wait to be tried again: the calls the cloud throttled,
// refused or failed, that the engine sends again later.
type HeldUp struct {
	Items    int       // items waiting to be tried again
	Code     string    // the cloud's code most of them got
	Message  string    // its plain words
	Attempts int       // the most attempts one of them made
	NextAt   time.Time // the earliest next try
}

// Grid reads one page of a job's items with the counts the grid shows, in
// one snapshot; ErrJobNotFound if there is no such job.
func (e *Engine) Grid(ctx context.Context, jobID int64, q GridQuery) (GridPage, error) {
	q = q.normal()
	p := GridPage{Query: q, Now: e.now()}
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		if p.Job, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		if p.Groups, p.Ready, err = groupCounts(ctx, tx, jobID); err != nil {
			return err
		}
		if p.HeldUp, err = heldUp(ctx, tx, jobID); err != nil {
			return err
		}
		where, args := q.where(jobID)
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_items WHERE `+where, args...).Scan(&p.Matching); err != nil {
			return fmt.Errorf("jobs: count grid: %w", err)
		}
		args = append(args, q.PageSize, (q.Page-1)*q.PageSize)
		p.Items, err = store.All(ctx, tx, scanItem, `SELECT `+itemCols+` FROM job_items WHERE `+where+
			` ORDER BY `+q.orderBy()+fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
		if err != nil {
			return fmt.Errorf("jobs: grid page: %w", err)
		}
		return nil
	})
	return p, err
}

// Rev is the job's change counter (Job.Rev): a poll that finds it equal to
// the one it saw has nothing to fetch. ErrJobNotFound if there is no job.
func (e *Engine) Rev(ctx context.Context, jobID int64) (int64, error) {
	var rev int64
	err := e.db.QueryRowContext(ctx, `SELECT rev FROM jobs WHERE id = $1`, jobID).Scan(&rev)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrJobNotFound
	}
	if err != nil {
		return 0, fmt.Errorf("jobs: job %d revision: %w", jobID, err)
	}
	return rev, nil
}

// where is the query's condition over job_items and its arguments.
func (q GridQuery) where(jobID int64) (string, []any) {
	cond := `job_id = $1 AND ` + q.Group.sql("")
	args := []any{jobID}
	if q.Search != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(q.Search))+"%")
		n := len(args)
		cond += fmt.Sprintf(` AND (LOWER(name) LIKE $%d ESCAPE '\' OR instance_id LIKE $%d ESCAPE '\')`, n, n)
	}
	return cond, args
}

// orderBy is the query's ORDER BY list; request order breaks ties.
func (q GridQuery) orderBy() string {
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	switch q.Sort {
	case SortName:
		return "LOWER(name)" + dir + ", seq"
	case SortID:
		return "instance_id" + dir
	case SortAttention:
		return attentionRank() + dir + ", seq"
	case SortChanged:
		// Most recent first unless the person turns it round.
		if q.Desc {
			return "rev ASC, seq"
		}
		return "rev DESC, seq"
	}
	return "seq" + dir
}

// attentionOrder is the order of SortAttention: what needs people first.
var attentionOrder = []Group{GroupFailed, GroupDecision, GroupWaiting, GroupInMotion, GroupInEffect, GroupBound, GroupExcluded}

// attentionRank is a CASE expression giving an item its place in attentionOrder.
func attentionRank() string {
	var b strings.Builder
	b.WriteString("CASE")
	for i, g := range attentionOrder {
		fmt.Fprintf(&b, " WHEN %s THEN %d", g.sql(""), i)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(attentionOrder))
	return b.String()
}

// likeEscape escapes LIKE's wildcards in s (the escape character is \).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// rebootPickSQL and startPickSQL select what RestartAll would queue (see
// RestartAllKind.Picks): they mirror restartOp.
var (
	rebootPickSQL = `key_state = 'done' AND restart_state = 'needs-reboot'`
	startPickSQL  = `key_state = 'done' AND restart_state NOT IN (` + quoted(groupDefs[GroupInMotion].restarts) +
		`, 'needs-decision', 'disappeared', 'needs-reboot') AND (restart_state IN ('needs-start', 'ended-stopped') OR last_status = 'Stopped')`
	retryableSQL = `(key_state = 'failed' AND key_retryable = 1) OR (restart_state = 'failed' AND restart_retryable = 1)`
)

// groupCounts counts a job's items per group, and what its bulk buttons
// would act on, in one pass.
func groupCounts(ctx context.Context, q store.DBTX, jobID int64) (map[Group]int, Ready, error) {
	cols := []string{"COUNT(*)"}
	for _, g := range Groups[1:] {
		cols = append(cols, "COALESCE(SUM(CASE WHEN "+g.sql("")+" THEN 1 ELSE 0 END), 0)")
	}
	for _, c := range []string{rebootPickSQL, startPickSQL, retryableSQL} {
		cols = append(cols, "COALESCE(SUM(CASE WHEN "+c+" THEN 1 ELSE 0 END), 0)")
	}
	vals := make([]int, len(cols))
	dest := make([]any, len(cols))
	for i := range vals {
		dest[i] = &vals[i]
	}
	err := q.QueryRowContext(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM job_items WHERE job_id = $1`, jobID).Scan(dest...)
	if err != nil {
		return nil, Ready{}, fmt.Errorf("jobs: count groups: %w", err)
	}
	out := make(map[Group]int, len(Groups))
	for i, g := range Groups {
		out[g] = vals[i]
	}
	n := len(Groups)
	return out, Ready{Reboot: vals[n], Start: vals[n+1], Retryable: vals[n+2]}, nil
}

// heldUpSQL selects the items waiting to be tried again after the cloud
// refused or failed their key call or their restart, with the code, words,
// attempts and next try of whichever call holds them.
const heldUpSQL = `SELECT key_code AS code, key_message AS message, key_attempts AS attempts, key_next_at AS next_at FROM job_items
		WHERE job_id = $1 AND key_state = 'pending' AND key_attempts > 0 AND key_code <> ''
	UNION ALL
	SELECT restart_code, restart_message, restart_attempts, next_at FROM job_items
		WHERE job_id = $1 AND restart_state = 'queued' AND restart_attempts > 0 AND restart_code <> ''`

// heldUp counts the items waiting to be tried again and finds the code most
// of them got.
func heldUp(ctx context.Context, q store.DBTX, jobID int64) (HeldUp, error) {
	var h HeldUp
	var next int64
	err := q.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM (`+heldUpSQL+`)), code, MAX(message), MAX(attempts), MIN(next_at)
		FROM (`+heldUpSQL+`) GROUP BY code ORDER BY COUNT(*) DESC, code LIMIT 1`, jobID).Scan(&h.Items, &h.Code, &h.Message, &h.Attempts, &next)
	if errors.Is(err, sql.ErrNoRows) {
		return HeldUp{}, nil
	}
	if err != nil {
		return HeldUp{}, fmt.Errorf("jobs: held up items: %w", err)
	}
	h.NextAt = fromMicros(next)
	return h, nil
}

// RestartPreview is what RestartAll of kind would queue now: how many
// items, and the first few in request order. The confirmation shows it.
func (e *Engine) RestartPreview(ctx context.Context, jobID int64, kind RestartAllKind, first int) (j Job, n int, items []Item, err error) {
	cond := rebootPickSQL
	switch kind {
	case RebootAllRunning:
	case StartAllStopped:
		cond = startPickSQL
	default:
		return Job{}, 0, nil, ErrBadRequest
	}
	err = e.read(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_items WHERE job_id = $1 AND `+cond, jobID).Scan(&n); err != nil {
			return fmt.Errorf("jobs: count restarts: %w", err)
		}
		items, err = store.All(ctx, tx, scanItem, `SELECT `+itemCols+` FROM job_items WHERE job_id = $1 AND `+cond+
			` ORDER BY seq LIMIT $2`, jobID, first)
		return err
	})
	return j, n, items, err
}

// Item reads one item of a job; ErrItemNotFound if the job has no such
// instance, ErrJobNotFound if there is no such job.
func (e *Engine) Item(ctx context.Context, jobID int64, instanceID string) (Job, Item, error) {
	var j Job
	var it Item
	err := e.read(ctx, func(tx *sql.Tx) error {
		var err error
		if j, err = loadJob(ctx, tx, jobID); err != nil {
			return err
		}
		it, err = scanItem(tx.QueryRowContext(ctx, `SELECT `+itemCols+` FROM job_items WHERE job_id = $1 AND instance_id = $2`, jobID, instanceID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrItemNotFound
		}
		return err
	})
	return j, it, err
}
