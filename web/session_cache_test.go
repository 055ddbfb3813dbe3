package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"keybind/internal/store"
	"keybind/internal/testapp"
)

// What a signed-in request reads about the person is kept in memory while
// the database's change counters stay put (internal/gencache). A change
// made elsewhere — another replica on PostgreSQL, the CLI on the SQLite
// file — still ends access: on PostgreSQL at the next request, on SQLite
// within the 100 ms the console trusts its reading of the counters.
func TestChangesMadeElsewhereEndAccess(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	wantPage(t, helen.Get("/"), "the dashboard")
	wantPage(t, helen.Get("/"), "the dashboard again, from memory")

	// Elsewhere: a connection of its own, as another process has. (The
	// console's own connections tell it of their changes at once.)
	elsewhere := app.Store.DB()
	if app.Store.Dialect() == store.SQLite {
		db, err := sql.Open("sqlite", "file:"+app.Store.Path()+"?_pragma=busy_timeout(5000)")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		elsewhere = db
	}
	if _, err := elsewhere.ExecContext(context.Background(), `UPDATE users SET disabled = 1 WHERE name = 'helen'`); err != nil {
		t.Fatal(err)
	}
	if app.Store.Dialect() == store.SQLite {
		time.Sleep(150 * time.Millisecond)
	}
	r := helen.Get("/")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2F" {
		t.Fatalf("a disabled user's page: status %d, Location %q; want 303 to the sign-in page", r.StatusCode, r.Header.Get("Location"))
	}
}
