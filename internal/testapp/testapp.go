// Package testapp builds the whole console for tests — store, auth, the
// real cloud gateway talking HTTP to an in-process ECS sandbox, the job
// engine and the echo server on httptest — and gives tests a browser-like
// client with a cookie jar that scrapes CSRF tokens like a form would.
package testapp

import (
	"cmp"
	"context"
	"crypto/rand"
	"log/slog"
	"math"
	"net/http/httptest"
	"net/netip"
	"os"
	"testing"
	"time"

	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/metrics"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
	"keybind/internal/selection"
	"keybind/internal/sso"
	"keybind/internal/store"
	"keybind/internal/store/storetest"
	"keybind/web"
)

// Passwords of the accounts every App has.
const (
	AdminPassword    = "Orbit-Lantern-Quartz-42"
	HelpdeskPassword = "Copper-Kettle-Meadow-77"
)

// Options tune the app; zero values take sensible test defaults.
type Options struct {
	InstancesPerRegion int            // sandbox fleet size; default 150
	Transition         time.Duration  // sandbox reboot/start duration; default 10s of simulated time
	RunEngine          bool           // run the job engine in the background (browser tests); otherwise call Engine.Step
	EngineTick         time.Duration  // background engine period; default 50ms
	LoginRate          float64        // sign-in attempts per second per IP; default unlimited
	IdleTimeout        time.Duration  // default 30m
	AbsoluteTimeout    time.Duration  // default 12h
	TLS                bool           // tell the web layer it is served over TLS (HSTS)
	TrustedProxies     []netip.Prefix // proxies whose X-Forwarded-For the web layer believes
	BodyLimit          string         // web.Config.BodyLimit; default the web layer's
	Logger             *slog.Logger   // receives the web layer's and auth's logs; default discards
	// RealTime runs everything on the wall clock (App.Clock is nil): for
	// benchmarks that measure how long things take.
	RealTime bool
	// RealLimits gives the gateway its production defaults (rate limits,
	// retries, concurrency) instead of a limiter out of the way.
	RealLimits bool
	// Latency delays every ECS call by this much (a sandbox latency fault).
	Latency time.Duration
	// SSO turns single sign-on on; its RedirectURL (and the post-logout
	// one) default to the app's own, and its Clock to the app's clock.
	SSO *sso.Config
	// PasswordLogin turns password sign-in off but for break-glass admins.
	PasswordLogin auth.PasswordLogin
	// SQLite opens SQLite whatever KEYBIND_TEST_DATABASE says: for the
	// tests of what only SQLite does (a full file, PRAGMAs).
	SQLite bool
	// Accounts and Roles are the sandbox's other cloud accounts and its RAM
	// roles (the default account is always there); the console's STS
	// endpoint is the sandbox.
	Accounts []sandbox.Account
	Roles    []sandbox.Role
}

// wallClock is the real clock, for RealTime.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

// clock is what a RealTime or a manual App runs on.
type clock interface{ Now() time.Time }

// App is a running console with its parts exposed.
type App struct {
	URL      string
	Server   *httptest.Server
	Web      *web.Server
	Store    *store.Store
	Auth     *auth.Service
	Gateway  *cloud.Gateway
	Engine   *jobs.Engine
	Accounts *accounts.Service
	Sandbox  *sandbox.Sandbox
	Clock    *sandbox.ManualClock // drives sessions, the sandbox and the engine; nil with RealTime
	Metrics  *metrics.Metrics     // the registry behind GET /metrics
	// CookieKeys are the session cookie's securecookie hash/block keys, so a
	// test can decode a cookie to the session ID inside it.
	CookieKeys [][]byte
	Admin      auth.User
	Helpdesk   auth.User
}

// New starts an App that tb.Cleanup stops.
func New(tb testing.TB, o Options) *App {
	tb.Helper()
	if o.InstancesPerRegion == 0 {
		o.InstancesPerRegion = 150
	}
	if o.Transition == 0 {
		o.Transition = 10 * time.Second
	}
	if o.EngineTick == 0 {
		o.EngineTick = 50 * time.Millisecond
	}
	if o.LoginRate == 0 {
		o.LoginRate = math.Inf(1) // the clock is manual: a finite rate would never refill
	}
	var manual *sandbox.ManualClock
	var clock clock = wallClock{}
	if !o.RealTime {
		manual = sandbox.NewManualClock(time.Now())
		clock = manual
	}
	env := sandboxtest.Start(tb, sandbox.Options{InstancesPerRegion: o.InstancesPerRegion, Transition: o.Transition, Clock: clock,
		Accounts: o.Accounts, Roles: o.Roles})

	st := storetest.Open(tb)
	if o.SQLite {
		st = storetest.OpenSQLite(tb)
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
		if os.Getenv("KEYBIND_TEST_LOG") != "" {
			logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
		}
	}
	mx := metrics.New(metrics.Options{SignInReasons: auth.FailureReasons, Logger: logger})
	a := auth.New(st, auth.Config{Clock: clock, IdleTimeout: o.IdleTimeout, AbsoluteTimeout: o.AbsoluteTimeout, Logger: logger,
		PasswordLogin: o.PasswordLogin, Observer: mx})

	gwCfg := cloud.Config{Endpoint: env.URL, STSEndpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret,
		RatePerSecond: 10000, Retry: cloud.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}}
	engCfg := jobs.Config{Clock: clock, Tick: o.EngineTick, RetryDelay: time.Millisecond}
	if o.RealLimits {
		gwCfg = cloud.Config{Endpoint: env.URL, STSEndpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret}
		engCfg = jobs.Config{Clock: clock}
	}
	gwCfg.Observer, engCfg.Rounds = mx, mx
	gw, err := cloud.New(gwCfg)
	if err != nil {
		tb.Fatal(err)
	}
	sealer, err := accounts.NewSealer(make([]byte, 32))
	if err != nil {
		tb.Fatal(err)
	}
	acc := accounts.New(accounts.Config{Store: st, Gateway: gw, Audit: a, Sealer: sealer, Clock: clock, Default: true})
	engine := jobs.New(st, gw, engCfg)
	mx.CountStates(engine)
	if o.RunEngine {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = engine.Run(ctx); close(done) }()
		tb.Cleanup(func() { cancel(); <-done })
	}

	keys := cookieKeys(tb)
	hs := httptest.NewUnstartedServer(nil)
	appURL := "http://" + hs.Listener.Addr().String()
	var ssoSvc *sso.Service
	if o.SSO != nil {
		cfg := *o.SSO
		cfg.RedirectURL = cmp.Or(cfg.RedirectURL, appURL+sso.CallbackPath)
		cfg.PostLogoutRedirectURL = cmp.Or(cfg.PostLogoutRedirectURL, appURL+"/login")
		if cfg.Clock == nil {
			cfg.Clock = clock
		}
		if cfg.Logger == nil {
			cfg.Logger = logger
		}
		if ssoSvc, err = sso.New(cfg, a); err != nil {
			tb.Fatal(err)
		}
	}
	srv, err := web.New(web.Config{Sandbox: true, TLS: o.TLS, TrustedProxies: o.TrustedProxies, BodyLimit: o.BodyLimit,
		CookieKeys: keys, LoginRatePerSecond: o.LoginRate, Logger: logger, Clock: clock},
		web.Deps{Auth: a, Cloud: gw, Jobs: engine, Selections: selection.NewStore(st.DB()), Sandbox: env.Sandbox, Ready: st, SSO: ssoSvc,
			RateLimits: rateLimits(st), Requests: mx, Metrics: mx.Handler(), Accounts: acc})
	if err != nil {
		tb.Fatal(err)
	}
	hs.Config.Handler = srv
	hs.Start()
	tb.Cleanup(hs.Close)

	app := &App{URL: hs.URL, Server: hs, Web: srv, Store: st, Auth: a, Gateway: gw, Engine: engine, Accounts: acc,
		Sandbox: env.Sandbox, Clock: manual, CookieKeys: keys, Metrics: mx}
	app.Admin = app.AddUser(tb, "admin", auth.RoleAdmin, AdminPassword)
	app.Helpdesk = app.AddUser(tb, "helen", auth.RoleHelpdesk, HelpdeskPassword)
	if o.Latency > 0 {
		env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultLatency, Latency: o.Latency})
	}
	return app
}

// AddUser creates an account that may sign in without first changing its
// password (as one created with KEYBIND_ADMIN_PASSWORD).
func (a *App) AddUser(tb testing.TB, name string, role auth.Role, password string) auth.User {
	tb.Helper()
	ctx := context.Background()
	u, err := a.Auth.CreateUser(ctx, auth.LocalActor(), name, role, password)
	if err != nil {
		tb.Fatalf("create user %s: %v", name, err)
	}
	if _, err := a.Store.DB().ExecContext(ctx, `UPDATE users SET must_change_password = 0 WHERE id = $1`, u.ID); err != nil {
		tb.Fatal(err)
	}
	u.MustChangePassword = false
	return u
}

func cookieKeys(tb testing.TB) [][]byte {
	k := make([][]byte, 2)
	k[0], k[1] = make([]byte, 64), make([]byte, 32)
	for _, b := range k {
		if _, err := rand.Read(b); err != nil {
			tb.Fatal(err)
		}
	}
	return k
}

// rateLimits counts the API's limits in the database on PostgreSQL, as
// keybind serve does for its replicas.
func rateLimits(st *store.Store) web.RateStore {
	if st.Dialect() == store.Postgres {
		return st
	}
	return nil
}
