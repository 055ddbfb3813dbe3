package ecscompat_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"

	"keybind/internal/sandbox/sandboxtest"
)

// stsClient is the old SDK's STS client pointed at the sandbox: STS and ECS share its listener.
func stsClient(t testing.TB, env *sandboxtest.Env, id, secret string) *sts.Client {
	t.Helper()
	c, err := sts.NewClientWithAccessKey(hangzhou, id, secret)
	if err != nil {
		t.Fatalf("sts.NewClientWithAccessKey: %v", err)
	}
	pointAt(&c.Client, env)
	return c
}

// assumeRole calls AssumeRole as the default account.
func assumeRole(t testing.TB, env *sandboxtest.Env, arn string, seconds int) (*sts.AssumeRoleResponse, error) {
	t.Helper()
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName = arn, "keybind.alice"
	if seconds > 0 {
		req.DurationSeconds = integer(seconds)
	}
	return stsClient(t, env, env.AccessKeyID, env.AccessKeySecret).AssumeRole(req)
}

// ecsWithSTS is the old ECS client signing with temporary credentials, as a
// console does after AssumeRole.
func ecsWithSTS(t testing.TB, env *sandboxtest.Env, c sts.Credentials) *ecs.Client {
	t.Helper()
	return ecsClientWith(t, env, hangzhou, sdk.NewConfig(), credentials.NewStsTokenCredential(c.AccessKeyId, c.AccessKeySecret, c.SecurityToken))
}

// The old SDK's STS client assumes a role in another account; the ECS
// client then works in that account with the temporary credentials.
func TestAssumeRoleThenECSInTheRolesAccount(t *testing.T) {
	env := twoAccounts(t)
	prod := env.Sandbox.Account("prod")
	resp, err := assumeRole(t, env, prod.RoleARN("KeybindOperator"), 1800)
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := resp.Credentials
	exp, err := time.Parse("2006-01-02T15:04:05Z", c.Expiration)
	if err != nil || !strings.HasPrefix(c.AccessKeyId, "STS.") || c.AccessKeySecret == "" || c.SecurityToken == "" {
		t.Fatalf("credentials %+v (expiration: %v)", c, err)
	}
	if d := exp.Sub(env.Sandbox.Now()); d <= 1799*time.Second || d > 1800*time.Second {
		t.Errorf("Expiration %s is %v after the simulation time, want 30m", c.Expiration, d)
	}
	if want := prod.RoleARN("KeybindOperator") + "/keybind.alice"; resp.AssumedRoleUser.Arn != want ||
		!regexp.MustCompile(`^\d{18}:keybind\.alice$`).MatchString(resp.AssumedRoleUser.AssumedRoleId) || resp.RequestId == "" {
		t.Errorf("AssumedRoleUser %+v, RequestId %q; want Arn %s", resp.AssumedRoleUser, resp.RequestId, want)
	}

	role := ecsWithSTS(t, env, c)
	ids := instanceIDs(t, role)
	if len(ids) == 0 || ids[0] != prod.Instances(hangzhou)[0].InstanceID {
		t.Fatalf("the role's credentials list %v, want prod's fleet", ids)
	}
	var target string
	for _, st := range prod.Instances(hangzhou) {
		if plainLinux(st) {
			target = st.InstanceID
			break
		}
	}
	reboot := ecs.CreateRebootInstanceRequest()
	reboot.InstanceId = target
	if _, err := role.RebootInstance(reboot); err != nil {
		t.Fatalf("RebootInstance with temporary credentials: %v", err)
	}
	if st, _ := prod.Instance(hangzhou, target); st.Operation != "reboot" {
		t.Errorf("prod's %s: operation %q, want reboot", target, st.Operation)
	}
	if got := prod.Calls(); got["RebootInstance"] != 1 || got["DescribeInstances"] != 1 {
		t.Errorf("prod's calls: %v, want the role's DescribeInstances and RebootInstance", got)
	}
	if got := env.Sandbox.Account("default").Calls(); got["AssumeRole"] != 1 || got["RebootInstance"] != 0 {
		t.Errorf("the default account's calls: %v, want AssumeRole only", got)
	}
}

func TestAssumeRoleRefusedThroughSDK(t *testing.T) {
	env := twoAccounts(t)
	prod, staging := env.Sandbox.Account("prod"), env.Sandbox.Account("staging")
	call := func(id, secret, arn string, mutate func(*sts.AssumeRoleRequest)) error {
		req := sts.CreateAssumeRoleRequest()
		req.RoleArn, req.RoleSessionName = arn, "keybind.alice"
		if mutate != nil {
			mutate(req)
		}
		_, err := stsClient(t, env, id, secret).AssumeRole(req)
		return err
	}
	def := func(arn string, mutate func(*sts.AssumeRoleRequest)) error {
		return call(env.AccessKeyID, env.AccessKeySecret, arn, mutate)
	}
	operator := prod.RoleARN("KeybindOperator")
	tests := []struct {
		name   string
		err    error
		code   string
		status int
	}{
		{"unknown role", def(prod.RoleARN("nobody"), nil), "EntityNotExist.Role", http.StatusNotFound},
		{"not trusted", def(prod.RoleARN("staging-only"), nil), "NoPermission", http.StatusForbidden},
		{"external ID missing", def(staging.RoleARN("partner"), nil), "NoPermission", http.StatusForbidden},
		{"session name", def(operator, func(r *sts.AssumeRoleRequest) { r.RoleSessionName = "alice smith" }), "InvalidParameter.RoleSessionName", http.StatusBadRequest},
		{"duration", def(operator, func(r *sts.AssumeRoleRequest) { r.DurationSeconds = integer(60) }), "InvalidParameter.DurationSeconds", http.StatusBadRequest},
		{"policy", def(operator, func(r *sts.AssumeRoleRequest) { r.Policy = "{" }), "InvalidParameter.PolicyGrammar", http.StatusBadRequest},
		{"wrong secret", call(env.AccessKeyID, "not-the-secret", operator, nil), "SignatureDoesNotMatch", http.StatusBadRequest},
		{"unknown key", call("LTAI-nobody", "x", operator, nil), "InvalidAccessKeyId.NotFound", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := wantCode(t, tt.err, tt.code, tt.status)
			if tt.code == "SignatureDoesNotMatch" && !strings.Contains(se.Recommend(), "InvalidAccessKeySecret") {
				t.Errorf("Recommend %q: want the SDK to recognise a wrong secret from the string to sign", se.Recommend())
			}
		})
	}
	if err := call(stagingAccount.AccessKeyID, stagingAccount.AccessKeySecret, prod.RoleARN("staging-only"), nil); err != nil {
		t.Errorf("the trusted account: %v", err)
	}
	if err := def(staging.RoleARN("partner"), func(r *sts.AssumeRoleRequest) { r.ExternalId = "keybind-4711" }); err != nil {
		t.Errorf("with the external ID: %v", err)
	}
}

// Temporary credentials expire in simulation time: a test moves the manual
// clock past the expiry in the middle of its work instead of waiting.
func TestTemporaryCredentialsExpireWithTheClock(t *testing.T) {
	env := twoAccounts(t)
	resp, err := assumeRole(t, env, env.Sandbox.Account("prod").RoleARN("KeybindOperator"), 900)
	if err != nil {
		t.Fatal(err)
	}
	role := ecsWithSTS(t, env, resp.Credentials)
	describe := func() error {
		_, err := role.DescribeRegions(ecs.CreateDescribeRegionsRequest())
		return err
	}
	if err := describe(); err != nil {
		t.Fatalf("fresh credentials: %v", err)
	}
	env.Clock.Advance(899 * time.Second)
	if err := describe(); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	env.Clock.Advance(time.Second)
	wantCode(t, describe(), "InvalidSecurityToken.Expired", http.StatusForbidden)

	fresh, err := assumeRole(t, env, env.Sandbox.Account("prod").RoleARN("KeybindOperator"), 0)
	if err != nil {
		t.Fatalf("AssumeRole again after expiry: %v", err)
	}
	if _, err := ecsWithSTS(t, env, fresh.Credentials).DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
		t.Errorf("renewed credentials: %v", err)
	}
}

func TestSecurityTokenChecked(t *testing.T) {
	env := twoAccounts(t)
	arn := env.Sandbox.Account("prod").RoleARN("KeybindOperator")
	first, err := assumeRole(t, env, arn, 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := assumeRole(t, env, arn, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := first.Credentials
	with := func(token string) sts.Credentials { c2 := c; c2.SecurityToken = token; return c2 }
	withoutToken := oldClientWith(t, env, hangzhou, c.AccessKeyId, c.AccessKeySecret)
	tests := []struct {
		name   string
		client *ecs.Client
		code   string
	}{
		{"another session's token", ecsWithSTS(t, env, with(second.Credentials.SecurityToken)), "InvalidSecurityToken.MismatchWithAccessKey"},
		{"made-up token", ecsWithSTS(t, env, with("CAIS"+strings.Repeat("x", 40))), "InvalidSecurityToken.Malformed"},
		{"no token", withoutToken, "MissingSecurityToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.client.DescribeRegions(ecs.CreateDescribeRegionsRequest())
			wantCode(t, err, tt.code, http.StatusBadRequest)
		})
	}
}

// The V7 runtime (darabonba-openapi, which the V7 STS client is generated
// on) calls AssumeRole with either signature, and the V7 ECS client signs
// with the temporary credentials: ACS3 sends the token in
// x-acs-security-token, v2 as the SecurityToken parameter.
func TestAssumeRoleV7(t *testing.T) {
	for _, a := range v7Algorithms {
		t.Run(a.name, func(t *testing.T) {
			env := twoAccounts(t)
			prod := env.Sandbox.Account("prod")
			cfg := &openapiutil.Config{AccessKeyId: dara.String(env.AccessKeyID), AccessKeySecret: dara.String(env.AccessKeySecret),
				RegionId: dara.String(hangzhou), Endpoint: dara.String(env.Host), Protocol: dara.String("HTTP")}
			if a.alg != "" {
				cfg.SignatureAlgorithm = dara.String(a.alg)
			}
			client, err := openapi.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			params := &openapiutil.Params{Action: dara.String("AssumeRole"), Version: dara.String("2015-04-01"), Protocol: dara.String("HTTP"),
				Pathname: dara.String("/"), Method: dara.String("POST"), AuthType: dara.String("AK"), Style: dara.String("RPC"),
				ReqBodyType: dara.String("formData"), BodyType: dara.String("json")}
			query := map[string]*string{"RoleArn": dara.String(prod.RoleARN("KeybindOperator")), "RoleSessionName": dara.String("v7-session"), "DurationSeconds": dara.String("900")}
			res, err := client.CallApi(params, &openapiutil.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
			if err != nil {
				t.Fatalf("AssumeRole: %v", err)
			}
			body, _ := res["body"].(map[string]any)
			creds, _ := body["Credentials"].(map[string]any)
			id, _ := creds["AccessKeyId"].(string)
			secret, _ := creds["AccessKeySecret"].(string)
			token, _ := creds["SecurityToken"].(string)
			if !strings.HasPrefix(id, "STS.") || secret == "" || token == "" {
				t.Fatalf("AssumeRole answered %v", body)
			}

			ecsCfg := &openapiutil.Config{AccessKeyId: dara.String(id), AccessKeySecret: dara.String(secret), SecurityToken: dara.String(token),
				RegionId: dara.String(hangzhou), Endpoint: dara.String(env.Host), Protocol: dara.String("HTTP")}
			ecsCfg.SignatureAlgorithm = cfg.SignatureAlgorithm
			role, err := ecs7.NewClient(ecsCfg)
			if err != nil {
				t.Fatal(err)
			}
			list, err := role.DescribeInstances(&ecs7.DescribeInstancesRequest{RegionId: dara.String(hangzhou), MaxResults: dara.Int32(10)})
			if err != nil || len(list.Body.Instances.Instance) == 0 || dara.StringValue(list.Body.Instances.Instance[0].InstanceId) != prod.Instances(hangzhou)[0].InstanceID {
				t.Fatalf("DescribeInstances with temporary credentials: %v, want prod's fleet", err)
			}
			env.Clock.Advance(15 * time.Minute)
			_, err = role.DescribeInstances(&ecs7.DescribeInstancesRequest{RegionId: dara.String(hangzhou)})
			v7WantCode(t, err, "InvalidSecurityToken.Expired", http.StatusForbidden)

			tampered := "x" // a last character other than the token's own
			if strings.HasSuffix(token, tampered) {
				tampered = "y"
			}
			ecsCfg.SecurityToken = dara.String(token[:len(token)-1] + tampered)
			wrong, err := ecs7.NewClient(ecsCfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = wrong.DescribeRegions(&ecs7.DescribeRegionsRequest{})
			v7WantCode(t, err, "InvalidSecurityToken.Malformed", http.StatusBadRequest)
		})
	}
}
