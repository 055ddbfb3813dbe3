package jobs_test

import (
	"slices"
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

// assertTruth checks that what the engine shows for every item of an idle job is what the
// sandbox says is true.
func assertTruth(t *testing.T, h *harness, jobID int64, key string) {
	t.Helper()
	bad := 0
	for iid, it := range h.items(jobID) {
		ks := h.sandboxKey(iid)
		ok := true
		switch it.Key {
		case jobs.KeyExcluded:
			ok = ks.KeyPairName == it.PreviousKey
		case jobs.KeyDone:
			ok = ks.KeyPairName == key
		case jobs.KeyFailed:
			ok = ks.KeyPairName == it.PreviousKey // throttled and 503 calls never ran
		default:
			ok = false // nothing may be left in motion
		}
		switch it.Restart {
		case jobs.RestartKeyInEffect:
			ok = ok && ks.EffectiveKeyPair == key && !ks.RestartPending && ks.Status == sandbox.StatusRunning
		case jobs.RestartNeedsReboot, jobs.RestartNeedsStart, jobs.RestartFailed:
			// Not restarted, so the new key is not in effect yet, unless the instance already had
			// this key in effect before the job (ECS cannot tell; the grid shows "already had it").
			ok = ok && (ks.RestartPending || it.Change == jobs.ChangeSame)
		case jobs.RestartNone:
			ok = ok && it.Key != jobs.KeyDone
		default:
			ok = false
		}
		if !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: engine shows key %q restart %q (%s); sandbox %+v", iid, it.Key, it.Restart, it.RestartLabel(), ks)
				if bad == 1 {
					t.Logf("item %+v", it)
					for _, e := range h.audit(jobID) {
						if slices.Contains(e.InstanceIDs, iid) {
							t.Logf("audit %s %s %s %v %s", e.Time.Format("15:04:05.000"), e.Action, e.Outcome, e.RequestIDs, e.Detail)
						}
					}
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("... %d items in all disagree with the sandbox", bad)
	}
}

func TestThousandInstanceJobUnderFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000-instance job")
	}
	tests := []struct {
		name      string
		faults    []sandbox.Fault
		minEffect int // percent of included instances that must end with the key in effect
	}{
		{"throttle storm", []sandbox.Fault{{Kind: sandbox.FaultThrottle, Probability: 0.5}}, 90},
		// Most logical calls exhaust the gateway's retries: the engine's own retries and the
		// failure states are exercised, and whatever fails must still be shown truthfully.
		{"heavy throttle storm", []sandbox.Fault{{Kind: sandbox.FaultThrottle, Probability: 0.85}}, 0},
		{"503 burst", []sandbox.Fault{{Kind: sandbox.FaultUnavailable, Count: 40}, {Kind: sandbox.FaultUnavailable, Action: "RebootInstances", Count: 10}}, 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, sandbox.Options{InstancesPerRegion: 1000, Seed: 7, Transition: 8 * time.Second}, nil)
			ids := h.pick(1000, anyInstance)
			plan := h.plan("release-2024", ids)
			for _, f := range tt.faults {
				h.env.Sandbox.AddFault(f)
			}
			id, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "big", Actor: alice, Plan: plan,
				Policy: jobs.RestartPolicy{AfterBind: true, WaveSize: 250}})
			if err != nil {
				t.Fatal(err)
			}
			j := h.runUntilIdleLenient(id, 3*time.Second, 300)
			h.env.Sandbox.ClearFaults()
			t.Logf("%s: %+v; calls %v", tt.name, j.Counts, h.env.Sandbox.Calls())
			if j.Counts.Total != 1000 || j.Counts.Excluded != plan.Counts.Excluded {
				t.Errorf("counts = %+v, want 1000 items, %d excluded", j.Counts, plan.Counts.Excluded)
			}
			if j.Counts.NeedsDecision != 0 {
				t.Errorf("%d items need a decision: throttled and 503 calls provably did not run", j.Counts.NeedsDecision)
			}
			if j.Counts.Bound+j.Counts.KeyFailed != plan.Counts.Included {
				t.Errorf("bound %d + failed %d != included %d", j.Counts.Bound, j.Counts.KeyFailed, plan.Counts.Included)
			}
			if j.Counts.KeyInEffect < plan.Counts.Included*tt.minEffect/100 {
				t.Errorf("key in effect on only %d of %d", j.Counts.KeyInEffect, plan.Counts.Included)
			}
			assertTruth(t, h, id, "release-2024")
		})
	}
}

// runUntilIdleLenient is runUntilIdle for rounds that may fail (the cloud is failing on purpose).
func (h *harness) runUntilIdleLenient(jobID int64, d time.Duration, maxRounds int) jobs.Job {
	h.t.Helper()
	for range maxRounds {
		_ = h.eng.Step(h.ctx) // errors are expected; the items show them
		if j := h.job(jobID); !j.InMotion() {
			return j
		}
		h.env.Clock.Advance(d)
	}
	h.t.Fatalf("job %d still in motion after %d rounds: %+v", jobID, maxRounds, h.job(jobID).Counts)
	return jobs.Job{}
}

func TestRetryFailed(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, func(c *jobs.Config) { c.KeyAttempts, c.RestartAttempts = 2, 2 })
	ids := h.pick(4, without("ops-deploy", running))
	h.env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultFailInstances, InstanceIDs: ids[:2], Code: "ServiceUnavailable"})
	h.env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultFailInstances, InstanceIDs: ids[2:3], Code: "InvalidInstanceIds.ValueNotSupported"})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})

	j := h.runUntilIdle(id, time.Second, 10)
	items := h.items(id)
	for _, iid := range ids[:2] {
		if it := items[iid]; it.Key != jobs.KeyFailed || !it.KeyRetryable || it.KeyAttempts != 2 {
			t.Errorf("%s: %q retryable=%t attempts=%d, want failed, retryable, 2 attempts", iid, it.Key, it.KeyRetryable, it.KeyAttempts)
		}
	}
	if it := items[ids[2]]; it.Key != jobs.KeyFailed || it.KeyRetryable || it.KeyAttempts != 1 {
		t.Errorf("non-retryable: %q retryable=%t attempts=%d, want failed after one attempt", it.Key, it.KeyRetryable, it.KeyAttempts)
	}
	if j.State != jobs.StateNeedsAttention || j.Counts.KeyFailed != 3 || j.Counts.Bound != 1 {
		t.Errorf("job %q %+v", j.State, j.Counts)
	}

	h.env.Sandbox.ClearFaults()
	if n, err := h.eng.RetryFailed(h.ctx, bob, id); err != nil || n != 2 {
		t.Fatalf("RetryFailed = %d, %v; want 2", n, err)
	}
	j = h.runUntilIdle(id, time.Second, 10)
	if j.Counts.Bound != 3 || j.Counts.KeyFailed != 1 {
		t.Errorf("after retry: %+v, want 3 bound, the non-retryable one still failed", j.Counts)
	}
	for _, iid := range ids[:2] {
		if ks := h.sandboxKey(iid); ks.KeyPairName != "ops-deploy" {
			t.Errorf("%s after retry: sandbox %+v", iid, ks)
		}
	}
	var byBob int
	for _, e := range h.audit(id) {
		if e.Action == "AttachKeyPair" && e.Username == "bob" && e.Outcome == "success" && len(e.InstanceIDs) == 2 {
			byBob++
		}
	}
	if byBob != 1 {
		t.Errorf("audit: %d AttachKeyPair successes by bob for the 2 retried, want 1", byBob)
	}

	// Restarts refused by throttling are retried too.
	h.env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultThrottle, Action: "RebootInstances"})
	if n, err := h.eng.RestartAll(h.ctx, bob, id, jobs.RebootAllRunning, false); err != nil || n != 3 {
		t.Fatalf("RestartAll = %d, %v", n, err)
	}
	j = h.runUntilIdleLenient(id, time.Second, 20)
	if j.Counts.RestartFailed != 3 {
		t.Fatalf("throttled reboots: %+v, want 3 restart failures", j.Counts)
	}
	for _, it := range h.items(id) {
		if it.Restart == jobs.RestartFailed && (!it.RestartRetryable || it.RestartAttempts != 2 || it.RestartCode != "Throttling.User") {
			t.Errorf("%s: %+v", it.InstanceID, it)
		}
	}
	h.env.Sandbox.ClearFaults()
	if n, err := h.eng.RetryFailed(h.ctx, bob, id); err != nil || n != 3 {
		t.Fatalf("RetryFailed restarts = %d, %v; want 3", n, err)
	}
	j = h.runUntilIdle(id, 2*time.Second, 30)
	if j.Counts.KeyInEffect != 3 {
		t.Errorf("after retrying restarts: %+v, want key in effect on 3", j.Counts)
	}
	if _, err := h.eng.RetryFailed(h.ctx, bob, id); err == nil {
		t.Error("RetryFailed with only a non-retryable failure left: want ErrNothingToDo")
	}
}
