package ecscompat_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"keybind/internal/sandbox"
	"keybind/internal/sandbox/sandboxtest"
)

var (
	prodAccount    = sandbox.Account{Name: "prod", AccessKeyID: "LTAI5tProdKeybind", AccessKeySecret: "prod-secret-0123456789"}
	stagingAccount = sandbox.Account{Name: "staging", AccessKeyID: "LTAI5tStagingKeybind", AccessKeySecret: "staging-secret-0123456789"}
)

// twoAccounts is a sandbox serving the default account and prod, with a
// role in prod that the default account may assume, and more roles for the
// refusals.
func twoAccounts(t testing.TB) *sandboxtest.Env {
	t.Helper()
	return start(t, sandbox.Options{InstancesPerRegion: 12, Accounts: []sandbox.Account{prodAccount, stagingAccount},
		Roles: []sandbox.Role{
			{Account: "prod", Name: "KeybindOperator", Trusted: []string{sandbox.DefaultAccount}},
			{Account: "prod", Name: "staging-only", Trusted: []string{"staging"}},
			{Account: "staging", Name: "partner", ExternalID: "keybind-4711"},
		}})
}

func instanceIDs(t testing.TB, c *ecs.Client) []string {
	t.Helper()
	req := ecs.CreateDescribeInstancesRequest()
	req.PageSize = integer(100)
	resp, err := c.DescribeInstances(req)
	if err != nil {
		t.Fatalf("DescribeInstances: %v", err)
	}
	var ids []string
	for _, in := range resp.Instances.Instance {
		ids = append(ids, in.InstanceId)
	}
	return ids
}

// Each AccessKey pair sees its own account's fleet through the old SDK.
func TestAccountsHaveSeparateFleets(t *testing.T) {
	env := twoAccounts(t)
	def := oldClient(t, env, hangzhou)
	prod := oldClientWith(t, env, hangzhou, prodAccount.AccessKeyID, prodAccount.AccessKeySecret)

	defIDs, prodIDs := instanceIDs(t, def), instanceIDs(t, prod)
	if len(defIDs) != 12 || len(prodIDs) != 12 {
		t.Fatalf("got %d and %d instances, want 12 in each account", len(defIDs), len(prodIDs))
	}
	for _, id := range prodIDs {
		if slices.Contains(defIDs, id) {
			t.Errorf("instance %s is in both accounts", id)
		}
	}
	if want := env.Sandbox.Account("prod").Instances(hangzhou)[0].InstanceID; prodIDs[0] != want {
		t.Errorf("prod's key lists %s first, want prod's fleet (%s)", prodIDs[0], want)
	}

	running := findInstance(t, env, hangzhou, "plain linux", plainLinux) // the default account's
	reboot := ecs.CreateRebootInstanceRequest()
	reboot.InstanceId = running.InstanceID
	_, err := prod.RebootInstance(reboot)
	wantCode(t, err, "InvalidInstanceId.NotFound", http.StatusNotFound)
	if _, err := def.RebootInstance(reboot); err != nil {
		t.Fatalf("RebootInstance in its own account: %v", err)
	}

	kps := func(c *ecs.Client) map[string]string {
		resp, err := c.DescribeKeyPairs(ecs.CreateDescribeKeyPairsRequest())
		if err != nil {
			t.Fatalf("DescribeKeyPairs: %v", err)
		}
		out := map[string]string{}
		for _, kp := range resp.KeyPairs.KeyPair {
			out[kp.KeyPairName] = kp.KeyPairFingerPrint
		}
		return out
	}
	defKeys, prodKeys := kps(def), kps(prod)
	for name, fp := range defKeys {
		if prodKeys[name] == "" || prodKeys[name] == fp {
			t.Errorf("key pair %s: default %s, prod %q; want the same name with another key", name, fp, prodKeys[name])
		}
	}
	del := ecs.CreateDeleteKeyPairsRequest()
	del.KeyPairNames = `["ops-deploy"]`
	if _, err := prod.DeleteKeyPairs(del); err != nil {
		t.Fatal(err)
	}
	if _, ok := kps(def)["ops-deploy"]; !ok || len(kps(prod)) != len(prodKeys)-1 {
		t.Error("deleting prod's key pair changed the default account, or did not delete it in prod")
	}
	if got := env.Sandbox.Account("prod").Calls()["DescribeInstances"]; got != 1 {
		t.Errorf("prod's key signed %d DescribeInstances calls, want 1", got)
	}
}
