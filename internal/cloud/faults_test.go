package cloud_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

func TestThrottleStormCompletes(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 800}, func(c *cloud.Config) { c.Retry.MaxAttempts = 25 })
	ids := pick(env, region, 500, linuxRunning)
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultThrottle, Probability: 0.5})
	res, err := g.AttachKeyPair(context.Background(), region, "ops-deploy", ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if !r.OK {
			t.Fatalf("result %+v, want every instance bound despite throttling", r)
		}
	}
	calls := env.Sandbox.Calls()["AttachKeyPair"]
	codes := rec.codes("AttachKeyPair")
	if codes["Throttling.User"] == 0 || codes[""] != 10 || calls != codes[""]+codes["Throttling.User"] {
		t.Errorf("sandbox saw %d calls; gateway saw %v; want 10 successes plus the throttled retries", calls, codes)
	}
	for _, d := range rec.Sleeps() {
		if d < time.Second {
			t.Errorf("waited %v after a throttle carrying x-acs-retry-after 1000 ms", d)
		}
	}
	for _, in := range ids {
		if ks, _ := env.Sandbox.KeyInEffect(region, in); ks.KeyPairName != "ops-deploy" {
			t.Fatalf("%s bound to %q", in, ks.KeyPairName)
		}
	}
}

func TestUnavailableBurstCompletes(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 100}, nil)
	ids := pick(env, region, 40, linuxRunning)
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultUnavailable, Count: 3})
	res, err := g.AttachKeyPair(context.Background(), region, "ops-deploy", ids)
	if err != nil || !allOK(res) {
		t.Fatalf("attach after a 503 burst: all OK %v, err %v", allOK(res), err)
	}
	if n := env.Sandbox.Calls()["AttachKeyPair"]; n != 4 {
		t.Errorf("AttachKeyPair called %d times, want 4 (3 × 503, then success)", n)
	}
	calls := rec.Calls()
	for i, c := range calls {
		if c.Attempt != i+1 {
			t.Errorf("call %d reported attempt %d", i, c.Attempt)
		}
		if i < 3 && (c.Code != "ServiceUnavailable" || c.RequestID == "" || c.Err == nil) {
			t.Errorf("call %d: %+v, want ServiceUnavailable with a request ID", i, c)
		}
	}
	if n := len(rec.Sleeps()); n != 3 {
		t.Errorf("%d backoff waits, want 3", n)
	}
}

// TestRebootNotRepeatedAfterAnUnknownOutcome: a 500 may come after the
// reboot ran, so the gateway does not send it again; a 503 or a throttle
// says the cloud did not run it, so it retries.
func TestRebootNotRepeatedAfterAnUnknownOutcome(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 100}, nil)
	ids := pick(env, region, 10, linuxRunning)
	env.Sandbox.AddFault(sandbox.Fault{Action: "RebootInstances", Kind: sandbox.FaultInternal, Count: 2})
	res, err := g.RebootInstances(context.Background(), region, ids, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.OK || r.Code != "InternalError" {
			t.Errorf("%s: %+v, want a failed InternalError result", r.InstanceID, r)
		}
	}
	if n := env.Sandbox.Calls()["RebootInstances"]; n != 1 {
		t.Errorf("RebootInstances called %d times after a 500, want 1", n)
	}

	env.Sandbox.ClearFaults()
	env.Sandbox.ResetCalls()
	env.Sandbox.AddFault(sandbox.Fault{Action: "StartInstances", Kind: sandbox.FaultUnavailable, Count: 2})
	stopped := pick(env, region, 5, linuxStopped)
	res, err = g.StartInstances(context.Background(), region, stopped)
	if err != nil || !allOK2(res) {
		t.Fatalf("start after two 503s: %+v, %v", res, err)
	}
	if n := env.Sandbox.Calls()["StartInstances"]; n != 3 {
		t.Errorf("StartInstances called %d times, want 3 (two refused with 503, then done)", n)
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultThrottle, Count: 1, RetryAfter: 2500 * time.Millisecond})
	if _, err := g.Regions(context.Background()); err != nil {
		t.Fatal(err)
	}
	sleeps := rec.Sleeps()
	if len(sleeps) != 1 || sleeps[0] < 2500*time.Millisecond {
		t.Errorf("waits %v, want one of at least 2.5s (the hint; BaseDelay is 1ms)", sleeps)
	}
}

func TestRetriesStopAtTheDeadline(t *testing.T) {
	env, _, _ := setup(t, sandbox.Options{InstancesPerRegion: 100}, nil)
	rec2 := &recorder{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := testConfig(env, rec2)
	cfg.Retry = cloud.RetryPolicy{MaxAttempts: 1000, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, Deadline: 5 * time.Second}
	cfg.Now = rec2.clock // time moves only with the recorded waits
	g, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids := pick(env, region, 20, linuxRunning)
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultThrottle, RetryAfter: time.Second})
	res, err := g.AttachKeyPair(context.Background(), region, "ops-deploy", ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.OK || r.Code != "Throttling.User" || !r.Retryable || r.RequestID == "" {
			t.Fatalf("result %+v, want a retryable Throttling.User with the last request ID", r)
		}
	}
	var total time.Duration
	for _, d := range rec2.Sleeps() {
		total += d
	}
	if total > 5*time.Second {
		t.Errorf("waited %v in total, beyond the 5s deadline", total)
	}
	if n := env.Sandbox.Calls()["AttachKeyPair"]; n != 6 {
		t.Errorf("AttachKeyPair called %d times, want 6 (t=0..5s, one per 1s retry-after)", n)
	}
}

func TestDeadlineCutsASlowCall(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 10}, func(c *cloud.Config) { c.Retry.Deadline = 200 * time.Millisecond })
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultLatency, Latency: 5 * time.Second})
	_, err := g.Regions(context.Background())
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindTransport || ce.Code != cloud.CodeTimeout {
		t.Fatalf("error %v, want a RequestTimeout transport error", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap context.DeadlineExceeded", err)
	}
	if n := len(rec.Calls()); n != 1 {
		t.Errorf("%d attempts, want 1 (the deadline has passed)", n)
	}
}

func TestFailInstancesReportedPerInstance(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 200}, nil)
	ids := pick(env, region, 70, linuxRunning)
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultFailInstances, InstanceIDs: []string{ids[3], ids[60]}})
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultFailInstances, InstanceIDs: []string{ids[10]},
		Code: "IncorrectInstanceStatus", Message: "The current status of the resource does not support this operation."})
	res, err := g.AttachKeyPair(context.Background(), region, "alice-laptop", ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		switch i {
		case 3, 60:
			if r.OK || r.Code != "InternalError" || !r.Retryable || r.Message != "Alibaba Cloud ECS ran into an internal error. Please try again." {
				t.Errorf("result %d = %+v, want a retryable InternalError", i, r)
			}
		case 10:
			if r.OK || r.Code != "IncorrectInstanceStatus" || r.Retryable {
				t.Errorf("result %d = %+v, want a final IncorrectInstanceStatus", i, r)
			}
		default:
			if !r.OK {
				t.Errorf("result %d = %+v, want OK", i, r)
			}
		}
	}
	if n := env.Sandbox.Calls()["AttachKeyPair"]; n != 2 {
		t.Errorf("AttachKeyPair called %d times, want 2 (per-instance failures are not retried by the gateway)", n)
	}
}

func TestDroppedConnection(t *testing.T) {
	env, g, rec := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultDrop, Count: 1})
	if _, err := g.Regions(context.Background()); err != nil {
		t.Fatalf("one dropped connection should be retried: %v", err)
	}
	if codes := rec.codes("DescribeRegions"); codes[cloud.CodeNetwork] != 1 || codes[""] != 1 {
		t.Errorf("codes %v, want one NetworkError then success", codes)
	}

	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultDrop})
	_, err := g.Regions(context.Background())
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindTransport || ce.Code != cloud.CodeNetwork {
		t.Fatalf("error %v, want a transport NetworkError", err)
	}
	if msg := ce.UserMessage(); msg != "The connection to Alibaba Cloud broke. Please try again." {
		t.Errorf("UserMessage = %q", msg)
	}
}

func TestCreateKeyPairNotRepeatedWhenItMayHaveRun(t *testing.T) {
	env, g, _ := setup(t, sandbox.Options{InstancesPerRegion: 10}, nil)
	env.Sandbox.AddFault(sandbox.Fault{Action: "CreateKeyPair", Kind: sandbox.FaultDrop, Count: 1})
	_, _, err := g.CreateKeyPair(context.Background(), region, "fresh-key")
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindTransport {
		t.Fatalf("error %v, want the transport error, not a retry", err)
	}
	if n := env.Sandbox.Calls()["CreateKeyPair"]; n != 1 {
		t.Errorf("CreateKeyPair called %d times, want 1: a repeat could lose the private key", n)
	}
	env.Sandbox.AddFault(sandbox.Fault{Action: "ImportKeyPair", Kind: sandbox.FaultThrottle, Count: 1, RetryAfter: time.Millisecond})
	if _, err := g.ImportKeyPair(context.Background(), region, "imported-2", newPublicKey(t)); err != nil {
		t.Errorf("a throttled ImportKeyPair is safe to repeat: %v", err)
	}
}
