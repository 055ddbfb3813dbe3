package jobs_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store"
)

// actorCloud is the real gateway, noting in which account and on whose
// behalf each write is made.
type actorCloud struct {
	*cloud.Gateway
	mu    sync.Mutex
	calls []string // "action account actor"
}

func (c *actorCloud) note(ctx context.Context, action string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, action+" "+cloud.AccountOf(ctx)+" "+cloud.ActorOf(ctx))
}

func (c *actorCloud) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error) {
	c.note(ctx, "AttachKeyPair")
	return c.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
}

func (c *actorCloud) RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]cloud.InstanceResult, error) {
	c.note(ctx, "RebootInstances")
	return c.Gateway.RebootInstances(ctx, region, ids, force)
}

// A job works in its account; its key calls are made on behalf of who
// created it, a reboot on behalf of who asked for it (a role's session
// name says so), and the audit trail names the account.
func TestJobWorksInItsAccountOnBehalfOfWhoAsked(t *testing.T) {
	h := newHarness(t, sandbox.Options{Accounts: []sandbox.Account{{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"}}}, nil)
	if err := h.gw.SetAccount(cloud.Account{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"}); err != nil {
		t.Fatal(err)
	}
	prod := h.env.Sandbox.Account("prod")
	var ids []string
	for _, in := range prod.Instances(region) {
		if running(in) && in.KeyPairName != "" && len(ids) < 2 {
			ids = append(ids, in.InstanceID)
		}
	}
	key := prod.KeyPairs(region)[0].Name
	pctx := cloud.WithAccount(h.ctx, "prod")
	found, _, err := h.gw.InstancesByID(pctx, region, ids)
	if err != nil || len(found) != 2 {
		t.Fatalf("prod's instances: %d (%v)", len(found), err)
	}
	plan := jobs.PlanBind(region, key, ids, found).IncludeSame()
	plan.Account = "prod"
	ac := &actorCloud{Gateway: h.gw}
	h.eng = jobs.New(h.st, ac, h.cfg)
	id, _, err := h.eng.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: "prod-job", Actor: alice, Plan: plan})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := h.eng.Step(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.env.Clock.Advance(time.Second)
	}
	if _, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, ids[:1], false); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if err := h.eng.Step(h.ctx); err != nil {
			t.Fatal(err)
		}
		h.env.Clock.Advance(time.Second)
	}
	want := []string{"AttachKeyPair prod alice", "RebootInstances prod bob"}
	if !slices.Equal(ac.calls, want) {
		t.Errorf("writes %q, want %q", ac.calls, want)
	}
	j, err := h.eng.Job(h.ctx, id)
	if err != nil || j.Account != "prod" {
		t.Fatalf("job account %q (%v), want prod", j.Account, err)
	}
	for _, in := range ids {
		if got, _ := prod.Instance(region, in); got.KeyPairName != key {
			t.Errorf("prod's %s has key %q, want %q", in, got.KeyPairName, key)
		}
	}
	for _, action := range []string{"job.create", "AttachKeyPair", "RebootInstances"} {
		entries, _, err := h.st.ListAudit(h.ctx, store.AuditFilter{Action: action})
		if err != nil || len(entries) == 0 {
			t.Fatalf("audit %s: %d entries (%v)", action, len(entries), err)
		}
		for _, e := range entries {
			if e.Account != "prod" {
				t.Errorf("audit %s %s: account %q, want prod", action, e.Outcome, e.Account)
			}
		}
	}
}
