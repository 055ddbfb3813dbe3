package e2e_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"keybind/internal/sandbox"
	"keybind/internal/testapp"
)

var roleARNLine = regexp.MustCompile(`(acs:ram::\d+:role/keybind-operator)`)

// TestCloudAccountsAcrossARestart runs a sandbox serving three accounts and
// a role, and a console pointed at it for ECS and STS (--sts-endpoint). The
// admin adds one account by AccessKey and one by role; "Test" answers from
// each. After a restart on the same data directory (the generated secret key
// opens the sealed secret again) both still work.
func TestCloudAccountsAcrossARestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs keybind processes")
	}
	sb := start(t, nil, "sandbox", "--addr", "127.0.0.1:0", "--instances", "5",
		"--account", "prod:LTAIprod:prod-s3cret", "--account", "staging:LTAIstaging:staging-s3cret", "--role", "staging:keybind-operator:default")
	sandboxURL := sb.waitLine(t, sandboxURLLine)
	arn := sb.waitLine(t, roleARNLine)
	const pw = "Lantern-Orbit-Meadow-93"
	dataDir := t.TempDir()
	env := []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sandbox.DefaultAccessKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sandbox.DefaultAccessKeySecret,
		"KEYBIND_ADMIN_PASSWORD=" + pw}
	serve := func() (*proc, *testapp.Client) {
		p := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--ecs-endpoint", sandboxURL,
			"--sts-endpoint", sandboxURL, "--log-format", "json")
		c := testapp.NewClient(t, p.waitLine(t, consoleURLLine))
		c.SignIn("admin", pw)
		return p, c
	}
	console, c := serve()
	c.Get("/accounts")
	for _, form := range []url.Values{
		{"name": {"prod"}, "access_key_id": {"LTAIprod"}, "access_key_secret": {"prod-s3cret"}},
		{"name": {"staging"}, "role_arn": {arn}},
	} {
		if r := c.PostForm("/accounts", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add %s: %d %.300s", form.Get("name"), r.StatusCode, r.Body)
		}
	}
	test := func(when string) {
		t.Helper()
		c.Get("/accounts")
		for _, name := range []string{"prod", "staging"} {
			r := c.PostForm("/accounts/"+name+"/test", nil)
			if got := r.Doc.Find(`[data-testid="account-test"]`).Text(); !strings.Contains(got, name+": DescribeRegions answered") {
				t.Errorf("%s, test %s: %q", when, name, got)
			}
		}
	}
	test("first start")
	if strings.Contains(console.text(), "s3cret") {
		t.Error("the console's log shows an AccessKey secret")
	}

	if err := console.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-console.done
	console, c = serve()
	test("after a restart")
	if strings.Contains(console.text(), "s3cret") {
		t.Error("the console's log shows an AccessKey secret")
	}
}
