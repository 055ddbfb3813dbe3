package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	prodAccount    = Account{Name: "prod", AccessKeyID: "LTAI-prod", AccessKeySecret: "prod-secret"}
	stagingAccount = Account{Name: "staging", AccessKeyID: "LTAI-staging", AccessKeySecret: "staging-secret"}
	prodKey        = testKey{prodAccount.AccessKeyID, prodAccount.AccessKeySecret, ""}
)

// fleetDigest is a digest of everything an account's fleet holds.
func fleetDigest(t *testing.T, f *Fleet) string {
	t.Helper()
	var all []any
	for _, r := range f.Regions() {
		all = append(all, f.Instances(r), f.KeyPairs(r))
	}
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// The default account keeps exactly the fleet the sandbox generated before
// it served several accounts: the digests were taken from that version
// (commit 2f062d2) with the same options. Other accounts change nothing.
func TestDefaultAccountKeepsItsFleet(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for seed, want := range map[int64]string{
		1: "14b6d1516c06ceaa42fd5bc8e73cc4a9e926492630c5e66079868cb60c17437b",
		7: "08ff8563ad02da7555424fa8da61fc787446396604185234f49ea8d6eaab90c9",
	} {
		for _, accounts := range [][]Account{nil, {prodAccount, stagingAccount}} {
			s := New(Options{Seed: seed, InstancesPerRegion: 40, Clock: NewManualClock(now), Accounts: accounts})
			if got := fleetDigest(t, s.Account(DefaultAccount)); got != want {
				t.Errorf("seed %d with %d more accounts: default fleet digest %s, want %s", seed, len(accounts), got, want)
			}
		}
	}
}

func TestAccountFleetsComeFromSeedAndName(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	build := func(seed int64, accounts ...Account) *Sandbox {
		return New(Options{Seed: seed, InstancesPerRegion: 30, Clock: NewManualClock(now), Accounts: accounts})
	}
	a, b := build(3, prodAccount, stagingAccount), build(3, stagingAccount, prodAccount)
	prod := fleetDigest(t, a.Account("prod"))
	if got := fleetDigest(t, b.Account("prod")); got != prod {
		t.Error("prod's fleet depends on the other accounts configured")
	}
	renamedKey := prodAccount
	renamedKey.AccessKeyID, renamedKey.AccessKeySecret = "LTAI-other", "other-secret"
	if got := fleetDigest(t, build(3, renamedKey).Account("prod")); got != prod {
		t.Error("prod's fleet depends on its AccessKey, want on the seed and name only")
	}
	for name, other := range map[string]string{
		"default account":     fleetDigest(t, a.Account(DefaultAccount)),
		"staging":             fleetDigest(t, a.Account("staging")),
		"prod with seed 4":    fleetDigest(t, build(4, prodAccount).Account("prod")),
		"default with seed 4": fleetDigest(t, build(4).Account(DefaultAccount)),
	} {
		if other == prod {
			t.Errorf("prod's fleet (seed 3) equals the %s's", name)
		}
	}
	ids := map[string]string{}
	for _, f := range a.Accounts() {
		for _, st := range f.Instances("cn-hangzhou") {
			if owner, dup := ids[st.InstanceID]; dup {
				t.Fatalf("instance %s is in %s and %s", st.InstanceID, owner, f.Name())
			}
			ids[st.InstanceID] = f.Name()
		}
	}
	uid := regexp.MustCompile(`^[1-9]\d{15}$`)
	other := build(9, prodAccount, stagingAccount)
	for _, f := range a.Accounts() {
		if !uid.MatchString(f.UID()) || f.UID() != other.Account(f.Name()).UID() {
			t.Errorf("%s: UID %q (%q with seed 9), want 16 digits that do not depend on the seed", f.Name(), f.UID(), other.Account(f.Name()).UID())
		}
	}
	if a.Account("prod").UID() == a.Account("staging").UID() {
		t.Error("prod and staging share a UID")
	}
	if a.Account("nobody") != nil {
		t.Error("Account of an unknown name is not nil")
	}
}

func TestOptionsValidate(t *testing.T) {
	role := func(account, name string, trusted ...string) Role {
		return Role{Account: account, Name: name, Trusted: trusted}
	}
	tests := []struct {
		name string
		opts Options
		want string // "" = valid
	}{
		{"zero", Options{}, ""},
		{"accounts and roles", Options{Accounts: []Account{prodAccount, stagingAccount},
			Roles: []Role{role("prod", "keybind-operator"), role("staging", "ops.admin", "default", "prod"), {Account: "default", Name: "ext", ExternalID: "abc:123"}}}, ""},
		{"default named again", Options{Accounts: []Account{{Name: "default", AccessKeyID: "x", AccessKeySecret: "y"}}}, `"default"`},
		{"bad name", Options{Accounts: []Account{{Name: "prod:eu", AccessKeyID: "x", AccessKeySecret: "y"}}}, "account name"},
		{"empty name", Options{Accounts: []Account{{AccessKeyID: "x", AccessKeySecret: "y"}}}, "account name"},
		{"empty secret", Options{Accounts: []Account{{Name: "a", AccessKeyID: "x"}}}, "must not be empty"},
		{"STS key", Options{Accounts: []Account{{Name: "a", AccessKeyID: "STS.x", AccessKeySecret: "y"}}}, "STS"},
		{"duplicate name", Options{Accounts: []Account{prodAccount, {Name: "prod", AccessKeyID: "x", AccessKeySecret: "y"}}}, "twice"},
		{"duplicate key", Options{Accounts: []Account{prodAccount, {Name: "b", AccessKeyID: prodAccount.AccessKeyID, AccessKeySecret: "y"}}}, "already belongs"},
		{"the default key again", Options{Accounts: []Account{{Name: "b", AccessKeyID: DefaultAccessKeyID, AccessKeySecret: "y"}}}, "already belongs"},
		{"role in no account", Options{Roles: []Role{role("prod", "r")}}, `no account "prod"`},
		{"bad role name", Options{Roles: []Role{role("default", "r/x")}}, "role name"},
		{"role twice", Options{Roles: []Role{role("default", "Ops"), role("default", "ops")}}, "twice"},
		{"trusts nobody known", Options{Roles: []Role{role("default", "r", "prod")}}, "trusts"},
		{"bad external ID", Options{Roles: []Role{{Account: "default", Name: "r", ExternalID: "a b"}}}, "external ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.opts.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n")):
				t.Errorf("got %v, want one line containing %q", err, tt.want)
			}
		})
	}
}

// Every action works in the account whose key signed it.
func TestActionsWorkInTheSignersAccount(t *testing.T) {
	s := New(Options{InstancesPerRegion: 20, Accounts: []Account{prodAccount}})
	prodID := s.Account("prod").Instances("cn-hangzhou")[0].InstanceID
	defID := s.Instances("cn-hangzhou")[0].InstanceID
	for _, tc := range []struct {
		key      testKey
		id, code string
	}{
		{prodKey, prodID, ""}, {defaultKey, prodID, "InvalidInstanceId.NotFound"},
		{defaultKey, defID, ""}, {prodKey, defID, "InvalidInstanceId.NotFound"},
	} {
		_, body := doCallAs(t, s, tc.key, "DescribeInstanceStatus", url.Values{"RegionId": {"cn-hangzhou"}, "InstanceId.1": {tc.id}})
		n := len(body["InstanceStatuses"].(map[string]any)["InstanceStatus"].([]any))
		if want := map[bool]int{true: 1, false: 0}[tc.code == ""]; n != want {
			t.Errorf("%s describes %s: %d statuses, want %d", tc.key.id, tc.id, n, want)
		}
		status, body := doCallAs(t, s, tc.key, "AttachKeyPair", url.Values{"RegionId": {"cn-hangzhou"}, "KeyPairName": {"ci-runner"}, "InstanceIds": {`["` + tc.id + `"]`}})
		result := body["Results"].(map[string]any)["Result"].([]any)[0].(map[string]any)
		if status != http.StatusOK || (tc.code == "" && result["Code"] == "InvalidInstanceId.NotFound") || (tc.code != "" && result["Code"] != tc.code) {
			t.Errorf("%s attaches to %s: %d %v, want code %q", tc.key.id, tc.id, status, result, tc.code)
		}
	}
	if got := s.Account("prod").Calls()["AttachKeyPair"]; got != 2 {
		t.Errorf("prod signed %d AttachKeyPair calls, want 2", got)
	}
	if got := s.Calls()["AttachKeyPair"]; got != 4 {
		t.Errorf("%d AttachKeyPair calls in all, want 4", got)
	}
}
