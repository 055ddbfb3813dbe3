package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store/storetest"
)

// replica is another engine on the harness's database, as another keybind process would run.
func (h *harness) replica(owner string) *jobs.Engine {
	cfg := h.cfg
	cfg.Owner = owner
	return jobs.New(h.st, h.gw, cfg)
}

// Issue #12: each active job is worked by one engine at a time. A second engine leaves a job
// whose lease is held alone, takes it over once the lease has expired, and finishes it.
func TestOneEngineWorksAJobAndAnotherTakesOverWhenItsLeaseExpires(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	a, b := h.replica("replica-a"), h.replica("replica-b")
	ids := h.pick(60, without("ops-deploy", running))
	id := h.create("ops-deploy", ids, jobs.RestartPolicy{AfterBind: true, WaveSize: 10})

	if err := a.Recover(h.ctx); err != nil { // A takes the lease; nothing to reconcile yet
		t.Fatal(err)
	}
	h.env.Sandbox.ResetCalls()
	if err := b.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if n := h.env.Sandbox.Calls()["AttachKeyPair"]; n != 0 || b.LeasesHeld() != 0 {
		t.Fatalf("B worked a job A holds: %d AttachKeyPair calls, %d leases", n, b.LeasesHeld())
	}
	// A renews its lease as it works: half a lease later, and again, B still keeps off.
	for range 2 {
		h.env.Clock.Advance(8 * time.Second)
		if err := a.Step(h.ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Step(h.ctx); err != nil {
			t.Fatal(err)
		}
		if b.LeasesHeld() != 0 || a.LeasesHeld() != 1 {
			t.Fatalf("leases held: A %d, B %d; want A 1, B 0", a.LeasesHeld(), b.LeasesHeld())
		}
	}
	if n := h.env.Sandbox.Calls()["AttachKeyPair"]; n != 2 { // 50 + 10, by A
		t.Fatalf("AttachKeyPair calls = %d, want 2", n)
	}

	// A goes silent (killed) with restarts out. Once its lease has expired B takes the job
	// over and finishes it: every key in effect, no instance restarted twice.
	if j := h.job(id); !j.InMotion() {
		t.Fatalf("the job is done before A goes: %+v", j.Counts)
	}
	h.env.Clock.Advance(16 * time.Second)
	h.eng = b
	if err := b.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if b.LeasesHeld() != 1 {
		t.Fatalf("B holds %d leases once A's expired, want 1", b.LeasesHeld())
	}
	j := h.runUntilIdle(id, 5*time.Second, 100)
	if j.Counts.Bound != len(ids) || j.Counts.KeyInEffect != len(ids) {
		t.Fatalf("the job B finished: %+v; want every key bound and in effect", j.Counts)
	}
	if n := h.env.Sandbox.Calls()["AttachKeyPair"]; n != 2 {
		t.Errorf("AttachKeyPair calls = %d, want 2: B sent nothing again", n)
	}
	for _, iid := range ids {
		if in, _ := h.env.Sandbox.Instance(region, iid); in.Restarts != 1 {
			t.Errorf("%s restarted %d times, want once", iid, in.Restarts)
		}
	}
	// A comes back: the job is B's now.
	if err := a.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if a.LeasesHeld() != 0 {
		t.Errorf("A holds %d leases after B took over, want 0", a.LeasesHeld())
	}
}

// Issue #12: a replica that shuts down gives its leases up at once; another takes the job over
// in its next round, without waiting for them to expire.
func TestReleasedLeasesAreTakenAtOnce(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	a, b := h.replica("replica-a"), h.replica("replica-b")
	id := h.create("ops-deploy", h.pick(5, without("ops-deploy", running)), jobs.RestartPolicy{AfterBind: true})
	if err := a.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Release(h.ctx); err != nil {
		t.Fatal(err)
	}
	if a.LeasesHeld() != 0 {
		t.Errorf("A holds %d leases after Release", a.LeasesHeld())
	}
	if err := b.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if b.LeasesHeld() != 1 {
		t.Fatalf("B holds %d leases right after A released its own, want 1 (job %d)", b.LeasesHeld(), id)
	}
}

// Issue #12: Run gives the engine's leases up when its context ends (a replica stopped with
// SIGTERM), so another replica takes its jobs over in its next round.
func TestRunReleasesItsLeasesWhenItEnds(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	h.create("ops-deploy", h.pick(5, without("ops-deploy", running)), jobs.RestartPolicy{AfterBind: true})
	firstRound := make(chan struct{})
	cfg := h.cfg
	cfg.Owner = "replica-a"
	var once sync.Once
	cfg.AfterRound = func(error) { once.Do(func() { close(firstRound) }) }
	a := jobs.New(h.st, h.gw, cfg)
	ctx, cancel := context.WithCancel(h.ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	<-firstRound
	if a.LeasesHeld() != 1 {
		t.Fatalf("A holds %d leases after its first round, want 1", a.LeasesHeld())
	}
	cancel()
	<-done
	b := h.replica("replica-b")
	if err := b.Step(h.ctx); err != nil {
		t.Fatal(err)
	}
	if a.LeasesHeld() != 0 || b.LeasesHeld() != 1 {
		t.Errorf("after A's Run ended: A holds %d leases, B %d; want 0 and 1", a.LeasesHeld(), b.LeasesHeld())
	}
}

// Issue #12: jobs made at the same moment on two replicas over the same instances: one is
// created, the other refused as overlapping (one instance, one active job), as on one console.
func TestOverlappingJobsMadeOnTwoReplicasAtOnce(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	ids := h.pick(20, without("ops-deploy", running))
	plan := h.plan("ops-deploy", ids)
	const replicas = 6
	var wg sync.WaitGroup
	created := make([]bool, replicas)
	errs := make([]error, replicas)
	for i := range replicas {
		st := storetest.Reopen(t, h.st)
		e := jobs.New(st, h.gw, h.cfg)
		wg.Go(func() {
			_, created[i], errs[i] = e.Create(h.ctx, jobs.CreateRequest{IdempotencyKey: fmt.Sprintf("replica-%d", i), Actor: alice, Plan: plan})
		})
	}
	wg.Wait()
	n := 0
	for i := range replicas {
		var oe *jobs.OverlapError
		switch {
		case created[i]:
			n++
		case !errors.As(errs[i], &oe):
			t.Errorf("replica %d: %v, want created or an overlap", i, errs[i])
		}
	}
	if n != 1 {
		t.Errorf("%d jobs created over the same instances, want 1", n)
	}
}
