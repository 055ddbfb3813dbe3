// Package sandbox is an in-process emulator of the Alibaba Cloud ECS RPC API
// (version 2014-05-26) for the actions keybind uses, close enough that the
// unmodified SDKs and the aliyun CLI cannot tell it from ECS. It also serves a
// JSON control API under /_sandbox/ for tests and demos.
package sandbox

import (
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Default credentials accepted by a sandbox built with zero Options.
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
	AccessKeyID, AccessKeySecret string           // defaults DefaultAccessKeyID / DefaultAccessKeySecret
	Seed                         int64            // default 1
	InstancesPerRegion           int              // default 150
	Transition                   time.Duration    // whole reboot/start duration, default 10s
	Clock                        Clock            // simulation clock, default real time
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

// Sandbox is the emulator. It is an http.Handler: ECS at "/", control API at "/_sandbox/".
type Sandbox struct {
	opts    Options
	log     *slog.Logger
	nonces  *nonceCache
	control *http.ServeMux // the /_sandbox/ routes

	mu        sync.Mutex
	seed      int64
	perRegion int
	offset    time.Duration // added to opts.Clock by Advance
	regions   []*region
	byRegion  map[string]*region
	calls     map[string]int
	faults    []*faultState
	rng       *rand.Rand // drives fault probabilities
}

// New builds a sandbox seeded from opts.
func New(opts Options) *Sandbox {
	opts = opts.withDefaults()
	s := &Sandbox{
		opts:      opts,
		log:       opts.Logger,
		nonces:    newNonceCache(2 * signatureWindow),
		seed:      opts.Seed,
		perRegion: opts.InstancesPerRegion,
	}
	s.control = s.controlMux()
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
	return s
}

// ServeHTTP routes control requests to the control API and everything else to ECS.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		s.control.ServeHTTP(w, r)
		return
	}
	s.serveAPI(w, r)
}

// Reset restores the seeded state for the current seed and size, clears
// faults, call counts and the Advance offset.
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
	s.regions = generate(s.seed, s.perRegion, s.nowLocked())
	s.byRegion = make(map[string]*region, len(s.regions))
	for _, r := range s.regions {
		s.byRegion[r.info.ID] = r
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

// Regions lists the region IDs in DescribeRegions order.
func (s *Sandbox) Regions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(s.regions))
	for i, r := range s.regions {
		out[i] = r.info.ID
	}
	return out
}

// Instances returns a snapshot of a region's instances sorted by ID (nil for an unknown region).
func (s *Sandbox) Instances(regionID string) []InstanceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byRegion[regionID]
	if r == nil {
		return nil
	}
	now := s.nowLocked()
	out := make([]InstanceState, len(r.instances))
	for i, in := range r.instances {
		out[i] = in.snapshot(now, s.opts.Transition)
	}
	return out
}

// Instance returns one instance's snapshot.
func (s *Sandbox) Instance(regionID, instanceID string) (InstanceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instanceLocked(regionID, instanceID)
	if in == nil {
		return InstanceState{}, false
	}
	return in.snapshot(s.nowLocked(), s.opts.Transition), true
}

// KeyInEffect reports which key would let someone log in to the instance now.
func (s *Sandbox) KeyInEffect(regionID, instanceID string) (KeyState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := s.instanceLocked(regionID, instanceID)
	if in == nil {
		return KeyState{}, false
	}
	return in.snapshot(s.nowLocked(), s.opts.Transition).keyState(), true
}

func (s *Sandbox) instanceLocked(regionID, instanceID string) *instance {
	r := s.byRegion[regionID]
	if r == nil {
		return nil
	}
	return r.byID[instanceID]
}

// Calls returns the number of API calls per action since the last reset, failed ones included.
func (s *Sandbox) Calls() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.calls))
	for k, v := range s.calls {
		out[k] = v
	}
	return out
}

// ResetCalls zeroes the call counters.
func (s *Sandbox) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
}
