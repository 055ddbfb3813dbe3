package jobs_test

import (
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

func TestUnbindJob(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(2, without("ci-runner", running))
	key := "ci-runner"
	for _, iid := range ids {
		if _, err := h.env.Sandbox.UpdateInstance(region, iid, sandbox.InstanceUpdate{KeyPairName: &key}); err != nil {
			t.Fatal(err)
		}
	}
	other := h.pick(1, without("ci-runner", running))[0]
	found, _, err := h.gw.InstancesByID(h.ctx, region, append(ids, other))
	if err != nil {
		t.Fatal(err)
	}
	plan := jobs.PlanUnbind(region, key, append(ids, other), found)
	id, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "unbind", Actor: alice, Plan: plan,
		Policy: jobs.RestartPolicy{AfterBind: true}})
	if err != nil {
		t.Fatal(err)
	}
	j := h.runUntilIdle(id, 3*time.Second, 20)
	if j.Kind != jobs.KindUnbind || j.Counts.Bound != 2 || j.Counts.Excluded != 1 || j.Counts.KeyInEffect != 2 {
		t.Fatalf("unbind job: %q %+v", j.Kind, j.Counts)
	}
	items := h.items(id)
	for _, iid := range ids {
		if ks := h.sandboxKey(iid); ks.KeyPairName != "" || ks.EffectiveKeyPair != "" || !ks.PasswordLogin {
			t.Errorf("%s after unbind and reboot: %+v, want no key and password login", iid, ks)
		}
		if got := items[iid].RestartLabel(); got != "Running — key removed, password login on" {
			t.Errorf("%s label %q", iid, got)
		}
	}
	if calls := h.env.Sandbox.Calls(); calls["DetachKeyPair"] != 1 || calls["AttachKeyPair"] != 0 {
		t.Errorf("calls = %v, want one DetachKeyPair", calls)
	}
}

func TestRollbackJobPutsBackPreviousKeys(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(3, without("ops-deploy", running))
	none, prev := "", "alice-laptop"
	mustUpdate := func(id string, u sandbox.InstanceUpdate) {
		if _, err := h.env.Sandbox.UpdateInstance(region, id, u); err != nil {
			t.Fatal(err)
		}
	}
	mustUpdate(ids[0], sandbox.InstanceUpdate{KeyPairName: &none})
	mustUpdate(ids[1], sandbox.InstanceUpdate{KeyPairName: &prev})
	mustUpdate(ids[2], sandbox.InstanceUpdate{KeyPairName: &prev})
	bindID := h.create("ops-deploy", ids, jobs.RestartPolicy{})
	h.runUntilIdle(bindID, time.Second, 5)
	// Someone changes the third instance's key after the job: rollback must leave it alone.
	changed := "ci-runner"
	mustUpdate(ids[2], sandbox.InstanceUpdate{KeyPairName: &changed})

	items, err := h.eng.Items(h.ctx, bindID)
	if err != nil {
		t.Fatal(err)
	}
	found, _, err := h.gw.InstancesByID(h.ctx, region, ids)
	if err != nil {
		t.Fatal(err)
	}
	plan := jobs.PlanRollback(region, items, found)
	want := []struct {
		action jobs.KeyAction
		key    string
		excl   jobs.ExcludeReason
	}{{jobs.ActionDetach, "ops-deploy", ""}, {jobs.ActionAttach, "alice-laptop", ""}, {"", "", jobs.ExcludedChanged}}
	for i, w := range want {
		r := plan.Rows[i]
		if r.Action != w.action || r.KeyPair != w.key || r.Excluded != w.excl {
			t.Errorf("row %d: %q %q %q, want %q %q %q", i, r.Action, r.KeyPair, r.Excluded, w.action, w.key, w.excl)
		}
	}
	h.env.Sandbox.ResetCalls()
	id, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "rollback", Actor: bob, Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	j := h.runUntilIdle(id, time.Second, 5)
	if j.Kind != jobs.KindRollback || j.KeyPair != "" || j.Counts.Bound != 2 || j.Counts.Excluded != 1 {
		t.Fatalf("rollback job: %+v", j)
	}
	for i, wantKey := range []string{"", "alice-laptop", "ci-runner"} {
		if ks := h.sandboxKey(ids[i]); ks.KeyPairName != wantKey {
			t.Errorf("%s after rollback: KeyPairName %q, want %q", ids[i], ks.KeyPairName, wantKey)
		}
	}
	if calls := h.env.Sandbox.Calls(); calls["AttachKeyPair"] != 1 || calls["DetachKeyPair"] != 1 {
		t.Errorf("calls = %v, want one attach and one detach", calls)
	}
	keys := map[string]bool{}
	for _, e := range h.audit(id) {
		if e.Outcome == "success" && (e.Action == "AttachKeyPair" || e.Action == "DetachKeyPair") {
			keys[e.Action+" "+e.KeyPair] = true
		}
	}
	if !keys["AttachKeyPair alice-laptop"] || !keys["DetachKeyPair ops-deploy"] {
		t.Errorf("audit key pairs per call = %v", keys)
	}
}
