package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"keybind/internal/store"
	"keybind/internal/testapp"
)

// onOneConnection shrinks the app's database pool to one connection and
// runs pragma on it, so that it holds for every later query: a database
// turned read-only, or one that cannot grow (SQLITE_FULL, as on a full
// disk), under a running console.
func onOneConnection(t *testing.T, app *testapp.App, statement string) {
	t.Helper()
	db := app.Store.DB()
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if _, err := db.ExecContext(context.Background(), statement); err != nil {
		t.Fatal(err)
	}
}

// readOnly makes the database refuse writes: SQLite's query_only, or a
// PostgreSQL session whose transactions are read-only (what a server in
// recovery or a read-only replica answers).
func readOnly(t *testing.T, app *testapp.App) {
	t.Helper()
	if app.Store.Dialect() == store.Postgres {
		onOneConnection(t, app, "SET default_transaction_read_only = on")
		return
	}
	onOneConnection(t, app, "PRAGMA query_only = 1")
}

// readyz fetches GET /readyz and decodes its answer.
func readyz(t *testing.T, app *testapp.App) (int, map[string]string) {
	t.Helper()
	r := app.Client(t).Get("/readyz")
	var body map[string]string
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
		t.Fatalf("GET /readyz: %v: %s", err, r.Body)
	}
	return r.StatusCode, body
}

// wantCannotSave fails unless r is the plain "cannot save" answer: 503 and
// the message, nothing internal.
func wantCannotSave(t *testing.T, r *testapp.Response, what string) {
	t.Helper()
	if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "keybind cannot save changes right now") {
		t.Errorf("%s: status %d, want 503 with \"keybind cannot save changes right now\"; body %.300s", what, r.StatusCode, r.Body)
	}
	for _, internal := range []string{"readonly", "read-only database", "SQLITE", "store:", "auth:"} {
		if strings.Contains(r.Body, internal) {
			t.Errorf("%s: the answer shows internal text %q", what, internal)
		}
	}
}

// Issue #11, item 5: GET /readyz answers 200 while the database takes
// writes; GET /healthz is liveness only.
func TestReadyzWhenTheDatabaseIsWritable(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	if status, body := readyz(t, app); status != http.StatusOK || body["status"] != "ready" {
		t.Errorf("GET /readyz = %d %v, want 200 ready", status, body)
	}
}

// Issue #11, item 5: with the database read-only, /readyz fails while
// /healthz (liveness) still answers; the sign-in page still works (it writes
// nothing), and writes answer the plain "cannot save" message with 503,
// not a generic 500.
func TestReadyzFailsWhenTheDatabaseIsReadOnly(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/users")
	readOnly(t, app)

	if status, body := readyz(t, app); status != http.StatusServiceUnavailable || body["reason"] != "the database cannot be written" {
		t.Errorf("GET /readyz = %d %v, want 503 saying the database cannot be written", status, body)
	}
	if r := app.Client(t).Get("/healthz"); r.StatusCode != http.StatusOK {
		t.Errorf("GET /healthz = %d, want 200 (liveness only)", r.StatusCode)
	}
	c := app.Client(t)
	if r := c.Get("/login"); r.StatusCode != http.StatusOK {
		t.Errorf("GET /login on a read-only database = %d, want 200", r.StatusCode)
	}
	wantCannotSave(t, c.PostForm("/login", url.Values{"username": {"helen"}, "password": {testapp.HelpdeskPassword}}), "POST /login")
	wantCannotSave(t, admin.PostForm("/users", url.Values{"name": {"newbie"}, "role": {"helpdesk"}}), "POST /users")
	wantCannotSave(t, admin.PostHTMX("/users/helen/sessions/end", nil), "htmx POST /users/helen/sessions/end")
}

// Issue #11, item 5: a database that cannot grow (SQLITE_FULL: what a full
// disk gives) is not ready, before and after the writes that need room
// start failing.
func TestReadyzFailsWhenTheDatabaseIsFull(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10, SQLite: true})
	var pages int64
	if err := app.Store.DB().QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	onOneConnection(t, app, "PRAGMA max_page_count = "+strconv.FormatInt(pages, 10))
	if status, body := readyz(t, app); status != http.StatusServiceUnavailable || !strings.Contains(body["reason"], "full") {
		t.Errorf("GET /readyz = %d %v, want 503 saying the database is full", status, body)
	}
	var r *testapp.Response
	for i := range 200 { // each failure adds an audit row until a page is needed
		r = signInAttempt(t, app, app.ClientFrom(t, "127.0.0."+strconv.Itoa(2+i)), "nobody-"+strings.Repeat("x", 60), wrongPassword, nil)
		if r.StatusCode != http.StatusUnauthorized {
			break
		}
	}
	wantCannotSave(t, r, "a failed sign-in on a full database")
}

// Issue #11, item 5: a database whose newest migration is not applied is
// not ready.
func TestReadyzFailsWhenMigrationsAreNotApplied(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	if _, err := app.Store.DB().Exec(`DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	if status, body := readyz(t, app); status != http.StatusServiceUnavailable || body["reason"] != "migrations are not applied" {
		t.Errorf("GET /readyz = %d %v, want 503 saying migrations are not applied", status, body)
	}
}
