// Package web owns the echo instance: the middleware stack, the session
// store, CSRF, the error handler, static assets and the route table.
package web

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"keybind/handlers/request"
	"keybind/internal/accounts"
	"keybind/internal/auth"
	"keybind/internal/binding"
	"keybind/internal/cloud"
	"keybind/internal/inventory"
	"keybind/internal/jobs"
	"keybind/internal/keypairs"
	"keybind/internal/sandbox"
	"keybind/internal/selection"
	"keybind/internal/sso"
	"keybind/static"
)

// Config is how the web layer is set up.
type Config struct {
	Sandbox        bool           // the cloud is the ECS sandbox: show the banner
	TLS            bool           // served over TLS: send HSTS
	TrustedProxies []netip.Prefix // proxies whose X-Forwarded-For is believed
	CookieKeys     [][]byte       // securecookie hash/block key pairs, newest first
	BodyLimit      string         // e.g. "1M"
	RequestTimeout time.Duration
	Logger         *slog.Logger
	// Clock drives the per-IP sign-in limiter and how long a readiness
	// answer is reused; default the system clock.
	Clock auth.Clock
	// LoginRatePerSecond is the sustained rate of sign-in attempts allowed
	// per client IP (after a burst of 10); default 0.2.
	LoginRatePerSecond float64
}

// Deps are the domain services behind the handlers.
type Deps struct {
	Auth       *auth.Service
	Cloud      *cloud.Gateway
	Jobs       *jobs.Engine
	Selections *selection.Store
	Sandbox    *sandbox.Sandbox // the ECS sandbox behind the console, when it is embedded
	Denials    DenialRecorder   // default: Auth
	Ready      ReadyChecker     // the database behind GET /readyz
	SSO        *sso.Service     // single sign-on (docs/SSO.md); nil when no identity provider is configured
	// RateLimits counts the API's rate limits in the database replicas
	// share (PostgreSQL); nil counts them in this process's memory.
	RateLimits RateStore
	// Requests is told of every request's route pattern, status and
	// duration (internal/metrics); nil: not observed.
	Requests RequestObserver
	// Metrics serves GET /metrics without a session; nil when the metrics
	// are served on a listener of their own (--metrics-addr).
	Metrics http.Handler
	// Accounts are the cloud accounts and who may use which.
	Accounts *accounts.Service
}

// RequestObserver is told of every request: its method, the route pattern
// that matched ("" for none; never the raw URL), the status sent and how
// long the answer took. *metrics.Metrics provides it.
type RequestObserver interface {
	Request(method, route string, status int, d time.Duration)
}

// Server is the console's HTTP application.
type Server struct {
	echo     *echo.Echo
	cfg      Config
	deps     Deps
	svc      services
	log      *slog.Logger
	sessions *dbStore
	devices  devices
	ssoFlows ssoFlows
	ready    *readiness
}

// services are the domain's use-cases and shared caches, built once from
// Deps and given to the page and API handlers alike.
type services struct {
	regions   *inventory.Regions
	instances *inventory.Instances
	keyPairs  *inventory.KeyPairs
	binding   *binding.Service
	keys      *keypairs.Service
}

func newServices(cfg Config, d Deps) services {
	regions := inventory.NewRegions(d.Cloud, cfg.Clock, 0)
	keyPairs := inventory.NewKeyPairs(d.Cloud, cfg.Clock, 0)
	return services{
		regions:   regions,
		instances: inventory.NewInstances(d.Cloud, cfg.Clock, 0),
		keyPairs:  keyPairs,
		binding:   binding.New(regions, d.Cloud, d.Jobs),
		keys:      keypairs.New(regions, d.Cloud, d.Auth, cfg.Clock, cfg.Logger, keyPairs.Changed),
	}
}

// New builds the echo application with its middleware and routes.
func New(cfg Config, deps Deps) (*Server, error) {
	if len(cfg.CookieKeys) == 0 || len(cfg.CookieKeys)%2 != 0 {
		return nil, fmt.Errorf("web: cookie keys must come in hash/block pairs, got %d keys", len(cfg.CookieKeys))
	}
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "1M"
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Denials == nil {
		deps.Denials = deps.Auth
	}
	if deps.Ready == nil {
		return nil, fmt.Errorf("web: Deps.Ready is required (GET /readyz checks it)")
	}
	if deps.Accounts == nil {
		return nil, fmt.Errorf("web: Deps.Accounts is required (every cloud call works in an account)")
	}
	if cfg.Clock == nil {
		cfg.Clock = auth.SystemClock
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Renderer = templRenderer{}
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	s := &Server{echo: e, cfg: cfg, deps: deps, svc: newServices(cfg, deps), log: cfg.Logger}
	s.sessions = newDBStore(deps.Auth, cfg.CookieKeys)
	s.devices = newDevices(cfg.CookieKeys)
	s.ssoFlows = newSSOFlows(cfg.CookieKeys)
	s.ready = newReadiness(deps.Ready, cfg.Clock)
	e.HTTPErrorHandler = s.handleError
	s.middleware()
	s.routes()
	return s, nil
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Route is one entry of the route table.
type Route struct{ Method, Path string }

// Routes lists the route table (method and path of every route), sorted;
// echo's internal not-found catch-alls are left out. Tests walk it.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	slices.SortFunc(out, func(a, b Route) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Method, b.Method))
	})
	return out
}

// ipExtractor trusts X-Forwarded-For only from the configured proxies.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(prefixToIPNet(p)))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// middleware installs the stack every request passes through, outermost first.
func (s *Server) middleware() {
	e := s.echo
	e.Use(middleware.RequestID())
	// Before anything that can refuse a request (body limit, recover), so
	// every response, error pages included, carries the headers and nonce.
	e.Use(securityHeaders(s.cfg.TLS))
	e.Use(s.baseState)
	if s.deps.Requests != nil {
		e.Use(observeRequests(s.deps.Requests))
	}
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogURIPath: true, LogMethod: true, LogLatency: true, LogRequestID: true, LogRemoteIP: true,
		HandleError: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			s.log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency), slog.String("ip", v.RemoteIP))
			return nil
		},
	}))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, DisablePrintStack: true}))
	e.Use(middleware.BodyLimit(s.cfg.BodyLimit))
	e.Use(middleware.ContextTimeout(s.cfg.RequestTimeout))
}

// baseState gives every request (error pages included) the sandbox flag and
// a logger carrying the request ID.
func (s *Server) baseState(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		request.Set(c, &request.State{
			Sandbox:  s.cfg.Sandbox,
			Controls: s.deps.Sandbox != nil,
			Logger:   s.log.With("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
		})
		return next(c)
	}
}

// observeRequests reports each request to o once its answer is written: an
// error is handed to the error handler here, so the status is the one sent.
func observeRequests(o RequestObserver) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err)
			}
			o.Request(c.Request().Method, c.Path(), c.Response().Status, time.Since(start))
			return nil
		}
	}
}

// healthz is liveness only: the process serves HTTP. Whether it can do its
// work is /readyz.
func healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// staticHandler serves the embedded, content-hashed assets.
func staticHandler() echo.HandlerFunc { return echo.WrapHandler(static.Default) }

// favicon sends browsers that ask for /favicon.ico (pages name the SVG
// icon themselves) to the icon's hashed URL.
func favicon(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Redirect(http.StatusFound, static.URL("favicon.svg"))
}
