package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestPreparedStatementsAnswerLikeText: a read through the prepared pool, a
// PreparedTx and a nil cache answer alike; the pool prepares each query once.
func TestPreparedStatementsAnswerLikeText(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "keybind.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const q = `SELECT COUNT(*) FROM users WHERE name <> $1`
	for range 3 {
		var n int
		if err := st.Queries.db.QueryRowContext(ctx, q, "nobody").Scan(&n); err != nil || n != 0 {
			t.Fatalf("through the pool: %d, %v", n, err)
		}
	}
	if got := len(st.Stmts().m); got != 1 {
		t.Errorf("%d statements prepared for one query run 3 times, want 1", got)
	}
	for _, c := range []*StmtCache{st.Stmts(), nil} {
		stmts := c.Prepare(ctx, q)
		err := st.WithTx(ctx, func(tx *sql.Tx) error {
			var n int
			if err := (PreparedTx{Tx: tx, Stmts: stmts}).QueryRowContext(ctx, q, "nobody").Scan(&n); err != nil || n != 0 {
				t.Errorf("in a transaction (cache %v): %d, %v", c != nil, n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Queries.db.QueryContext(ctx, `SELECT nope FROM nowhere`); err == nil {
		t.Error("a bad query through the pool: no error")
	}
}
