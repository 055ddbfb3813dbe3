package cloud_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

// recorder observes a gateway: every HTTP call (OnCall) and every backoff wait (Sleep).
// Its Sleep does not wait; it advances a fake clock which a test may hand to the gateway as
// Config.Now, so retry deadlines are exercised without sleeping.
type recorder struct {
	mu     sync.Mutex
	calls  []cloud.CallInfo
	sleeps []time.Duration
	now    time.Time
}

func (r *recorder) onCall(ci cloud.CallInfo) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, ci)
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sleeps = append(r.sleeps, d)
	r.now = r.now.Add(d)
	return ctx.Err()
}

func (r *recorder) clock() time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.now
}

func (r *recorder) Calls() []cloud.CallInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

func (r *recorder) Sleeps() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.sleeps)
}

// codes counts the calls that ended with each code ("" for success).
func (r *recorder) codes(action string) map[string]int {
	out := map[string]int{}
	for _, c := range r.Calls() {
		if c.Action == action {
			out[c.Code]++
		}
	}
	return out
}

// testConfig is a gateway config for env with tiny backoff and no rate limiting in the way.
func testConfig(env *sandboxtest.Env, rec *recorder) cloud.Config {
	return cloud.Config{
		Endpoint:        env.URL,
		AccessKeyID:     env.AccessKeyID,
		AccessKeySecret: env.AccessKeySecret,
		RatePerSecond:   10000,
		Retry:           cloud.RetryPolicy{MaxAttempts: 6, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Deadline: 30 * time.Second},
		CallTimeout:     10 * time.Second,
		OnCall:          rec.onCall,
		Sleep:           rec.sleep,
		Now:             rec.clock,
	}
}

// setup starts a sandbox and a gateway on it; mod may adjust the config.
func setup(t testing.TB, opts sandbox.Options, mod func(*cloud.Config)) (*sandboxtest.Env, *cloud.Gateway, *recorder) {
	t.Helper()
	env := sandboxtest.Start(t, opts)
	rec := &recorder{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := testConfig(env, rec)
	if mod != nil {
		mod(&cfg)
	}
	g, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return env, g, rec
}

// pick returns up to n instance IDs of region matching keep, in the sandbox's order.
func pick(env *sandboxtest.Env, region string, n int, keep func(sandbox.InstanceState) bool) []string {
	var out []string
	for _, in := range env.Sandbox.Instances(region) {
		if len(out) < n && keep(in) {
			out = append(out, in.InstanceID)
		}
	}
	return out
}

func linuxRunning(in sandbox.InstanceState) bool {
	return in.OSType == "linux" && in.IoOptimized && in.Status == sandbox.StatusRunning && in.LockReason == ""
}

func windows(in sandbox.InstanceState) bool { return in.OSType == "windows" }

func stopped(in sandbox.InstanceState) bool {
	return in.Status == sandbox.StatusStopped && in.LockReason == ""
}

const region = "cn-hangzhou"

func linuxStopped(in sandbox.InstanceState) bool {
	return in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && in.Status == sandbox.StatusStopped
}
