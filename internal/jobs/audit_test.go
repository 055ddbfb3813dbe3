package jobs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store"
)

// watchingCloud is the real gateway with a hook that runs just before each write reaches it.
type watchingCloud struct {
	*cloud.Gateway
	before func(action string, ids []string)
}

func (c *watchingCloud) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error) {
	c.before("AttachKeyPair", ids)
	return c.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
}

func (c *watchingCloud) RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]cloud.InstanceResult, error) {
	c.before("RebootInstances", ids)
	return c.Gateway.RebootInstances(ctx, region, ids, force)
}

func TestAuditIntentBeforeCallAndOutcomeAfter(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(3, without("bob_workstation", running))
	id := h.create("bob_workstation", ids, jobs.RestartPolicy{AfterBind: true})

	var checked int
	h.eng = jobs.New(h.st, &watchingCloud{Gateway: h.gw, before: func(action string, callIDs []string) {
		// At the moment of the call, the attempt and the intent are already committed.
		checked++
		intent := false
		for _, e := range h.audit(id) {
			if e.Action == action && e.Outcome == store.OutcomeIntent && slices.Equal(e.InstanceIDs, callIDs) {
				intent = true
			}
		}
		if !intent {
			t.Errorf("%s %v: no audit intent before the call", action, callIDs)
		}
		items := h.items(id)
		for _, iid := range callIDs {
			if it := items[iid]; it.Key != jobs.KeyAttempting && it.Restart != jobs.RestartRequested {
				t.Errorf("%s: %s not recorded as attempted before the call (%q/%q)", action, iid, it.Key, it.Restart)
			}
		}
	}}, h.cfg)
	h.runUntilIdle(id, 3*time.Second, 20)
	if checked != 2 {
		t.Fatalf("saw %d cloud writes, want 2 (one attach, one reboot)", checked)
	}

	entries := h.audit(id)
	items := h.items(id)
	want := []struct{ action, outcome string }{
		{"job.create", store.OutcomeSuccess},
		{"AttachKeyPair", store.OutcomeIntent},
		{"AttachKeyPair", store.OutcomeSuccess},
		{"RebootInstances", store.OutcomeIntent},
		{"RebootInstances", store.OutcomeSuccess},
	}
	if len(entries) != len(want) {
		t.Fatalf("audit has %d entries for the job, want %d: %+v", len(entries), len(want), entries)
	}
	for i, w := range want {
		e := entries[i]
		if e.Action != w.action || e.Outcome != w.outcome {
			t.Errorf("entry %d = %s/%s, want %s/%s", i, e.Action, e.Outcome, w.action, w.outcome)
			continue
		}
		if e.Username != "alice" || e.UserID != alice.UserID || e.Role != alice.Role || e.ClientIP != alice.IP || e.Via != "web" {
			t.Errorf("entry %d actor = %q/%d/%q/%q/%q, want alice", i, e.Username, e.UserID, e.Role, e.ClientIP, e.Via)
		}
		if e.Region != region || e.KeyPair != "bob_workstation" || e.JobID != id || !slices.Equal(e.InstanceIDs, ids) {
			t.Errorf("entry %d: region %q key %q job %d ids %v", i, e.Region, e.KeyPair, e.JobID, e.InstanceIDs)
		}
		switch {
		case e.Outcome == store.OutcomeIntent && len(e.RequestIDs) != 0:
			t.Errorf("entry %d: an intent has RequestIds %v", i, e.RequestIDs)
		case e.Action == "AttachKeyPair" && e.Outcome == store.OutcomeSuccess && !slices.Equal(e.RequestIDs, []string{items[ids[0]].KeyRequestID}):
			t.Errorf("attach outcome RequestIds %v, want the item's %q", e.RequestIDs, items[ids[0]].KeyRequestID)
		case e.Action == "RebootInstances" && e.Outcome == store.OutcomeSuccess && !slices.Equal(e.RequestIDs, []string{items[ids[0]].RestartRequestID}):
			t.Errorf("reboot outcome RequestIds %v, want the item's %q", e.RequestIDs, items[ids[0]].RestartRequestID)
		}
	}
	if items[ids[0]].KeyRequestID == "" || items[ids[0]].RestartRequestID == "" {
		t.Errorf("items lack cloud RequestIds: %+v", items[ids[0]])
	}

	// A restart asked for by someone else is audited under their name.
	if _, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, ids[:1], true); err != nil {
		t.Fatal(err)
	}
	h.runUntilIdle(id, 3*time.Second, 20)
	entries = h.audit(id)[len(want):]
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = e.Action + "/" + e.Outcome + "/" + e.Username + "/" + e.Detail
	}
	wantTail := []string{"job.restart/success/bob/RestartRequested force: true", "RebootInstances/intent/bob/force-stop", "RebootInstances/success/bob/force-stop"}
	if !slices.Equal(got, wantTail) {
		t.Errorf("audit after bob's request = %q, want %q", got, wantTail)
	}
}
