// Package sso is single sign-on through an OpenID Provider (issue #13): the
// authorization code flow with PKCE (S256), state and nonce; the ID token
// verified against the provider's discovery document and signing keys
// (github.com/coreos/go-oidc, which fetches the keys again when a token
// names a key it has not seen, so the provider's key rotation is followed);
// the role read from a claim at every sign-in. The account and the session
// are package auth's (auth.Service.LoginSSO), made exactly as for a password.
//
// The provider is discovered at the first sign-in, not at start: the console
// starts and its break-glass administrators sign in while the provider is
// down. A failed discovery is tried again by a sign-in RetryAfter later.
package sso

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"keybind/internal/auth"
)

// Paths of the sign-in's two steps; the redirect URL registered at the
// provider ends in CallbackPath.
const (
	StartPath    = "/login/sso"
	CallbackPath = "/login/sso/callback"
)

// Defaults for Config.
const (
	DefaultProviderName  = "your identity provider"
	DefaultUsernameClaim = "preferred_username"
	DefaultFlowTTL       = 10 * time.Minute
	DefaultRetryAfter    = 10 * time.Second
)

// DefaultScopes are asked for when Config.Scopes is empty.
var DefaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}

// Config configures single sign-on. Issuer, ClientID and RedirectURL are
// required; zero fields take defaults.
type Config struct {
	Issuer       string // exactly as the provider's discovery document names itself
	ClientID     string
	ClientSecret string // "" for a public client (PKCE alone)
	RedirectURL  string // https://keybind.example.com/login/sso/callback
	// PostLogoutRedirectURL is where the provider's end-session page sends
	// the browser back to; default the redirect URL's origin + "/login".
	PostLogoutRedirectURL string
	Scopes                []string // default DefaultScopes; openid is always asked for
	UsernameClaim         string   // default preferred_username
	Roles                 RoleMapping
	ProviderName          string       // on the sign-in button; default DefaultProviderName
	HTTPClient            *http.Client // default: a client with a 10 s timeout
	Clock                 auth.Clock   // default the system clock
	Logger                *slog.Logger // default discards
	FlowTTL               time.Duration
	RetryAfter            time.Duration
}

// Logins is what single sign-on needs of package auth.
type Logins interface {
	LoginSSO(ctx context.Context, oldRawID string, id auth.ExternalIdentity, ip, userAgent string) (*auth.Session, error)
	RecordSignInFailure(ctx context.Context, username, ip, detail string)
}

// Service runs single sign-on. It is safe for concurrent use.
type Service struct {
	cfg    Config
	logins Logins
	client *http.Client

	mu       sync.Mutex
	disc     *discovered
	failedAt time.Time
	failure  error
}

// discovered is what the provider's discovery document gave.
type discovered struct {
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	endSession string
}

// New returns a Service; nothing is fetched until the first sign-in.
func New(cfg Config, logins Logins) (*Service, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("sso: issuer, client ID and redirect URL are required")
	}
	cfg.ProviderName = cmp.Or(strings.TrimSpace(cfg.ProviderName), DefaultProviderName)
	cfg.UsernameClaim = cmp.Or(cfg.UsernameClaim, DefaultUsernameClaim)
	cfg.FlowTTL = cmp.Or(cfg.FlowTTL, DefaultFlowTTL)
	cfg.RetryAfter = cmp.Or(cfg.RetryAfter, DefaultRetryAfter)
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	if !containsString(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.PostLogoutRedirectURL == "" {
		u, err := url.Parse(cfg.RedirectURL)
		if err != nil {
			return nil, fmt.Errorf("sso: redirect URL: %w", err)
		}
		cfg.PostLogoutRedirectURL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/login"}).String()
	}
	if cfg.Clock == nil {
		cfg.Clock = auth.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{cfg: cfg, logins: logins, client: client}, nil
}

// ProviderName is the provider's name for the sign-in button.
func (s *Service) ProviderName() string { return s.cfg.ProviderName }

// Flow is a sign-in in progress, kept by the browser in a signed and
// encrypted cookie between Begin and Finish; it is used once.
type Flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code verifier
	Next     string `json:"x"` // where to go after signing in
	Started  int64  `json:"t"` // Unix seconds, on the service's clock
}

// Begin starts a sign-in: it returns the flow for the browser to keep and
// the provider's authorization URL to send it to (with the S256 code
// challenge, state and nonce). It returns ErrUnavailable when the provider
// cannot be discovered.
func (s *Service) Begin(ctx context.Context, next string) (Flow, string, error) {
	d, err := s.discover(ctx)
	if err != nil {
		return Flow{}, "", err
	}
	f := Flow{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: next,
		Started: s.cfg.Clock.Now().Unix()}
	return f, d.oauth.AuthCodeURL(f.State, oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)), nil
}

// Callback is what the browser brought back from the provider.
type Callback struct {
	Flow                    *Flow // the browser's flow cookie; nil if missing or unreadable
	State, Code             string
	Error, ErrorDescription string // the provider's refusal (error, error_description)
	OldSessionID            string // the pre-sign-in session to end
	IP, UserAgent           string
}

// Finish completes a sign-in: it checks the state against the browser's
// flow, exchanges the code (with the PKCE verifier), verifies the ID token
// (signature, issuer, audience, expiry, nonce), maps the role and signs the
// person in with auth.LoginSSO. Every refusal is audited; it is one of this
// package's errors or auth's (auth.ErrNoRole, …).
func (s *Service) Finish(ctx context.Context, in Callback) (*auth.Session, error) {
	id, err := s.identify(ctx, in)
	if err != nil {
		s.logins.RecordSignInFailure(ctx, "", in.IP, err.Error()) // "sso_state: the state does not match …"
		return nil, err
	}
	return s.logins.LoginSSO(ctx, in.OldSessionID, id, in.IP, in.UserAgent)
}

// identify checks the callback and returns the person the ID token names.
func (s *Service) identify(ctx context.Context, in Callback) (auth.ExternalIdentity, error) {
	var none auth.ExternalIdentity
	f := in.Flow
	switch {
	case f == nil:
		return none, ErrState.Wrap(errors.New("no sign-in in progress in this browser"))
	case s.cfg.Clock.Now().Sub(time.Unix(f.Started, 0)) > s.cfg.FlowTTL:
		return none, ErrState.Wrap(fmt.Errorf("the sign-in started more than %s ago", s.cfg.FlowTTL))
	case in.State == "" || subtle.ConstantTimeCompare([]byte(in.State), []byte(f.State)) != 1:
		return none, ErrState.Wrap(errors.New("the state does not match this browser's sign-in"))
	case in.Error != "":
		return none, ErrRefused.About(in.Error).Wrap(fmt.Errorf("the provider answered %s: %s", in.Error, clip(in.ErrorDescription, 200)))
	case in.Code == "":
		return none, ErrRefused.About("no_code").Wrap(errors.New("the provider sent no code"))
	}
	d, err := s.discover(ctx)
	if err != nil {
		return none, err
	}
	hc := context.WithValue(ctx, oauth2.HTTPClient, s.client)
	tok, err := d.oauth.Exchange(hc, in.Code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return none, ErrExchange.Wrap(fmt.Errorf("the provider refused the code: %s %s", re.ErrorCode, clip(re.ErrorDescription, 200)))
		}
		return none, ErrUnavailable.Wrap(fmt.Errorf("token endpoint: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return none, ErrToken.Wrap(errors.New("the token response holds no ID token"))
	}
	idt, err := d.verifier.Verify(hc, raw)
	if err != nil {
		var exp *oidc.TokenExpiredError
		if errors.As(err, &exp) {
			return none, ErrTokenExpired.Wrap(fmt.Errorf("the ID token expired at %s", exp.Expiry.UTC().Format(time.RFC3339)))
		}
		return none, ErrToken.Wrap(err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return none, ErrToken.Wrap(errors.New("the ID token's nonce does not match this browser's sign-in"))
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return none, ErrToken.Wrap(err)
	}
	name, _ := claims[s.cfg.UsernameClaim].(string)
	if strings.TrimSpace(name) == "" {
		return none, ErrClaims.Wrap(fmt.Errorf("the ID token of subject %q has no %s claim", clip(idt.Subject, 100), s.cfg.UsernameClaim))
	}
	role, desc := s.cfg.Roles.Role(claims)
	groups, _ := claimValues(claims, s.cfg.Roles.claim())
	return auth.ExternalIdentity{Issuer: idt.Issuer, Subject: idt.Subject, Username: name, Role: role,
		Claims: desc, Groups: groups, IDToken: raw}, nil
}

// EndSessionURL is the provider's end-session page for a session that kept
// idToken, coming back to the sign-in page; "" when the provider has none
// (or is not reachable now).
func (s *Service) EndSessionURL(ctx context.Context, idToken string) string {
	d, err := s.discover(ctx)
	if err != nil || d.endSession == "" {
		return ""
	}
	u, err := url.Parse(d.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	q.Set("client_id", s.cfg.ClientID)
	q.Set("post_logout_redirect_uri", s.cfg.PostLogoutRedirectURL)
	u.RawQuery = q.Encode()
	return u.String()
}

// Discover fetches the provider's discovery document now, if it has not
// been; the console calls it once at start to log a misconfiguration early.
func (s *Service) Discover(ctx context.Context) error {
	_, err := s.discover(ctx)
	return err
}

// discover returns the provider's configuration, fetching the discovery
// document at the first call and again after a failure once RetryAfter has
// passed (until then the failure is returned at once).
func (s *Service) discover(ctx context.Context) (*discovered, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.disc != nil {
		return s.disc, nil
	}
	now := s.cfg.Clock.Now()
	if s.failure != nil && now.Sub(s.failedAt) < s.cfg.RetryAfter {
		return nil, s.failure
	}
	// The key set keeps this context for its later fetches: not a
	// request's, and the client's own timeout.
	pctx := oidc.ClientContext(context.Background(), s.client)
	p, err := oidc.NewProvider(pctx, s.cfg.Issuer)
	if err != nil {
		s.failedAt, s.failure = now, ErrUnavailable.Wrap(fmt.Errorf("discovery of %s: %w", s.cfg.Issuer, err))
		s.cfg.Logger.WarnContext(ctx, "sso: the identity provider cannot be discovered; sign-ins will try again",
			"issuer", s.cfg.Issuer, "retry_after", s.cfg.RetryAfter, "err", err)
		return nil, s.failure
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		meta.EndSession = ""
	}
	s.disc = &discovered{
		oauth: oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, RedirectURL: s.cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: s.cfg.Scopes},
		verifier:   p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: s.cfg.Clock.Now}),
		endSession: meta.EndSession,
	}
	s.failure = nil
	s.cfg.Logger.InfoContext(ctx, "sso: discovered the identity provider", "issuer", s.cfg.Issuer)
	return s.disc, nil
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// clip cuts text from the provider to n code points.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
