package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"keybind/internal/testapp"
)

// apiClient calls /api/v1 as a script would: no cookie jar, a bearer token.
type apiClient struct {
	t     *testing.T
	base  string
	token string
	http  *http.Client
}

// apiResp is a read API response.
type apiResp struct {
	Status int
	Header http.Header
	Raw    string
	JSON   map[string]any // nil unless the body is a JSON object
}

func newAPIClient(t *testing.T, app *testapp.App, token string) *apiClient {
	return &apiClient{t: t, base: app.URL, token: token, http: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// call sends method path with body (JSON-encoded unless it is a string or
// nil) and extra headers.
func (a *apiClient) call(method, path string, body any, headers ...string) apiResp {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			a.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, a.base+path, r)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := a.http.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	out := apiResp{Status: resp.StatusCode, Header: resp.Header, Raw: string(raw)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(raw, &out.JSON)
	}
	return out
}

func (a *apiClient) get(path string) apiResp {
	a.t.Helper()
	return a.call(http.MethodGet, path, nil)
}

// want fails the test unless the response has the status.
func (r apiResp) want(t *testing.T, status int, what string) apiResp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body %.600s", what, r.Status, status, r.Raw)
	}
	return r
}

// field is the message the error names for a field ("" if none).
func (r apiResp) field(name string) string {
	f, _ := r.JSON["fields"].(map[string]any)
	s, _ := f[name].(string)
	return s
}

func (r apiResp) str(key string) string {
	s, _ := r.JSON[key].(string)
	return s
}

func (r apiResp) num(key string) int {
	n, _ := r.JSON[key].(float64)
	return int(n)
}

// apiToken makes a personal API token on the account page of a signed-in
// client, as a person would, and returns it.
func apiToken(t *testing.T, c *testapp.Client, name string) string {
	t.Helper()
	c.Get("/account")
	r := c.PostForm("/account/tokens", url.Values{"name": {name}})
	if r.StatusCode != http.StatusOK || r.Doc == nil {
		t.Fatalf("create token %q: status %d; body %.500s", name, r.StatusCode, r.Body)
	}
	tok := strings.TrimSpace(r.Doc.Find(`[data-testid="new-token-value"]`).Text())
	if !strings.HasPrefix(tok, "kb_") {
		t.Fatalf("create token %q: the page shows %q, want a kb_ token", name, tok)
	}
	return tok
}

// jObj, jList, jStr and jNum read decoded JSON.
func jObj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func jList(v any) []any         { l, _ := v.([]any); return l }
func jStr(v any) string         { s, _ := v.(string); return s }
func jNum(v any) int            { n, _ := v.(float64); return int(n) }
