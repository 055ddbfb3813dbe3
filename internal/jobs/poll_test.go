package jobs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

func TestPollTickIsBatchedPerJob(t *testing.T) {
	tests := []struct{ n, wantCalls int }{{1, 1}, {50, 1}, {51, 2}, {120, 3}}
	for _, tt := range tests {
		t.Run("", func(t *testing.T) {
			h := newHarness(t, sandbox.Options{InstancesPerRegion: 300, Transition: 20 * time.Second}, nil)
			ids := h.pick(tt.n, without("ops-deploy", running))
			if len(ids) != tt.n {
				t.Fatalf("only %d running instances", len(ids))
			}
			id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: 200})

			h.step() // bind, confirm, dispatch the only wave
			calls := h.env.Sandbox.Calls()
			if calls["DescribeInstanceStatus"] != 0 {
				t.Errorf("polled %d times before FirstPollDelay", calls["DescribeInstanceStatus"])
			}
			if want := (tt.n + 99) / 100; calls["RebootInstances"] != want {
				t.Errorf("RebootInstances calls = %d, want %d", calls["RebootInstances"], want)
			}
			if c := h.job(id).Counts; c.InMotion != tt.n {
				t.Fatalf("in motion = %d, want %d", c.InMotion, tt.n)
			}
			for tick := range 3 {
				h.env.Clock.Advance(3 * time.Second)
				h.env.Sandbox.ResetCalls()
				h.step()
				calls = h.env.Sandbox.Calls()
				if calls["DescribeInstanceStatus"] != tt.wantCalls || len(calls) != 1 {
					t.Errorf("tick %d with %d in motion: calls = %v, want only %d DescribeInstanceStatus",
						tick, tt.n, calls, tt.wantCalls)
				}
			}
			j := h.runUntilIdle(id, 3*time.Second, 20)
			if j.Counts.KeyInEffect != tt.n {
				t.Errorf("key in effect = %d, want %d", j.Counts.KeyInEffect, tt.n)
			}
		})
	}
}

func TestRebootEndingStoppedIsReported(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 20 * time.Second}, nil)
	ids := h.pick(2, running)
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true})
	h.step()
	// Someone stops the first instance in the middle of its reboot.
	stop := sandbox.StatusStopped
	if _, err := h.env.Sandbox.UpdateInstance(region, ids[0], sandbox.InstanceUpdate{Status: &stop}); err != nil {
		t.Fatal(err)
	}
	j := h.runUntilIdle(id, 5*time.Second, 20)
	items := h.items(id)
	if it := items[ids[0]]; it.Restart != jobs.RestartEndedStopped || it.LastStatus != "Stopped" {
		t.Errorf("stopped mid-reboot: %q last %q, want ended stopped", it.Restart, it.LastStatus)
	}
	if it := items[ids[1]]; it.Restart != jobs.RestartKeyInEffect {
		t.Errorf("other instance: %q, want key in effect", it.Restart)
	}
	if j.State != jobs.StateNeedsAttention || j.Counts.RestartFailed != 1 {
		t.Errorf("state %q counts %+v, want needs attention with one restart failure", j.State, j.Counts)
	}
	// The operator can start it from the grid.
	if n, err := h.eng.Restart(h.ctx, bob, id, jobs.OpStart, ids[:1], false); err != nil || n != 1 {
		t.Fatalf("start after ended stopped = %d, %v", n, err)
	}
	if it := h.items(id)[ids[0]]; it.Op != jobs.OpStart {
		t.Errorf("op = %q, want start", it.Op)
	}
	h.runUntilIdle(id, 5*time.Second, 20)
	if ks := h.sandboxKey(ids[0]); ks.EffectiveKeyPair != "ops-deploy" {
		t.Errorf("after start: %+v", ks)
	}
}

func TestRestartDeadline(t *testing.T) {
	// Transitions longer than the deadline: the engine stops waiting and says so.
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Minute}, func(c *jobs.Config) { c.RestartDeadline = time.Minute })
	ids := h.pick(1, running)
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true})
	j := h.runUntilIdle(id, 10*time.Second, 20)
	it := h.items(id)[ids[0]]
	if it.Restart != jobs.RestartTimedOut || j.State != jobs.StateNeedsAttention {
		t.Errorf("restart %q (%s), job %q; want timed out, needs attention", it.Restart, it.RestartLabel(), j.State)
	}
}

// vanishingCloud is the real gateway, except that the instances in gone no longer exist for
// the reads (as if released while rebooting): the sandbox cannot delete instances.
type vanishingCloud struct {
	*cloud.Gateway
	gone map[string]bool
}

func (c *vanishingCloud) InstanceStatuses(ctx context.Context, region string, ids []string) ([]cloud.StatusResult, error) {
	res, err := c.Gateway.InstanceStatuses(ctx, region, ids)
	return slices.DeleteFunc(res, func(r cloud.StatusResult) bool { return c.gone[r.InstanceID] }), err
}

func (c *vanishingCloud) InstancesByID(ctx context.Context, region string, ids []string) ([]cloud.Instance, []string, error) {
	found, missing, err := c.Gateway.InstancesByID(ctx, region, ids)
	var kept []cloud.Instance
	for _, in := range found {
		if c.gone[in.ID] {
			missing = append(missing, in.ID)
		} else {
			kept = append(kept, in)
		}
	}
	return kept, missing, err
}

func TestInstanceDisappearingMidRebootIsReported(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(3, running)
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true})
	h.step() // bound and rebooting
	h.eng = jobs.New(h.st, &vanishingCloud{Gateway: h.gw, gone: map[string]bool{ids[0]: true}}, h.cfg)
	j := h.runUntilIdle(id, 3*time.Second, 20)
	items := h.items(id)
	if it := items[ids[0]]; it.Restart != jobs.RestartDisappeared || it.RestartLabel() != "Disappeared" {
		t.Errorf("vanished instance: %q (%s), want disappeared", it.Restart, it.RestartLabel())
	}
	if it := items[ids[1]]; it.Restart != jobs.RestartKeyInEffect {
		t.Errorf("other instance: %q", it.Restart)
	}
	if j.State != jobs.StateNeedsAttention || j.Counts.RestartFailed != 1 || j.Counts.KeyInEffect != 2 {
		t.Errorf("job %q %+v", j.State, j.Counts)
	}
	if it := items[ids[0]]; it.CanRestart() != jobs.OpNone {
		t.Errorf("a disappeared instance offers %q", it.CanRestart())
	}
}
