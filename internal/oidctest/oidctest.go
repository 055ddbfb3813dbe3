// Package oidctest serves a real OpenID Provider on loopback for tests
// (github.com/zitadel/oidc's op package over an in-memory storage): discovery,
// the authorization code flow with PKCE S256 (required: a request without a
// S256 code challenge is refused, and the token endpoint checks the
// verifier), one-time codes, signed ID tokens with a groups claim, a JWKS
// endpoint, end-session, and a login page with one button per person. Tests
// change it between sign-ins: a person's groups, the signing key (rotation),
// a signing key it does not publish (forged tokens), the ID token lifetime,
// or the whole provider being down.
package oidctest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client credentials every Provider accepts.
const (
	ClientID     = "keybind-console"
	ClientSecret = "test-client-secret-4f1c9a"
)

// Person is someone the provider can sign in.
type Person struct {
	Subject           string
	PreferredUsername string
	Email             string
	Groups            []string
}

// Provider is a running OpenID Provider.
type Provider struct {
	URL string // the issuer

	srv      *httptest.Server
	op       *op.Provider
	keyGets  atomic.Int64
	tokenPst atomic.Int64
	down     atomic.Bool

	mu        sync.Mutex
	people    map[string]Person // by login name
	order     []string
	requests  map[string]*authRequest
	codes     map[string]string // code → request ID
	redirects []string
	logouts   []string
	signing   signingKey   // what tokens are signed with
	published []signingKey // what /keys lists
	lifetime  time.Duration
}

// Start serves a Provider until the test ends.
func Start(tb testing.TB) *Provider {
	tb.Helper()
	p := &Provider{people: map[string]Person{}, requests: map[string]*authRequest{}, codes: map[string]string{},
		lifetime: 5 * time.Minute}
	key := newKey(tb)
	p.signing, p.published = key, []signingKey{key}

	mux := http.NewServeMux()
	p.srv = httptest.NewUnstartedServer(mux)
	p.URL = "http://" + p.srv.Listener.Addr().String()
	var crypto [32]byte
	_, _ = rand.Read(crypto[:])
	prov, err := op.NewProvider(&op.Config{CryptoKey: crypto, CodeMethodS256: true, DefaultLogoutRedirectURI: "/signed-out"},
		&storage{p: p}, op.StaticIssuer(p.URL), op.WithAllowInsecure())
	if err != nil {
		tb.Fatal(err)
	}
	p.op = prov
	mux.HandleFunc("/login", p.login)
	mux.HandleFunc("/signed-out", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("signed out")) })
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.down.Load() {
			http.Error(w, "the provider is down", http.StatusServiceUnavailable)
			return
		}
		switch r.URL.Path {
		case "/keys":
			p.keyGets.Add(1)
		case "/oauth/token":
			p.tokenPst.Add(1)
		}
		prov.ServeHTTP(w, r)
	}))
	p.srv.Start()
	tb.Cleanup(p.srv.Close)
	return p
}

// AddPerson lets login sign in as p; adding the same login again replaces
// the person (a changed group, between two sign-ins).
func (p *Provider) AddPerson(login string, person Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.people[login]; !ok {
		p.order = append(p.order, login)
	}
	p.people[login] = person
}

// SetGroups changes the groups of the person who signs in as login.
func (p *Provider) SetGroups(login string, groups ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	person := p.people[login]
	person.Groups = groups
	p.people[login] = person
}

// AllowRedirects registers the client's redirect URI and its
// post-logout redirect URI.
func (p *Provider) AllowRedirects(redirect, postLogout string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redirects, p.logouts = append(p.redirects, redirect), append(p.logouts, postLogout)
}

// RotateKey signs from now on with a new key (a new key ID) and publishes
// only that key: a verifier must fetch the keys again to check new tokens.
func (p *Provider) RotateKey(tb testing.TB) {
	k := newKey(tb)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signing, p.published = k, []signingKey{k}
}

// Forge signs from now on with a key that is not published, under the key
// ID of the published one; Forge(false) goes back to the published key.
func (p *Provider) Forge(tb testing.TB, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !on {
		p.signing = p.published[0]
		return
	}
	k := newKey(tb)
	k.id = p.published[0].id
	p.signing = k
}

// SetIDTokenLifetime sets how long new ID tokens are valid (default 5 min).
func (p *Provider) SetIDTokenLifetime(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lifetime = d
}

// SetDown makes every endpoint but the login page answer 503 (or serve
// again).
func (p *Provider) SetDown(down bool) { p.down.Store(down) }

// KeyFetches counts requests to the JWKS endpoint.
func (p *Provider) KeyFetches() int64 { return p.keyGets.Load() }

// TokenRequests counts requests to the token endpoint.
func (p *Provider) TokenRequests() int64 { return p.tokenPst.Load() }

// Authorize plays the browser at the provider for a Go test: it follows
// authURL (the console's redirect), signs in as login and returns the URL
// the provider sends the browser back to (the console's callback, with a
// code and the state, or with an error).
func (p *Provider) Authorize(tb testing.TB, authURL, login string) string {
	tb.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	loc := p.follow(tb, c, http.MethodGet, authURL, nil)
	u, err := url.Parse(loc)
	if err != nil || u.Path != "/login" {
		return loc // the provider refused the request: straight back to the console
	}
	loc = p.follow(tb, c, http.MethodPost, p.URL+"/login", url.Values{"id": {u.Query().Get("id")}, "login": {login}})
	return p.follow(tb, c, http.MethodGet, loc, nil)
}

func (p *Provider) follow(tb testing.TB, c *http.Client, method, target string, form url.Values) string {
	tb.Helper()
	if u, err := url.Parse(target); err == nil && !u.IsAbs() {
		target = p.URL + target
	}
	var resp *http.Response
	var err error
	if form != nil {
		resp, err = c.PostForm(target, form)
	} else {
		var req *http.Request
		if req, err = http.NewRequest(method, target, nil); err == nil {
			resp, err = c.Do(req)
		}
	}
	if err != nil {
		tb.Fatalf("provider %s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode/100 != 3 || loc == "" {
		tb.Fatalf("provider %s %s: status %d, want a redirect", method, target, resp.StatusCode)
	}
	if u, err := url.Parse(loc); err == nil && !u.IsAbs() {
		loc = p.URL + loc
	}
	return loc
}

var loginPage = template.Must(template.New("login").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><h1>Test identity provider</h1>
<form method="post" action="/login" data-testid="idp-login">
<input type="hidden" name="id" value="{{.ID}}">
{{range .Logins}}<button type="submit" name="login" value="{{.}}" data-login="{{.}}">Sign in as {{.}}</button>
{{end}}</form></body></html>`))

// login is the provider's sign-in page: a button per person.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Form.Get("id")
	p.mu.Lock()
	req, ok := p.requests[id]
	logins := slices.Clone(p.order)
	p.mu.Unlock()
	if !ok {
		http.Error(w, "unknown sign-in request", http.StatusBadRequest)
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, map[string]any{"ID": id, "Logins": logins})
		return
	}
	p.mu.Lock()
	person, ok := p.people[r.Form.Get("login")]
	if ok {
		req.subject, req.done, req.authTime = person.Subject, true, time.Now()
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "unknown person", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(op.ContextWithIssuer(r.Context(), p.URL), id), http.StatusFound)
}

func (p *Provider) person(subject string) (Person, bool) {
	for _, person := range p.people {
		if person.Subject == subject {
			return person, true
		}
	}
	return Person{}, false
}

// signingKey is an RSA key with its key ID.
type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func newKey(tb testing.TB) signingKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	return signingKey{id: randomID(), key: k}
}

func (k signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k signingKey) Key() any                                    { return k.key }
func (k signingKey) ID() string                                  { return k.id }

// publicKey is a published key.
type publicKey struct{ signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

func randomID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// errNotFound is what storage answers for what it does not hold.
var errNotFound = errors.New("not found")

// authRequest is one authorization request.
type authRequest struct {
	id        string
	clientID  string
	redirect  string
	state     string
	nonce     string
	scopes    []string
	challenge *oidc.CodeChallenge
	subject   string
	done      bool
	authTime  time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirect }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return oidc.ResponseTypeCode }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return oidc.ResponseModeQuery }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// client is the console, a confidential web client.
type client struct {
	redirects, logouts []string
	lifetime           time.Duration
}

func (c *client) GetID() string                       { return ClientID }
func (c *client) RedirectURIs() []string              { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return c.logouts }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string            { return "/login?id=" + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return c.lifetime }
func (c *client) DevMode() bool                        { return false }
func (c *client) IsScopeAllowed(string) bool           { return true }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string { //nolint:revive // op.Client names it so
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// storage is the op.Storage of a Provider.
type storage struct{ p *Provider }

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("this provider requires PKCE with S256")
	}
	req := &authRequest{id: randomID(), clientID: r.ClientID, redirect: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, challenge: &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.requests[req.id] = req
	return req, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	if r, ok := s.p.requests[id]; ok {
		return r, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.p.mu.Lock()
	id, ok := s.p.codes[code]
	s.p.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.codes[code] = id
	return nil
}

// DeleteAuthRequest runs once the code has been exchanged: the code is
// then used up.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	delete(s.p.requests, id)
	for code, rid := range s.p.codes {
		if rid == id {
			delete(s.p.codes, code)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return randomID(), time.Now().Add(5 * time.Minute), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("no refresh tokens")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNotFound
}

func (s *storage) TerminateSession(context.Context, string, string) error { return nil }

func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error { return nil }

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return s.p.signing, nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	out := make([]op.Key, len(s.p.published))
	for i, k := range s.p.published {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != ClientID {
		return nil, errNotFound
	}
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	return &client{redirects: slices.Clone(s.p.redirects), logouts: slices.Clone(s.p.logouts), lifetime: s.p.lifetime}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != ClientID || secret != ClientSecret {
		return errors.New("wrong client credentials")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts the person's claims into the ID token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, info *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	person, ok := s.p.person(r.GetSubject())
	if !ok {
		return fmt.Errorf("no person %q", r.GetSubject())
	}
	info.Subject = person.Subject
	info.PreferredUsername = person.PreferredUsername
	info.Email, info.EmailVerified = person.Email, true
	if person.Groups != nil {
		info.AppendClaims("groups", person.Groups)
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNotFound
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNotFound
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNotFound
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNotFound
}

func (s *storage) Health(context.Context) error { return nil }
