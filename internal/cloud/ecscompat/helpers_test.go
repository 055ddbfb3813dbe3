package ecscompat_test

import (
	"errors"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

const hangzhou = "cn-hangzhou"

func start(t testing.TB, opts sandbox.Options) *sandboxtest.Env {
	t.Helper()
	return sandboxtest.Start(t, opts)
}

// oldClient is the old SDK pointed at the sandbox, the way internal/cloud builds it.
func oldClient(t testing.TB, env *sandboxtest.Env, region string) *ecs.Client {
	t.Helper()
	return oldClientWith(t, env, region, env.AccessKeyID, env.AccessKeySecret)
}

func oldClientWith(t testing.TB, env *sandboxtest.Env, region, id, secret string) *ecs.Client {
	t.Helper()
	return ecsClientWith(t, env, region, sdk.NewConfig(), credentials.NewAccessKeyCredential(id, secret))
}

// ecsClientWith is the old ECS client with cfg and cred, pointed at the sandbox.
func ecsClientWith(t testing.TB, env *sandboxtest.Env, region string, cfg *sdk.Config, cred auth.Credential) *ecs.Client {
	t.Helper()
	c, err := ecs.NewClientWithOptions(region, cfg, cred)
	if err != nil {
		t.Fatalf("ecs.NewClientWithOptions: %v", err)
	}
	pointAt(&c.Client, env)
	return c
}

// pointAt sends an old-SDK client's calls to the sandbox, past any HTTP_PROXY.
func pointAt(c *sdk.Client, env *sandboxtest.Env) {
	c.Domain = env.Host
	c.SetHttpProxy("")
	c.SetNoProxy(".*")
}

// serverError unwraps an SDK server error or fails the test.
func serverError(t testing.TB, err error) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("got error %v (%T), want *errors.ServerError", err, err)
	}
	return se
}

// wantCode asserts err is a server error with the given code and HTTP status.
func wantCode(t testing.TB, err error, code string, status int) *sdkerrors.ServerError {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (%d)", code, status)
	}
	se := serverError(t, err)
	if se.ErrorCode() != code || se.HttpStatus() != status {
		t.Fatalf("got %s (%d) %q, want %s (%d)", se.ErrorCode(), se.HttpStatus(), se.Message(), code, status)
	}
	return se
}

func integer(n int) requests.Integer { return requests.NewInteger(n) }

// findInstance returns the first instance in region satisfying pred, or fails the test.
func findInstance(t testing.TB, env *sandboxtest.Env, region string, what string, pred func(sandbox.InstanceState) bool) sandbox.InstanceState {
	t.Helper()
	for _, st := range env.Sandbox.Instances(region) {
		if pred(st) {
			return st
		}
	}
	t.Fatalf("seed has no %s instance in %s", what, region)
	return sandbox.InstanceState{}
}

// plainLinux is a Running, unlocked, I/O-optimized Linux instance.
func plainLinux(st sandbox.InstanceState) bool {
	return st.OSType == "linux" && st.IoOptimized && st.LockReason == "" && st.Status == sandbox.StatusRunning && st.Operation == ""
}

func stoppedLinux(st sandbox.InstanceState) bool {
	return st.OSType == "linux" && st.IoOptimized && st.LockReason == "" && st.Status == sandbox.StatusStopped && st.Operation == ""
}
