package cloud_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"keybind/internal/cloud"
	"keybind/internal/sandbox"
)

// The gateway takes temporary credentials from the sandbox's STS as they
// are (Config.SecurityToken) and works in the role's account; once they
// expire in simulation time its calls fail as KindAuth, without retries.
func TestGatewayWithTemporaryCredentials(t *testing.T) {
	prod := sandbox.Account{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"}
	opts := sandbox.Options{InstancesPerRegion: 15, Accounts: []sandbox.Account{prod},
		Roles: []sandbox.Role{{Account: "prod", Name: "keybind-operator"}}}
	env, _, _ := setup(t, opts, nil)
	stsc, err := sts.NewClientWithAccessKey("cn-hangzhou", env.AccessKeyID, env.AccessKeySecret)
	if err != nil {
		t.Fatal(err)
	}
	stsc.Domain = env.Host
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName = env.Sandbox.Account("prod").RoleARN("keybind-operator"), "keybind.alice"
	resp, err := stsc.AssumeRole(req)
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}

	rec := &recorder{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cfg := testConfig(env, rec)
	cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken = resp.Credentials.AccessKeyId, resp.Credentials.AccessKeySecret, resp.Credentials.SecurityToken
	g, err := cloud.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.AllInstances(context.Background(), "cn-hangzhou", cloud.InstanceFilter{}, 0)
	want := env.Sandbox.Account("prod").Instances("cn-hangzhou")
	if err != nil || len(got) != len(want) || got[0].ID != want[0].InstanceID {
		t.Fatalf("AllInstances with temporary credentials: %d instances (%v), want prod's %d", len(got), err, len(want))
	}

	env.Clock.Advance(time.Hour) // the default DurationSeconds
	_, err = g.Regions(context.Background())
	var ce *cloud.Error
	if !errors.As(err, &ce) || ce.Kind != cloud.KindAuth || ce.Code != "InvalidSecurityToken.Expired" {
		t.Fatalf("after expiry: %v, want KindAuth InvalidSecurityToken.Expired", err)
	}
	if n := rec.codes("DescribeRegions")["InvalidSecurityToken.Expired"]; n != 1 {
		t.Errorf("expired credentials were tried %d times, want once", n)
	}
}
