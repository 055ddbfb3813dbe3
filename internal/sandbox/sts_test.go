package sandbox

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func stsSandbox(clock Clock) *Sandbox {
	return New(Options{InstancesPerRegion: 5, Clock: clock, Accounts: []Account{prodAccount, stagingAccount},
		Roles: []Role{
			{Account: "prod", Name: "KeybindOperator"},                                  // any account
			{Account: "prod", Name: "staging-only", Trusted: []string{"staging"}},       // named accounts
			{Account: "staging", Name: "partner", ExternalID: "keybind-4711"},           // sts:ExternalId condition
			{Account: "staging", Name: "chained", Trusted: []string{"prod", "default"}}, // assumed with temporary credentials
		}})
}

// assume calls AssumeRole signed by k with params added to RoleArn and RoleSessionName.
func assume(t *testing.T, s *Sandbox, k testKey, arn string, extra url.Values) (int, map[string]any) {
	t.Helper()
	p := url.Values{"Version": {stsVersion}, "RoleArn": {arn}, "RoleSessionName": {"alice@example.com"}}
	for key, v := range extra {
		p[key] = v
	}
	return doCallAs(t, s, k, "AssumeRole", p)
}

// credentialsOf turns an AssumeRole answer into a key to sign with.
func credentialsOf(t *testing.T, body map[string]any) testKey {
	t.Helper()
	c, ok := body["Credentials"].(map[string]any)
	if !ok {
		t.Fatalf("no Credentials in %v", body)
	}
	return testKey{c["AccessKeyId"].(string), c["AccessKeySecret"].(string), c["SecurityToken"].(string)}
}

func TestAssumeRoleAnswer(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := stsSandbox(clock)
	prod := s.Account("prod")
	arn := prod.RoleARN("KeybindOperator")
	if want := "acs:ram::" + prod.UID() + ":role/keybindoperator"; arn != want {
		t.Fatalf("RoleARN = %q, want %q (RAM writes role names in lower case)", arn, want)
	}
	status, body := assume(t, s, defaultKey, "acs:ram::"+prod.UID()+":role/KeybindOperator", url.Values{"DurationSeconds": {"900"}})
	if status != http.StatusOK {
		t.Fatalf("AssumeRole: %d %v", status, body)
	}
	user := body["AssumedRoleUser"].(map[string]any)
	creds := body["Credentials"].(map[string]any)
	for field, pattern := range map[string]string{
		"Arn":             `^` + regexp.QuoteMeta(arn) + `/alice@example\.com$`,
		"AssumedRoleId":   `^3\d{17}:alice@example\.com$`,
		"AccessKeyId":     `^STS\.[\w-]{28}$`,
		"AccessKeySecret": `^[\w-]{44}$`,
		"SecurityToken":   `^CAIS[\w-]{380}$`,
		"Expiration":      `^2026-03-01T08:15:00Z$`,
	} {
		v, _ := user[field].(string)
		if v == "" {
			v, _ = creds[field].(string)
		}
		if !regexp.MustCompile(pattern).MatchString(v) {
			t.Errorf("%s = %q, want %s", field, v, pattern)
		}
	}
	if id, _ := body["RequestId"].(string); id == "" {
		t.Error("no RequestId")
	}
	if got := s.Account(DefaultAccount).Calls()["AssumeRole"]; got != 1 {
		t.Errorf("the default account signed %d AssumeRole calls, want 1", got)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	s := stsSandbox(nil)
	prod, staging := s.Account("prod"), s.Account("staging")
	stagingKey := testKey{stagingAccount.AccessKeyID, stagingAccount.AccessKeySecret, ""}
	tests := []struct {
		name   string
		key    testKey
		arn    string
		extra  url.Values
		status int
		code   string
	}{
		{"unknown role", defaultKey, prod.RoleARN("nobody"), nil, 404, "EntityNotExist.Role"},
		{"role of another account UID", defaultKey, "acs:ram::1000000000000000:role/keybindoperator", nil, 404, "EntityNotExist.Role"},
		{"malformed ARN", defaultKey, "acs:ram::123:user/alice", nil, 400, "InvalidParameter.RoleArn"},
		{"no ARN", defaultKey, "", nil, 400, "MissingParameter"},
		{"untrusted account", defaultKey, prod.RoleARN("staging-only"), nil, 403, "NoPermission"},
		{"trusted account", stagingKey, prod.RoleARN("staging-only"), nil, 200, ""},
		{"external ID missing", defaultKey, staging.RoleARN("partner"), nil, 403, "NoPermission"},
		{"external ID wrong", defaultKey, staging.RoleARN("partner"), url.Values{"ExternalId": {"keybind-0000"}}, 403, "NoPermission"},
		{"external ID right", defaultKey, staging.RoleARN("partner"), url.Values{"ExternalId": {"keybind-4711"}}, 200, ""},
		{"external ID malformed", defaultKey, staging.RoleARN("partner"), url.Values{"ExternalId": {"a b"}}, 400, "InvalidParameter.ExternalId"},
		{"session name short", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"RoleSessionName": {"a"}}, 400, "InvalidParameter.RoleSessionName"},
		{"session name long", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"RoleSessionName": {strings.Repeat("a", 65)}}, 400, "InvalidParameter.RoleSessionName"},
		{"session name characters", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"RoleSessionName": {"alice smith"}}, 400, "InvalidParameter.RoleSessionName"},
		{"session name 64", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"RoleSessionName": {strings.Repeat("a", 64)}}, 200, ""},
		{"duration below 900", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"DurationSeconds": {"899"}}, 400, "InvalidParameter.DurationSeconds"},
		{"duration above 43200", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"DurationSeconds": {"43201"}}, 400, "InvalidParameter.DurationSeconds"},
		{"duration 43200", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"DurationSeconds": {"43200"}}, 200, ""},
		{"policy not JSON", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"Policy": {"allow all"}}, 400, "InvalidParameter.PolicyGrammar"},
		{"policy without statements", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"Policy": {`{"Version":"1","Statement":[]}`}}, 400, "InvalidParameter.PolicyGrammar"},
		{"policy", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"Policy": {`{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}`}}, 200, ""},
		{"wrong secret", testKey{DefaultAccessKeyID, "nope", ""}, prod.RoleARN("KeybindOperator"), nil, 400, "SignatureDoesNotMatch"},
		{"unknown key", testKey{"LTAI-nobody", "x", ""}, prod.RoleARN("KeybindOperator"), nil, 404, "InvalidAccessKeyId.NotFound"},
		{"unknown STS action", defaultKey, prod.RoleARN("KeybindOperator"), url.Values{"Action": {"AssumeRoleWithSAML"}}, 404, "InvalidAction.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := assume(t, s, tt.key, tt.arn, tt.extra)
			code, _ := body["Code"].(string)
			if status != tt.status || code != tt.code {
				t.Errorf("got %d %q (%v), want %d %q", status, code, body["Message"], tt.status, tt.code)
			}
			if tt.code != "" && (body["HostId"] != "sts.aliyuncs.com" || !strings.Contains(body["Recommend"].(string), "product=Sts")) {
				t.Errorf("error names host %v and recommends %v, want STS's", body["HostId"], body["Recommend"])
			}
		})
	}
}

// Temporary credentials act in the role's account, carry their token, and
// stop at their expiry in simulation time.
func TestTemporaryCredentials(t *testing.T) {
	clock := NewManualClock(time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC))
	s := stsSandbox(clock)
	prodID := s.Account("prod").Instances("cn-hangzhou")[0].InstanceID
	_, body := assume(t, s, defaultKey, s.Account("prod").RoleARN("KeybindOperator"), url.Values{"DurationSeconds": {"1000"}})
	key := credentialsOf(t, body)
	_, other := assume(t, s, defaultKey, s.Account("prod").RoleARN("KeybindOperator"), nil)
	otherKey := credentialsOf(t, other)

	describe := func(k testKey) (int, string) {
		status, body := doCallAs(t, s, k, "DescribeInstances", url.Values{"RegionId": {"cn-hangzhou"}, "InstanceIds": {`["` + prodID + `"]`}})
		if status == http.StatusOK {
			if n := len(body["Instances"].(map[string]any)["Instance"].([]any)); n != 1 {
				t.Errorf("the role's credentials see %d of prod's instances, want 1", n)
			}
			return status, ""
		}
		return status, body["Code"].(string)
	}
	for _, tc := range []struct {
		name   string
		key    testKey
		status int
		code   string
	}{
		{"valid", key, 200, ""},
		{"no token", testKey{key.id, key.secret, ""}, 400, "MissingSecurityToken"},
		{"another session's token", testKey{key.id, key.secret, otherKey.token}, 400, "InvalidSecurityToken.MismatchWithAccessKey"},
		{"made-up token", testKey{key.id, key.secret, "CAISnotatoken"}, 400, "InvalidSecurityToken.Malformed"},
		{"long-term key with a token", testKey{defaultKey.id, defaultKey.secret, key.token}, 400, "InvalidSecurityToken.MismatchWithAccessKey"},
		{"wrong secret", testKey{key.id, "nope", key.token}, 400, "SignatureDoesNotMatch"},
	} {
		if status, code := describe(tc.key); status != tc.status || code != tc.code {
			t.Errorf("%s: got %d %q, want %d %q", tc.name, status, code, tc.status, tc.code)
		}
	}

	// Role chaining: the temporary credentials assume a role that trusts prod.
	status, chained := assume(t, s, key, s.Account("staging").RoleARN("chained"), nil)
	if status != http.StatusOK {
		t.Fatalf("AssumeRole with temporary credentials: %d %v", status, chained)
	}

	clock.Advance(999 * time.Second)
	if status, code := describe(key); status != http.StatusOK {
		t.Errorf("a second before expiry: %d %s, want 200", status, code)
	}
	s.Advance(time.Second) // the sandbox's own offset counts as simulation time too
	if status, code := describe(key); status != http.StatusForbidden || code != "InvalidSecurityToken.Expired" {
		t.Errorf("at expiry: %d %q, want 403 InvalidSecurityToken.Expired", status, code)
	}
	if status, _ := describe(otherKey); status != http.StatusOK {
		t.Error("a session with the default hour expired with the shorter one")
	}
	clock.Advance(sessionRetention + time.Hour)
	_, _ = assume(t, s, defaultKey, s.Account("prod").RoleARN("KeybindOperator"), nil) // forgets long-expired sessions
	if status, code := describe(key); status != http.StatusNotFound || code != "InvalidAccessKeyId.NotFound" {
		t.Errorf("a day after expiry: %d %q, want the key forgotten (404 InvalidAccessKeyId.NotFound)", status, code)
	}
}
