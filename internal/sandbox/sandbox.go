// Package sandbox is an in-process emulator of the Alibaba Cloud ECS RPC API
// (version 2014-05-26) for the actions keybind uses, close enough that the
// unmodified SDKs and the aliyun CLI cannot tell it from ECS. It serves
// several accounts, each with its own fleet, and STS AssumeRole (version
// 2015-04-01) for their RAM roles. It also serves a JSON control API under
// /_sandbox/ for tests and demos.
package sandbox

import (
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Default credentials of the default account of a sandbox built with zero Options.
const (
	DefaultAccessKeyID     = "keybind-sandbox"
	DefaultAccessKeySecret = "keybind-sandbox-secret"
)

const (
	defaultSeed       = 1
	defaultPerRegion  = 150
	defaultTransition = 10 * time.Second
	// signatureWindow is how far a request's timestamp may be from the wall clock.
	signatureWindow = 15 * time.Minute
)

// Options configures a Sandbox. The zero value is usable.
type Options struct {
	AccessKeyID, AccessKeySecret string           // the default account's key pair; defaults DefaultAccessKeyID / DefaultAccessKeySecret
	Accounts                     []Account        // more accounts, each with its own fleet
	Roles                        []Role           // RAM roles that STS AssumeRole hands out temporary credentials for
	Seed                         int64            // default 1
	InstancesPerRegion           int              // default 150
	Transition                   time.Duration    // whole reboot/start duration, default 10s
	Clock                        Clock            // simulation clock, default real time; STS expiry follows it too
	WallClock                    func() time.Time // for signature timestamps/nonces, default time.Now
	Logger                       *slog.Logger     // default discard
}

func (o Options) withDefaults() Options {
	if o.AccessKeyID == "" {
		o.AccessKeyID = DefaultAccessKeyID
	}
	if o.AccessKeySecret == "" {
		o.AccessKeySecret = DefaultAccessKeySecret
	}
	if o.Seed == 0 {
		o.Seed = defaultSeed
	}
	if o.InstancesPerRegion <= 0 {
		o.InstancesPerRegion = defaultPerRegion
	}
	if o.Transition <= 0 {
		o.Transition = defaultTransition
	}
	if o.Clock == nil {
		o.Clock = realClock{}
	}
	if o.WallClock == nil {
		o.WallClock = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Sandbox is the emulator. It is an http.Handler: ECS and STS at "/", the
// control API at "/_sandbox/".
type Sandbox struct {
	opts    Options
	log     *slog.Logger
	nonces  *nonceCache
	control *http.ServeMux // the /_sandbox/ routes

	// Fixed at New.
	accounts []*account // the default account first
	byName   map[string]*account
	byKey    map[string]*account // by long-term AccessKey ID
	roles    map[string]*role    // by ARN
	def      *Fleet              // the default account

	mu        sync.Mutex
	seed      int64
	perRegion int
	offset    time.Duration // added to opts.Clock by Advance
	sessions  sessions      // STS temporary credentials
	calls     map[string]int
	faults    []*faultState
	rng       *rand.Rand // drives fault probabilities
}

// New builds a sandbox seeded from opts. It panics when opts.Validate
// fails, which is a bug in the caller (keybind sandbox validates flags first).
func New(opts Options) *Sandbox {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	s := &Sandbox{
		opts:      opts,
		log:       opts.Logger,
		nonces:    newNonceCache(2 * signatureWindow),
		byName:    map[string]*account{},
		byKey:     map[string]*account{},
		roles:     map[string]*role{},
		seed:      opts.Seed,
		perRegion: opts.InstancesPerRegion,
		sessions:  newSessions(),
	}
	for _, a := range opts.accounts() {
		acct := &account{Account: a, uid: accountUID(a.Name)}
		s.accounts = append(s.accounts, acct)
		s.byName[a.Name], s.byKey[a.AccessKeyID] = acct, acct
	}
	for _, r := range opts.Roles {
		ro := newRole(r, s.byName[r.Account])
		s.roles[ro.arn] = ro
	}
	s.def = s.Account(DefaultAccount)
	s.control = s.controlMux()
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
	return s
}

// ServeHTTP routes control requests to the control API and everything else to ECS or STS.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.control.ServeHTTP(w, r)
		return
	}
	s.serveAPI(w, r)
}

// Reset restores every account's seeded fleet for the current seed and
// size, clears faults, call counts and the Advance offset. Temporary
// credentials AssumeRole handed out stay valid until they expire.
func (s *Sandbox) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

// Reseed replaces the state with the one generated from seed and perRegion
// instances per region (perRegion <= 0 keeps the current size) and resets.
func (s *Sandbox) Reseed(seed int64, perRegion int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seed != 0 {
		s.seed = seed
	}
	if perRegion > 0 {
		s.perRegion = perRegion
	}
	s.resetLocked()
}

func (s *Sandbox) resetLocked() {
	s.offset = 0
	now := s.nowLocked()
	for _, a := range s.accounts {
		a.reset(s.seed, s.perRegion, now)
	}
	s.calls = map[string]int{}
	s.faults = nil
	s.rng = rand.New(rand.NewPCG(uint64(s.seed), 0x5eed_fa17))
}

// Advance shifts simulation time forward by d on top of the Clock.
func (s *Sandbox) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.offset += d
	}
}

// Now returns the current simulation time.
func (s *Sandbox) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sandbox) nowLocked() time.Time { return s.opts.Clock.Now().Add(s.offset).UTC() }

// Calls returns the number of API calls per action since the last reset, failed ones included.
func (s *Sandbox) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls)
}

// ResetCalls zeroes the call counters, every account's included.
func (s *Sandbox) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	for _, a := range s.accounts {
		a.calls = map[string]int{}
	}
}
