package testapp

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// Client is a browser-like HTTP client: it keeps cookies, does not follow
// redirects (tests look at them), and remembers the CSRF token of the last
// page it read, as a form on that page would carry it.
type Client struct {
	tb   testing.TB
	base string
	HTTP *http.Client
	CSRF string
	// Lang, when set, is sent as Accept-Language on every request.
	Lang string
}

// Response is a read response.
type Response struct {
	*http.Response
	Body string
	Doc  *goquery.Document // nil unless the body is HTML
}

// Client returns a new signed-out client.
func (a *App) Client(tb testing.TB) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatal(err)
	}
	return &Client{tb: tb, base: a.URL, HTTP: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// ClientFrom returns a new signed-out client whose connections come from
// the loopback address ip (such as 127.0.0.2): the console, trusting no
// proxy, sees it as the client's address.
func (a *App) ClientFrom(tb testing.TB, ip string) *Client {
	c := a.Client(tb)
	addr := net.ParseIP(ip)
	if addr == nil || !addr.IsLoopback() {
		tb.Fatalf("ClientFrom(%q): want a loopback address", ip)
	}
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: addr}}
	c.HTTP.Transport = &http.Transport{DialContext: dialer.DialContext}
	tb.Cleanup(c.HTTP.CloseIdleConnections)
	return c
}

// ClientWithCookie returns a client whose jar holds only the given cookie,
// as an attacker who copied it would have.
func (a *App) ClientWithCookie(tb testing.TB, name, value string) *Client {
	c := a.Client(tb)
	u, err := url.Parse(a.URL)
	if err != nil {
		tb.Fatal(err)
	}
	c.HTTP.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true}})
	return c
}

// SignIn returns a client signed in as name.
func (a *App) SignIn(tb testing.TB, name, password string) *Client {
	tb.Helper()
	c := a.Client(tb)
	c.Get("/login")
	r := c.PostForm("/login", url.Values{"username": {name}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		tb.Fatalf("sign in as %s: status %d, want 303; body: %.300s", name, r.StatusCode, r.Body)
	}
	c.Get("/") // a page with this session's CSRF token
	return c
}

// Do sends req and reads the response; HTML bodies are parsed and their
// CSRF token remembered.
func (c *Client) Do(req *http.Request) *Response {
	c.tb.Helper()
	if c.Lang != "" && req.Header.Get("Accept-Language") == "" {
		req.Header.Set("Accept-Language", c.Lang)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.tb.Fatal(err)
	}
	r := &Response{Response: resp, Body: string(b)}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		if err == nil {
			r.Doc = doc
			if tok, ok := doc.Find(`input[name="csrf_token"]`).First().Attr("value"); ok && tok != "" {
				c.CSRF = tok
			}
		}
	}
	return r
}

// Get fetches path.
func (c *Client) Get(path string) *Response {
	c.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	return c.Do(req)
}

// GetHTMX fetches path as htmx would.
func (c *Client) GetHTMX(path string) *Response {
	c.tb.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header.Set("HX-Request", "true")
	return c.Do(req)
}

// PostForm posts a form with the remembered CSRF token added.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.tb.Helper()
	return c.post(path, form, true, false)
}

// PostHTMX posts a form as htmx does: the token in the X-CSRF-Token header.
func (c *Client) PostHTMX(path string, form url.Values) *Response {
	c.tb.Helper()
	return c.post(path, form, false, true)
}

// PostNoCSRF posts a form without any CSRF token.
func (c *Client) PostNoCSRF(path string, form url.Values) *Response {
	c.tb.Helper()
	return c.post(path, form, false, false)
}

func (c *Client) post(path string, form url.Values, field, header bool) *Response {
	c.tb.Helper()
	if form == nil {
		form = url.Values{}
	}
	if field {
		form = cloneValues(form)
		form.Set("csrf_token", c.CSRF)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if header {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	return c.Do(req)
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Cookie returns the named cookie the jar would send to the app.
func (c *Client) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.base)
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// Base is the app's URL.
func (c *Client) Base() string { return c.base }

// NewClient returns a signed-out client for a console at base, such as one
// started as a separate process.
func NewClient(tb testing.TB, base string) *Client {
	a := &App{URL: base}
	return a.Client(tb)
}

// At returns a client that shares c's cookies but talks to the console at
// base: the same browser sent to another replica by a load balancer.
func (c *Client) At(base string) *Client {
	return &Client{tb: c.tb, base: base, HTTP: c.HTTP}
}

// SignIn signs c in at its console and reads a page for the CSRF token.
func (c *Client) SignIn(name, password string) {
	c.tb.Helper()
	c.Get("/login")
	r := c.PostForm("/login", url.Values{"username": {name}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		c.tb.Fatalf("sign in as %s: status %d, want 303; body: %.300s", name, r.StatusCode, r.Body)
	}
	c.Get("/")
}
