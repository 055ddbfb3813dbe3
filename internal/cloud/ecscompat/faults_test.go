package ecscompat_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

// retryingClient has the SDK's AutoRetry on, as internal/cloud may configure it.
func retryingClient(t *testing.T, env *sandboxtest.Env, retries int) *ecs.Client {
	t.Helper()
	cfg := sdk.NewConfig().WithAutoRetry(true).WithMaxRetryTime(retries)
	return ecsClientWith(t, env, hangzhou, cfg, credentials.NewAccessKeyCredential(env.AccessKeyID, env.AccessKeySecret))
}

func TestFaultThrottle(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeInstances", Kind: sandbox.FaultThrottle, Count: 2, RetryAfter: 2500 * time.Millisecond})
	c := retryingClient(t, env, 3) // 4xx is never retried, even with AutoRetry
	for i := 0; i < 2; i++ {
		_, err := c.DescribeInstances(ecs.CreateDescribeInstancesRequest())
		se := wantCode(t, err, "Throttling.User", http.StatusBadRequest)
		if got := http.Header(se.RespHeaders).Get("x-acs-retry-after"); got != "2500" {
			t.Errorf("call %d: got x-acs-retry-after %q, want 2500", i, got)
		}
	}
	if _, err := c.DescribeInstances(ecs.CreateDescribeInstancesRequest()); err != nil {
		t.Errorf("third call after Count 2 was spent: %v", err)
	}
	if _, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
		t.Errorf("other action: %v", err)
	}
	if got := env.Sandbox.Calls()["DescribeInstances"]; got != 3 {
		t.Errorf("got %d DescribeInstances calls, want 3 (no retries of 4xx)", got)
	}
	if len(env.Sandbox.Faults()) != 0 {
		t.Errorf("spent fault still installed: %+v", env.Sandbox.Faults())
	}
}

func TestFaultServerErrorsAreRetried(t *testing.T) {
	tests := []struct {
		kind, code string
		status     int
	}{
		{sandbox.FaultUnavailable, "ServiceUnavailable", http.StatusServiceUnavailable},
		{sandbox.FaultInternal, "InternalError", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			env := start(t, sandbox.Options{InstancesPerRegion: 5})
			env.Sandbox.AddFault(sandbox.Fault{Kind: tt.kind, Count: 2}) // every action
			if _, err := retryingClient(t, env, 2).DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
				t.Errorf("with 2 retries past 2 faults: %v", err)
			}
			if got := env.Sandbox.Calls()["DescribeRegions"]; got != 3 {
				t.Errorf("got %d calls, want 3", got)
			}
			env.Sandbox.AddFault(sandbox.Fault{Kind: tt.kind, Count: 1})
			_, err := oldClient(t, env, hangzhou).DescribeRegions(ecs.CreateDescribeRegionsRequest())
			wantCode(t, err, tt.code, tt.status)
		})
	}
}

func TestFaultDrop(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultDrop, Count: 1})
	_, err := oldClient(t, env, hangzhou).DescribeRegions(ecs.CreateDescribeRegionsRequest())
	if err == nil {
		t.Fatal("got no error from a dropped connection")
	}
	var ue *url.Error
	var se *sdkerrors.ServerError
	if !errors.As(err, &ue) || errors.As(err, &se) {
		t.Errorf("got %v (%T), want a transport *url.Error", err, err)
	}
	if _, err := oldClient(t, env, hangzhou).DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
		t.Errorf("after the drop: %v", err)
	}
}

// Issue #11, item 9: drop-after runs the call, then closes the connection:
// the SDK sees a transport error although the key pair is now attached.
func TestFaultDropAfter(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 20})
	inst := findInstance(t, env, hangzhou, "plain Linux, no key", func(st sandbox.InstanceState) bool {
		return plainLinux(st) && st.KeyPairName == ""
	})
	key := env.Sandbox.KeyPairs(hangzhou)[0].Name
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultDropAfter, Count: 1})
	req := ecs.CreateAttachKeyPairRequest()
	req.KeyPairName, req.InstanceIds = key, `["`+inst.InstanceID+`"]`
	_, err := oldClient(t, env, hangzhou).AttachKeyPair(req)
	var ue *url.Error
	var se *sdkerrors.ServerError
	if !errors.As(err, &ue) || errors.As(err, &se) {
		t.Fatalf("got %v (%T), want a transport *url.Error", err, err)
	}
	if st, _ := env.Sandbox.Instance(hangzhou, inst.InstanceID); st.KeyPairName != key {
		t.Errorf("after the lost answer: key pair %q, want %q (the call ran)", st.KeyPairName, key)
	}
}

func TestFaultLatency(t *testing.T) {
	env := start(t, sandbox.Options{InstancesPerRegion: 5})
	env.Sandbox.AddFault(sandbox.Fault{Action: "DescribeRegions", Kind: sandbox.FaultLatency, Latency: 2 * time.Second, Count: 1})
	c := oldClient(t, env, hangzhou)
	req := ecs.CreateDescribeRegionsRequest()
	req.SetReadTimeout(50 * time.Millisecond)
	_, err := c.DescribeRegions(req)
	var se *sdkerrors.ServerError
	if err == nil || errors.As(err, &se) {
		t.Errorf("got %v, want a client-side timeout", err)
	}
}

func TestFaultProbabilityIsSeeded(t *testing.T) {
	hits := func() []bool {
		env := start(t, sandbox.Options{InstancesPerRegion: 5, Seed: 7})
		env.Sandbox.AddFault(sandbox.Fault{Kind: sandbox.FaultInternal, Probability: 0.3})
		c := oldClient(t, env, hangzhou)
		out := make([]bool, 40)
		for i := range out {
			_, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest())
			out[i] = err != nil
		}
		return out
	}
	a, b := hits(), hits()
	n := 0
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("call %d: runs differ with the same seed", i)
		}
		if a[i] {
			n++
		}
	}
	if n == 0 || n == len(a) {
		t.Errorf("got %d/%d failures at probability 0.3, want some but not all", n, len(a))
	}
}

func TestFaultFailInstances(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	var ids []string
	for _, st := range env.Sandbox.Instances(hangzhou) {
		if plainLinux(st) && len(ids) < 3 {
			ids = append(ids, st.InstanceID)
		}
	}
	env.Sandbox.AddFault(sandbox.Fault{Action: "AttachKeyPair", Kind: sandbox.FaultFailInstances, Count: 1,
		InstanceIDs: ids[:2], Code: "OperationConflict", Message: "Request was denied due to conflict with a previous request."})
	req := ecs.CreateAttachKeyPairRequest()
	req.KeyPairName = "ops-deploy"
	req.InstanceIds = idsJSON(ids...)
	resp, err := c.AttachKeyPair(req)
	if err != nil {
		t.Fatalf("AttachKeyPair: %v", err)
	}
	if resp.FailCount != "2" {
		t.Errorf("got FailCount %s, want 2", resp.FailCount)
	}
	for _, r := range resp.Results.Result {
		failed := r.InstanceId != ids[2]
		if failed && (r.Success != "false" || r.Code != "OperationConflict" || r.Message == "") {
			t.Errorf("%s: got %+v, want injected OperationConflict", r.InstanceId, r)
		}
		if !failed && r.Success != "true" {
			t.Errorf("%s: got %+v, want success", r.InstanceId, r)
		}
		if ks, _ := env.Sandbox.KeyInEffect(hangzhou, r.InstanceId); (ks.KeyPairName == "ops-deploy") == failed {
			t.Errorf("%s: got API key %q after a failed=%v entry", r.InstanceId, ks.KeyPairName, failed)
		}
	}
	// Spent: the retry succeeds.
	req = ecs.CreateAttachKeyPairRequest()
	req.KeyPairName, req.InstanceIds = "ops-deploy", idsJSON(ids[:2]...)
	if resp, err := c.AttachKeyPair(req); err != nil || resp.FailCount != "0" {
		t.Errorf("retry: got %+v, %v; want success", resp, err)
	}
}
