// Package pgtest makes a fresh PostgreSQL database for a test on the server
// the tests use (127.0.0.1:5432, user postgres, trust authentication, or
// KEYBIND_TEST_POSTGRES_URL) and drops it when the test ends. It imports
// nothing of keybind's, so the store's own tests can use it.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Env selects the store the tests run against: KEYBIND_TEST_DATABASE=postgres
// runs them against PostgreSQL, anything else against SQLite.
const Env = "KEYBIND_TEST_DATABASE"

// Enabled reports whether the tests run against PostgreSQL.
func Enabled() bool { return os.Getenv(Env) == "postgres" }

// ServerURL is the URL of the maintenance database on the test server.
func ServerURL() string {
	if u := os.Getenv("KEYBIND_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDatabase creates a uniquely named, empty database and returns its URL;
// tb.Cleanup drops it (with FORCE: connections a test left open, or a
// keybind process it started, do not keep it).
func NewDatabase(tb testing.TB) string {
	tb.Helper()
	return NewDatabaseFrom(tb, "")
}

// NewDatabaseFrom is NewDatabase copying the database template (made with
// Template) instead of starting empty; "" starts empty.
func NewDatabaseFrom(tb testing.TB, template string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "keybind_test_" + hex.EncodeToString(b[:])
	create := `CREATE DATABASE ` + name
	if template != "" {
		create += ` TEMPLATE ` + template
	}
	if _, err := admin.ExecContext(ctx, create); err != nil {
		admin.Close()
		tb.Fatalf("pgtest: create database %s on %s: %v (is PostgreSQL running? scripts/test.sh starts one)", name, ServerURL(), err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Cut makes the database at dbURL unreachable, as a server that went away
// is: it refuses new connections and the ones open are terminated. Only
// that database is touched, never the shared server. Restore undoes it;
// tb.Cleanup restores it too.
func Cut(tb testing.TB, dbURL string) {
	tb.Helper()
	name := dbName(tb, dbURL)
	adminExec(tb, `ALTER DATABASE `+name+` WITH ALLOW_CONNECTIONS false`)
	adminExec(tb, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+name+`' AND pid <> pg_backend_pid()`)
	tb.Cleanup(func() { Restore(tb, dbURL) })
}

// Restore lets the database at dbURL take connections again.
func Restore(tb testing.TB, dbURL string) {
	tb.Helper()
	adminExec(tb, `ALTER DATABASE `+dbName(tb, dbURL)+` WITH ALLOW_CONNECTIONS true`)
}

// TerminateConnections ends every open connection to the database at dbURL
// (pg_terminate_backend), as a server restart or a failover does; new ones
// are accepted.
func TerminateConnections(tb testing.TB, dbURL string) {
	tb.Helper()
	adminExec(tb, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '`+dbName(tb, dbURL)+`' AND pid <> pg_backend_pid()`)
}

func dbName(tb testing.TB, dbURL string) string {
	tb.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if !strings.HasPrefix(name, "keybind_test_") {
		tb.Fatalf("pgtest: %q is not a test database", name)
	}
	return name
}

func adminExec(tb testing.TB, statement string) {
	tb.Helper()
	admin, err := sql.Open("pgx", ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, statement); err != nil {
		tb.Fatalf("pgtest: %s: %v", statement, err)
	}
}

// Template returns the name of a template database called name, building
// it with build (given the URL of an empty database, which it must leave
// without connections) the first time any test process asks for it. The
// template is kept for later runs: name it after what build puts in it.
// Processes asking at once take turns through an advisory lock.
func Template(name string, build func(url string) error) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := sql.Open("pgx", ServerURL())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx) // the advisory lock is the session's
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(hashtext($1))`, name); err != nil {
		return "", err
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(hashtext($1))`, name) }()
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	building := name + "_building_" + hex.EncodeToString(b[:])
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	u, err := url.Parse(ServerURL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + building
	if err := build(u.String()); err != nil {
		_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
		return "", err
	}
	for _, stmt := range []string{
		`ALTER DATABASE ` + building + ` WITH ALLOW_CONNECTIONS false`, // nothing may use it but CREATE DATABASE … TEMPLATE
		`ALTER DATABASE ` + building + ` RENAME TO ` + name,
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			_, _ = conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+building+` WITH (FORCE)`)
			return "", err
		}
	}
	return name, nil
}
