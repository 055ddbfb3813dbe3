package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"keybind/internal/cloud"
	"keybind/internal/store"
)

// Queries over job_items.

const itemCols = `job_id, seq, instance_id, name, os_name, plan_status, previous_key, action, key_pair, expect_key,
	key_change, exclude_reason,
	key_state, key_attempts, key_code, key_message, key_request_id, key_retryable, key_next_at, key_at, key_req,
	restart_state, op, force_stop, restart_attempts, restart_code, restart_message, restart_request_id, restart_retryable,
	last_status, seen_transition, queued_at, next_at, requested_at, accepted_at, stopped_since, deadline, restart_req,
	updated_at, rev, next_poll_at, polls, replaced_by, start_time, unconfirmed`

// itemArgs are the values of itemCols for it, in order.
func itemArgs(it Item) []any {
	return append([]any{it.JobID, it.Seq, it.InstanceID, toColumn(it.Name), toColumn(it.OSName), string(it.PlanStatus), it.PreviousKey,
		string(it.Action), it.KeyPair, it.ExpectKey, string(it.Change), string(it.ExcludeReason)}, mutableArgs(it)...)
}

// mutableArgs are the values of the columns the engine changes, from key_state on.
func mutableArgs(it Item) []any {
	return []any{string(it.Key), it.KeyAttempts, it.KeyCode, it.KeyMessage, it.KeyRequestID, b2i(it.KeyRetryable),
		micros(it.KeyNextAt), micros(it.KeyAt), it.KeyRequest,
		string(it.Restart), string(it.Op), b2i(it.Force), it.RestartAttempts, it.RestartCode, it.RestartMessage,
		it.RestartRequestID, b2i(it.RestartRetryable), string(it.LastStatus), b2i(it.SeenTransition),
		micros(it.QueuedAt), micros(it.NextAt), micros(it.RequestedAt), micros(it.AcceptedAt), micros(it.StoppedSince),
		micros(it.Deadline), it.RestartRequest, micros(it.UpdatedAt), it.Rev, micros(it.NextPollAt), it.Polls, it.ReplacedBy,
		micros(it.StartTime), b2i(it.Unconfirmed)}
}

func scanItem(sc store.Scanner) (Item, error) {
	var it Item
	var planStatus, action, change, excl, key, restart, op, last string
	var keyRetry, force, restartRetry, seen int
	var keyNext, keyAt, queued, next, requested, accepted, stopped, deadline, updated, nextPoll, started int64
	var unconfirmed int
	err := sc.Scan(&it.JobID, &it.Seq, &it.InstanceID, &it.Name, &it.OSName, &planStatus, &it.PreviousKey, &action,
		&it.KeyPair, &it.ExpectKey, &change, &excl,
		&key, &it.KeyAttempts, &it.KeyCode, &it.KeyMessage, &it.KeyRequestID, &keyRetry, &keyNext, &keyAt, &it.KeyRequest,
		&restart, &op, &force, &it.RestartAttempts, &it.RestartCode, &it.RestartMessage, &it.RestartRequestID, &restartRetry,
		&last, &seen, &queued, &next, &requested, &accepted, &stopped, &deadline, &it.RestartRequest, &updated, &it.Rev,
		&nextPoll, &it.Polls, &it.ReplacedBy, &started, &unconfirmed)
	if err != nil {
		return it, err
	}
	it.Name, it.OSName = fromColumn(it.Name), fromColumn(it.OSName)
	it.PlanStatus, it.Action, it.Change, it.ExcludeReason = cloud.Status(planStatus), KeyAction(action), Change(change), ExcludeReason(excl)
	it.Key, it.Restart, it.Op, it.LastStatus = KeyState(key), RestartState(restart), RestartOp(op), cloud.Status(last)
	it.KeyRetryable, it.Force, it.RestartRetryable, it.SeenTransition = keyRetry != 0, force != 0, restartRetry != 0, seen != 0
	it.KeyNextAt, it.KeyAt, it.QueuedAt, it.NextAt = fromMicros(keyNext), fromMicros(keyAt), fromMicros(queued), fromMicros(next)
	it.RequestedAt, it.AcceptedAt, it.StoppedSince = fromMicros(requested), fromMicros(accepted), fromMicros(stopped)
	it.Deadline, it.UpdatedAt = fromMicros(deadline), fromMicros(updated)
	it.NextPollAt, it.StartTime, it.Unconfirmed = fromMicros(nextPoll), fromMicros(started), unconfirmed != 0
	return it, nil
}

func insertItems(ctx context.Context, tx *sql.Tx, items []Item) error {
	ph := make([]string, strings.Count(itemCols, ",")+1)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO job_items (`+itemCols+`) VALUES (`+strings.Join(ph, ", ")+`)`)
	if err != nil {
		return fmt.Errorf("jobs: insert items: %w", err)
	}
	defer stmt.Close()
	for _, it := range items {
		if _, err := stmt.ExecContext(ctx, itemArgs(it)...); err != nil {
			return fmt.Errorf("jobs: insert item %s: %w", it.InstanceID, err)
		}
	}
	return nil
}

// updateSQL writes the mutable columns of one item if its states are still the ones it was read with.
var updateSQL = func() string {
	cols := strings.Split(itemCols, "key_state,")[1]
	names := strings.Fields(strings.ReplaceAll("key_state,"+cols, ",", " "))
	set := make([]string, len(names))
	for i, n := range names {
		set[i] = fmt.Sprintf("%s = $%d", n, i+1)
	}
	n := len(names)
	return fmt.Sprintf(`UPDATE job_items SET %s WHERE job_id = $%d AND instance_id = $%d AND key_state = $%d AND restart_state = $%d`,
		strings.Join(set, ", "), n+1, n+2, n+3, n+4)
}()

// change is an item to write back, with the states it was read in (compare-and-set).
type change struct {
	item        Item
	prevKey     KeyState
	prevRestart RestartState
}

// saveItems writes changes in tx and returns those that applied; a change whose item moved on
// in the meantime (a concurrent user request, say) is skipped.
func saveItems(ctx context.Context, tx *sql.Tx, changes []change) ([]Item, error) {
	if len(changes) == 0 {
		return nil, nil
	}
	stmt, err := tx.PrepareContext(ctx, updateSQL)
	if err != nil {
		return nil, fmt.Errorf("jobs: update items: %w", err)
	}
	defer stmt.Close()
	revs := map[int64]int64{} // job → its new revision, one per job and write
	applied := make([]Item, 0, len(changes))
	for _, c := range changes {
		rev, ok := revs[c.item.JobID]
		if !ok {
			if rev, err = bumpRev(ctx, tx, c.item.JobID); err != nil {
				return nil, err
			}
			revs[c.item.JobID] = rev
		}
		c.item.Rev = rev
		args := append(mutableArgs(c.item), c.item.JobID, c.item.InstanceID, string(c.prevKey), string(c.prevRestart))
		res, err := stmt.ExecContext(ctx, args...)
		if err != nil {
			return nil, fmt.Errorf("jobs: update item %s: %w", c.item.InstanceID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 1 {
			applied = append(applied, c.item)
		}
	}
	return applied, nil
}

// bumpRev raises the job's change counter and returns the new value.
func bumpRev(ctx context.Context, q store.DBTX, jobID int64) (int64, error) {
	var rev int64
	if err := q.QueryRowContext(ctx, `UPDATE jobs SET rev = rev + 1 WHERE id = $1 RETURNING rev`, jobID).Scan(&rev); err != nil {
		return 0, fmt.Errorf("jobs: job %d revision: %w", jobID, err)
	}
	return rev, nil
}

func loadItems(ctx context.Context, q store.DBTX, jobID int64) ([]Item, error) {
	return loadItemsWhere(ctx, q, jobID, "")
}

// loadItemsWhere loads a job's items, in request order, that match cond (a constant SQL condition
// over job_items, or "" for all).
func loadItemsWhere(ctx context.Context, q store.DBTX, jobID int64, cond string) ([]Item, error) {
	query := `SELECT ` + itemCols + ` FROM job_items WHERE job_id = $1`
	if cond != "" {
		query += ` AND (` + cond + `)`
	}
	out, err := store.All(ctx, q, scanItem, query+` ORDER BY seq`, jobID)
	if err != nil {
		return nil, fmt.Errorf("jobs: load items: %w", err)
	}
	return out, nil
}

// quotedMark starts a column value that holds a Go-quotedMark string (a private-use
// character no instance name begins with).
const quotedMark = "\uE000"

// toColumn is a name as a text column holds it on both engines: a name with
// a NUL or a byte that is not UTF-8, which PostgreSQL's text refuses (the
// sandbox's, or a cloud's, names may hold anything), is kept Go-quotedMark after
// the quotedMark; fromColumn reads it back as it was.
func toColumn(s string) string {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) || strings.HasPrefix(s, quotedMark) {
		return quotedMark + strconv.Quote(s)
	}
	return s
}

// fromColumn undoes toColumn.
func fromColumn(s string) string {
	if rest, ok := strings.CutPrefix(s, quotedMark); ok {
		if v, err := strconv.Unquote(rest); err == nil {
			return v
		}
	}
	return s
}
