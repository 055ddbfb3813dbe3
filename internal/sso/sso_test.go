package sso_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"keybind/internal/auth"
	"keybind/internal/oidctest"
	"keybind/internal/sso"
)

// logins is a test double of package auth: it keeps what it was given.
type logins struct {
	mu       sync.Mutex
	ids      []auth.ExternalIdentity
	failures []string
}

func (l *logins) LoginSSO(_ context.Context, _ string, id auth.ExternalIdentity, _, _ string) (*auth.Session, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
	return &auth.Session{ID: "session"}, nil
}

func (l *logins) RecordSignInFailure(_ context.Context, _, _, detail string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, detail)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const redirect = "http://127.0.0.1:1/login/sso/callback"

func setup(t *testing.T) (*oidctest.Provider, *sso.Service, *logins, *clock) {
	t.Helper()
	op := oidctest.Start(t)
	op.AllowRedirects(redirect, "http://127.0.0.1:1/login")
	op.AddPerson("alice", oidctest.Person{Subject: "sub-alice", PreferredUsername: "Alice", Email: "alice@example.com", Groups: []string{"staff", "kb-helpdesk"}})
	l := &logins{}
	c := &clock{t: time.Now()}
	s, err := sso.New(sso.Config{Issuer: op.URL, ClientID: oidctest.ClientID, ClientSecret: oidctest.ClientSecret, RedirectURL: redirect,
		Roles: sso.RoleMapping{Admin: []string{"kb-admins"}, Helpdesk: []string{"kb-helpdesk"}}, Clock: c}, l)
	if err != nil {
		t.Fatal(err)
	}
	return op, s, l, c
}

// callback signs in at the provider and reads what it sent back.
func callback(t *testing.T, op *oidctest.Provider, authURL, login string) (code, state string) {
	t.Helper()
	u, err := url.Parse(op.Authorize(t, authURL, login))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(u.Path, sso.CallbackPath) {
		t.Fatalf("the provider sent the browser to %s, want the callback", u)
	}
	return u.Query().Get("code"), u.Query().Get("state")
}

func TestSignInThroughTheProvider(t *testing.T) {
	op, s, l, _ := setup(t)
	ctx := context.Background()
	flow, authURL, err := s.Begin(ctx, "/jobs")
	if err != nil {
		t.Fatal(err)
	}
	q := mustQuery(t, authURL)
	for name, want := range map[string]string{"state": flow.State, "nonce": flow.Nonce, "code_challenge_method": "S256",
		"client_id": oidctest.ClientID, "redirect_uri": redirect, "response_type": "code", "scope": "openid profile email"} {
		if got := q.Get(name); got != want {
			t.Errorf("authorization URL %s = %q, want %q", name, got, want)
		}
	}
	if q.Get("code_challenge") == "" || strings.Contains(authURL, flow.Verifier) {
		t.Errorf("authorization URL %s: want a code challenge and never the verifier", authURL)
	}
	code, state := callback(t, op, authURL, "alice")
	if _, err := s.Finish(ctx, sso.Callback{Flow: &flow, State: state, Code: code, IP: "192.0.2.1"}); err != nil {
		t.Fatalf("Finish: %v (audited %q)", err, l.failures)
	}
	if len(l.ids) != 1 {
		t.Fatalf("LoginSSO calls: %d, want 1", len(l.ids))
	}
	id := l.ids[0]
	if id.Issuer != op.URL || id.Subject != "sub-alice" || id.Username != "Alice" || id.Role != auth.RoleHelpdesk || id.IDToken == "" {
		t.Errorf("identity = %+v", id)
	}
	if id.Claims != `groups ["staff" "kb-helpdesk"]` {
		t.Errorf("claims described as %q", id.Claims)
	}
	if got := s.EndSessionURL(ctx, id.IDToken); !strings.HasPrefix(got, op.URL+"/end_session?") || !strings.Contains(got, "id_token_hint=") ||
		!strings.Contains(got, "post_logout_redirect_uri="+url.QueryEscape("http://127.0.0.1:1/login")) {
		t.Errorf("EndSessionURL = %q", got)
	}
}

func TestRefusedCallbacksAreAudited(t *testing.T) {
	op, s, l, c := setup(t)
	ctx := context.Background()
	begin := func() (sso.Flow, string) {
		t.Helper()
		f, u, err := s.Begin(ctx, "/")
		if err != nil {
			t.Fatal(err)
		}
		return f, u
	}
	t.Run("no flow cookie", func(t *testing.T) {
		_, err := s.Finish(ctx, sso.Callback{State: "x", Code: "y"})
		wantErr(t, err, sso.ErrState)
	})
	t.Run("wrong state", func(t *testing.T) {
		f, u := begin()
		code, _ := callback(t, op, u, "alice")
		_, err := s.Finish(ctx, sso.Callback{Flow: &f, State: "not-" + f.State, Code: code})
		wantErr(t, err, sso.ErrState)
	})
	t.Run("flow too old", func(t *testing.T) {
		f, u := begin()
		code, state := callback(t, op, u, "alice")
		c.Advance(sso.DefaultFlowTTL + time.Second)
		_, err := s.Finish(ctx, sso.Callback{Flow: &f, State: state, Code: code})
		wantErr(t, err, sso.ErrState)
	})
	t.Run("provider error", func(t *testing.T) {
		f, _ := begin()
		_, err := s.Finish(ctx, sso.Callback{Flow: &f, State: f.State, Error: "access_denied", ErrorDescription: "the user said no"})
		wantErr(t, err, sso.ErrRefused)
	})
	t.Run("another browser's code (PKCE)", func(t *testing.T) {
		_, victimURL := begin()
		code, _ := callback(t, op, victimURL, "alice")
		attacker, _ := begin()
		_, err := s.Finish(ctx, sso.Callback{Flow: &attacker, State: attacker.State, Code: code})
		wantErr(t, err, sso.ErrExchange)
	})
	if len(l.ids) != 0 {
		t.Errorf("refused callbacks signed in %d people", len(l.ids))
	}
	if len(l.failures) != 5 {
		t.Errorf("audited failures %q, want 5", l.failures)
	}
}

func TestDiscoveryIsRetriedAfterAFailure(t *testing.T) {
	op, s, _, c := setup(t)
	ctx := context.Background()
	op.SetDown(true)
	if _, _, err := s.Begin(ctx, "/"); !errors.Is(err, sso.ErrUnavailable) {
		t.Fatalf("Begin with the provider down: %v, want ErrUnavailable", err)
	}
	op.SetDown(false)
	if _, _, err := s.Begin(ctx, "/"); !errors.Is(err, sso.ErrUnavailable) {
		t.Fatalf("Begin right after a failure: %v, want the failure again without asking", err)
	}
	c.Advance(sso.DefaultRetryAfter)
	if _, _, err := s.Begin(ctx, "/"); err != nil {
		t.Fatalf("Begin once the retry delay has passed: %v", err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("err = %v, want %v", err, want)
	}
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}
