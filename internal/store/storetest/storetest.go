// Package storetest opens a fresh keybind database for a test: SQLite in the
// test's temporary directory, or, with KEYBIND_TEST_DATABASE=postgres, a new
// PostgreSQL database on the test server (see pgtest) dropped when the test
// ends.
package storetest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"keybind/internal/store"
	"keybind/internal/store/pgtest"
)

// Postgres reports whether the tests run against PostgreSQL.
func Postgres() bool { return pgtest.Enabled() }

// Open opens a fresh database of the selected kind; tb.Cleanup closes it.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	if pgtest.Enabled() {
		return OpenPostgres(tb)
	}
	return OpenSQLite(tb)
}

// OpenSQLite opens a fresh SQLite database whatever the selection.
func OpenSQLite(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "keybind.db"))
	if err != nil {
		tb.Fatalf("storetest: open SQLite: %v", err)
	}
	tb.Cleanup(func() { _ = st.Close() })
	return st
}

// OpenPostgres opens a fresh PostgreSQL database whatever the selection.
func OpenPostgres(tb testing.TB) *store.Store {
	tb.Helper()
	tmpl, err := template()
	if err != nil {
		tb.Fatalf("storetest: the migrated template database: %v", err)
	}
	u := pgtest.NewDatabaseFrom(tb, tmpl)
	st, err := store.OpenPostgres(context.Background(), u)
	if err != nil {
		tb.Fatalf("storetest: open PostgreSQL: %v", err)
	}
	urls.Store(st, u)
	tb.Cleanup(func() { urls.Delete(st); _ = st.Close() })
	return st
}

// urls remembers the URL of each PostgreSQL store Open made, for Reopen.
var urls sync.Map // *store.Store → string

// Reopen opens the same database as st once more (a second replica, or the
// console after a restart); tb.Cleanup closes it.
func Reopen(tb testing.TB, st *store.Store) *store.Store {
	tb.Helper()
	var (
		again *store.Store
		err   error
	)
	if st.Dialect() == store.Postgres {
		u, ok := urls.Load(st)
		if !ok {
			tb.Fatalf("storetest: reopen: the store was not opened by storetest")
		}
		again, err = store.OpenPostgres(context.Background(), u.(string))
	} else {
		again, err = store.Open(context.Background(), st.Path())
	}
	if err != nil {
		tb.Fatalf("storetest: reopen: %v", err)
	}
	tb.Cleanup(func() { _ = again.Close() })
	return again
}

// URL returns the URL of a PostgreSQL store Open made, for a test that
// starts keybind processes on it or cuts it off (pgtest.Cut).
func URL(tb testing.TB, st *store.Store) string {
	tb.Helper()
	u, ok := urls.Load(st)
	if !ok {
		tb.Fatalf("storetest: not a PostgreSQL store opened by storetest")
	}
	return u.(string)
}

// template is a PostgreSQL database with every migration applied, copied
// for each test (CREATE DATABASE … TEMPLATE), which is quicker than
// migrating each one. It is named after the migrations, so a change to them
// builds a new one.
var template = sync.OnceValues(func() (string, error) {
	id, err := store.SchemaID(store.Postgres)
	if err != nil {
		return "", err
	}
	return pgtest.Template("keybind_template_"+id, func(u string) error {
		st, err := store.OpenPostgres(context.Background(), u)
		if err != nil {
			return err
		}
		return st.Close()
	})
})
