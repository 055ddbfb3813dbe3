package jobs_test

import (
	"context"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

const region = "cn-hangzhou"

var (
	alice = jobs.Actor{UserID: 1, Username: "alice", Role: "operator", IP: "192.0.2.10", Via: "web"}
	bob   = jobs.Actor{UserID: 2, Username: "bob", Role: "operator", IP: "192.0.2.11", Via: "web"}
)

// harness is a sandbox, the real gateway over HTTP to it, a store in a temp dir and an engine
// whose clock is the sandbox's manual clock, so one Advance moves both.
type harness struct {
	t   testing.TB
	ctx context.Context
	env *sandboxtest.Env
	gw  *cloud.Gateway
	st  *store.Store
	eng *jobs.Engine
	cfg jobs.Config
}

func newHarness(t testing.TB, opts sandbox.Options, mod func(*jobs.Config)) *harness {
	t.Helper()
	env := sandboxtest.Start(t, opts)
	gw, err := cloud.New(gatewayConfig(env, 0))
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	// One owner for every engine a test makes: a new engine on the same store is the console
	// started again (as on SQLite), not another replica; lease_test.go has those.
	cfg := jobs.Config{Clock: env.Clock, FirstPollDelay: 3 * time.Second, RestartDeadline: 2 * time.Minute,
		RunningGrace: 30 * time.Second, StoppedGrace: 20 * time.Second, RetryDelay: time.Second, Owner: "console"}
	if mod != nil {
		mod(&cfg)
	}
	h := &harness{t: t, ctx: t.Context(), env: env, gw: gw, st: st, cfg: cfg}
	h.eng = jobs.New(st, gw, cfg)
	return h
}

// gatewayConfig points a gateway at the sandbox with no rate limit in the way and backoff that
// does not sleep; concurrency 0 keeps the gateway default.
func gatewayConfig(env *sandboxtest.Env, concurrency int) cloud.Config {
	return cloud.Config{
		Endpoint: env.URL, AccessKeyID: env.AccessKeyID, AccessKeySecret: env.AccessKeySecret,
		RatePerSecond: 100000, Concurrency: concurrency,
		Retry:       cloud.RetryPolicy{MaxAttempts: 6, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Deadline: time.Minute},
		CallTimeout: 30 * time.Second,
		Sleep:       func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
}

// pick returns up to n instance IDs of the region that keep accepts, in sandbox order.
func (h *harness) pick(n int, keep func(sandbox.InstanceState) bool) []string {
	var out []string
	for _, in := range h.env.Sandbox.Instances(region) {
		if len(out) < n && keep(in) {
			out = append(out, in.InstanceID)
		}
	}
	return out
}

func bindable(in sandbox.InstanceState) bool {
	return in.OSType == "linux" && in.IoOptimized && in.LockReason == ""
}

func running(in sandbox.InstanceState) bool {
	return bindable(in) && in.Status == sandbox.StatusRunning && in.Operation == ""
}

func stopped(in sandbox.InstanceState) bool {
	return bindable(in) && in.Status == sandbox.StatusStopped && in.Operation == ""
}

// without narrows keep to instances that do not have key.
func without(key string, keep func(sandbox.InstanceState) bool) func(sandbox.InstanceState) bool {
	return func(in sandbox.InstanceState) bool { return in.KeyPairName != key && keep(in) }
}

func anyInstance(sandbox.InstanceState) bool { return true }

// plan builds a bind plan the way the review page does: InstancesByID, then PlanBind, with
// the instances that already have the key sent it again (as when the person asks to).
func (h *harness) plan(keyPair string, ids []string) jobs.Plan {
	h.t.Helper()
	found, _, err := h.gw.InstancesByID(h.ctx, region, ids)
	if err != nil {
		h.t.Fatal(err)
	}
	return jobs.PlanBind(region, keyPair, ids, found).IncludeSame()
}

// create plans and creates a bind job.
func (h *harness) create(keyPair string, ids []string, policy jobs.RestartPolicy) int64 {
	h.t.Helper()
	id, created, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "form-" + time.Now().Format(time.RFC3339Nano),
		Actor: alice, Plan: h.plan(keyPair, ids), Policy: policy})
	if err != nil || !created {
		h.t.Fatalf("Create: id=%d created=%t err=%v", id, created, err)
	}
	return id
}

func (h *harness) step() {
	h.t.Helper()
	if err := h.eng.Step(h.ctx); err != nil {
		h.t.Fatalf("Step: %v", err)
	}
}

// runUntilIdle steps and advances the clock by d until the job is no longer in motion.
func (h *harness) runUntilIdle(jobID int64, d time.Duration, maxRounds int) jobs.Job {
	h.t.Helper()
	for range maxRounds {
		h.step()
		j := h.job(jobID)
		if !j.InMotion() {
			return j
		}
		h.env.Clock.Advance(d)
	}
	j := h.job(jobID)
	h.t.Fatalf("job %d still in motion after %d rounds: %+v", jobID, maxRounds, j.Counts)
	return j
}

func (h *harness) job(id int64) jobs.Job {
	h.t.Helper()
	j, err := h.eng.Job(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return j
}

func (h *harness) items(id int64) map[string]jobs.Item {
	h.t.Helper()
	items, err := h.eng.Items(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	out := make(map[string]jobs.Item, len(items))
	for _, it := range items {
		out[it.InstanceID] = it
	}
	return out
}

func (h *harness) sandboxKey(id string) sandbox.KeyState {
	h.t.Helper()
	ks, ok := h.env.Sandbox.KeyInEffect(region, id)
	if !ok {
		h.t.Fatalf("sandbox has no instance %s", id)
	}
	return ks
}

func (h *harness) audit(jobID int64) []store.AuditEntry {
	h.t.Helper()
	var out []store.AuditEntry
	err := h.st.EachAudit(h.ctx, store.AuditFilter{}, func(e store.AuditEntry) error {
		if e.JobID == jobID {
			out = append(out, e)
		}
		return nil
	})
	if err != nil {
		h.t.Fatal(err)
	}
	// EachAudit is newest first; tests read oldest first.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
