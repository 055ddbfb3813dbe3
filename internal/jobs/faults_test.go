package jobs_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store"
)

// assertTruth checks that what the engine shows for every item of an idle job is what the
// sandbox says is true.
func assertTruth(t *testing.T, h *harness, jobID int64, key string) {
	t.Helper()
	bad := 0
	for iid, it := range h.items(jobID) {
		ks := h.sandboxKey(iid)
		var ok bool
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
				Policy: jobs.RestartPolicy{AfterBind: true, WaveSize: 250, MaxErrors: 1000}}) // failures are the point: no pause
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

// callsOf counts the sandbox's calls of action.
func (h *harness) callsOf(action string) int { return h.env.Sandbox.Calls()[action] }

// Issue #11, item 9: the answer to AttachKeyPair is lost after the call ran
// (drop-after). Re-sending a key call is harmless, so the gateway sends it
// once more within the same attempt; the engine then confirms the key by
// re-reading KeyPairName before it shows the item bound. Nothing needs a
// decision and what the engine shows is what the sandbox holds.
func TestLostAttachAnswerIsConfirmedByRereading(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(3, without("ops-deploy", running))
	h.env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultDropAfter, Count: 1})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})

	j := h.runUntilIdle(id, time.Second, 10)
	if j.Counts.Bound != 3 || j.Counts.KeyFailed != 0 || j.Counts.NeedsDecision != 0 {
		t.Errorf("job %q %+v, want 3 bound, none failed or waiting for a decision", j.State, j.Counts)
	}
	for iid, it := range h.items(id) {
		if it.Key != jobs.KeyDone || it.KeyAttempts != 1 {
			t.Errorf("%s: key %q after %d attempts, want done after 1", iid, it.Key, it.KeyAttempts)
		}
	}
	if n := h.callsOf("AttachKeyPair"); n != 2 {
		t.Errorf("AttachKeyPair sent %d times, want 2: the call whose answer was lost, and once more", n)
	}
	if n := h.callsOf("DescribeInstances"); n == 0 {
		t.Error("the key was never re-read with DescribeInstances")
	}
	assertTruth(t, h, id, "ops-deploy")
}

// Issue #11, item 9, and #9, item 7: the answer to a reboot is lost after the reboot ran
// (drop-after). The reboot is not sent again: the engine watches the instances, sees them restart
// after the key was bound, and records the key in effect, resolved from that evidence.
func TestLostRebootAnswerIsResolvedFromEvidence(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 8 * time.Second}, nil)
	ids := h.pick(2, without("ops-deploy", running))
	h.env.Sandbox.AddFault(sandbox.Fault{Action: "RebootInstances", Kind: sandbox.FaultDropAfter, Count: 1})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: 10})

	j := h.runUntilIdle(id, time.Second, 20)
	if j.Counts.KeyInEffect != 2 || j.State != jobs.StateDone {
		t.Errorf("job %q %+v, want the key in effect on both", j.State, j.Counts)
	}
	for iid, it := range h.items(id) {
		if it.Restart != jobs.RestartKeyInEffect || it.RestartAttempts != 1 || it.Unconfirmed {
			t.Errorf("%s: restart %q after %d attempts (unconfirmed %t), want key in effect after 1", iid, it.Restart, it.RestartAttempts, it.Unconfirmed)
		}
	}
	if n := h.callsOf("RebootInstances"); n != 1 {
		t.Errorf("RebootInstances sent %d times, want 1 (never repeated after a lost answer)", n)
	}
	if got := resolvedFromEvidence(h, id); len(got) != 2 {
		t.Errorf("audit: %d restarts resolved from evidence, want 2", len(got))
	}
	assertTruth(t, h, id, "ops-deploy")
}

// The answer to a start is held back after the start ran (delay-after) until the gateway's
// call times out. The start is not sent again; the instances start after the key was bound,
// which settles it.
func TestTimedOutStartAnswerIsResolvedFromEvidence(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 8 * time.Second}, nil)
	cfg := gatewayConfig(h.env, 0)
	cfg.CallTimeout = time.Second // real time: the sandbox holds the answer for an hour
	gw, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.gw, h.eng = gw, jobs.New(h.st, gw, h.cfg)
	ids := h.pick(2, without("ops-deploy", stopped))
	h.env.Sandbox.AddFault(sandbox.Fault{Action: "StartInstances", Kind: sandbox.FaultDelayAfter, Latency: time.Hour, Count: 1})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: 10})

	j := h.runUntilIdle(id, time.Second, 20)
	if j.Counts.KeyInEffect != 2 || j.Counts.Bound != 2 {
		t.Errorf("job %q %+v, want both bound with the key in effect", j.State, j.Counts)
	}
	if n := h.callsOf("StartInstances"); n != 1 {
		t.Errorf("StartInstances sent %d times, want 1", n)
	}
	if got := resolvedFromEvidence(h, id); len(got) != 2 {
		t.Errorf("audit: %d starts resolved from evidence, want 2", len(got))
	}
	assertTruth(t, h, id, "ops-deploy")
}

// The connection drops before the reboot runs (drop): keybind cannot know that, so it watches
// the instances; they keep running since before the key was bound, no restart is seen, and after
// RunningGrace a person decides. Nothing is sent again on a guess.
func TestLostRebootWithoutEvidenceWaitsForADecision(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 8 * time.Second}, nil)
	ids := h.pick(2, without("ops-deploy", running))
	h.env.Sandbox.AddFault(sandbox.Fault{Action: "RebootInstances", Kind: sandbox.FaultDrop, Count: 1})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: 10})

	j := h.runUntilIdle(id, 5*time.Second, 40)
	if j.Counts.NeedsDecision != 2 || j.State != jobs.StateNeedsAttention {
		t.Errorf("job %q %+v, want both waiting for a decision", j.State, j.Counts)
	}
	for iid, it := range h.items(id) {
		if it.Restart != jobs.RestartNeedsDecision || !strings.Contains(it.RestartMessage, "before the key was bound") {
			t.Errorf("%s: restart %q (%s), want needs-decision saying it last started before the binding", iid, it.Restart, it.RestartMessage)
		}
	}
	if n := h.callsOf("RebootInstances"); n != 1 {
		t.Errorf("RebootInstances sent %d times, want 1", n)
	}
	for _, iid := range ids {
		if ks := h.sandboxKey(iid); !ks.RestartPending {
			t.Errorf("%s: sandbox %+v, want the reboot not to have run", iid, ks)
		}
	}
}

// resolvedFromEvidence lists the audit entries of restarts settled by evidence.
func resolvedFromEvidence(h *harness, jobID int64) []store.AuditEntry {
	var out []store.AuditEntry
	for _, e := range h.audit(jobID) {
		if e.Action == "job.restart_resolved" && e.Username == "keybind" {
			out = append(out, e)
		}
	}
	return out
}

// When every answer to AttachKeyPair is lost after the call ran, the engine sends it again
// while attempts remain, then re-reads KeyPairName rather than guess: the items end bound, as
// ECS reports them (found with issue #11).
func TestEveryAttachAnswerLostStillShowsTheTruth(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(2, without("ops-deploy", running))
	h.env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultDropAfter})
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})
	h.runUntilIdleLenient(id, 10*time.Second, 30)
	assertTruth(t, h, id, "ops-deploy")
}
