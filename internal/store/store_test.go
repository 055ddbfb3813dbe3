package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"keybind/internal/store/pgtest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// openTest opens a fresh database of the kind the tests run against:
// SQLite, or PostgreSQL with KEYBIND_TEST_DATABASE=postgres (see pgtest).
func openTest(t testing.TB) *Store {
	t.Helper()
	if pgtest.Enabled() {
		st, err := OpenPostgres(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatalf("OpenPostgres: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	return openSQLite(t)
}

// openSQLite opens a fresh SQLite database, for the tests of what only
// SQLite does.
func openSQLite(t testing.TB) *Store {
	t.Helper()
	st, err := Open(context.Background(), filepath.Join(t.TempDir(), "keybind.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustUser(t testing.TB, q *Queries, name, role string) int64 {
	t.Helper()
	id, err := q.CreateUser(context.Background(), UserRow{
		Name: name, Role: role, PasswordHash: "$argon2id$test",
		CreatedAt: t0, PasswordChangedAt: t0, UpdatedAt: t0,
	})
	if err != nil {
		t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return id
}

// latestVersion is the version of the newest embedded migration.
func latestVersion(t testing.TB, st *Store) int64 {
	t.Helper()
	p, err := newProvider(st.DB(), st.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	var v int64
	for _, src := range p.ListSources() {
		v = max(v, src.Version)
	}
	if v < 1 {
		t.Fatalf("no embedded migrations")
	}
	return v
}

// migrationCount is the number of embedded migrations.
func migrationCount(t testing.TB, st *Store) int {
	t.Helper()
	p, err := newProvider(st.DB(), st.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	return len(p.ListSources())
}

func TestOpenAppliesMigrationsOnEmptyDB(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "keybind.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()

	want := latestVersion(t, st)
	v, err := st.SchemaVersion(ctx)
	if err != nil || v != want {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, want)
	}
	for _, table := range []string{"users", "sessions", "login_failures", "audit", "user_prefs", "readiness_probe"} {
		var n int
		err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`, table).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("table %s: count %d, err %v; want 1", table, n, err)
		}
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("database file mode = %o, want 600", got)
		}
		di, err := os.Stat(filepath.Dir(path))
		if err != nil {
			t.Fatal(err)
		}
		if got := di.Mode().Perm(); got != 0o700 {
			t.Errorf("directory mode = %o, want 700", got)
		}
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keybind.db")
	for i := range 3 {
		st, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if i == 0 {
			mustUser(t, st.Queries, "alice", "admin")
		}
		want := latestVersion(t, st)
		v, err := st.SchemaVersion(ctx)
		if err != nil || v != want {
			t.Errorf("Open #%d: SchemaVersion = %d, %v; want %d", i+1, v, err, want)
		}
		n, err := st.CountUsers(ctx)
		if err != nil || n != 1 {
			t.Errorf("Open #%d: CountUsers = %d, %v; want 1", i+1, n, err)
		}
		// Migration numbers have gaps (ranges are handed out per change), so
		// count the embedded migrations rather than trust the newest number.
		embedded := migrationCount(t, st)
		var applied, distinct int
		err = st.DB().QueryRowContext(ctx, `SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&applied, &distinct)
		if err != nil || applied != embedded || distinct != embedded {
			t.Errorf("Open #%d: %d migrations recorded (%d distinct), %v; want each of %d once", i+1, applied, distinct, err, embedded)
		}
		st.Close()
	}
}

func TestCommittedWriteSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keybind.db")
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	err = st.WithTx(ctx, func(tx *sql.Tx) error {
		q := st.With(tx)
		id := mustUser(t, q, "alice", "admin")
		_, err := q.AppendAudit(ctx, AuditEntry{Time: t0, UserID: id, Username: "alice", Action: "user.create", Outcome: OutcomeSuccess})
		return err
	})
	if err != nil {
		t.Fatalf("WithTx: %v", err)
	}
	st.Close()

	st, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.UserByName(ctx, "alice"); err != nil {
		t.Errorf("after reopen: UserByName(alice): %v", err)
	}
	if _, total, err := st.ListAudit(ctx, AuditFilter{}); err != nil || total != 1 {
		t.Errorf("after reopen: audit total = %d, %v; want 1", total, err)
	}
}

func TestFailedTxLeavesNothing(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	boom := errors.New("boom")

	err := st.WithTx(ctx, func(tx *sql.Tx) error {
		mustUser(t, st.With(tx), "alice", "admin")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("WithTx error = %v, want boom", err)
	}

	func() {
		defer func() {
			if p := recover(); p != "panic in tx" {
				t.Errorf("recovered %v, want the panic to propagate", p)
			}
		}()
		_ = st.WithTx(ctx, func(tx *sql.Tx) error {
			mustUser(t, st.With(tx), "bob", "admin")
			panic("panic in tx")
		})
	}()

	if n, err := st.CountUsers(ctx); err != nil || n != 0 {
		t.Errorf("CountUsers = %d, %v; want 0 after rolled-back transactions", n, err)
	}
	// The pool is still usable: no connection was left inside a transaction.
	mustUser(t, st.Queries, "carol", "admin")
}

// TestKilledProcessKeepsCommittedData runs a child process that commits one
// user, starts a transaction writing another and is killed with SIGKILL
// before committing. The database must be intact, with the first user only.
func TestKilledProcessKeepsCommittedData(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is unix-only")
	}
	path := filepath.Join(t.TempDir(), "keybind.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$")
	cmd.Env = append(os.Environ(), "KEYBIND_STORE_HELPER_DB="+path)
	out, err := cmd.CombinedOutput()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("helper: err = %v, want it killed; output:\n%s", err, out)
	}
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("helper did not die of SIGKILL: %v; output:\n%s", err, out)
	}

	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after kill: %v", err)
	}
	defer st.Close()
	var check string
	if err := st.DB().QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", check, err)
	}
	if _, err := st.UserByName(ctx, "committed"); err != nil {
		t.Errorf("committed user lost: %v", err)
	}
	if _, err := st.UserByName(ctx, "uncommitted"); !errors.Is(err, ErrNotFound) {
		t.Errorf("uncommitted user: err = %v, want ErrNotFound", err)
	}
}

func TestHelperKilledWriter(t *testing.T) {
	path := os.Getenv("KEYBIND_STORE_HELPER_DB")
	if path == "" {
		t.Skip("helper process for TestKilledProcessKeepsCommittedData")
	}
	ctx := context.Background()
	st, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	mustUser(t, st.Queries, "committed", "admin")
	_ = st.WithTx(ctx, func(tx *sql.Tx) error {
		mustUser(t, st.With(tx), "uncommitted", "admin")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // never reached
	})
}

// TestTwoStoresWriteConcurrently is the CLI writing while the server runs:
// two pools on one file, each writing from several goroutines.
func TestTwoStoresWriteConcurrently(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keybind.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	const perWorker = 20
	shared := FailureKey{Scope: ScopeAccount, Account: "shared"}
	var wg sync.WaitGroup
	errs := make(chan error, 4*perWorker)
	for w, st := range []*Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				err := st.WithTx(ctx, func(tx *sql.Tx) error {
					q := st.With(tx)
					if _, err := q.RecordLoginFailure(ctx, shared, t0, t0.Add(-time.Hour)); err != nil {
						return err
					}
					_, err := q.AppendAudit(ctx, AuditEntry{Time: t0, Action: "test.write", Outcome: OutcomeSuccess, Detail: string(rune('a'+w)) + string(rune('a'+i))})
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write: %v", err)
	}
	rows, err := a.LoginFailures(ctx, shared)
	if err != nil || rows[0].Failures != 4*perWorker {
		t.Errorf("failures = %v, %v; want %d (no lost update)", rows, err, 4*perWorker)
	}
	if _, total, err := b.ListAudit(ctx, AuditFilter{Action: "test.write"}); err != nil || total != 4*perWorker {
		t.Errorf("audit rows = %d, %v; want %d", total, err, 4*perWorker)
	}
}

func TestConcurrentOpenOfNewFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keybind.db")
	var wg sync.WaitGroup
	stores := make([]*Store, 2)
	errs := make([]error, 2)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(ctx, path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		defer stores[i].Close()
	}
	for i, st := range stores {
		want := latestVersion(t, st)
		if v, err := st.SchemaVersion(ctx); err != nil || v != want {
			t.Errorf("store #%d: SchemaVersion = %d, %v; want %d", i+1, v, err, want)
		}
	}
}
