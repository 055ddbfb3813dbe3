package jobs_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

// crashingCloud is the real gateway with a crash point: the goroutine making the call ends
// (runtime.Goexit) right before or right after the real call, so the engine never records the
// outcome, which is what the database holds after keybind is killed at that moment.
type crashingCloud struct {
	*cloud.Gateway
	attachAfter func(ids []string) bool // crash after the call (it happened); otherwise before it
	rebootCrash bool                    // crash after RebootInstances (it happened)
	rebootLost  bool                    // crash before RebootInstances reached the cloud
}

func (c *crashingCloud) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error) {
	if c.attachAfter == nil {
		return c.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
	}
	if !c.attachAfter(ids) {
		runtime.Goexit()
	}
	_, _ = c.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
	runtime.Goexit()
	return nil, nil
}

func (c *crashingCloud) RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]cloud.InstanceResult, error) {
	if c.rebootLost {
		runtime.Goexit()
	}
	res, err := c.Gateway.RebootInstances(ctx, region, ids, force)
	if c.rebootCrash {
		runtime.Goexit()
	}
	return res, err
}

func TestCrashMidJobResumesWithoutBlindRepeats(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(60, without("ops-deploy", running))
	happened, notSent := ids[:50], ids[50:] // two batches: 50 + 10
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{})

	// keybind dies during the attaches: batch 1 reached the cloud, batch 2 did not.
	crash := &crashingCloud{Gateway: h.gw, attachAfter: func(b []string) bool { return slices.Contains(b, happened[0]) }}
	_ = jobs.New(h.st, crash, h.cfg).Step(h.ctx)
	for iid, it := range h.items(id) {
		if it.Key != jobs.KeyAttempting {
			t.Fatalf("%s after the crash: %q, want attempting (outcome unknown)", iid, it.Key)
		}
	}
	if ks := h.sandboxKey(happened[0]); ks.KeyPairName != "ops-deploy" {
		t.Fatalf("the first batch should have reached the sandbox: %+v", ks)
	}

	// A new engine on the same database.
	eng := jobs.New(h.st, h.gw, h.cfg)
	h.eng = eng
	h.env.Sandbox.ResetCalls()
	if err := eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	calls := h.env.Sandbox.Calls()
	if calls["AttachKeyPair"] != 0 || calls["DescribeInstances"] != 1 {
		t.Errorf("Recover made %v; want one DescribeInstances and no attach", calls)
	}
	items := h.items(id)
	for _, iid := range happened {
		if it := items[iid]; it.Key != jobs.KeyDone || it.Restart != jobs.RestartNeedsReboot {
			t.Errorf("%s (attach happened): %q/%q, want bound, needs reboot", iid, it.Key, it.Restart)
		}
	}
	for _, iid := range notSent {
		if it := items[iid]; it.Key != jobs.KeyPending {
			t.Errorf("%s (attach never sent): %q, want pending again", iid, it.Key)
		}
	}
	h.step()
	calls = h.env.Sandbox.Calls()
	if calls["AttachKeyPair"] != 1 {
		t.Errorf("AttachKeyPair calls after recovery = %d, want 1 (only the 10 not bound)", calls["AttachKeyPair"])
	}
	if j := h.job(id); j.Counts.Bound != 60 {
		t.Fatalf("bound = %d after recovery, want 60", j.Counts.Bound)
	}

	// keybind dies after recording the reboot request, before RebootInstances reached the cloud:
	// the reboot did not happen, and nothing can prove it either way but time.
	if n, err := eng.RestartAll(h.ctx, bob, id, jobs.RebootAllRunning, false); err != nil || n != 60 {
		t.Fatalf("RestartAll = %d, %v", n, err)
	}
	crash = &crashingCloud{Gateway: h.gw, rebootLost: true}
	_ = jobs.New(h.st, crash, h.cfg).Step(h.ctx)
	if it := h.items(id)[ids[0]]; it.Restart != jobs.RestartRequested {
		t.Fatalf("after the crash: %q, want requested", it.Restart)
	}

	eng = jobs.New(h.st, h.gw, h.cfg)
	h.eng = eng
	h.env.Sandbox.ResetCalls()
	if err := eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	for range 15 { // past RunningGrace: Running, last started before the key was bound, no restart seen
		h.env.Clock.Advance(5 * time.Second)
		h.step()
	}
	if calls := h.env.Sandbox.Calls(); calls["RebootInstances"] != 0 {
		t.Fatalf("reboots re-sent after the crash: %v", calls)
	}
	j := h.job(id)
	if j.Counts.NeedsDecision != 60 || j.State != jobs.StateNeedsAttention || j.InMotion() {
		t.Fatalf("after recovery: %q %+v, want 60 waiting for an operator decision (no proof the reboots ran)", j.State, j.Counts)
	}
	if it := h.items(id)[ids[0]]; it.RestartCode != jobs.CodeInterrupted || it.RestartLabel() != "Needs operator decision" {
		t.Errorf("item: code %q label %q", it.RestartCode, it.RestartLabel())
	}

	// The operator decides.
	if err := eng.ResolveOperator(h.ctx, alice, id, ids[0], jobs.DecisionMarkDone); err != nil {
		t.Fatal(err)
	}
	if err := eng.ResolveOperator(h.ctx, alice, id, ids[1], jobs.DecisionRestartAgain); err != nil {
		t.Fatal(err)
	}
	if err := eng.ResolveOperator(h.ctx, alice, id, ids[0], jobs.DecisionMarkDone); !errors.Is(err, jobs.ErrNothingToDo) {
		t.Errorf("second decision on the same item: %v, want ErrNothingToDo", err)
	}
	if err := eng.ResolveOperator(h.ctx, alice, id, "i-nosuchinstance", jobs.DecisionMarkDone); !errors.Is(err, jobs.ErrItemNotFound) {
		t.Errorf("decision on an unknown item: %v, want ErrItemNotFound", err)
	}
	h.env.Sandbox.ResetCalls()
	j = h.runUntilIdle(id, 3*time.Second, 30)
	if calls := h.env.Sandbox.Calls(); calls["RebootInstances"] != 1 {
		t.Errorf("RebootInstances after the decisions = %d, want 1", calls["RebootInstances"])
	}
	items = h.items(id)
	if items[ids[0]].Restart != jobs.RestartMarkedDone || items[ids[1]].Restart != jobs.RestartKeyInEffect {
		t.Errorf("decided items: %q, %q; want marked done, key in effect", items[ids[0]].Restart, items[ids[1]].Restart)
	}
	if j.Counts.NeedsDecision != 58 || j.Counts.MarkedDone != 1 || j.Counts.KeyInEffect != 1 {
		t.Errorf("counts = %+v", j.Counts)
	}

	var unknown int
	for _, e := range h.audit(id) {
		if e.Action == "RebootInstances" && e.Outcome == "unknown" && e.Username == "bob" {
			unknown += len(e.InstanceIDs)
		}
	}
	if unknown != 60 {
		t.Errorf("audit: %d instances with an unknown reboot outcome by bob, want 60", unknown)
	}
}
