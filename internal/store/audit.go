package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
	OutcomeIntent  = "intent" // written before a cloud call; its outcome follows
)

// maxDetail bounds AuditEntry.Detail (bytes); longer text is cut.
const maxDetail = 1024

// AuditEntry is one row of the append-only audit trail. It must never carry
// a password, session ID, cookie, access key secret or private key.
type AuditEntry struct {
	ID          int64
	Time        time.Time // UTC; zero means now
	UserID      int64     // 0: no account (CLI, failed sign-in of an unknown name)
	Username    string
	Role        string
	Via         string // "web", "cli", "api"
	ClientIP    string
	Action      string
	Region      string
	KeyPair     string
	InstanceIDs []string
	Outcome     string
	Detail      string
	RequestIDs  []string // cloud RequestIds
	JobID       int64    // 0: none
	Account     string   // the cloud account of a cloud action; "" for none
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	UserID     int64
	Username   string
	Action     string
	Outcome    string
	Account    string    // the cloud account of a cloud action
	InstanceID string    // matches an entry whose InstanceIDs contain it
	From       time.Time // inclusive
	To         time.Time // exclusive
	Page       int       // 1-based; ListAudit only
	PageSize   int       // ListAudit only; default 50, at most 500
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
	eachBatch       = 500
)

func encodeList(l []string) (string, error) {
	if len(l) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(l)
	return string(b), err
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// AppendAudit appends e and returns its ID. There is no way to change or
// delete an entry: triggers refuse UPDATE and DELETE on the table.
func (q *Queries) AppendAudit(ctx context.Context, e AuditEntry) (int64, error) {
	if e.Action == "" || e.Outcome == "" {
		return 0, fmt.Errorf("store: append audit: action and outcome are required")
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	inst, err := encodeList(e.InstanceIDs)
	if err != nil {
		return 0, fmt.Errorf("store: append audit: %w", err)
	}
	reqs, err := encodeList(e.RequestIDs)
	if err != nil {
		return 0, fmt.Errorf("store: append audit: %w", err)
	}
	var userID, jobID sql.NullInt64
	if e.UserID != 0 {
		userID = sql.NullInt64{Int64: e.UserID, Valid: true}
	}
	if e.JobID != 0 {
		jobID = sql.NullInt64{Int64: e.JobID, Valid: true}
	}
	var id int64
	err = q.db.QueryRowContext(ctx, `
		INSERT INTO audit (at, user_id, username, role, via, client_ip, action, region, key_pair,
		                   instance_ids, outcome, detail, request_ids, job_id, account)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		RETURNING id`,
		micros(e.Time), userID, e.Username, e.Role, e.Via, e.ClientIP, e.Action, e.Region, e.KeyPair,
		inst, e.Outcome, cut(e.Detail, maxDetail), reqs, jobID, e.Account).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store: append audit: %w", err)
	}
	return id, nil
}

// where builds the WHERE clause of f; its placeholders start at $1.
func (f AuditFilter) where(d Dialect) (string, []any) {
	var (
		conds []string
		args  []any
	)
	add := func(cond string, arg any) {
		args = append(args, arg)
		conds = append(conds, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.UserID != 0 {
		add("user_id = ?", f.UserID)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.Outcome != "" {
		add("outcome = ?", f.Outcome)
	}
	if f.Account != "" {
		add("account = ?", f.Account)
	}
	if f.InstanceID != "" {
		add(d.jsonArrayContains("instance_ids", "?"), f.InstanceID)
	}
	if !f.From.IsZero() {
		add("at >= ?", micros(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", micros(f.To))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

const auditColumns = `id, at, user_id, username, role, via, client_ip, action, region, key_pair,
	instance_ids, outcome, detail, request_ids, job_id, account`

func scanAudit(rows Scanner) (AuditEntry, error) {
	var (
		e             AuditEntry
		at            int64
		userID, jobID sql.NullInt64
		inst, reqs    string
	)
	err := rows.Scan(&e.ID, &at, &userID, &e.Username, &e.Role, &e.Via, &e.ClientIP, &e.Action,
		&e.Region, &e.KeyPair, &inst, &e.Outcome, &e.Detail, &reqs, &jobID, &e.Account)
	if err != nil {
		return AuditEntry{}, err
	}
	e.Time, e.UserID, e.JobID = fromMicros(at), userID.Int64, jobID.Int64
	if err := json.Unmarshal([]byte(inst), &e.InstanceIDs); err != nil {
		return AuditEntry{}, err
	}
	if err := json.Unmarshal([]byte(reqs), &e.RequestIDs); err != nil {
		return AuditEntry{}, err
	}
	return e, nil
}

func (q *Queries) queryAudit(ctx context.Context, query string, args ...any) ([]AuditEntry, error) {
	return All(ctx, q.db, scanAudit, query, args...)
}

// ListAudit returns one page of the entries f selects, newest first, and the
// number of entries it selects in all.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) (page []AuditEntry, total int, err error) {
	size := f.PageSize
	if size <= 0 {
		size = defaultPageSize
	}
	size = min(size, maxPageSize)
	pageNo := max(f.Page, 1)
	where, args := f.where(s.dialect)
	n := len(args)
	err = s.readTx(ctx, func(q *Queries) error {
		if err := q.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit`+where, args...).Scan(&total); err != nil {
			return err
		}
		page, err = q.queryAudit(ctx, `SELECT `+auditColumns+` FROM audit`+where+
			` ORDER BY at DESC, id DESC LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2),
			append(args, size, (pageNo-1)*size)...)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("store: list audit: %w", err)
	}
	return page, total, nil
}

// EachAudit calls fn for every entry f selects, newest first, ignoring
// Page and PageSize; it stops at fn's first error and returns it. Entries are
// read in batches, so no transaction stays open while fn runs (a slow CSV
// download does not hold up the database).
func (q *Queries) EachAudit(ctx context.Context, f AuditFilter, fn func(AuditEntry) error) error {
	where, args := f.where(q.dialect)
	n := len(args)
	var after *AuditEntry
	for {
		query, qargs := `SELECT `+auditColumns+` FROM audit`+where, append([]any(nil), args...)
		if after != nil {
			keyset := `(at < $` + strconv.Itoa(n+1) + ` OR (at = $` + strconv.Itoa(n+1) + ` AND id < $` + strconv.Itoa(n+2) + `))`
			if where == "" {
				query += " WHERE " + keyset
			} else {
				query += " AND " + keyset
			}
			qargs = append(qargs, micros(after.Time), after.ID)
		}
		query += ` ORDER BY at DESC, id DESC LIMIT ` + strconv.Itoa(eachBatch)
		batch, err := q.queryAudit(ctx, query, qargs...)
		if err != nil {
			return fmt.Errorf("store: read audit: %w", err)
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(batch) < eachBatch {
			return nil
		}
		after = &batch[len(batch)-1]
	}
}
