package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/metrics"
	"keybind/internal/sandbox"
	"keybind/internal/selection"
	"keybind/internal/sso"
	"keybind/internal/text"
	"keybind/web"
)

// serveConfig is everything `keybind serve` is configured with.
type serveConfig struct {
	Addr, DataDir, Endpoint      string
	DatabaseURL                  string // PostgreSQL; "" for SQLite in DataDir
	STSEndpoint, SecretKeyFile   string
	MetricsAddr                  string // "" serves /metrics on Addr
	LogFormat, LogLevel          string
	TrustedProxies, CookieKeys   string
	TLSCert, TLSKey              string
	IdleTimeout, AbsoluteTimeout time.Duration
	SandboxTransition            time.Duration
	SandboxSeed                  int64
	SandboxInstances             int
	sandboxAccounts              []sandbox.Account // embedded sandbox: more accounts
	sandboxRoles                 []sandbox.Role    // embedded sandbox: RAM roles
	ECSRate                      int               // calls per second per region and API
	SSO                          ssoFlags
	sso                          *sso.Config        // checked SSO settings; nil when off
	passwordLogin                auth.PasswordLogin // who may sign in with a password
}

func parseServe(args []string, sys IO) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	f := &envFlags{fs: fs, sys: sys}
	f.String(&c.Addr, "addr", "KEYBIND_ADDR", "127.0.0.1:8080", "address to listen on")
	f.String(&c.MetricsAddr, "metrics-addr", "KEYBIND_METRICS_ADDR", "", "serve /metrics (Prometheus) on this address instead of on --addr")
	f.String(&c.DataDir, "data-dir", "KEYBIND_DATA_DIR", "./data", "directory for the database and cookie keys")
	f.String(&c.DatabaseURL, "database-url", "KEYBIND_DATABASE_URL", "", databaseFlagHelp)
	f.String(&c.Endpoint, "ecs-endpoint", "KEYBIND_ECS_ENDPOINT", "", "http:// or https:// URL replacing the public ECS endpoint (the sandbox, or a VPC endpoint)")
	f.String(&c.STSEndpoint, "sts-endpoint", "KEYBIND_STS_ENDPOINT", "", "http:// or https:// URL replacing the public STS endpoint, for RAM role accounts (the sandbox, or a VPC endpoint)")
	f.String(&c.SecretKeyFile, "secret-key-file", "KEYBIND_SECRET_KEY_FILE", "", "file holding the key (32 bytes, base64) that seals cloud account secrets; KEYBIND_SECRET_KEY gives it directly (default: generated into the data directory)")
	f.String(&c.LogFormat, "log-format", "KEYBIND_LOG_FORMAT", "json", "log format: json or text")
	f.String(&c.LogLevel, "log-level", "KEYBIND_LOG_LEVEL", "info", "log level: debug, info, warn or error")
	f.String(&c.TrustedProxies, "trusted-proxies", "KEYBIND_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDR ranges whose X-Forwarded-For is trusted")
	f.String(&c.CookieKeys, "cookie-keys", "KEYBIND_COOKIE_KEYS", "", "comma-separated base64 cookie keys, newest first (default: generated into the data directory, or into the PostgreSQL database)")
	f.String(&c.TLSCert, "tls-cert", "KEYBIND_TLS_CERT", "", "TLS certificate file (serve HTTPS)")
	f.String(&c.TLSKey, "tls-key", "KEYBIND_TLS_KEY", "", "TLS private key file")
	f.Duration(&c.IdleTimeout, "session-idle-timeout", "KEYBIND_SESSION_IDLE_TIMEOUT", 30*time.Minute, "sign out after this long without a request")
	f.Duration(&c.AbsoluteTimeout, "session-max-age", "KEYBIND_SESSION_MAX_AGE", 12*time.Hour, "sign out this long after sign-in, whatever happens")
	f.Duration(&c.SandboxTransition, "sandbox-transition", "KEYBIND_SANDBOX_TRANSITION", 6*time.Second, "embedded sandbox: how long a reboot or start takes")
	f.Int64(&c.SandboxSeed, "sandbox-seed", "KEYBIND_SANDBOX_SEED", 1, "embedded sandbox: seed of the simulated fleet")
	f.Int(&c.ECSRate, "ecs-rate", "KEYBIND_ECS_RATE", 20, "ECS calls per second per region and API (raise it if the account's API quota allows)")
	f.Int(&c.SandboxInstances, "sandbox-instances", "KEYBIND_SANDBOX_INSTANCES", 150, "embedded sandbox: instances per region")
	var sbAccounts, sbRoles []string
	f.List(&sbAccounts, "sandbox-account", "KEYBIND_SANDBOX_ACCOUNTS", "embedded sandbox: another account with its own fleet, NAME:ACCESS_KEY_ID:ACCESS_KEY_SECRET (add it on the Cloud accounts page)")
	f.List(&sbRoles, "sandbox-role", "KEYBIND_SANDBOX_ROLES", "embedded sandbox: a RAM role, ACCOUNT:ROLE[:TRUSTED[:EXTERNAL_ID]] (its ARN is logged at start)")
	f.ssoFlags(&c.SSO)
	if err := parseFlags(fs, args, sys, "keybind serve [flags]"); err != nil {
		return c, err
	}
	if err := f.envError(); err != nil {
		return c, err
	}
	if err := checkDatabaseURL("keybind serve", c.DatabaseURL); err != nil {
		return c, err
	}
	var err error
	if c.Endpoint, err = parseEndpoint(c.Endpoint); err != nil {
		return c, &UsageError{Msg: "keybind serve: " + err.Error()}
	}
	if c.STSEndpoint, err = parseEndpoint(c.STSEndpoint); err != nil {
		return c, &UsageError{Msg: fmt.Sprintf("keybind serve: --sts-endpoint %q must be an http:// or https:// URL such as http://127.0.0.1:9100", c.STSEndpoint)}
	}
	if _, err := parsePrefixes(c.TrustedProxies); err != nil {
		return c, &UsageError{Msg: "keybind serve: " + err.Error()}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, &UsageError{Msg: "keybind serve: --tls-cert and --tls-key go together"}
	}
	if c.ECSRate < 1 || c.ECSRate > 1000 {
		return c, &UsageError{Msg: "keybind serve: --ecs-rate must be between 1 and 1000"}
	}
	if c.SandboxInstances < 1 || c.SandboxInstances > 20000 {
		return c, &UsageError{Msg: "keybind serve: --sandbox-instances must be between 1 and 20000"}
	}
	if c.sandboxAccounts, c.sandboxRoles, err = parseSandboxAccounts(sbAccounts, sbRoles); err != nil {
		return c, &UsageError{Msg: "keybind serve: " + err.Error()}
	}
	if _, err := newLogger(c.LogFormat, c.LogLevel, sys.Stderr); err != nil {
		return c, &UsageError{Msg: "keybind serve: " + err.Error()}
	}
	if c.sso, c.passwordLogin, err = c.SSO.ssoConfig(); err != nil {
		return c, &UsageError{Msg: "keybind serve: " + err.Error()}
	}
	return c, nil
}

func newLogger(format, level string, w interface{ Write([]byte) (int, error) }) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl, ReplaceAttr: visibleAttr}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want json or text", format)
}

// visibleAttr makes control characters in logged text visible (see
// text.Visible): a log printed on a terminal must not carry an ESC from
// an instance name or a URL. The JSON handler escapes C0 controls but not DEL
// or C1 controls; the text handler quotes them; this covers both alike.
func visibleAttr(_ []string, a slog.Attr) slog.Attr {
	switch v := a.Value; v.Kind() {
	case slog.KindString:
		if s := v.String(); text.Visible(s) != s {
			a.Value = slog.StringValue(text.Visible(s))
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); text.Visible(s) != s {
				a.Value = slog.StringValue(text.Visible(s))
			}
		}
	}
	return a
}

func runServe(ctx context.Context, args []string, sys IO) error {
	cfg, err := parseServe(args, sys)
	if err != nil {
		return err
	}
	log, _ := newLogger(cfg.LogFormat, cfg.LogLevel, sys.Stderr)

	if cfg.DatabaseURL == "" {
		// PostgreSQL is shared by replicas, whose job engines take turns
		// through leases; one SQLite file serves one console.
		unlock, err := lockDataDir(cfg.DataDir)
		if err != nil {
			return err
		}
		defer unlock()
	}
	st, err := openStore(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }()
	mx := metrics.New(metrics.Options{SignInReasons: auth.FailureReasons, Logger: log.With("component", "metrics")})
	authSvc := auth.New(st, auth.Config{IdleTimeout: cfg.IdleTimeout, AbsoluteTimeout: cfg.AbsoluteTimeout, Logger: log,
		PasswordLogin: cfg.passwordLogin, Observer: mx})
	if err := firstAdmin(ctx, authSvc, sys); err != nil {
		return err
	}
	var keys [][]byte
	if cfg.DatabaseURL != "" { // replicas share the database, not a data directory
		keys, err = auth.LoadOrCreateSharedCookieKeys(ctx, st, splitList(cfg.CookieKeys), time.Now())
	} else {
		keys, err = auth.LoadOrCreateCookieKeys(cfg.DataDir, splitList(cfg.CookieKeys))
	}
	if err != nil {
		return fmt.Errorf("cookie keys: %w", err)
	}

	cl, err := connectCloud(ctx, cfg, sys, log, mx)
	if err != nil {
		return err
	}
	defer cl.close()

	acc, err := newAccounts(ctx, cfg, sys, st, authSvc, cl)
	if err != nil {
		return err
	}

	// The engine and the purger run on the process's context, not a request's:
	// a browser closing changes nothing.
	engCfg := jobs.Config{Logger: log.With("component", "jobs"), Rounds: mx}
	if cfg.DatabaseURL == "" {
		// One console per data directory (the lock): a console started again is the same
		// engine and takes its job leases back at once. On PostgreSQL each process is its own.
		engCfg.Owner = "console"
	}
	engine := jobs.New(st, cl.gateway, engCfg)
	mx.CountStates(engine)
	mx.SetLeasesHeld(engine.LeasesHeld)
	if err := engine.Recover(ctx); err != nil {
		return fmt.Errorf("resume unfinished jobs: %w", err)
	}
	bg, stopBackground := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBackground()
	engineDone := make(chan struct{})
	go func() { _ = engine.Run(bg); close(engineDone) }()
	defer func() { // the engine ends its round and releases its leases for the other replicas
		stopBackground()
		select {
		case <-engineDone:
		case <-time.After(10 * time.Second):
		}
	}()
	go authSvc.RunPurger(bg, 10*time.Minute)
	ssoSvc, err := startSSO(bg, cfg, authSvc, log)
	if err != nil {
		return err
	}

	var rateLimits web.RateStore // replicas count the API's limits together
	if cfg.DatabaseURL != "" {
		rateLimits = st
	}
	proxies, _ := parsePrefixes(cfg.TrustedProxies)
	deps := web.Deps{Auth: authSvc, Cloud: cl.gateway, Jobs: engine, Selections: selection.NewStore(st.DB()), Sandbox: cl.sandbox,
		Ready: st, SSO: ssoSvc, Requests: mx, Metrics: mx.Handler(), RateLimits: rateLimits, Accounts: acc}
	if cfg.MetricsAddr != "" {
		deps.Metrics = nil // on its own listener, not on the console's
		stop, err := serveMetrics(cfg.MetricsAddr, mx.Handler(), log)
		if err != nil {
			return err
		}
		defer stop()
	}
	srv, err := web.New(web.Config{
		Sandbox: cl.isSandbox, TLS: cfg.TLSCert != "", TrustedProxies: proxies, CookieKeys: keys, Logger: log,
	}, deps)
	if err != nil {
		return err
	}
	return listenAndServe(ctx, cfg, srv, log)
}

// startSSO builds single sign-on when it is configured and discovers the
// provider in the background, so a misconfiguration shows in the log at
// start; an unreachable provider does not stop the console (sign-ins try
// again, and break-glass administrators still sign in).
func startSSO(ctx context.Context, cfg serveConfig, a *auth.Service, log *slog.Logger) (*sso.Service, error) {
	if cfg.sso == nil {
		return nil, nil
	}
	c := *cfg.sso
	c.Logger = log.With("component", "sso")
	s, err := sso.New(c, a)
	if err != nil {
		return nil, err
	}
	if cfg.passwordLogin.Off && len(cfg.passwordLogin.BreakGlass) == 0 {
		log.Warn("password sign-in is off and no --break-glass-admins are named: nobody can sign in while the identity provider is down")
	}
	go func() { _ = s.Discover(ctx) }()
	return s, nil
}

// firstAdmin creates the first administrator on a fresh database and prints
// its password once.
func firstAdmin(ctx context.Context, a *auth.Service, sys IO) error {
	generated, created, err := a.EnsureFirstAdmin(ctx, sys.Getenv("KEYBIND_ADMIN_PASSWORD"))
	if err != nil {
		return fmt.Errorf("create the first administrator: %w", err)
	}
	if created && generated != "" {
		fmt.Fprintf(sys.Stdout, "Created the first administrator.\n  username: admin\n  password: %s\nThis password is shown only once. Sign in and change it under Account.\n", generated)
	} else if created {
		fmt.Fprintln(sys.Stdout, "Created the first administrator 'admin' with the password from KEYBIND_ADMIN_PASSWORD.")
	}
	return nil
}

// cloudConn is the gateway plus, in sandbox mode, the embedded sandbox.
type cloudConn struct {
	gateway    *cloud.Gateway
	hasDefault bool // the console has credentials of its own: the account "default"
	isSandbox  bool
	sandbox    *sandbox.Sandbox // embedded only
	close      func()
}

// connectCloud picks the cloud: the embedded sandbox when there are neither
// credentials nor an endpoint, otherwise the configured endpoint or the
// public ECS endpoints with the standard credential chain.
func connectCloud(ctx context.Context, cfg serveConfig, sys IO, log *slog.Logger, obs cloud.Observer) (*cloudConn, error) {
	cc := cloud.Config{
		Endpoint:        cfg.Endpoint,
		STSEndpoint:     cfg.STSEndpoint,
		AccessKeyID:     sys.Getenv("ALIBABA_CLOUD_ACCESS_KEY_ID"),
		AccessKeySecret: sys.Getenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
		SecurityToken:   sys.Getenv("ALIBABA_CLOUD_SECURITY_TOKEN"),
		RatePerSecond:   float64(cfg.ECSRate),
		Logger:          log,
		Observer:        obs,
	}
	conn := &cloudConn{close: func() {}}
	if cfg.Endpoint == "" && !cloud.CredentialsFromEnv(sys.Getenv) {
		sb, endpoint, id, secret, stop, err := startEmbeddedSandbox(cfg, log)
		if err != nil {
			return nil, err
		}
		cc.Endpoint, cc.AccessKeyID, cc.AccessKeySecret, cc.SecurityToken = endpoint, id, secret, ""
		if cc.STSEndpoint == "" {
			cc.STSEndpoint = endpoint // the sandbox answers STS AssumeRole on the same address
		}
		conn.isSandbox, conn.sandbox, conn.close = true, sb, stop
		log.Warn("no cloud credentials and no --ecs-endpoint: using the embedded ECS sandbox; changes affect simulated instances only", "endpoint", endpoint)
	} else if cfg.Endpoint != "" {
		conn.isSandbox = probeSandbox(ctx, cfg.Endpoint)
		if conn.isSandbox {
			log.Warn("the ECS endpoint is a keybind sandbox; changes affect simulated instances only", "endpoint", cfg.Endpoint)
		}
	}
	g, err := cloud.New(cc)
	if err != nil {
		conn.close()
		return nil, fmt.Errorf("cloud gateway: %w", err)
	}
	conn.gateway = g
	conn.hasDefault = conn.sandbox != nil || hasDefaultAccount(sys, cfg.Endpoint, conn.isSandbox)
	return conn, nil
}

// startEmbeddedSandbox serves a sandbox on a free loopback port with
// credentials made up for this process.
func startEmbeddedSandbox(cfg serveConfig, log *slog.Logger) (*sandbox.Sandbox, string, string, string, func(), error) {
	id, secret := "sandbox-"+randomHex(8), randomHex(24)
	sb := sandbox.New(sandbox.Options{
		AccessKeyID: id, AccessKeySecret: secret, Seed: cfg.SandboxSeed,
		InstancesPerRegion: cfg.SandboxInstances, Transition: cfg.SandboxTransition,
		Accounts: cfg.sandboxAccounts, Roles: cfg.sandboxRoles,
		Logger: log.With("component", "sandbox"),
	})
	for _, r := range sb.Roles() {
		log.Info("embedded sandbox role: add it on the Cloud accounts page", "account", r.Account, "role_arn", r.ARN)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", "", "", nil, fmt.Errorf("start the embedded sandbox: %w", err)
	}
	hs := &http.Server{Handler: sb, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	return sb, "http://" + ln.Addr().String(), id, secret, func() { _ = hs.Close() }, nil
}

// probeSandbox asks the endpoint whether it is a keybind sandbox.
func probeSandbox(ctx context.Context, endpoint string) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/_sandbox/info", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
