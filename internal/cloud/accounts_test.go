package cloud_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

// stsSpy records the RoleSessionName of every AssumeRole the sandbox gets.
type stsSpy struct {
	next     http.Handler
	mu       sync.Mutex
	sessions []string
}

func (s *stsSpy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	q := r.URL.Query()
	if q.Get("Action") == "AssumeRole" || form.Get("Action") == "AssumeRole" {
		s.mu.Lock()
		s.sessions = append(s.sessions, q.Get("RoleSessionName")+form.Get("RoleSessionName"))
		s.mu.Unlock()
	}
	s.next.ServeHTTP(w, r)
}

func (s *stsSpy) names() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sessions)
}

// accountsEnv is a sandbox with the accounts prod (by AccessKey) and
// staging (by a role trusted by the default account), and a gateway with
// the default account's key that knows both.
// The gateway has its own clock (the second one returned), so a test can move
// STS's clock alone.
func accountsEnv(t *testing.T) (*sandbox.Sandbox, *sandbox.ManualClock, *sandbox.ManualClock, *stsSpy, *cloud.Gateway, *recorder) {
	t.Helper()
	clock := sandbox.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sb := sandbox.New(sandbox.Options{Clock: clock, InstancesPerRegion: 12,
		AccessKeyID: sandbox.DefaultAccessKeyID, AccessKeySecret: sandbox.DefaultAccessKeySecret,
		Accounts: []sandbox.Account{
			{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"},
			{Name: "staging", AccessKeyID: "LTAI-staging", AccessKeySecret: "staging-secret"},
		},
		Roles: []sandbox.Role{{Account: "staging", Name: "keybind-operator", Trusted: []string{"default"}}}})
	spy := &stsSpy{next: sb}
	srv := httptest.NewServer(spy)
	t.Cleanup(srv.Close)
	gwClock := sandbox.NewManualClock(clock.Now())
	rec := &recorder{now: clock.Now()}
	g, err := cloud.New(cloud.Config{Endpoint: srv.URL, STSEndpoint: srv.URL,
		AccessKeyID: sandbox.DefaultAccessKeyID, AccessKeySecret: sandbox.DefaultAccessKeySecret,
		RatePerSecond: 10000, OnCall: rec.onCall, Sleep: rec.sleep, Now: gwClock.Now,
		Retry: cloud.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SetAccount(cloud.Account{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"}); err != nil {
		t.Fatal(err)
	}
	if err := g.SetAccount(cloud.Account{Name: "staging", RoleARN: sb.Account("staging").RoleARN("keybind-operator")}); err != nil {
		t.Fatal(err)
	}
	return sb, clock, gwClock, spy, g, rec
}

// Each account's calls reach its own fleet: the default, one by AccessKey,
// one by a role assumed with the default account's key under a session
// name that says which keybind user acted.
func TestGatewayWorksInEachAccount(t *testing.T) {
	sb, _, _, spy, g, _ := accountsEnv(t)
	for _, name := range []string{"default", "prod", "staging"} {
		ctx := cloud.WithActor(cloud.WithAccount(context.Background(), name), "alice@example.com")
		got, err := g.AllInstances(ctx, "cn-hangzhou", cloud.InstanceFilter{}, 0)
		want := sb.Account(name).Instances("cn-hangzhou")
		if err != nil || len(got) != len(want) || got[0].ID != want[0].InstanceID {
			t.Fatalf("%s: %d instances (%v), want its own %d", name, len(got), err, len(want))
		}
	}
	if got := spy.names(); !slices.Equal(got, []string{"keybind-alice@example.com"}) {
		t.Errorf("AssumeRole session names %q, want one keybind-alice@example.com", got)
	}
	_, err := g.Regions(cloud.WithAccount(context.Background(), "nosuch"))
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindAuth {
		t.Errorf("unknown account: %v, want KindAuth", err)
	}
}

// Temporary credentials are renewed before they expire by the gateway's
// clock, and at once when STS's clock says they expired first.
func TestGatewayRenewsRoleCredentials(t *testing.T) {
	_, clock, gwClock, spy, g, rec := accountsEnv(t)
	ctx := cloud.WithActor(cloud.WithAccount(context.Background(), "staging"), "bob")
	regions := func(step string) {
		t.Helper()
		if _, err := g.Regions(ctx); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	regions("first call")
	both := func(d time.Duration) { clock.Advance(d); gwClock.Advance(d) }
	both(30 * time.Minute)
	regions("within the hour")
	if n := len(spy.names()); n != 1 {
		t.Fatalf("AssumeRole calls within the hour: %d, want 1", n)
	}
	both(25 * time.Minute) // 55 min: inside the renewal margin
	regions("in the renewal margin")
	if n := len(spy.names()); n != 2 {
		t.Fatalf("AssumeRole calls after 55 minutes: %d, want 2 (renewed ahead)", n)
	}
	// STS's clock alone moves past the expiry (ours stands still): the
	// refusal renews the credentials and the call goes through.
	clock.Advance(2 * time.Hour)
	regions("after STS's clock passed the expiry")
	if n := rec.codes("DescribeRegions")["InvalidSecurityToken.Expired"]; n != 1 {
		t.Errorf("expired refusals: %d, want 1 before the renewal", n)
	}
	if n := len(spy.names()); n != 3 {
		t.Errorf("AssumeRole calls: %d, want 3", n)
	}
	for _, n := range spy.names() {
		if !strings.HasPrefix(n, "keybind-bob") {
			t.Errorf("session name %q does not name bob", n)
		}
	}
}
