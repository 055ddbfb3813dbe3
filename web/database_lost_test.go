package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"keybind/internal/store/pgtest"
	"keybind/internal/store/storetest"
	"keybind/internal/testapp"
)

// Issue #12, item 1: a PostgreSQL server that goes away makes /readyz fail
// and pages answer a plain "cannot reach the database"; when it is back the
// console recovers by itself, the session made before still valid.
func TestConsoleRecoversWhenTheDatabaseComesBack(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL tests run with " + pgtest.Env + "=postgres (scripts/test.sh runs them)")
	}
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	if r := admin.Get("/users"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /users before = %d", r.StatusCode)
	}
	dbURL := storetest.URL(t, app.Store)

	pgtest.Cut(t, dbURL)
	app.Clock.Advance(2 * time.Second) // past the reuse of the last readiness answer
	if status, body := readyz(t, app); status != http.StatusServiceUnavailable || body["reason"] != "cannot reach the database" {
		t.Errorf("GET /readyz with the database gone = %d %v, want 503 saying it cannot reach the database", status, body)
	}
	for _, r := range []*testapp.Response{admin.Get("/users"), admin.GetHTMX("/jobs")} {
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "keybind cannot reach the database right now") {
			t.Errorf("a page with the database gone = %d, want 503 and the plain message: %.300s", r.StatusCode, r.Body)
		}
		for _, internal := range []string{"SQLSTATE", "pgx", "store:", "terminating"} {
			if strings.Contains(r.Body, internal) {
				t.Errorf("the page shows internal text %q", internal)
			}
		}
	}

	pgtest.Restore(t, dbURL)
	app.Clock.Advance(2 * time.Second)
	if status, body := readyz(t, app); status != http.StatusOK {
		t.Errorf("GET /readyz with the database back = %d %v, want 200", status, body)
	}
	if r := admin.Get("/users"); r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "helen") {
		t.Errorf("GET /users with the database back = %d, want 200 with the users (the session still valid)", r.StatusCode)
	}
}

// Connections the server ends (a restart, a failover, pg_terminate_backend)
// cost at most the requests that were using them: the next ones are served.
func TestTerminatedConnectionsAreReplaced(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("PostgreSQL tests run with " + pgtest.Env + "=postgres (scripts/test.sh runs them)")
	}
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	for range 3 {
		pgtest.TerminateConnections(t, storetest.URL(t, app.Store))
		ok := false
		for range 3 { // a request on a connection already dead may fail, once per pooled connection at most
			if r := admin.Get("/users"); r.StatusCode == http.StatusOK {
				ok = true
				break
			}
		}
		if !ok {
			t.Fatal("GET /users keeps failing after the connections were terminated")
		}
	}
}
