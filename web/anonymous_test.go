package web_test

import (
	"context"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/gorilla/securecookie"

	"keybind/internal/store"
	"keybind/internal/testapp"
	"keybind/web"
)

// dbFootprint is every table's row count summed, and the database's size:
// on SQLite the file's once its write-ahead log is checkpointed into it, on
// PostgreSQL pg_database_size.
func dbFootprint(t *testing.T, app *testapp.App) (rows, bytes int64) {
	t.Helper()
	ctx := context.Background()
	db := app.Store.DB()
	if app.Store.Dialect() == store.SQLite {
		if _, err := db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
	}
	tables, err := app.Store.Tables(ctx)
	if err != nil || len(tables) == 0 {
		t.Fatalf("tables %v, %v", tables, err)
	}
	for _, table := range tables {
		var n int64
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+table+`"`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows += n
	}
	if app.Store.Dialect() == store.Postgres {
		if err := db.QueryRowContext(ctx, `SELECT pg_database_size(current_database())`).Scan(&bytes); err != nil {
			t.Fatal(err)
		}
		return rows, bytes
	}
	fi, err := os.Stat(app.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	return rows, fi.Size()
}

// Issue #11, item 3: anonymous visitors do not write to the database. 5,000
// first visits to the sign-in page (each without cookies, so each would
// start a session) add under 100 rows and under 1 MB; before sign-in the
// session is the pre-login cookie.
func TestAnonymousRequestsDoNotGrowTheDatabase(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	rows0, size0 := dbFootprint(t, app)

	const requests, workers = 5000, 4
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := map[int]int{}
	for w := range workers {
		wg.Go(func() {
			for i := w; i < requests; i += workers {
				path := "/login"
				if i%5 == 4 {
					path = "/jobs" // a protected page: redirected to sign in
				}
				resp, err := client.Get(app.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				var pre bool
				for _, ck := range resp.Cookies() {
					pre = pre || ck.Name == web.PreLoginCookieName
				}
				if resp.StatusCode >= 400 || path == "/login" && !pre {
					mu.Lock()
					bad[resp.StatusCode]++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(bad) > 0 {
		t.Fatalf("unexpected answers (status: count, or a sign-in page without a pre-login cookie): %v", bad)
	}

	rows1, size1 := dbFootprint(t, app)
	t.Logf("%d anonymous requests added %d rows and %d bytes to the database", requests, rows1-rows0, size1-size0)
	if rows1-rows0 >= 100 {
		t.Errorf("%d anonymous requests added %d rows, want under 100", requests, rows1-rows0)
	}
	if size1-size0 >= 1<<20 {
		t.Errorf("%d anonymous requests grew the database by %d bytes, want under 1 MB", requests, size1-size0)
	}
}

// An anonymous session row left from before pre-login cookies is never
// written to again: its cookie is replaced by a pre-login cookie.
func TestAnonymousRowsFromBeforeAreLeftAlone(t *testing.T) {
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 10})
	old, err := app.Auth.NewAnonymousSession(context.Background(), "127.0.0.1", "agent")
	if err != nil {
		t.Fatal(err)
	}
	value, err := securecookie.EncodeMulti(web.CookieName, old.ID, securecookie.CodecsFromPairs(app.CookieKeys...)...)
	if err != nil {
		t.Fatal(err)
	}
	c := app.ClientWithCookie(t, web.CookieName, value)
	if r := c.Get("/login"); r.StatusCode != http.StatusOK {
		t.Fatalf("GET /login: status %d", r.StatusCode)
	}
	if c.Cookie(web.CookieName) != nil || c.Cookie(web.PreLoginCookieName) == nil {
		t.Error("the old anonymous cookie was kept, or no pre-login cookie was set")
	}
	var data string
	if err := app.Store.DB().QueryRow(`SELECT data FROM sessions WHERE user_id IS NULL`).Scan(&data); err != nil || data != "{}" {
		t.Errorf("the old anonymous row: data %q (%v), want it untouched ({})", data, err)
	}
}
