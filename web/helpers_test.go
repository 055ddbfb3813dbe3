package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/securecookie"

	"keybind/internal/testapp"
	"keybind/web"
)

// request sends method path with the given body and headers through c (its
// cookie jar included) and reads the response.
func request(t *testing.T, app *testapp.App, c *testapp.Client, method, path string, body io.Reader, header http.Header) *testapp.Response {
	t.Helper()
	req, err := http.NewRequest(method, app.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	return c.Do(req)
}

// formPost posts form (with the client's CSRF token) and extra headers.
func formPost(t *testing.T, app *testapp.App, c *testapp.Client, path string, form url.Values, header http.Header) *testapp.Response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.CSRF)
	}
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	for k, vs := range header {
		h[k] = vs
	}
	return request(t, app, c, http.MethodPost, path, strings.NewReader(form.Encode()), h)
}

// sessionSetCookies returns the session cookies a response sets.
func sessionSetCookies(t *testing.T, r *testapp.Response) []*http.Cookie {
	t.Helper()
	var out []*http.Cookie
	for _, line := range r.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if ck.Name == web.CookieName {
			out = append(out, ck)
		}
	}
	return out
}

// sessionCookie returns the value of the session cookie in c's jar.
func sessionCookie(t *testing.T, c *testapp.Client) string {
	t.Helper()
	ck := c.Cookie(web.CookieName)
	if ck == nil {
		t.Fatalf("the client has no %s cookie", web.CookieName)
	}
	return ck.Value
}

// rawSessionID decodes a session cookie value to the session token inside it.
func rawSessionID(t *testing.T, app *testapp.App, cookieValue string) []byte {
	t.Helper()
	// The cookie holds the token's own bytes (NopEncoder reads them as such).
	codecs := securecookie.CodecsFromPairs(app.CookieKeys...)
	for _, c := range codecs {
		c.(*securecookie.SecureCookie).SetSerializer(securecookie.NopEncoder{})
	}
	var token []byte
	if err := securecookie.DecodeMulti(web.CookieName, cookieValue, &token, codecs...); err != nil {
		t.Fatalf("decode session cookie: %v", err)
	}
	raw := string(token)
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		t.Fatalf("session token %q is not base64url: %v", raw, err)
	}
	return b
}

// sessionRowExists reports whether the cookie's session still has its row.
func sessionRowExists(t *testing.T, app *testapp.App, cookieValue string) bool {
	t.Helper()
	sum := sha256.Sum256(rawSessionID(t, app, cookieValue))
	var n int
	err := app.Store.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE id_hash = $1`, hex.EncodeToString(sum[:])).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// countSessions counts the session rows of a user.
func countSessions(t *testing.T, app *testapp.App, userID int64) int {
	t.Helper()
	var n int
	if err := app.Store.DB().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM sessions WHERE user_id = $1`, userID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// auditEntry is the part of an audit row tests look at.
type auditEntry struct {
	Username, Role, ClientIP, Action, Outcome, Detail string
}

// auditEntries returns the audit rows with the given action, oldest first.
func auditEntries(t *testing.T, app *testapp.App, action string) []auditEntry {
	t.Helper()
	rows, err := app.Store.DB().QueryContext(context.Background(),
		`SELECT username, role, client_ip, action, outcome, detail FROM audit WHERE action = $1 ORDER BY id`, action)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []auditEntry
	for rows.Next() {
		var e auditEntry
		if err := rows.Scan(&e.Username, &e.Role, &e.ClientIP, &e.Action, &e.Outcome, &e.Detail); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// wantSignInRedirect fails unless r sends the browser to the sign-in page,
// which is how a request without a valid session is refused.
func wantSignInRedirect(t *testing.T, r *testapp.Response, what string) {
	t.Helper()
	if loc := r.Header.Get("Location"); r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("%s: got %d Location %q, want 303 to /login", what, r.StatusCode, loc)
	}
}

// wantPage fails unless r is a 200 page of a signed-in user.
func wantPage(t *testing.T, r *testapp.Response, what string) {
	t.Helper()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s: got %d (Location %q), want 200", what, r.StatusCode, r.Header.Get("Location"))
	}
	if r.Doc == nil || r.Doc.Find(`[data-testid="current-user"]`).Length() != 1 {
		t.Fatalf("%s: the page does not show a signed-in user", what)
	}
}
