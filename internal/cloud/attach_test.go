package cloud_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

func TestAttachDetachPerInstanceResults(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 60, Transition: 10 * time.Second}, nil)
	ctx := context.Background()
	lin := pick(env, region, 3, linuxRunning)
	win := pick(env, region, 1, windows)
	input := []string{lin[0], win[0], lin[1], lin[0], "i-nosuchinstance", lin[2]}
	res, err := g.AttachKeyPair(ctx, region, "ops-deploy", input)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{lin[0], win[0], lin[1], "i-nosuchinstance", lin[2]}
	if got := resultIDs(res); !slices.Equal(got, wantIDs) {
		t.Fatalf("result IDs %v, want %v (input order, deduplicated)", got, wantIDs)
	}
	for _, r := range res {
		switch r.InstanceID {
		case win[0]:
			if r.OK || r.Code != "DependencyViolation.WindowsInstance" || r.Message != "Windows instances cannot use SSH key pairs." || r.Retryable {
				t.Errorf("windows result %+v", r)
			}
		case "i-nosuchinstance":
			if r.OK || r.Code != "InvalidInstanceId.NotFound" || r.Retryable {
				t.Errorf("unknown instance result %+v", r)
			}
		default:
			if !r.OK || r.Code != "200" || r.RequestID == "" {
				t.Errorf("linux result %+v, want OK with a request ID", r)
			}
		}
	}
	if n := env.Sandbox.Calls()["AttachKeyPair"]; n != 1 {
		t.Errorf("AttachKeyPair called %d times, want 1", n)
	}
	ks, _ := env.Sandbox.KeyInEffect(region, lin[0])
	if ks.KeyPairName != "ops-deploy" || !ks.RestartPending {
		t.Errorf("key state after attach %+v, want ops-deploy pending a restart", ks)
	}

	reboot, err := g.RebootInstances(ctx, region, lin, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reboot {
		if !r.OK || r.PreviousStatus != cloud.StatusRunning || r.CurrentStatus == cloud.StatusRunning {
			t.Errorf("reboot result %+v", r)
		}
	}
	env.Clock.Advance(11 * time.Second)
	st, err := g.InstanceStatuses(ctx, region, lin)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range st {
		if s.Status != cloud.StatusRunning {
			t.Errorf("%s is %s after the transition, want Running", s.InstanceID, s.Status)
		}
	}
	ks, _ = env.Sandbox.KeyInEffect(region, lin[0])
	if ks.EffectiveKeyPair != "ops-deploy" || ks.PasswordLogin {
		t.Errorf("key state after reboot %+v, want ops-deploy in effect", ks)
	}

	det, err := g.DetachKeyPair(ctx, region, "ops-deploy", lin[:1])
	if err != nil || len(det) != 1 || !det[0].OK {
		t.Errorf("detach: %+v, %v", det, err)
	}
	if len(rec.Sleeps()) != 0 {
		t.Errorf("no call should have been retried, slept %v", rec.Sleeps())
	}
}

func TestAttachSplitsIntoCallsOf50(t *testing.T) {
	for _, n := range []int{50, 51, 120} {
		env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 400}, nil)
		ids := pick(env, region, n, linuxRunning)
		if len(ids) != n {
			t.Fatalf("only %d suitable instances", len(ids))
		}
		res, err := g.AttachKeyPair(context.Background(), region, "ci-runner", ids)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(resultIDs(res), ids) || !allOK(res) {
			t.Errorf("%d IDs: results not all OK in input order", n)
		}
		if got, want := env.Sandbox.Calls()["AttachKeyPair"], (n+49)/50; got != want {
			t.Errorf("%d IDs: AttachKeyPair called %d times, want %d", n, got, want)
		}
	}
}

func TestAttachUnknownKeyIsNotRetried(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 300}, func(c *cloud.Config) { c.Concurrency = 1 })
	ids := pick(env, region, 120, linuxRunning)
	res, err := g.AttachKeyPair(context.Background(), region, "no-such-key", ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(ids) {
		t.Fatalf("got %d results, want %d", len(res), len(ids))
	}
	for _, r := range res {
		if r.OK || r.Code != "InvalidKeyPairName.NotFound" || r.Retryable || r.RequestID == "" ||
			r.Message != "The key pair does not exist in this region." {
			t.Fatalf("result %+v, want InvalidKeyPairName.NotFound with the call's request ID", r)
		}
	}
	// One call: no retry of the 4xx, and the other chunks are not sent once the key is known to be missing.
	if n := env.Sandbox.Calls()["AttachKeyPair"]; n != 1 {
		t.Errorf("AttachKeyPair called %d times, want 1", n)
	}
	if len(rec.Sleeps()) != 0 {
		t.Errorf("slept %v, want no retry", rec.Sleeps())
	}
}

func TestRebootAndStartPerInstance(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 60, Transition: 10 * time.Second}, nil)
	ctx := context.Background()
	run := pick(env, region, 2, linuxRunning)
	stop := pick(env, region, 1, stopped)
	res, err := g.RebootInstances(ctx, region, []string{run[0], stop[0], "i-gone", run[1]}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{run[0]: "200", stop[0]: "IncorrectInstanceStatus", "i-gone": "InvalidInstanceId.NotFound", run[1]: "200"}
	for _, r := range res {
		if r.Code != want[r.InstanceID] || r.OK != (r.Code == "200") || r.Retryable {
			t.Errorf("reboot result %+v, want code %s", r, want[r.InstanceID])
		}
	}
	if !slices.Equal(resultIDs2(res), []string{run[0], stop[0], "i-gone", run[1]}) {
		t.Errorf("reboot results out of order: %v", resultIDs2(res))
	}
	if res[1].Message != "The instance is not in a state that allows this operation." {
		t.Errorf("message %q", res[1].Message)
	}

	started, err := g.StartInstances(ctx, region, stop)
	if err != nil || len(started) != 1 || !started[0].OK || started[0].PreviousStatus != cloud.StatusStopped {
		t.Fatalf("start: %+v, %v", started, err)
	}
	env.Clock.Advance(10 * time.Second)
	st, err := g.InstanceStatuses(ctx, region, stop)
	if err != nil || len(st) != 1 || st[0].Status != cloud.StatusRunning {
		t.Errorf("after start: %+v, %v", st, err)
	}

	dry, err := g.DryRunRebootInstances(ctx, region, run, false)
	if err != nil || !allOK2(dry) {
		t.Errorf("dry run: %+v, %v", dry, err)
	}
	if err := g.CheckAccess(ctx, region); err != nil {
		t.Errorf("CheckAccess: %v", err)
	}
}

func TestRebootInCallsOf100(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 400}, nil)
	ids := pick(env, region, 230, linuxRunning)
	res, err := g.RebootInstances(context.Background(), region, ids, false)
	if err != nil || len(res) != len(ids) || !allOK2(res) {
		t.Fatalf("reboot of %d: %d results, all OK %v, err %v", len(ids), len(res), allOK2(res), err)
	}
	if n := env.Sandbox.Calls()["RebootInstances"]; n != (len(ids)+99)/100 {
		t.Errorf("RebootInstances called %d times, want %d", n, (len(ids)+99)/100)
	}
}

func TestCancelledContext(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 60}, nil)
	ids := pick(env, region, 5, linuxRunning)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := g.AttachKeyPair(ctx, region, "ops-deploy", ids)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
	if len(res) != len(ids) || res[0].OK || res[0].Code != cloud.CodeCanceled {
		t.Errorf("results %+v, want one Canceled result per ID", res)
	}
	if _, err := g.Regions(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Regions error %v, want context.Canceled", err)
	}
	if calls := env.Sandbox.Calls(); len(calls) != 0 {
		t.Errorf("calls were made with a cancelled context: %v", calls)
	}
}

func resultIDs(rs []cloud.KeyPairResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.InstanceID
	}
	return out
}

func resultIDs2(rs []cloud.InstanceResult) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.InstanceID
	}
	return out
}

func allOK(rs []cloud.KeyPairResult) bool {
	for _, r := range rs {
		if !r.OK {
			return false
		}
	}
	return true
}

func allOK2(rs []cloud.InstanceResult) bool {
	for _, r := range rs {
		if !r.OK {
			return false
		}
	}
	return true
}
