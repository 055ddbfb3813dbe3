package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"keybind/internal/cloud"
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
	// Since, when set, reads in full only the page's items changed after
	// this revision (a poll): the others carry only their InstanceID, Seq
	// and Rev.
	Since int64
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
		if p.Job, err = scanJob(tx.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = $1`, jobID)); err != nil {
			return err // sql.ErrNoRows: read answers ErrJobNotFound
		}
		if p.Groups, p.Ready, p.Job.Counts, err = groupCounts(ctx, tx, jobID); err != nil {
			return err
		}
		p.Job.State = p.Job.deriveState()
		if p.HeldUp, err = heldUp(ctx, tx, jobID); err != nil {
			return err
		}
		where, args := q.where(jobID)
		if p.Matching = p.Groups[q.Group]; q.Search != "" {
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM job_items WHERE `+where, args...).Scan(&p.Matching); err != nil {
				return fmt.Errorf("jobs: count grid: %w", err)
			}
		}
		args = append(args, q.PageSize, (q.Page-1)*q.PageSize)
		page := ` FROM job_items WHERE ` + where + ` ORDER BY ` + q.orderBy() + fmt.Sprintf(` LIMIT $%d OFFSET $%d`, len(args)-1, len(args))
		if q.Since == 0 {
			p.Items, err = store.All(ctx, tx, scanItem, `SELECT `+itemCols+page, args...)
		} else {
			p.Items, err = changedSince(ctx, tx, jobID, q.Since, page, args)
		}
		if err != nil {
			return fmt.Errorf("jobs: grid page: %w", err)
		}
		return nil
	})
	return p, err
}

// changedSince reads a page (its FROM … LIMIT clause and arguments) as
// stubs, then in full the items of it that changed after revision since.
func changedSince(ctx context.Context, tx *sql.Tx, jobID, since int64, page string, args []any) ([]Item, error) {
	items, err := store.All(ctx, tx, func(sc store.Scanner) (Item, error) {
		it := Item{JobID: jobID}
		return it, sc.Scan(&it.InstanceID, &it.Seq, &it.Rev)
	}, `SELECT instance_id, seq, rev`+page, args...)
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	var ph []string
	in := []any{jobID}
	for i, it := range items {
		if it.Rev > since {
			at[it.InstanceID] = i
			in = append(in, it.InstanceID)
			ph = append(ph, fmt.Sprintf("$%d", len(in)))
		}
	}
	if len(ph) == 0 {
		return items, nil
	}
	full, err := store.All(ctx, tx, scanItem, `SELECT `+itemCols+` FROM job_items WHERE job_id = $1 AND instance_id IN (`+strings.Join(ph, ", ")+`)`, in...)
	for _, it := range full {
		items[at[it.InstanceID]] = it
	}
	return items, err
}

// Rev is the job's change counter (Job.Rev): a poll that finds it equal to
// the one it saw has nothing to fetch. ErrJobNotFound if there is no job.
func (e *Engine) Rev(ctx context.Context, jobID int64) (int64, error) {
	var rev int64
	err := e.read(ctx, func(tx *sql.Tx) error { // sql.ErrNoRows: read answers ErrJobNotFound
		return tx.QueryRowContext(ctx, `SELECT rev FROM jobs WHERE id = $1`, jobID).Scan(&rev)
	})
	return rev, err
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
var attentionOrder = []Group{GroupFailed, GroupDecision, GroupWaiting, GroupInMotion, GroupInEffect, GroupBound, GroupCancelled, GroupExcluded}

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
)

// groupCounts counts a job's items per group, what its bulk buttons would
// act on, and the job's Counts. SQLite only counts the items per
// combination of the states that matter (a handful, streamed from an index
// in its order); the groups, the picks, the retryable failures and the
// counts are then decided in Go by the rules the grid and the engine use
// (TestGridCountsAgreeWithTheEngine holds the counts to the engine's SQL).
func groupCounts(ctx context.Context, q store.DBTX, jobID int64) (map[Group]int, Ready, Counts, error) {
	out := make(map[Group]int, len(Groups))
	var ready Ready
	var c Counts
	rows, err := q.QueryContext(ctx, `SELECT key_state, restart_state, key_change, last_status, key_retryable, restart_retryable, COUNT(*)
		FROM job_items WHERE job_id = $1 GROUP BY key_state, restart_state, key_change, last_status, key_retryable, restart_retryable`, jobID)
	if err != nil {
		return nil, Ready{}, Counts{}, fmt.Errorf("jobs: count groups: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key, restart, change, last string
		var keyRetry, restartRetry, n int
		if err := rows.Scan(&key, &restart, &change, &last, &keyRetry, &restartRetry, &n); err != nil {
			return nil, Ready{}, Counts{}, fmt.Errorf("jobs: count groups: %w", err)
		}
		it := Item{Key: KeyState(key), Restart: RestartState(restart), Change: Change(change), LastStatus: cloud.Status(last),
			KeyRetryable: keyRetry != 0, RestartRetryable: restartRetry != 0}
		for _, g := range Groups {
			if g.Has(it) {
				out[g] += n
			}
		}
		if RebootAllRunning.Picks(it) {
			ready.Reboot += n
		}
		if StartAllStopped.Picks(it) {
			ready.Start += n
		}
		if it.View().Retryable {
			ready.Retryable += n
		}
		c.add(it, n)
	}
	return out, ready, c, rows.Err()
}

// add counts n items in the item's states, as countsSQL does.
func (c *Counts) add(it Item, n int) {
	byKey := map[KeyState]*int{KeyExcluded: &c.Excluded, KeyPending: &c.KeyPending, KeyAttempting: &c.KeyPending,
		KeyApplied: &c.KeyPending, KeyDone: &c.Bound, KeyFailed: &c.KeyFailed}
	byRestart := map[RestartState]*int{RestartNeedsReboot: &c.NeedsReboot, RestartNeedsStart: &c.NeedsStart,
		RestartKeyInEffect: &c.KeyInEffect, RestartMarkedDone: &c.MarkedDone, RestartNeedsDecision: &c.NeedsDecision,
		RestartQueued: &c.Queued, RestartKeyReplaced: &c.KeyReplaced}
	r := it.Restart
	for _, counted := range []struct {
		to *int
		is bool
	}{
		{&c.Total, true}, {byKey[it.Key], true}, {byRestart[r], true},
		{&c.AlreadyHad, it.Key != KeyExcluded && it.Change == ChangeSame},
		{&c.Cancelled, it.Key == KeyCancelled || r == RestartCancelled},
		{&c.InMotion, r.InMotion()},
		{&c.InFlight, r.InMotion() && r != RestartQueued}, // sent (or in transition), not settled
		{&c.Restarting, r == RestartRequested || r == RestartInProgress},
		{&c.RestartFailed, r.Failed()},
	} {
		if counted.is && counted.to != nil {
			*counted.to += n
		}
	}
}

// heldUp finds the items waiting to be tried again after the cloud
// refused or failed their key call or their restart (a restart is queued
// only once the key is done), and the code most of them got.
func heldUp(ctx context.Context, q store.DBTX, jobID int64) (HeldUp, error) {
	rows, err := q.QueryContext(ctx, `SELECT key_code, key_message, key_attempts, key_next_at FROM job_items
			WHERE job_id = $1 AND key_state = 'pending' AND key_attempts > 0 AND key_code <> ''
		UNION ALL
		SELECT restart_code, restart_message, restart_attempts, next_at FROM job_items
			WHERE job_id = $1 AND key_state = 'done' AND restart_state = 'queued' AND restart_attempts > 0 AND restart_code <> ''`, jobID)
	if err != nil {
		return HeldUp{}, fmt.Errorf("jobs: held up items: %w", err)
	}
	defer rows.Close()
	type code struct {
		n        int
		message  string
		attempts int
		next     int64
	}
	byCode := map[string]*code{}
	var h HeldUp
	for rows.Next() {
		var c, msg string
		var attempts int
		var next int64
		if err := rows.Scan(&c, &msg, &attempts, &next); err != nil {
			return HeldUp{}, fmt.Errorf("jobs: held up items: %w", err)
		}
		h.Items++
		k := byCode[c]
		if k == nil {
			k = &code{message: msg, next: next}
			byCode[c] = k
		}
		k.n++
		k.attempts, k.next = max(k.attempts, attempts), min(k.next, next)
	}
	for c, k := range byCode {
		if best := byCode[h.Code]; best == nil || k.n > best.n || k.n == best.n && c < h.Code {
			h.Code = c
		}
	}
	if k := byCode[h.Code]; k != nil {
		h.Message, h.Attempts, h.NextAt = k.message, k.attempts, fromMicros(k.next)
	}
	return h, rows.Err()
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
