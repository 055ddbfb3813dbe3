package ecscompat_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
)

func idsJSON(ids ...string) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

func TestAttachKeyPairResults(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	linux := findInstance(t, env, hangzhou, "plain linux", plainLinux)
	windows := findInstance(t, env, hangzhou, "windows", func(st sandbox.InstanceState) bool { return st.OSType == "windows" })
	legacy := findInstance(t, env, hangzhou, "non-I/O-optimized linux", func(st sandbox.InstanceState) bool {
		return st.OSType == "linux" && !st.IoOptimized
	})
	stopped := findInstance(t, env, hangzhou, "stopped linux", stoppedLinux)

	req := ecs.CreateAttachKeyPairRequest()
	req.KeyPairName = "ci-runner"
	req.InstanceIds = idsJSON(linux.InstanceID, windows.InstanceID, legacy.InstanceID, "i-doesnotexist0000000", stopped.InstanceID)
	resp, err := c.AttachKeyPair(req)
	if err != nil {
		t.Fatalf("AttachKeyPair: %v", err)
	}
	if resp.KeyPairName != "ci-runner" || resp.TotalCount != "5" || resp.FailCount != "3" {
		t.Errorf("got KeyPairName %q TotalCount %q FailCount %q, want ci-runner 5 3", resp.KeyPairName, resp.TotalCount, resp.FailCount)
	}
	want := map[string]struct{ success, code, msg string }{
		linux.InstanceID:        {"true", "200", "successful"},
		stopped.InstanceID:      {"true", "200", "successful"},
		windows.InstanceID:      {"false", "DependencyViolation.WindowsInstance", "The instance creating is windows, cannot use ssh key pair to login"},
		legacy.InstanceID:       {"false", "DependencyViolation.IoOptimize", "The specified parameter InstanceIds is not valid."},
		"i-doesnotexist0000000": {"false", "InvalidInstanceId.NotFound", "The specified InstanceId does not exist."},
	}
	if len(resp.Results.Result) != len(want) {
		t.Fatalf("got %d results, want %d", len(resp.Results.Result), len(want))
	}
	for _, r := range resp.Results.Result {
		w, ok := want[r.InstanceId]
		if !ok {
			t.Errorf("unexpected result for %s", r.InstanceId)
			continue
		}
		if r.Success != w.success || r.Code != w.code || r.Message != w.msg {
			t.Errorf("%s: got %s/%s/%q, want %s/%s/%q", r.InstanceId, r.Success, r.Code, r.Message, w.success, w.code, w.msg)
		}
	}
	for _, id := range []string{linux.InstanceID, stopped.InstanceID} {
		ks, _ := env.Sandbox.KeyInEffect(hangzhou, id)
		if ks.KeyPairName != "ci-runner" || !ks.RestartPending || ks.EffectiveKeyPair == "ci-runner" {
			t.Errorf("%s: got %+v, want API key ci-runner, restart pending, not yet in effect", id, ks)
		}
	}
	if ks, _ := env.Sandbox.KeyInEffect(hangzhou, windows.InstanceID); ks.KeyPairName == "ci-runner" {
		t.Errorf("windows instance got key %q", ks.KeyPairName)
	}
}

func TestAttachDetachRequestErrors(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	linux := findInstance(t, env, hangzhou, "plain linux", plainLinux)
	fifty, fiftyOne := make([]string, 50), make([]string, 51)
	for i := range fiftyOne {
		fiftyOne[i] = fmt.Sprintf("i-bp1%017d", i)
		if i < 50 {
			fifty[i] = fiftyOne[i]
		}
	}
	tests := []struct {
		name, key, ids, region, code string
		status                       int
	}{
		{"unknown key", "no-such-key", idsJSON(linux.InstanceID), "", "InvalidKeyPairName.NotFound", 400},
		{"malformed ids", "ci-runner", `["i-1",`, "", "InvalidInstanceIds.ValueNotSupported", 400},
		{"empty ids", "ci-runner", `[]`, "", "InvalidInstanceIds.ValueNotSupported", 400},
		{"51 ids", "ci-runner", idsJSON(fiftyOne...), "", "InstanceKeyPairLimitExceeded", 403},
		{"missing ids", "ci-runner", "", "", "MissingParameter", 400},
		{"missing key", "", idsJSON(linux.InstanceID), "", "MissingParameter", 400},
		{"unknown region", "ci-runner", idsJSON(linux.InstanceID), "mars-1", "InvalidRegionId.NotFound", 404},
	}
	for _, action := range []string{"AttachKeyPair", "DetachKeyPair"} {
		for _, tt := range tests {
			t.Run(action+"/"+tt.name, func(t *testing.T) {
				var err error
				if action == "AttachKeyPair" {
					req := ecs.CreateAttachKeyPairRequest()
					req.KeyPairName, req.InstanceIds, req.RegionId = tt.key, tt.ids, tt.region
					_, err = c.AttachKeyPair(req)
				} else {
					req := ecs.CreateDetachKeyPairRequest()
					req.KeyPairName, req.InstanceIds, req.RegionId = tt.key, tt.ids, tt.region
					_, err = c.DetachKeyPair(req)
				}
				wantCode(t, err, tt.code, tt.status)
			})
		}
	}
	t.Run("50 ids is allowed", func(t *testing.T) {
		req := ecs.CreateAttachKeyPairRequest()
		req.KeyPairName, req.InstanceIds = "ci-runner", idsJSON(fifty...)
		resp, err := c.AttachKeyPair(req)
		if err != nil {
			t.Fatalf("AttachKeyPair with 50 IDs: %v", err)
		}
		if resp.TotalCount != "50" || resp.FailCount != "50" {
			t.Errorf("got TotalCount %s FailCount %s, want 50/50 (all unknown)", resp.TotalCount, resp.FailCount)
		}
	})
	t.Run("comma separated ids", func(t *testing.T) {
		req := ecs.CreateAttachKeyPairRequest()
		req.KeyPairName, req.InstanceIds = "ci-runner", linux.InstanceID+",i-bp1xxxxxxxxxxxxxxxxx"
		resp, err := c.AttachKeyPair(req)
		if err != nil || resp.TotalCount != "2" || resp.FailCount != "1" {
			t.Errorf("got %v, %v; want TotalCount 2 FailCount 1", resp, err)
		}
	})
}

func TestDetachKeyPair(t *testing.T) {
	env := start(t, sandbox.Options{})
	c := oldClient(t, env, hangzhou)
	bound := findInstance(t, env, hangzhou, "linux with a key", func(st sandbox.InstanceState) bool {
		return plainLinux(st) && st.KeyPairName != ""
	})
	other := "ops-deploy"
	if bound.KeyPairName == other {
		other = "ci-runner"
	}
	windows := findInstance(t, env, hangzhou, "windows", func(st sandbox.InstanceState) bool { return st.OSType == "windows" })

	req := ecs.CreateDetachKeyPairRequest()
	req.KeyPairName = other
	req.InstanceIds = idsJSON(bound.InstanceID, windows.InstanceID)
	resp, err := c.DetachKeyPair(req)
	if err != nil {
		t.Fatalf("DetachKeyPair of another key: %v", err)
	}
	if resp.FailCount != "2" {
		t.Errorf("detach of a key the instance does not have: got FailCount %s, want 2 (%+v)", resp.FailCount, resp.Results.Result)
	}
	for _, r := range resp.Results.Result {
		if r.InstanceId == windows.InstanceID && r.Code != "DependencyViolation.WindowsInstance" {
			t.Errorf("windows: got code %s, want DependencyViolation.WindowsInstance", r.Code)
		}
	}

	req.KeyPairName = bound.KeyPairName
	req.InstanceIds = idsJSON(bound.InstanceID)
	resp, err = c.DetachKeyPair(req)
	if err != nil || resp.FailCount != "0" || resp.Results.Result[0].Success != "true" {
		t.Fatalf("DetachKeyPair: got %+v, %v; want success", resp, err)
	}
	ks, _ := env.Sandbox.KeyInEffect(hangzhou, bound.InstanceID)
	if ks.KeyPairName != "" || ks.EffectiveKeyPair != bound.KeyPairName || ks.PasswordLogin || !ks.RestartPending {
		t.Errorf("after detach: got %+v, want API key empty, old key still in effect until restart", ks)
	}
}
