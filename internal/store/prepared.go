package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxPrepared bounds a StmtCache: the queries are fixed strings or combine
// from a few filters; past the bound, queries are parsed each time.
const maxPrepared = 256

// StmtCache keeps frequent queries prepared. Parsing SQL is most of what a
// page's queries cost SQLite (the session lookup on every request, the job
// list's state filters); a statement prepared once is re-used on every
// connection of the pool (database/sql prepares it again on a connection
// that lacks it). Safe for concurrent use.
type StmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// NewStmtCache returns an empty cache over db.
func NewStmtCache(db *sql.DB) *StmtCache { return &StmtCache{db: db, m: map[string]*sql.Stmt{}} }

// Prepare returns the prepared statements of the queries it could prepare,
// by query text. Call it outside a transaction: preparing on the pool
// inside one would wait for a second connection.
// A nil cache prepares nothing: the queries then run as text.
func (c *StmtCache) Prepare(ctx context.Context, queries ...string) map[string]*sql.Stmt {
	if c == nil {
		return nil
	}
	out := make(map[string]*sql.Stmt, len(queries))
	for _, q := range queries {
		if st := c.stmt(ctx, q); st != nil {
			out[q] = st
		}
	}
	return out
}

// stmt returns q prepared, or nil when it cannot be (the cache is full, or
// preparing failed: the query then runs as text and reports its error).
func (c *StmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	st, full := c.m[q], len(c.m) >= maxPrepared
	c.mu.Unlock()
	if st != nil || full {
		return st
	}
	p, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st = c.m[q]; st != nil {
		_ = p.Close()
		return st
	}
	c.m[q] = p
	return p
}

// PreparedTx runs the queries prepared for it (Stmts, from Prepare) as
// statements of the transaction, and any other query as text.
type PreparedTx struct {
	*sql.Tx
	Stmts map[string]*sql.Stmt
}

var _ DBTX = PreparedTx{}

// QueryContext runs query, prepared if it is in Stmts.
func (p PreparedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.Stmts[query]; st != nil {
		return p.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return p.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query, prepared if it is in Stmts.
func (p PreparedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.Stmts[query]; st != nil {
		return p.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return p.Tx.QueryRowContext(ctx, query, args...)
}

// preparedPool runs the pool's reads as prepared statements (writes, rare
// by comparison, go as text).
type preparedPool struct {
	*sql.DB
	stmts *StmtCache
}

func (p preparedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := p.stmts.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return p.DB.QueryContext(ctx, query, args...)
}

func (p preparedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := p.stmts.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.DB.QueryRowContext(ctx, query, args...)
}
