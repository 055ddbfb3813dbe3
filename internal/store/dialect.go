package store

// This file and postgres.go are the seam between the two engines and the SQL
// the rest of the package (and internal/jobs, internal/selection) speaks.
// Queries use $N placeholders, INSERT … RETURNING and INSERT … ON CONFLICT,
// integers for booleans and unix microseconds for times: SQL that both SQLite
// and PostgreSQL accept unchanged. modernc.org/sqlite binds $N to the Nth
// argument (see TestDollarPlaceholdersBindPositionally), so there is no
// rebinding. What differs between the engines is collected here: how a
// database is opened, how its errors are classified, one JSON predicate, and
// the few rewrites of the migrations (migrate.go).

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect is a database engine keybind runs on.
type Dialect uint8

const (
	// SQLite is the embedded default: one file in the data directory.
	SQLite Dialect = iota
	// Postgres is PostgreSQL, shared by any number of replicas.
	Postgres
)

func (d Dialect) String() string {
	if d == Postgres {
		return "postgres"
	}
	return "sqlite"
}

func (d Dialect) goose() goose.Dialect {
	if d == Postgres {
		return goose.DialectPostgres
	}
	return goose.DialectSQLite3
}

const (
	driverName = "sqlite"

	// busyTimeout is how long a statement waits for another connection's
	// (or another process's) write lock before failing with SQLITE_BUSY.
	busyTimeout = 10 * time.Second

	// maxOpenConns bounds the pool. SQLite allows one writer at a time; WAL
	// lets readers proceed while it writes.
	maxOpenConns = 8
)

// dsn returns the data source name for the database file at path.
//
//   - journal_mode=WAL is not here: it is a property of the file, set once by
//     enableWAL, because switching a new file to WAL from two processes at
//     once can fail with SQLITE_BUSY without waiting.
//   - synchronous=FULL: every COMMIT is fsynced to the WAL before it returns.
//     NORMAL would already survive a killed process (the WAL is in the OS page
//     cache); FULL also survives power loss or a kernel crash, which matters
//     for audit rows written just before a production reboot. The writes are
//     few and human-paced, so the extra fsync costs nothing noticeable.
//   - busy_timeout: a second process (the CLI next to a running server) waits
//     for the lock instead of failing.
//   - foreign_keys=1: SQLite enforces REFERENCES only when asked, per connection.
//   - _txlock=immediate: BEGIN IMMEDIATE for read-write transactions, so a
//     transaction that reads then writes cannot fail half-way with
//     SQLITE_BUSY when another connection wrote in between; it waits for the
//     lock at BEGIN instead. Read-only transactions still use plain BEGIN.
func dsn(path string) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busyTimeout.Milliseconds(), 10))
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// enableWAL switches the database file to write-ahead logging: readers do not
// block the writer, and a crash never leaves a half-written page in the
// database file. It retries while another process holds the lock, for up to
// busyTimeout.
func enableWAL(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyTimeout)
	for {
		var mode string
		err := db.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode)
		if err == nil && !strings.EqualFold(mode, "wal") {
			err = fmt.Errorf("journal_mode is %q, want wal", mode)
		}
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	code := se.Code() & 0xff // primary result code
	return code == sqlite3.SQLITE_BUSY || code == sqlite3.SQLITE_LOCKED
}

// Unavailable reports whether err, anywhere in its chain, is the database
// refusing work for a reason outside the request: the disk or the database
// is full, the file or file system is read-only, an I/O error, another writer
// held the lock past busyTimeout, or (PostgreSQL) the server cannot be
// reached or is shutting down. It says "try again later", not "what you asked
// is wrong". It works on errors from any package that uses the pool (the job
// engine and selections too), since it looks at the driver's error.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	if Unreachable(err) || pgUnavailable(err) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}

// isUniqueViolation reports whether err is a UNIQUE or PRIMARY KEY
// constraint failure.
func isUniqueViolation(err error) bool {
	if pgCode(err) == "23505" {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// jsonArrayContains returns a predicate that is true when the JSON array of
// strings in column holds the value bound to param.
func (d Dialect) jsonArrayContains(column, param string) string {
	if d == Postgres {
		return "(" + column + ")::jsonb @> jsonb_build_array(CAST(" + param + " AS TEXT))"
	}
	return "EXISTS (SELECT 1 FROM json_each(" + column + ") WHERE json_each.value = " + param + ")"
}

// Times are stored as BIGINT unix microseconds in UTC. The application clock
// decides what "now" is; no query calls the database's own clock, so tests
// with a fake clock see consistent rows and both engines behave alike.

func micros(t time.Time) int64 { return t.UTC().UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// Tables lists keybind's tables (goose's included), for tests and checks
// that look at everything the database holds.
func (s *Store) Tables(ctx context.Context) ([]string, error) {
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`
	if s.dialect == Postgres {
		list = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`
	}
	return All(ctx, s.db, func(r Scanner) (string, error) {
		var n string
		return n, r.Scan(&n)
	}, list)
}
