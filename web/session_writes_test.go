package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"keybind/internal/store"
	"keybind/internal/testapp"
)

// TestPageViewsDoNotWriteTheSession: a page view that changes nothing reads
// the session row and writes nothing; once last-seen is more than a minute
// old, a view extends the idle window with one write. A trigger counts the
// row's writes.
func TestPageViewsDoNotWriteTheSession(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 5})
	c := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	db := app.Store.DB()
	ctx := context.Background()
	stmts := []string{
		`CREATE TABLE session_writes (n INTEGER)`,
		`CREATE TRIGGER session_updated AFTER UPDATE ON sessions BEGIN INSERT INTO session_writes VALUES (1); END`,
		`CREATE TRIGGER session_inserted AFTER INSERT ON sessions BEGIN INSERT INTO session_writes VALUES (1); END`,
	}
	if app.Store.Dialect() == store.Postgres {
		stmts = []string{
			`CREATE TABLE session_writes (n INTEGER)`,
			`CREATE FUNCTION count_session_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO session_writes VALUES (1); RETURN NULL; END $$`,
			`CREATE TRIGGER session_written AFTER INSERT OR UPDATE ON sessions FOR EACH ROW EXECUTE FUNCTION count_session_write()`,
		}
	}
	for _, stmt := range stmts {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	writes := func() int {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM session_writes`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	app.Clock.Advance(30 * time.Second)
	for _, path := range []string{"/", "/jobs", "/account", "/"} {
		if r := c.Get(path); r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s = %d", path, r.StatusCode)
		}
	}
	if n := writes(); n != 0 {
		t.Errorf("4 page views within a minute wrote the session row %d times, want 0", n)
	}

	app.Clock.Advance(time.Minute)
	if r := c.Get("/"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET / = %d", r.StatusCode)
	}
	if n := writes(); n != 1 {
		t.Errorf("a view after 90 s wrote the session row %d times, want 1 (last seen)", n)
	}
	c.Get("/")
	if n := writes(); n != 1 {
		t.Errorf("the next view wrote again: %d writes, want 1", n)
	}
}
