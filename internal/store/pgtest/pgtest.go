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
	admin, err := sql.Open("pgx", ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "keybind_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
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
