package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"keybind/internal/accounts"
	"keybind/internal/jobs"
	"keybind/internal/sandbox"
	"keybind/internal/store"
	"keybind/internal/testapp"
)

// accountsApp is a console whose sandbox serves the accounts prod (added
// by AccessKey) and staging (added by a RAM role that the default account
// may assume), both added by the admin through the accounts page.
func accountsApp(t *testing.T) (*testapp.App, *testapp.Client) {
	t.Helper()
	app := testapp.New(t, testapp.Options{InstancesPerRegion: 20,
		Accounts: []sandbox.Account{
			{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"},
			{Name: "staging", AccessKeyID: "LTAI-staging", AccessKeySecret: "staging-secret"},
		},
		Roles: []sandbox.Role{{Account: "staging", Name: "keybind-operator", Trusted: []string{"default"}}}})
	admin := app.SignIn(t, "admin", testapp.AdminPassword)
	admin.Get("/accounts")
	for _, form := range []url.Values{
		{"name": {"prod"}, "access_key_id": {"LTAI-prod"}, "access_key_secret": {"prod-secret"}, "default_regions": {"cn-shanghai, cn-hangzhou"}},
		{"name": {"staging"}, "role_arn": {app.Sandbox.Account("staging").RoleARN("keybind-operator")}},
	} {
		if r := admin.PostForm("/accounts", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add account %s: status %d; body %.600s", form.Get("name"), r.StatusCode, r.Body)
		}
	}
	return app, admin
}

// The accounts page adds accounts by AccessKey and by role, never shows a
// secret, and "Test" answers DescribeRegions from each account.
func TestAccountsPage(t *testing.T) {
	app, admin := accountsApp(t)
	r := admin.Get("/accounts")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /accounts: %d", r.StatusCode)
	}
	var names []string
	r.Doc.Find(`[data-testid="account-row"]`).Each(func(_ int, s *goquery.Selection) {
		names = append(names, s.AttrOr("data-account", ""))
	})
	if !slices.Equal(names, []string{"default", "prod", "staging"}) {
		t.Errorf("accounts listed %v", names)
	}
	if strings.Contains(r.Body, "prod-secret") {
		t.Error("the accounts page shows an AccessKey secret")
	}
	for _, name := range []string{"prod", "staging"} {
		r := admin.PostForm("/accounts/"+name+"/test", nil)
		got := strings.TrimSpace(r.Doc.Find(`[data-testid="account-test"]`).Text())
		want := fmt.Sprintf("%s: DescribeRegions answered %d regions", name, len(app.Sandbox.Account(name).Regions()))
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(got, want) {
			t.Errorf("test %s: status %d, %q; want %q…", name, r.StatusCode, got, want)
		}
	}
	// A role that does not exist: the test says why, in STS's words.
	if r := admin.PostForm("/accounts", url.Values{"name": {"ghost"}, "role_arn": {"acs:ram::1234567890123456:role/nobody"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add ghost: %d", r.StatusCode)
	}
	r = admin.PostForm("/accounts/ghost/test", nil)
	if got := r.Doc.Find(`[data-testid="account-test"]`).Text(); !strings.Contains(got, "the test failed") || !strings.Contains(got, "EntityNotExist.Role") {
		t.Errorf("test of a role that does not exist: %q", got)
	}
	// A bad role ARN is refused on its field, and the secret is not sent back.
	r = admin.PostForm("/accounts", url.Values{"name": {"bad"}, "role_arn": {"arn:aws:iam::1:role/x"}})
	if r.StatusCode != http.StatusUnprocessableEntity || r.Doc.Find(`input[name="role_arn"][aria-invalid="true"]`).Length() != 1 {
		t.Errorf("bad role ARN: status %d; body %.400s", r.StatusCode, r.Body)
	}
	// Helpdesk users cannot reach the page: 403, audited.
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	if r := helen.Get("/accounts"); r.StatusCode != http.StatusForbidden {
		t.Errorf("helpdesk GET /accounts: %d, want 403", r.StatusCode)
	}
	if n := len(app.Audit(t, "access.manage_accounts")); n != 1 {
		t.Errorf("audited refusals of the accounts page: %d, want 1", n)
	}
}

// A helpdesk user granted only staging sees and binds only there: the flow
// starts in staging without asking, other accounts are refused (pages and
// API) and every refusal is audited with the account.
func TestHelpdeskWorksOnlyInGrantedAccount(t *testing.T) {
	app, admin := accountsApp(t)
	admin.Get("/accounts")
	if r := admin.PostForm("/accounts/default/grants/remove", url.Values{"subject": {"everyone"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("take back default from everyone: %d", r.StatusCode)
	}
	if r := admin.PostForm("/accounts/staging/grants", url.Values{"subject": {"helen"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant staging to helen: %d", r.StatusCode)
	}

	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	key := app.Sandbox.Account("staging").KeyPairs(testapp.Region)[0].Name
	r := helen.Get("/bind/instances?" + url.Values{"region": {testapp.Region}, "key": {key}}.Encode())
	if r.StatusCode != http.StatusOK {
		t.Fatalf("helen's instances page: %d; %.300s", r.StatusCode, r.Body)
	}
	if got := strings.TrimSpace(r.Doc.Find(`[data-testid="cloud-account"]`).Text()); !strings.Contains(got, "staging") {
		t.Errorf("the page says it works in %q, want staging", got)
	}
	staging := app.Sandbox.Account("staging").Instances(testapp.Region)
	if !strings.Contains(r.Body, staging[0].InstanceID) || strings.Contains(r.Body, app.Sandbox.Instances(testapp.Region)[0].InstanceID) {
		t.Error("helen's instances page does not list staging's fleet alone")
	}
	for _, path := range []string{"/bind?account=prod", "/keypairs?account=default&region=" + testapp.Region} {
		if r := helen.Get(path); r.StatusCode != http.StatusForbidden {
			t.Errorf("helen GET %s: %d, want 403", path, r.StatusCode)
		}
	}

	// The API: only staging.
	api := newAPIClient(t, app, apiToken(t, helen, "helen"))
	list := api.get("/api/v1/accounts").want(t, http.StatusOK, "accounts")
	if items := jList(list.JSON["items"]); len(items) != 1 || jStr(jObj(items[0])["name"]) != "staging" {
		t.Errorf("helen's accounts: %s", list.Raw)
	}
	api.get("/api/v1/regions?account=prod").want(t, http.StatusForbidden, "regions in prod")
	api.get("/api/v1/regions").want(t, http.StatusForbidden, "regions in default")
	api.get("/api/v1/regions?account=staging").want(t, http.StatusOK, "regions in staging")
	ids := linuxIDs(app.Sandbox.Account("prod").Instances(testapp.Region), 2)
	body := map[string]any{"account": "prod", "region": testapp.Region, "key_pair": "whatever", "instance_ids": ids, "acknowledge": true}
	api.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "helen-prod-1").want(t, http.StatusForbidden, "bind in prod")

	var denied []store.AuditEntry
	for _, e := range app.Audit(t, accounts.ActionUse) {
		if e.Outcome == store.OutcomeDenied && e.Username == "helen" {
			denied = append(denied, e)
		}
	}
	var where []string
	for _, e := range denied {
		where = append(where, e.Account+"/"+e.Via)
	}
	slices.Sort(where)
	if want := []string{"default/api", "default/web", "prod/api", "prod/api", "prod/web"}; !slices.Equal(where, want) {
		t.Errorf("audited refusals %v, want %v", where, want)
	}

	// A job in staging: created through the API, it carries the account.
	pub, _ := apiEd25519(t, "helen")
	api.call(http.MethodPost, "/api/v1/regions/"+testapp.Region+"/keypairs?account=staging",
		map[string]any{"name": "helen-key", "public_key": pub}).want(t, http.StatusCreated, "import in staging")
	ids = linuxIDs(staging, 2)
	body = map[string]any{"account": "staging", "region": testapp.Region, "key_pair": "helen-key", "instance_ids": ids, "acknowledge": true}
	job := api.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "helen-staging-1").want(t, http.StatusCreated, "bind in staging")
	if job.str("account") != "staging" {
		t.Errorf("the job's account is %q, want staging", job.str("account"))
	}
	// helen cannot open a job of another account.
	prodJob := adminJob(t, app, admin, "prod", "none")
	if r := helen.Get(fmt.Sprintf("/jobs/%d", prodJob)); r.StatusCode != http.StatusForbidden {
		t.Errorf("helen opens a prod job: %d, want 403", r.StatusCode)
	}
	api.get(fmt.Sprintf("/api/v1/jobs/%d", prodJob)).want(t, http.StatusForbidden, "a prod job through the API")
	// Nor see it in the job lists; she sees her staging job.
	page := helen.Get("/jobs")
	var listed []string
	page.Doc.Find(`[data-testid="jobs-row"]`).Each(func(_ int, s *goquery.Selection) { listed = append(listed, s.AttrOr("data-job-id", "")) })
	if want := []string{fmt.Sprint(job.num("id"))}; !slices.Equal(listed, want) {
		t.Errorf("helen's job list %v, want only her staging job %v", listed, want)
	}
	if items := jList(api.get("/api/v1/jobs").want(t, http.StatusOK, "jobs").JSON["items"]); len(items) != 1 || jStr(jObj(items[0])["account"]) != "staging" {
		t.Errorf("helen's API job list has %d jobs, want her staging job alone", len(items))
	}
	api.get("/api/v1/jobs?account=prod").want(t, http.StatusForbidden, "helen's list of prod's jobs")
	adminAPI := newAPIClient(t, app, apiToken(t, admin, "admin-list"))
	if items := jList(adminAPI.get("/api/v1/jobs?account=prod").want(t, http.StatusOK, "prod's jobs").JSON["items"]); len(items) != 1 || jStr(jObj(items[0])["account"]) != "prod" {
		t.Errorf("the admin's list of prod's jobs has %d jobs, want the prod job alone", len(items))
	}
	// The audit trail through the API, filtered to an account.
	audit := adminAPI.get("/api/v1/audit?account=staging&action=job.create").want(t, http.StatusOK, "staging's jobs created")
	if items := jList(audit.JSON["items"]); len(items) != 1 || jStr(jObj(items[0])["account"]) != "staging" || jStr(jObj(items[0])["user"]) != "helen" {
		t.Errorf("the audit of staging's jobs created: %.400s", audit.Raw)
	}
	adminAPI.get("/api/v1/accounts?account=prod").want(t, http.StatusUnprocessableEntity, "an account where none is read")
	if me := adminAPI.get("/api/v1/me").want(t, http.StatusOK, "me"); !slices.Contains(jList(me.JSON["permissions"]), any("all_accounts")) {
		t.Errorf("the admin's permissions %s lack all_accounts", me.Raw)
	}
	if r := admin.Get("/jobs"); r.Doc.Find(`[data-testid="jobs-row"]`).Length() != 2 {
		t.Errorf("the admin's job list has %d jobs, want both", r.Doc.Find(`[data-testid="jobs-row"]`).Length())
	}
}

// adminJob imports a key and creates a bind job of two instances in the
// account through the API, as the admin; it returns the job's ID.
func adminJob(t *testing.T, app *testapp.App, admin *testapp.Client, account, after string) int64 {
	t.Helper()
	api := newAPIClient(t, app, apiToken(t, admin, "admin-"+account))
	pub, _ := apiEd25519(t, account)
	api.call(http.MethodPost, "/api/v1/regions/"+testapp.Region+"/keypairs?account="+account,
		map[string]any{"name": "ops-" + account, "public_key": pub}).want(t, http.StatusCreated, "import in "+account)
	ids := linuxIDs(app.Sandbox.Account(account).Instances(testapp.Region), 3)
	body := map[string]any{"account": account, "region": testapp.Region, "key_pair": "ops-" + account, "instance_ids": ids,
		"acknowledge": true, "after": after}
	r := api.call(http.MethodPost, "/api/v1/jobs/bind", body, "Idempotency-Key", "admin-"+account+"-job").want(t, http.StatusCreated, "bind in "+account)
	return int64(r.num("id"))
}

func linuxIDs(all []sandbox.InstanceState, n int) []string {
	var ids []string
	for _, in := range all {
		if in.OSType == "linux" && in.IoOptimized && in.LockReason == "" && in.KeyPairName == "" && len(ids) < n {
			ids = append(ids, in.InstanceID)
		}
	}
	return ids
}

// A job in each account runs at the same time; the role's temporary
// credentials expire mid-job (the sandbox's clock passes their hour) and
// are renewed without the job noticing; each account's instances get its
// own key, and the audit trail says in which account every call went.
func TestJobsInTwoAccountsAtOnceWithRoleRenewal(t *testing.T) {
	app, admin := accountsApp(t)
	ctx := context.Background()
	prodJob := adminJob(t, app, admin, "prod", "restart")
	stagingJob := adminJob(t, app, admin, "staging", "restart")

	if err := app.Engine.Step(ctx); err != nil { // both jobs bind and send their reboots
		t.Fatal(err)
	}
	assumed := app.Sandbox.Account("default").Calls()["AssumeRole"]
	if assumed == 0 {
		t.Fatal("the staging job's calls did not assume the role")
	}
	// The role's credentials expire mid-job: the sandbox's clock alone
	// passes their hour (the engine's deadlines stay where they were).
	app.Sandbox.Advance(2 * time.Hour)
	for i := 0; i < 30; i++ {
		if err := app.Engine.Step(ctx); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		p, _ := app.Engine.Job(ctx, prodJob)
		s, _ := app.Engine.Job(ctx, stagingJob)
		if !p.InMotion() && !s.InMotion() {
			break
		}
		app.Clock.Advance(2 * time.Second)
	}
	if n := app.Sandbox.Account("default").Calls()["AssumeRole"]; n <= assumed {
		t.Errorf("AssumeRole calls %d after the expiry, want more than %d (renewed)", n, assumed)
	}
	for _, tc := range []struct {
		id      int64
		account string
	}{{prodJob, "prod"}, {stagingJob, "staging"}} {
		j, err := app.Engine.Job(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Account != tc.account || j.InMotion() || j.Counts.KeyFailed > 0 || j.Counts.KeyInEffect != 3 {
			t.Errorf("job %d: account %q, in motion %v, counts %+v; want done in %s", tc.id, j.Account, j.InMotion(), j.Counts, tc.account)
		}
		items, _ := app.Engine.Items(ctx, tc.id)
		for _, it := range items {
			in, _ := app.Sandbox.Account(tc.account).Instance(testapp.Region, it.InstanceID)
			if in.KeyPairName != "ops-"+tc.account {
				t.Errorf("%s %s has key %q, want ops-%s", tc.account, it.InstanceID, in.KeyPairName, tc.account)
			}
		}
	}
	var attach []string
	for _, e := range app.Audit(t, "AttachKeyPair") {
		attach = append(attach, e.Account)
	}
	if !slices.Contains(attach, "prod") || !slices.Contains(attach, "staging") || slices.Contains(attach, "default") {
		t.Errorf("the attach calls are audited in accounts %v, want prod and staging", attach)
	}
}

// With several accounts the flow starts by choosing one, which is then
// remembered; with one it is used without asking.
func TestAccountChooser(t *testing.T) {
	app, admin := accountsApp(t)
	r := admin.Get("/bind")
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/accounts/choose?next=%2Fbind" {
		t.Fatalf("GET /bind with three accounts: %d to %q, want 303 to the chooser", r.StatusCode, r.Header.Get("Location"))
	}
	r = admin.Get(r.Header.Get("Location"))
	var choices []string
	r.Doc.Find(`[data-testid="account-choice"]`).Each(func(_ int, s *goquery.Selection) {
		choices = append(choices, s.AttrOr("href", ""))
	})
	if want := []string{"/bind?account=default", "/bind?account=prod", "/bind?account=staging"}; !slices.Equal(choices, want) {
		t.Fatalf("choices %v, want %v", choices, want)
	}
	if r := admin.Get(choices[1]); r.StatusCode != http.StatusOK || !strings.Contains(r.Doc.Find(`[data-testid="cloud-account"]`).Text(), "prod") {
		t.Fatalf("choosing prod: %d, nav %q", r.StatusCode, r.Doc.Find(`[data-testid="cloud-account"]`).Text())
	}
	// The region step starts at prod's first default region.
	if r := admin.Get("/bind"); r.Doc.Find(`#region option[selected]`).AttrOr("value", "") != "cn-shanghai" {
		t.Errorf("the region step in prod preselects %q, want cn-shanghai", r.Doc.Find(`#region option[selected]`).AttrOr("value", ""))
	}
	// Remembered: the next page works in prod without asking, and lists prod's key pairs.
	r = admin.Get("/keypairs?region=" + testapp.Region)
	prodKey := app.Sandbox.Account("prod").KeyPairs(testapp.Region)[0].Name
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, prodKey) {
		t.Errorf("key pairs after choosing prod: %d, prod's %s listed: %v", r.StatusCode, prodKey, strings.Contains(r.Body, prodKey))
	}
	// helen, with only the default account, is never asked.
	helen := app.SignIn(t, "helen", testapp.HelpdeskPassword)
	if r := helen.Get("/bind"); r.StatusCode != http.StatusOK {
		t.Errorf("helen's /bind: %d, want 200 without a chooser", r.StatusCode)
	}
	// With none granted, the chooser says so.
	admin.Get("/accounts")
	admin.PostForm("/accounts/default/grants/remove", url.Values{"subject": {"*"}})
	r = helen.Get("/bind")
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("helen's /bind with no account: %d, want 303", r.StatusCode)
	}
	if r := helen.Get(r.Header.Get("Location")); r.Doc.Find(`[data-testid="no-accounts"]`).Length() != 1 {
		t.Errorf("the chooser of someone with no account does not say so: %.300s", r.Body)
	}
}

// Through the pages, in the account chosen (staging, by role): the
// selection, the review and the job work in it, and the instances get the key.
func TestBindThroughThePagesInARoleAccount(t *testing.T) {
	app, admin := accountsApp(t)
	ctx := context.Background()
	admin.Get("/bind?account=staging")
	staging := app.Sandbox.Account("staging")
	key := staging.KeyPairs(testapp.Region)[0].Name
	ids := linuxIDs(staging.Instances(testapp.Region), 3)
	form := url.Values{"region": {testapp.Region}, "key": {key}}
	admin.Get("/bind/instances?" + form.Encode())
	paste := url.Values{"region": {testapp.Region}, "key": {key}, "ids": {strings.Join(ids, "\n")}}
	if r := admin.PostHTMX("/bind/selection/paste", paste); r.StatusCode != http.StatusOK {
		t.Fatalf("paste: %d %.300s", r.StatusCode, r.Body)
	}
	// Each account keeps its own selection of the region.
	count := func() string {
		r := admin.Get("/bind/instances?" + form.Encode())
		return strings.TrimSpace(r.Doc.Find(`[data-testid="selected-count"]`).Text())
	}
	admin.Get("/bind?account=default")
	if got := count(); got != "0 instances selected" {
		t.Errorf("the default account's selection: %q, want 0 instances selected", got)
	}
	admin.Get("/bind?account=staging")
	if got := count(); got != "3 instances selected" {
		t.Errorf("staging's selection: %q, want 3 instances selected", got)
	}
	r := admin.Get("/bind/review?" + form.Encode())
	if n := r.Doc.Find(`[data-testid="review-included"] [data-instance-id]`).Length(); n != 3 {
		t.Fatalf("the review in staging includes %d instances, want 3; %.500s", n, r.Body)
	}
	idem, _ := r.Doc.Find(`input[name="idempotency_key"]`).Attr("value")
	submit := url.Values{"region": {testapp.Region}, "key": {key}, "idempotency_key": {idem}, "after": {"none"}, "ack": {"yes"}}
	r = admin.PostForm("/jobs", submit)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("submit: %d %.300s", r.StatusCode, r.Body)
	}
	list, _, err := app.Engine.FindJobs(ctx, jobs.JobFilter{})
	if err != nil || len(list) != 1 || list[0].Account != "staging" {
		t.Fatalf("jobs %+v (%v), want one in staging", list, err)
	}
	for range 5 {
		if err := app.Engine.Step(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids {
		if in, _ := staging.Instance(testapp.Region, id); in.KeyPairName != key {
			t.Errorf("staging's %s has key %q, want %q", id, in.KeyPairName, key)
		}
	}
	page := admin.Get(r.Header.Get("Location"))
	if got := page.Doc.Find(`[data-testid="job-account"]`).Text(); got != "staging" {
		t.Errorf("the job page says account %q, want staging", got)
	}
}
