package jobs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
)

// restartPolicy is a restart-after-bind policy with a window, an error budget and no first one.
func restartPolicy(window, maxErrors int) jobs.RestartPolicy {
	return jobs.RestartPolicy{AfterBind: true, WaveSize: window, MaxErrors: maxErrors}
}

// restarting lists the job's items whose reboot or start is out.
func (h *harness) restarting(id int64) []string {
	var out []string
	for iid, it := range h.items(id) {
		if it.Restart == jobs.RestartRequested || it.Restart == jobs.RestartInProgress {
			out = append(out, iid)
		}
	}
	slices.Sort(out)
	return out
}

func (h *harness) lock(ids ...string) {
	h.t.Helper()
	security := "security"
	for _, id := range ids {
		if _, err := h.env.Sandbox.UpdateInstance(region, id, sandbox.InstanceUpdate{LockReason: &security}); err != nil {
			h.t.Fatal(err)
		}
	}
}

// A place in the window is given to the next instance the moment one frees up — a restart that
// failed at once, or one found Running — in the same round, not after the whole window.
func TestWindowRefillsAsSoonAsAPlaceFrees(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(5, without("ci-runner", running)) // a, b, c, d, e in request order
	id := h.create("ci-runner", ids, restartPolicy(2, 5))
	h.lock(ids[0]) // a's reboot is refused at once
	h.step()       // bind, confirm; a and b go out; a fails
	if got := h.items(id)[ids[0]].Restart; got != jobs.RestartFailed {
		t.Fatalf("a: %q, want its reboot refused", got)
	}
	h.env.Clock.Advance(time.Second)
	h.step() // a's place goes to c while b is still rebooting
	if got, want := h.restarting(id), sorted(ids[1], ids[2]); !slices.Equal(got, want) {
		t.Fatalf("restarting %v, want b and c: the place a left is filled without waiting for b", got)
	}
	h.env.Clock.Advance(9 * time.Second) // b's reboot is over; c's is not
	h.step()                             // b is found Running, and d takes its place in the same round
	items := h.items(id)
	if items[ids[1]].Restart != jobs.RestartKeyInEffect {
		t.Fatalf("b: %q, want key in effect", items[ids[1]].Restart)
	}
	if got, want := h.restarting(id), sorted(ids[2], ids[3]); !slices.Equal(got, want) {
		t.Errorf("restarting %v, want c and d", got)
	}
	j := h.runUntilIdle(id, 2*time.Second, 30)
	if j.Counts.KeyInEffect != 4 || j.Counts.RestartFailed != 1 {
		t.Errorf("job %+v, want 4 in effect, 1 failed", j.Counts)
	}
	for iid, it := range h.items(id) {
		if it.RestartAttempts != 1 {
			t.Errorf("%s: %d reboots sent, want 1", iid, it.RestartAttempts)
		}
	}
}

// More failed restarts than the policy allows pause the job with the reason; nothing more is
// sent until a person resumes it, and then only further failures count.
func TestFailedRestartsBeyondTheBudgetPauseTheJob(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(6, without("ci-runner", running))
	id := h.create("ci-runner", ids, restartPolicy(2, 1))
	h.lock(ids[0], ids[1], ids[3])
	h.step() // a and b go out and are refused: 2 failures, 1 allowed
	h.env.Clock.Advance(time.Second)
	h.step()
	j := h.job(id)
	if j.State != jobs.StatePaused || j.Paused.Reason != jobs.PauseErrors || j.Counts.Queued != 4 {
		t.Fatalf("job %q paused %+v counts %+v; want paused for errors with 4 restarts still queued", j.State, j.Paused, j.Counts)
	}
	if got := j.StateWords(); got != "Paused: 2 restarts failed, more than the 1 allowed" {
		t.Errorf("state words %q", got)
	}
	sent := h.callsOf("RebootInstances")
	for range 5 {
		h.env.Clock.Advance(10 * time.Second)
		h.step()
	}
	if n := h.callsOf("RebootInstances"); n != sent {
		t.Fatalf("a paused job sent %d more reboots", n-sent)
	}
	if err := h.eng.Resume(h.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Resume(h.ctx, bob, id); !errors.Is(err, jobs.ErrNotPaused) {
		t.Errorf("resume twice: %v, want ErrNotPaused", err)
	}
	// d fails too: one more failure after the resume is within the budget; e and f go on.
	j = h.runUntilIdle(id, 5*time.Second, 30)
	if j.State != jobs.StateNeedsAttention || j.Counts.KeyInEffect != 3 || j.Counts.RestartFailed != 3 {
		t.Errorf("after the resume: %q %+v, want 3 in effect and 3 failed, not paused again", j.State, j.Counts)
	}
	var paused, resumed int
	for _, e := range h.audit(id) {
		switch e.Action {
		case "job.paused":
			paused++
		case "job.resume":
			resumed++
			if e.Username != "bob" {
				t.Errorf("resume audited as %q, want bob", e.Username)
			}
		}
	}
	if paused != 1 || resumed != 1 {
		t.Errorf("audit: %d pauses, %d resumes; want 1 and 1", paused, resumed)
	}
}

// Starting with one: one restart first; the window opens to its size once that one is Running.
func TestStartWithOneOpensTheWindowAfterTheFirst(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(8, without("ci-runner", running))
	p := restartPolicy(4, 0)
	p.StartWithOne = true
	id := h.create("ci-runner", ids, p)
	h.step()
	if got := h.restarting(id); len(got) != 1 {
		t.Fatalf("restarting %v, want one first", got)
	}
	h.env.Clock.Advance(5 * time.Second)
	h.step()
	if got := h.restarting(id); len(got) != 1 {
		t.Fatalf("restarting %v while the first is not Running yet, want still one", got)
	}
	h.env.Clock.Advance(6 * time.Second) // the first is Running
	h.step()
	if got := h.restarting(id); len(got) != 4 {
		t.Fatalf("restarting %v after the first worked, want the window of 4", got)
	}
	if j := h.runUntilIdle(id, 3*time.Second, 40); j.Counts.KeyInEffect != 8 {
		t.Errorf("job %+v, want the key in effect on all 8", j.Counts)
	}
}

// A person pauses a job (nothing new goes out), resumes it, and cancels another: what was not
// sent ends cancelled, what was sent is followed to its end, and the job ends.
func TestPauseResumeCancel(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(6, without("ci-runner", running))
	id := h.create("ci-runner", ids, restartPolicy(2, 0))
	if err := h.eng.Pause(h.ctx, bob, id); err != nil {
		t.Fatal(err)
	}
	if err := h.eng.Pause(h.ctx, bob, id); !errors.Is(err, jobs.ErrAlreadyPaused) {
		t.Errorf("pause twice: %v, want ErrAlreadyPaused", err)
	}
	h.step()
	if n := h.callsOf("AttachKeyPair"); n != 0 {
		t.Fatalf("a job paused before it started sent %d AttachKeyPair", n)
	}
	if j := h.job(id); j.State != jobs.StatePaused || j.Paused.By != "bob" || j.InMotion() {
		t.Fatalf("job %q %+v, want paused by bob and not moving", j.State, j.Paused)
	}
	if err := h.eng.Resume(h.ctx, alice, id); err != nil {
		t.Fatal(err)
	}
	h.step() // bind all six, two reboots go out
	if got := h.restarting(id); len(got) != 2 {
		t.Fatalf("restarting %v, want 2", got)
	}
	if err := h.eng.Cancel(h.ctx, alice, id); err != nil {
		t.Fatal(err)
	}
	if j := h.job(id); j.State != jobs.StateCancelling || !j.InMotion() || j.Counts.Cancelled != 4 {
		t.Fatalf("after cancel: %q %+v, want cancelling with 4 restarts left unsent", j.State, j.Counts)
	}
	if _, err := h.eng.Restart(h.ctx, bob, id, jobs.OpReboot, ids[:1], false); !errors.Is(err, jobs.ErrJobCancelled) {
		t.Errorf("restart on a cancelled job: %v, want ErrJobCancelled", err)
	}
	j := h.runUntilIdle(id, 5*time.Second, 20)
	if j.State != jobs.StateCancelled || j.Counts.KeyInEffect != 2 || j.Counts.Cancelled != 4 || j.FinishedAt.IsZero() {
		t.Errorf("job %q %+v, want cancelled, finished, with the 2 sent reboots in effect", j.State, j.Counts)
	}
	if n := h.callsOf("RebootInstances"); n != 1 {
		t.Errorf("RebootInstances %d, want the one call sent before the cancel", n)
	}
	if err := h.eng.Cancel(h.ctx, alice, id); !errors.Is(err, jobs.ErrJobCancelled) {
		t.Errorf("cancel twice: %v, want ErrJobCancelled", err)
	}
	actions := map[string]string{}
	for _, e := range h.audit(id) {
		actions[e.Action] = e.Username
	}
	if actions["job.pause"] != "bob" || actions["job.resume"] != "alice" || actions["job.cancel"] != "alice" {
		t.Errorf("audit %v, want pause by bob, resume and cancel by alice", actions)
	}
}

// One instance, one active job: a job asking for instances an active job works on is refused,
// naming that job and those instances; once the first job ends, the same request is accepted.
func TestOverlappingJobIsRefused(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(20, without("ci-runner", running))
	first := h.create("ci-runner", ids[:10], restartPolicy(5, 0))
	req := jobs.CreateRequest{IdempotencyKey: "second", Actor: bob, Plan: h.plan("ops-deploy", ids[5:15]), Policy: restartPolicy(5, 0)}
	_, _, err := h.eng.Create(h.ctx, req)
	var overlap *jobs.OverlapError
	if !errors.As(err, &overlap) || len(overlap.Overlaps) != 1 || overlap.Overlaps[0].JobID != first ||
		!slices.Equal(overlap.Overlaps[0].InstanceIDs, ids[5:10]) {
		t.Fatalf("overlapping job: %v, want an OverlapError naming job %d and its 5 shared instances", err, first)
	}
	got, err := h.eng.Overlaps(h.ctx, region, ids[8:12])
	if err != nil || len(got) != 1 || !slices.Equal(got[0].InstanceIDs, ids[8:10]) || got[0].Title != "Bind ci-runner" {
		t.Errorf("Overlaps = %+v, %v; want job %d with 2 instances", got, err, first)
	}
	h.runUntilIdle(first, 5*time.Second, 30)
	if _, created, err := h.eng.Create(h.ctx, req); err != nil || !created {
		t.Errorf("after the first job ended: created %t, %v; want the job", created, err)
	}
}

// Someone binds another key while the job's reboot runs: when the instance is Running again it
// reports the other key, and the job says so instead of "key in effect".
func TestKeyReplacedDuringTheRestartIsNotInEffect(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(2, without("ci-runner", without("ops-deploy", running)))
	id := h.create("ci-runner", ids, restartPolicy(2, 1))
	h.step()
	other := "ops-deploy"
	if _, err := h.env.Sandbox.UpdateInstance(region, ids[0], sandbox.InstanceUpdate{KeyPairName: &other}); err != nil {
		t.Fatal(err)
	}
	j := h.runUntilIdle(id, 3*time.Second, 30)
	it := h.items(id)[ids[0]]
	if it.Restart != jobs.RestartKeyReplaced || it.ReplacedBy != "ops-deploy" || it.View().Restart != "Running — key replaced by ops-deploy" {
		t.Errorf("replaced item: %q by %q (%q), want key replaced by ops-deploy", it.Restart, it.ReplacedBy, it.View().Restart)
	}
	if j.Counts.KeyInEffect != 1 || j.Counts.KeyReplaced != 1 || j.State != jobs.StateNeedsAttention {
		t.Errorf("job %q %+v, want one in effect, one replaced, needs attention", j.State, j.Counts)
	}
}

// keybind dies right after RebootInstances went out, the instances restart while it is down,
// and it comes back more than a minute after the key was bound: their StartTime (ECS gives
// minutes) proves the reboots, so nothing waits for a person and nothing is sent again.
func TestCrashAfterRebootIsResolvedByStartTime(t *testing.T) {
	h := newHarness(t, sandbox.Options{Transition: 10 * time.Second}, nil)
	ids := h.pick(30, without("ci-runner", running))
	id := h.create("ci-runner", ids, jobs.RestartPolicy{})
	h.runUntilIdle(id, time.Second, 5)
	h.env.Clock.Advance(time.Minute) // StartTime is to the minute: a start must be a later minute than the binding
	if n, err := h.eng.RestartAll(h.ctx, bob, id, jobs.RebootAllRunning, false); err != nil || n != 30 {
		t.Fatalf("RestartAll = %d, %v", n, err)
	}
	crash := &crashingCloud{Gateway: h.gw, rebootCrash: true}
	_ = jobs.New(h.st, crash, h.cfg).Step(h.ctx)

	h.env.Clock.Advance(2 * time.Minute) // down for two minutes; the reboots finish meanwhile
	h.eng = jobs.New(h.st, h.gw, h.cfg)
	h.env.Sandbox.ResetCalls()
	if err := h.eng.Recover(h.ctx); err != nil {
		t.Fatal(err)
	}
	j := h.runUntilIdle(id, 3*time.Second, 10)
	if j.Counts.KeyInEffect != 30 || j.Counts.NeedsDecision != 0 {
		t.Fatalf("after recovery: %q %+v, want the key in effect on all 30", j.State, j.Counts)
	}
	if calls := h.env.Sandbox.Calls(); calls["RebootInstances"] != 0 {
		t.Errorf("reboots sent again after the crash: %v", calls)
	}
	resolved := resolvedFromEvidence(h, id)
	if len(resolved) != 30 {
		t.Fatalf("audit: %d resolved from evidence, want 30", len(resolved))
	}
	if !strings.Contains(resolved[0].Detail, "StartTime") {
		t.Errorf("resolution detail %q does not give the StartTime", resolved[0].Detail)
	}
	assertTruth(t, h, id, "ci-runner")
}

// The engine's calls are background calls: a person's page keeps a reserve in every budget.
func TestEngineCallsAreBackgroundCalls(t *testing.T) {
	h := newHarness(t, sandbox.Options{}, nil)
	rec := &priorityCloud{Gateway: h.gw}
	h.eng = jobs.New(h.st, rec, h.cfg)
	ids := h.pick(3, without("ci-runner", running))
	id := h.create("ci-runner", ids, restartPolicy(3, 0))
	h.runUntilIdle(id, 3*time.Second, 20)
	if rec.interactive != 0 || rec.background == 0 {
		t.Errorf("engine calls: %d background, %d interactive; want all background", rec.background, rec.interactive)
	}
}

type priorityCloud struct {
	*cloud.Gateway
	background, interactive int
}

func (p *priorityCloud) count(ctx context.Context) {
	if cloud.PriorityOf(ctx) == cloud.Background {
		p.background++
	} else {
		p.interactive++
	}
}

func (p *priorityCloud) InstancesByID(ctx context.Context, region string, ids []string) ([]cloud.Instance, []string, error) {
	p.count(ctx)
	return p.Gateway.InstancesByID(ctx, region, ids)
}

func (p *priorityCloud) AttachKeyPair(ctx context.Context, region, keyPair string, ids []string) ([]cloud.KeyPairResult, error) {
	p.count(ctx)
	return p.Gateway.AttachKeyPair(ctx, region, keyPair, ids)
}

func (p *priorityCloud) RebootInstances(ctx context.Context, region string, ids []string, force bool) ([]cloud.InstanceResult, error) {
	p.count(ctx)
	return p.Gateway.RebootInstances(ctx, region, ids, force)
}

func (p *priorityCloud) InstanceStatuses(ctx context.Context, region string, ids []string) ([]cloud.StatusResult, error) {
	p.count(ctx)
	return p.Gateway.InstanceStatuses(ctx, region, ids)
}

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}
