// Package metrics is keybind's Prometheus instrumentation: one registry per
// console (never the global default), the observers the gateway, the job
// engine, auth and the web layer report to, and a collector that counts jobs
// and items by state from the database when /metrics is scraped.
//
// No label carries a user name, an instance ID or any other value from
// outside a small fixed set: every label value passes through a guard that
// folds anything past a bound into "other".
package metrics

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure New.
type Options struct {
	// TallyTimeout bounds the queries of CountStates during a scrape;
	// default 5s.
	TallyTimeout time.Duration
	// SignInReasons are reported at zero from the start, so a rate over
	// them works before the first failure (auth.FailureReasons).
	SignInReasons []string
	Logger        *slog.Logger // default discards
}

// Metrics holds the console's registry and its instruments. It implements
// cloud.Observer (Call), jobs.RoundObserver (Round), auth.Observer
// (SignInFailed) and web's request observer (Request). Safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry

	cloudCalls   *prometheus.CounterVec
	cloudLatency *prometheus.HistogramVec
	throttled    *prometheus.CounterVec
	rounds       prometheus.Histogram
	roundErrors  prometheus.Counter
	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	signIn       *prometheus.CounterVec
	leases       atomic.Pointer[func() int]

	actions, routes, reasons, outcomes *guard
	tallyTimeout                       time.Duration
	log                                *slog.Logger
}

// New builds the registry with the Go runtime and process collectors and
// keybind's own metrics.
func New(o Options) *Metrics {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TallyTimeout <= 0 {
		o.TallyTimeout = 5 * time.Second
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		cloudCalls: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keybind_cloud_calls_total",
			Help: "ECS API calls (HTTP attempts, retries included) by action and outcome (ok, dry-run or the error kind)."},
			[]string{"action", "outcome"}),
		cloudLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "keybind_cloud_call_duration_seconds",
			Help:    "How long one ECS API call took, by action.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15}}, []string{"action"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keybind_cloud_throttled_total",
			Help: "ECS answers that refused a call because of flow control (Throttling), by action."}, []string{"action"}),
		rounds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "keybind_engine_round_duration_seconds",
			Help:    "How long one round of the job engine over every active job took.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}}),
		roundErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "keybind_engine_round_errors_total",
			Help: "Rounds of the job engine that ended with an error for at least one job."}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keybind_http_requests_total",
			Help: "HTTP requests by method, route pattern (never the raw URL) and status."},
			[]string{"method", "route", "status"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "keybind_http_request_duration_seconds",
			Help: "How long the console took to answer, by method and route pattern.", Buckets: prometheus.DefBuckets},
			[]string{"method", "route"}),
		signIn: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "keybind_sign_in_failures_total",
			Help: "Refused password sign-ins by reason."}, []string{"reason"}),
		actions:  newGuard(64),
		routes:   newGuard(256),
		reasons:  newGuard(16),
		outcomes: newGuard(16),

		tallyTimeout: o.TallyTimeout,
		log:          o.Logger,
	}
	zero := func() int { return 0 }
	m.leases.Store(&zero)
	leases := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "keybind_leases_held",
		Help: "Job leases this replica holds (0 without PostgreSQL replicas)."},
		func() float64 { return float64((*m.leases.Load())()) })
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.cloudCalls, m.cloudLatency, m.throttled, m.rounds, m.roundErrors, m.httpRequests, m.httpDuration,
		m.signIn, leases)
	for _, r := range o.SignInReasons {
		m.signIn.WithLabelValues(m.reasons.value(r))
	}
	return m
}

// CountStates adds the jobs and items by state, counted by t in the
// database at each scrape (the engine is built after the gateway that
// reports to these metrics, hence a method and not an option). Call it once.
func (m *Metrics) CountStates(t Tallier) {
	m.reg.MustRegister(&tallyCollector{tally: t, timeout: m.tallyTimeout, log: m.log})
}

// Registry is the console's registry (tests gather from it).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus text format. A collector
// that fails (the database is away) leaves its metrics out rather than
// failing the scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError, Timeout: 10 * time.Second})
}

// Call records one ECS API call (cloud.Observer).
func (m *Metrics) Call(action, outcome string, d time.Duration) {
	a := m.actions.value(action)
	o := m.outcomes.value(outcome)
	m.cloudCalls.WithLabelValues(a, o).Inc()
	m.cloudLatency.WithLabelValues(a).Observe(d.Seconds())
	if outcome == "throttled" {
		m.throttled.WithLabelValues(a).Inc()
	}
}

// Round records one round of the job engine (jobs.RoundObserver).
func (m *Metrics) Round(d time.Duration, err error) {
	m.rounds.Observe(d.Seconds())
	if err != nil {
		m.roundErrors.Inc()
	}
}

// SignInFailed counts a refused sign-in (auth.Observer).
func (m *Metrics) SignInFailed(reason string) {
	m.signIn.WithLabelValues(m.reasons.value(reason)).Inc()
}

// Request records one HTTP request: route is the route pattern ("/jobs/:id"),
// "" when no route matched.
func (m *Metrics) Request(method, route string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	r, meth := m.routes.value(route), httpMethod(method)
	m.httpRequests.WithLabelValues(meth, r, statusLabel(status)).Inc()
	m.httpDuration.WithLabelValues(meth, r).Observe(d.Seconds())
}

// SetLeasesHeld makes keybind_leases_held report f() at each scrape.
func (m *Metrics) SetLeasesHeld(f func() int) {
	if f == nil {
		f = func() int { return 0 }
	}
	m.leases.Store(&f)
}

// httpMethod keeps the standard methods and folds anything else.
func httpMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}

// guard bounds a label's values: the first max distinct values pass, later
// new ones become "other". The values it sees come from fixed sets in the
// code (actions, route patterns, reasons); the bound is a second line of
// defence against a mistake that would put an ID into a label.
type guard struct {
	mu   sync.Mutex
	max  int
	seen map[string]struct{}
}

func newGuard(n int) *guard { return &guard{max: n, seen: map[string]struct{}{}} }

func (g *guard) value(v string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.seen[v]; ok {
		return v
	}
	if len(g.seen) >= g.max {
		return "other"
	}
	g.seen[v] = struct{}{}
	return v
}
