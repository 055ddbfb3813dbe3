package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

func TestRunWorksInTheBackgroundAfterTheRequestEnds(t *testing.T) {
	rounds := make(chan struct{}, 100)
	h := newHarness(t, sandbox.Options{}, func(c *jobs.Config) {
		c.Tick = time.Hour // only wake-ups drive the rounds here
		c.AfterRound = func(error) { rounds <- struct{}{} }
	})
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.eng.Run(runCtx) }()
	<-rounds // the start-up round

	// The request that creates the job ends (the browser closes) right after Create.
	reqCtx, endRequest := context.WithCancel(h.ctx)
	ids := h.pick(3, without("ops-deploy", running))
	id, created, err := h.eng.Create(reqCtx, jobs.CreateRequest{IdempotencyKey: "bg", Actor: alice, Plan: h.plan("ops-deploy", ids)})
	endRequest()
	if err != nil || !created {
		t.Fatalf("Create: %v", err)
	}
	select {
	case <-rounds: // Create woke the engine
	case <-time.After(30 * time.Second):
		t.Fatal("Create did not wake the engine")
	}
	if j := h.job(id); j.Counts.Bound != 3 {
		t.Errorf("after the woken round: %+v, want 3 bound", j.Counts)
	}
	for _, iid := range ids {
		if ks := h.sandboxKey(iid); ks.KeyPairName != "ops-deploy" {
			t.Errorf("%s: %+v", iid, ks)
		}
	}
	stop()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run returned %v, want context.Canceled", err)
	}
}
