package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// onOneConnection shrinks st's pool to one connection, so that a PRAGMA run
// on the pool holds for every later query (SQLite pragmas are per connection).
func onOneConnection(t *testing.T, st *Store, pragma string) {
	t.Helper()
	st.DB().SetMaxOpenConns(1)
	st.DB().SetMaxIdleConns(1)
	if _, err := st.DB().ExecContext(context.Background(), "PRAGMA "+pragma); err != nil {
		t.Fatal(err)
	}
}

func wantNotReady(t *testing.T, err error, reason string) {
	t.Helper()
	var nr *NotReadyError
	if !errors.As(err, &nr) || !strings.Contains(nr.Reason, reason) {
		t.Fatalf("Ready = %v, want a *NotReadyError saying %q", err, reason)
	}
}

func TestReady(t *testing.T) {
	st := openTest(t)
	if err := st.Ready(context.Background(), t0); err != nil {
		t.Fatalf("Ready on a fresh database = %v, want nil", err)
	}
	var at int64
	if err := st.DB().QueryRow(`SELECT checked_at FROM readiness_probe WHERE id = 1`).Scan(&at); err != nil || at != micros(t0) {
		t.Errorf("probe row = %d, %v; want it rewritten at %d", at, err, micros(t0))
	}
}

// A read-only database (a file system remounted read-only, a file whose
// permissions changed): the probe write fails, and so does any other write,
// with an error Unavailable recognises.
func TestReadyFailsOnAReadOnlyDatabase(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	onOneConnection(t, st, "query_only = 1")
	wantNotReady(t, st.Ready(ctx, t0), "cannot be written")
	_, err := st.RecordLoginFailure(ctx, FailureKey{Scope: ScopeAccount, Account: "a"}, t0, t0)
	if err == nil || !Unavailable(err) {
		t.Errorf("a write on the read-only database: %v; want an error Unavailable recognises", err)
	}
}

// A full database: SQLite answers SQLITE_FULL, as on a full disk, once a
// write needs a page it does not have. Ready says so before that happens,
// while small updates still succeed.
func TestReadyFailsOnAFullDatabase(t *testing.T) {
	ctx := context.Background()
	st := openSQLite(t)
	var pages int64
	if err := st.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	onOneConnection(t, st, "max_page_count = "+strconv.FormatInt(pages+4, 10))
	wantNotReady(t, st.Ready(ctx, t0), "full")

	var err error
	for i := 0; err == nil && i < 1000; i++ {
		_, err = st.AppendAudit(ctx, AuditEntry{Time: t0, Action: "fill", Outcome: OutcomeSuccess, Detail: strings.Repeat("x", 2000)})
	}
	if err == nil || !Unavailable(err) || !strings.Contains(err.Error(), "full") {
		t.Fatalf("filling the database: %v; want SQLITE_FULL, which Unavailable recognises", err)
	}
	wantNotReady(t, st.Ready(ctx, t0), "full")
}

func TestReadyFailsWhenMigrationsAreNotApplied(t *testing.T) {
	st := openTest(t)
	latest := latestVersion(t, st)
	if _, err := st.DB().Exec(`DELETE FROM goose_db_version WHERE version_id = $1`, latest); err != nil {
		t.Fatal(err)
	}
	wantNotReady(t, st.Ready(context.Background(), t0), "migrations are not applied")
}

func TestUnavailableIsOnlyTheEnvironment(t *testing.T) {
	st := openTest(t)
	_, err := st.DB().Exec(`INSERT INTO no_such_table VALUES (1)`)
	if err == nil || Unavailable(err) {
		t.Errorf("a bad statement: %v; Unavailable = true, want false", err)
	}
	if Unavailable(nil) || Unavailable(errors.New("store: something else")) {
		t.Error("Unavailable is true for an error that is not the database's")
	}
}

// Only the database's errors are "unreachable": a network error of
// something else (a cloud call) is not, nor is a bad statement.
func TestUnreachableIsOnlyTheDatabase(t *testing.T) {
	netErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, err := range []error{nil, netErr, fmt.Errorf("cloud: describe instances: %w", netErr), io.ErrUnexpectedEOF,
		&pgconn.PgError{Code: "42P01", Message: "relation does not exist"}} {
		if Unreachable(err) {
			t.Errorf("Unreachable(%v) = true, want false", err)
		}
	}
	for _, err := range []error{&pgconn.ConnectError{}, fmt.Errorf("store: x: %w", &pgconn.PgError{Code: "57P01"}),
		&pgconn.PgError{Code: "08006"}, driver.ErrBadConn} {
		if !Unreachable(err) || !Unavailable(err) {
			t.Errorf("Unreachable(%v), Unavailable = false, want true", err)
		}
	}
}
