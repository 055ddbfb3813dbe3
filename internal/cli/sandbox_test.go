package cli

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"keybind/internal/sandbox"
)

func TestSandboxAccountsAndRoles(t *testing.T) {
	prod := sandbox.Account{Name: "prod", AccessKeyID: "LTAIprod", AccessKeySecret: "s3cret:with:colons"}
	staging := sandbox.Account{Name: "staging", AccessKeyID: "LTAIstg", AccessKeySecret: "stg"}
	tests := []struct {
		name      string
		args      []string
		env       map[string]string
		accounts  []sandbox.Account
		roles     []sandbox.Role
		defaultID string
	}{
		{name: "none", defaultID: sandbox.DefaultAccessKeyID},
		{
			name: "flags",
			args: []string{"--account", "prod:LTAIprod:s3cret:with:colons", "--account", "staging:LTAIstg:stg",
				"--role", "prod:keybind-operator", "--role", "prod:ops:*", "--role", "staging:deploy:default+prod", "--role", "prod:partner:staging:ext:4711"},
			accounts: []sandbox.Account{prod, staging},
			roles: []sandbox.Role{{Account: "prod", Name: "keybind-operator"}, {Account: "prod", Name: "ops"},
				{Account: "staging", Name: "deploy", Trusted: []string{"default", "prod"}},
				{Account: "prod", Name: "partner", Trusted: []string{"staging"}, ExternalID: "ext:4711"}},
			defaultID: sandbox.DefaultAccessKeyID,
		},
		{
			name:      "environment",
			env:       map[string]string{"KEYBIND_SANDBOX_ACCOUNTS": "prod:LTAIprod:s3cret:with:colons, staging:LTAIstg:stg", "KEYBIND_SANDBOX_ROLES": "prod:keybind-operator", "KEYBIND_SANDBOX_ACCESS_KEY_ID": "LTAIdefault"},
			accounts:  []sandbox.Account{prod, staging},
			roles:     []sandbox.Role{{Account: "prod", Name: "keybind-operator"}},
			defaultID: "LTAIdefault",
		},
		{
			name:      "a flag replaces the environment's list",
			args:      []string{"--account", "staging:LTAIstg:stg"},
			env:       map[string]string{"KEYBIND_SANDBOX_ACCOUNTS": "prod:LTAIprod:s3cret:with:colons"},
			accounts:  []sandbox.Account{staging},
			defaultID: sandbox.DefaultAccessKeyID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sys, _, _ := sysFor(tt.env)
			c, err := parseSandbox(tt.args, sys)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Options.Accounts, tt.accounts) || !reflect.DeepEqual(c.Options.Roles, tt.roles) || c.Options.AccessKeyID != tt.defaultID {
				t.Errorf("got accounts %+v roles %+v default %q, want %+v %+v %q", c.Options.Accounts, c.Options.Roles, c.Options.AccessKeyID, tt.accounts, tt.roles, tt.defaultID)
			}
		})
	}
}

// keybind sandbox prints every account's credentials and UID and every role's ARN.
func TestSandboxPrintsWhatItServes(t *testing.T) {
	sys, out, _ := sysFor(nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // print, then stop at once
	err := Run(ctx, []string{"sandbox", "--addr", "127.0.0.1:0", "--instances", "1",
		"--account", "prod:LTAIprod:prod-secret", "--role", "prod:keybind-operator:default"}, sys)
	if err != nil {
		t.Fatal(err)
	}
	sb := sandbox.New(sandbox.Options{InstancesPerRegion: 1, Accounts: []sandbox.Account{{Name: "prod", AccessKeyID: "LTAIprod", AccessKeySecret: "prod-secret"}}})
	for _, want := range []string{
		"listening on http://127.0.0.1:",
		"default    UID " + sb.Account("default").UID() + "  ALIBABA_CLOUD_ACCESS_KEY_ID=keybind-sandbox ALIBABA_CLOUD_ACCESS_KEY_SECRET=keybind-sandbox-secret",
		"prod       UID " + sb.Account("prod").UID() + "  ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIprod ALIBABA_CLOUD_ACCESS_KEY_SECRET=prod-secret",
		sb.Account("prod").RoleARN("keybind-operator") + "  (in prod; may be assumed by default)",
		"aliyun sts AssumeRole --RoleArn " + sb.Account("prod").RoleARN("keybind-operator") + " --RoleSessionName you --access-key-id keybind-sandbox --access-key-secret keybind-sandbox-secret",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
