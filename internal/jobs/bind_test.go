package jobs_test

import (
	"errors"
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

func TestBind120InstancesWithExclusions(t *testing.T) {
	h := newHarness(t, sandbox.Options{InstancesPerRegion: 150}, nil)
	ids := h.pick(120, anyInstance)
	lock := "security"
	for _, iid := range h.pick(3, running)[:3] {
		if _, err := h.env.Sandbox.UpdateInstance(region, iid, sandbox.InstanceUpdate{LockReason: &lock}); err != nil {
			t.Fatal(err)
		}
	}
	// Count the truth from the sandbox, independently of the plan.
	var windows, notIO, locked, bindableN, runningN, stoppedN, transN int
	before := map[string]sandbox.InstanceState{}
	for _, id := range ids {
		in, _ := h.env.Sandbox.Instance(region, id)
		before[id] = in
		switch {
		case in.OSType == "windows":
			windows++
		case !in.IoOptimized:
			notIO++
		case in.LockReason == "security":
			locked++
		default:
			bindableN++
			switch in.Status {
			case sandbox.StatusRunning:
				runningN++
			case sandbox.StatusStopped:
				stoppedN++
			default:
				transN++ // settles to Running (the seed's reboots and starts)
			}
		}
	}
	if windows == 0 || locked == 0 || stoppedN == 0 {
		t.Fatalf("seed lacks variety: windows=%d locked=%d stopped=%d", windows, locked, stoppedN)
	}
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})
	h.step()
	if c := h.job(id).Counts; c.InMotion != transN {
		t.Errorf("in transition after binding = %d, want %d", c.InMotion, transN)
	}
	j := h.runUntilIdle(id, time.Second, 20)

	c := j.Counts
	if c.Total != 120 || c.Excluded != windows+notIO+locked || c.Bound != bindableN || c.KeyFailed != 0 {
		t.Errorf("counts = %+v; want total 120, excluded %d, bound %d", c, windows+notIO+locked, bindableN)
	}
	if c.NeedsReboot != runningN+transN || c.NeedsStart != stoppedN {
		t.Errorf("needs reboot %d, needs start %d; want %d, %d", c.NeedsReboot, c.NeedsStart, runningN+transN, stoppedN)
	}
	if j.State != jobs.StateDone {
		t.Errorf("state = %q, want done (no restarts were asked for)", j.State)
	}
	for iid, it := range h.items(id) {
		ks := h.sandboxKey(iid)
		switch it.Key {
		case jobs.KeyDone:
			if ks.KeyPairName != "ops-deploy" {
				t.Errorf("%s: engine says bound, sandbox KeyPairName = %q", iid, ks.KeyPairName)
			}
		case jobs.KeyExcluded:
			if ks.KeyPairName != before[iid].KeyPairName {
				t.Errorf("%s: excluded but its key changed from %q to %q", iid, before[iid].KeyPairName, ks.KeyPairName)
			}
		default:
			t.Errorf("%s: key state %q", iid, it.Key)
		}
	}
	calls := h.env.Sandbox.Calls()
	if want := (bindableN + 49) / 50; calls["AttachKeyPair"] != want {
		t.Errorf("AttachKeyPair calls = %d, want %d (chunks of 50)", calls["AttachKeyPair"], want)
	}
	if calls["RebootInstances"]+calls["StartInstances"] != 0 {
		t.Errorf("restart calls = %v, want none without a restart request", calls)
	}
}

// The window keeps at most W instances restarting at once and is always full while restarts
// wait (with equal restart times the windows come out as whole batches).
func TestRestartAfterBindInAWindow(t *testing.T) {
	const wave = 4
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := append(h.pick(9, without("ci-runner", running)), h.pick(4, without("ci-runner", stopped))...)
	id := h.create("ci-runner", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: wave})

	maxSeen := 0
	for round := 0; ; round++ {
		if round > 60 {
			t.Fatalf("not done after %d rounds: %+v", round, h.job(id).Counts)
		}
		h.step()
		moving, transitioning := 0, 0
		for iid, it := range h.items(id) {
			if it.Restart == jobs.RestartRequested || it.Restart == jobs.RestartInProgress {
				moving++
			}
			if ks := h.sandboxKey(iid); ks.Status == sandbox.StatusStopping || ks.Status == sandbox.StatusStarting {
				transitioning++
			}
		}
		maxSeen = max(maxSeen, moving, transitioning)
		if moving > wave || transitioning > wave {
			t.Fatalf("round %d: %d items in motion, %d instances transitioning; the window is %d", round, moving, transitioning, wave)
		}
		if !h.job(id).InMotion() {
			break
		}
		h.env.Clock.Advance(2 * time.Second)
	}
	if maxSeen != wave {
		t.Errorf("at most %d in motion at once, want a full window of %d", maxSeen, wave)
	}
	j := h.job(id)
	if j.Counts.KeyInEffect != len(ids) || j.State != jobs.StateDone {
		t.Fatalf("key in effect on %d of %d, state %q: %+v", j.Counts.KeyInEffect, len(ids), j.State, j.Counts)
	}
	for _, iid := range ids {
		if ks := h.sandboxKey(iid); ks.EffectiveKeyPair != "ci-runner" || ks.RestartPending || ks.Status != sandbox.StatusRunning {
			t.Errorf("%s: sandbox says %+v, want ci-runner in effect and Running", iid, ks)
		}
	}
	calls := h.env.Sandbox.Calls()
	// Windows of 4 in request order: 4 reboots, 4 reboots, 1 reboot + 3 starts, 1 start.
	if calls["RebootInstances"] != 3 || calls["StartInstances"] != 2 {
		t.Errorf("restart calls = %v, want 3 RebootInstances and 2 StartInstances", calls)
	}
}

func TestPerItemRebootAndStartReachKeyInEffect(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	run, stop := h.pick(2, without("alice-laptop", running)), h.pick(1, without("alice-laptop", stopped))
	id := h.create("alice-laptop", append(run, stop...), jobs.RestartPolicy{})
	h.runUntilIdle(id, time.Second, 5)
	for _, iid := range append(run, stop...) {
		if ks := h.sandboxKey(iid); ks.EffectiveKeyPair == "alice-laptop" || !ks.RestartPending {
			t.Fatalf("%s before restart: %+v, want the key attached but not yet in effect", iid, ks)
		}
	}

	n, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, []string{run[0]}, false)
	if err != nil || n != 1 {
		t.Fatalf("Restart(reboot) = %d, %v; want 1 queued", n, err)
	}
	if n, err = h.eng.Restart(h.ctx, bob, id, jobs.OpStart, []string{stop[0]}, false); err != nil || n != 1 {
		t.Fatalf("Restart(start) = %d, %v; want 1 queued", n, err)
	}
	// A request that names an instance not ready for the restart queues nothing.
	var re *jobs.RestartError
	if _, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, []string{run[1], stop[0]}, false); !errors.As(err, &re) ||
		len(re.NotReady) != 1 || re.NotReady[0].InstanceID != stop[0] {
		t.Fatalf("Restart(reboot) of a queued start: %v, want a RestartError naming %s", err, stop[0])
	}
	if it := h.items(id)[run[1]]; it.Restart != jobs.RestartNeedsReboot {
		t.Fatalf("refused request queued %s: %q", run[1], it.Restart)
	}
	items := h.items(id)
	if it := items[run[0]]; it.Restart != jobs.RestartQueued || it.Op != jobs.OpReboot {
		t.Errorf("running item: %q/%q, want queued reboot", it.Restart, it.Op)
	}
	if it := items[stop[0]]; it.Restart != jobs.RestartQueued || it.Op != jobs.OpStart {
		t.Errorf("stopped item: %q/%q, want queued start", it.Restart, it.Op)
	}
	j := h.runUntilIdle(id, 2*time.Second, 30)

	items = h.items(id)
	for _, iid := range []string{run[0], stop[0]} {
		if it := items[iid]; it.Restart != jobs.RestartKeyInEffect {
			t.Errorf("%s: restart state %q (%s), want key in effect", iid, it.Restart, it.RestartLabel())
		}
		if ks := h.sandboxKey(iid); ks.EffectiveKeyPair != "alice-laptop" || ks.PasswordLogin {
			t.Errorf("%s: sandbox %+v, want alice-laptop in effect", iid, ks)
		}
	}
	if it := items[run[1]]; it.Restart != jobs.RestartNeedsReboot {
		t.Errorf("untouched item: %q, want needs reboot", it.Restart)
	}
	if j.Counts.KeyInEffect != 2 || j.Counts.NeedsReboot != 1 {
		t.Errorf("counts = %+v", j.Counts)
	}
	// A second request for an item in effect reboots it again; one in motion cannot be asked twice.
	if _, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, []string{"i-doesnotexist"}, false); !errors.As(err, &re) || len(re.Absent) != 1 {
		t.Errorf("Restart of an unknown instance: %v, want a RestartError naming it absent", err)
	}
}

func TestRestartAllRebootsRunningAndStartsStopped(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	run, stop := h.pick(3, running), h.pick(2, stopped)
	id := h.create("ops-deploy", append(run, stop...), jobs.RestartPolicy{})
	h.runUntilIdle(id, time.Second, 5)

	n, err := h.eng.RestartAll(h.ctx, bob, id, jobs.StartAllStopped, false)
	if err != nil || n != 2 {
		t.Fatalf("start all stopped = %d, %v; want 2", n, err)
	}
	n, err = h.eng.RestartAll(h.ctx, bob, id, jobs.RebootAllRunning, true)
	if err != nil || n != 3 {
		t.Fatalf("reboot all running = %d, %v; want 3", n, err)
	}
	if _, err := h.eng.RestartAll(h.ctx, bob, id, jobs.RebootAllRunning, true); err == nil {
		t.Error("second reboot-all while queued: want ErrNothingToDo")
	}
	j := h.runUntilIdle(id, 2*time.Second, 30)
	if j.Counts.KeyInEffect != 5 {
		t.Fatalf("key in effect on %d, want 5: %+v", j.Counts.KeyInEffect, j.Counts)
	}
	forced := 0
	for _, e := range h.audit(id) {
		if e.Action == "RebootInstances" && e.Outcome == "intent" && e.Detail == "force-stop" {
			forced++
		}
	}
	if forced != 1 {
		t.Errorf("force-stop reboot intents in the audit = %d, want 1", forced)
	}
}
