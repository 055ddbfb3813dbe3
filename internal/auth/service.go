// Package auth owns keybind's accounts and who may do what: password hashing
// and policy, roles and permissions, sessions and their timeouts, sign-in
// throttling, user administration and the audit entries for all of these.
// The web layer builds on Service; it holds no state of its own beyond the
// database and an in-memory per-IP limiter.
package auth

import (
	"cmp"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"keybind/internal/gencache"
	"keybind/internal/store"
)

// Clock tells the time; tests inject a fake one.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Defaults for Config.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// Config configures a Service. Zero fields take defaults.
type Config struct {
	IdleTimeout     time.Duration // default 30 min
	AbsoluteTimeout time.Duration // default 12 h
	Clock           Clock         // default SystemClock
	// HashConcurrency bounds concurrent argon2id computations (sign-ins,
	// password changes). Default GOMAXPROCS: with p=1 each hash keeps one
	// core busy, so more at once would not finish sooner, only hold another
	// 19 MiB each while they wait.
	HashConcurrency int
	Logger          *slog.Logger // default discards
	// Params are the argon2id parameters new hashes get; default
	// DefaultParams. Tests use cheaper ones.
	Params Params
	// PasswordLogin turns password sign-in off for everyone but a few
	// break-glass administrators (single sign-on, docs/SSO.md).
	PasswordLogin PasswordLogin
	// Observer is told of every refused password sign-in (metrics); optional.
	Observer Observer
}

// Observer is told why a password sign-in was refused: one of the Failure*
// reasons, a small fixed set (internal/metrics provides one).
type Observer interface {
	SignInFailed(reason string)
}

// Reasons a password sign-in is refused, for an Observer.
const (
	FailureUnknownUser   = "unknown-user"
	FailureWrongPassword = "wrong-password"
	FailureDisabled      = "disabled"
	FailureSSOAccount    = "sso-account"        // the account signs in through single sign-on only
	FailureThrottled     = "throttled"          // held back by the failure counters, password not checked
	FailurePasswordOff   = "password-login-off" // password sign-in is off for this account
)

// FailureReasons lists every reason an Observer may be told.
var FailureReasons = []string{FailureUnknownUser, FailureWrongPassword, FailureDisabled, FailureSSOAccount,
	FailureThrottled, FailurePasswordOff}

// PasswordLogin says who may sign in with a password.
type PasswordLogin struct {
	// Off: only the accounts named in BreakGlass may sign in with a
	// password; everyone else signs in through single sign-on.
	Off bool
	// BreakGlass names local administrators who may still sign in with a
	// password while it is off (for when the identity provider is down).
	BreakGlass []string
}

// Service is keybind's authentication and authorization service. It is safe
// for concurrent use.
type Service struct {
	st       *store.Store
	idle     time.Duration
	absolute time.Duration
	clock    Clock
	log      *slog.Logger
	hashSem  chan struct{}
	params   Params
	// passwordOff and breakGlass are Config.PasswordLogin.
	passwordOff bool
	breakGlass  map[string]bool

	dummyOnce sync.Once
	dummyHash string

	verifies atomic.Int64 // argon2id verifications, for tests
	observer Observer

	// memMu guards memTimer, which hands argon2id's memory back to the OS
	// once hashing has been quiet (memory.go); freeMemory does it.
	memMu      sync.Mutex
	memTimer   *time.Timer
	freeMemory func()

	// Read on every signed-in request, kept while the database's change
	// counter stays put (ReadChanges, internal/gencache).
	sessions *gencache.Cache[string, cachedSession]
	prefs    *gencache.Cache[int64, map[string]string]
}

// New returns a Service over st.
func New(st *store.Store, cfg Config) *Service {
	s := &Service{
		st:       st,
		idle:     cfg.IdleTimeout,
		absolute: cfg.AbsoluteTimeout,
		clock:    cfg.Clock,
		log:      cfg.Logger,
		params:   cmp.Or(cfg.Params, DefaultParams),

		passwordOff: cfg.PasswordLogin.Off,
		breakGlass:  map[string]bool{},
		observer:    cfg.Observer,
		freeMemory:  debug.FreeOSMemory,
		sessions:    gencache.New[string, cachedSession](cacheSize),
		prefs:       gencache.New[int64, map[string]string](cacheSize),
	}
	for _, name := range cfg.PasswordLogin.BreakGlass {
		s.breakGlass[NormalizeUsername(name)] = true
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if s.absolute <= 0 {
		s.absolute = DefaultAbsoluteTimeout
	}
	if s.clock == nil {
		s.clock = SystemClock
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	n := cfg.HashConcurrency
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.hashSem = make(chan struct{}, n)
	// Make the unknown-user hash now, so the first sign-in with an unknown
	// name does not take visibly longer than one with a known name.
	go s.dummy()
	return s
}

func (s *Service) now() time.Time { return s.clock.Now().UTC() }

// signInFailed tells the observer, if any, why a sign-in was refused.
func (s *Service) signInFailed(reason string) {
	if s.observer != nil {
		s.observer.SignInFailed(reason)
	}
}
