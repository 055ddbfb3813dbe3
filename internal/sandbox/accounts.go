package sandbox

import (
	"errors"
	"fmt"
	"hash/fnv"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultAccount is the name of the account behind Options.AccessKeyID.
const DefaultAccount = "default"

// Account is an Alibaba Cloud account the sandbox serves: the AccessKey pair
// that signs as it, and its own fleet (regions, instances, key pairs).
type Account struct {
	Name            string `json:"name"`
	AccessKeyID     string `json:"access_key_id"`
	AccessKeySecret string `json:"-"`
}

// Role is a RAM role in an account that STS AssumeRole hands temporary
// credentials for: acs:ram::<account UID>:role/<name>.
type Role struct {
	Account string   `json:"account"` // the account the role is in
	Name    string   `json:"name"`
	Trusted []string `json:"trusted"` // accounts whose keys may assume it; empty: every account the sandbox serves
	// ExternalID, when set, must be sent as AssumeRole's ExternalId (the
	// trust policy's sts:ExternalId condition).
	ExternalID string `json:"external_id,omitempty"`
}

var (
	accountName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
	roleName    = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`) // RAM's rule for role names
	externalID  = regexp.MustCompile(`^[\w+=,.@:/-]*$`)
)

// validExternalID applies STS's rule: 2 to 1224 of letters, digits and =,.@:/-_+.
func validExternalID(id string) bool {
	return len(id) >= 2 && len(id) <= 1224 && externalID.MatchString(id)
}

// Validate reports the first thing wrong with the accounts and roles, in one line.
func (o Options) Validate() error {
	o = o.withDefaults()
	names, keys, uids := map[string]bool{}, map[string]bool{}, map[string]string{}
	for i, a := range o.accounts() {
		switch {
		case i > 0 && a.Name == DefaultAccount:
			return errors.New(`sandbox: the account name "default" belongs to the default AccessKey pair`)
		case !accountName.MatchString(a.Name):
			return fmt.Errorf("sandbox: account name %q: want up to 64 letters, digits, '.', '_' or '-'", a.Name)
		case a.AccessKeyID == "" || a.AccessKeySecret == "":
			return fmt.Errorf("sandbox: account %q: the AccessKey ID and secret must not be empty", a.Name)
		case strings.HasPrefix(a.AccessKeyID, stsKeyPrefix):
			return fmt.Errorf("sandbox: account %q: AccessKey IDs starting %q are STS credentials", a.Name, stsKeyPrefix)
		case names[a.Name]:
			return fmt.Errorf("sandbox: account %q is configured twice", a.Name)
		case keys[a.AccessKeyID]:
			return fmt.Errorf("sandbox: account %q: AccessKey ID %q already belongs to another account", a.Name, a.AccessKeyID)
		case uids[accountUID(a.Name)] != "":
			return fmt.Errorf("sandbox: accounts %q and %q get the same UID; rename one", a.Name, uids[accountUID(a.Name)])
		}
		names[a.Name], keys[a.AccessKeyID], uids[accountUID(a.Name)] = true, true, a.Name
	}
	roles := map[string]bool{}
	for _, r := range o.Roles {
		id := r.Account + "/" + strings.ToLower(r.Name)
		switch {
		case !names[r.Account]:
			return fmt.Errorf("sandbox: role %q: no account %q", r.Name, r.Account)
		case !roleName.MatchString(r.Name):
			return fmt.Errorf("sandbox: role name %q: want up to 64 letters, digits, '.' or '-'", r.Name)
		case roles[id]:
			return fmt.Errorf("sandbox: role %q is configured twice in account %q", r.Name, r.Account)
		case r.ExternalID != "" && !validExternalID(r.ExternalID):
			return fmt.Errorf("sandbox: role %q: external ID %q: want 2 to 1224 of letters, digits and =,.@:/-_", r.Name, r.ExternalID)
		}
		for _, t := range r.Trusted {
			if !names[t] {
				return fmt.Errorf("sandbox: role %q trusts %q, which is no account", r.Name, t)
			}
		}
		roles[id] = true
	}
	return nil
}

// accounts lists the default account first, then Options.Accounts.
func (o Options) accounts() []Account {
	return append([]Account{{Name: DefaultAccount, AccessKeyID: o.AccessKeyID, AccessKeySecret: o.AccessKeySecret}}, o.Accounts...)
}

// accountUID is the account's 16-digit ID, the <account_id> of its ARNs;
// it depends on the name only, so it survives a reseed.
func accountUID(name string) string {
	return strconv.FormatUint(1_000_000_000_000_000+hash64("account/"+name)%9_000_000_000_000_000, 10)
}

// fleetSeed is the seed an account's fleet is generated from: the sandbox's
// seed for the default account, which so keeps the fleet it always had, and
// the seed mixed with the name for the others.
func fleetSeed(seed int64, name string) int64 {
	if name == DefaultAccount {
		return seed
	}
	return seed ^ int64(hash64("fleet/"+name))
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	return h.Sum64()
}

// account is an Account and its state; guarded by Sandbox.mu.
type account struct {
	Account
	uid      string
	regions  []*region
	byRegion map[string]*region
	calls    map[string]int // API calls per action it signed since reset
}

// reset replaces the account's fleet with the one generated for seed.
func (a *account) reset(seed int64, perRegion int, now time.Time) {
	a.regions = generate(fleetSeed(seed, a.Name), perRegion, now)
	a.byRegion = make(map[string]*region, len(a.regions))
	for _, r := range a.regions {
		a.byRegion[r.info.ID] = r
	}
	a.calls = map[string]int{}
}

// role is a Role with what AssumeRole needs to find and describe it.
type role struct {
	Role
	acct    *account
	arn     string          // acs:ram::<uid>:role/<lower-case name>, as RAM writes it
	id      string          // the role's numeric ID, the start of AssumedRoleId
	trusted map[string]bool // account names; nil: every account
}

func newRole(r Role, a *account) *role {
	ro := &role{Role: r, acct: a, arn: roleARN(a.uid, r.Name)}
	ro.id = fmt.Sprintf("3%017d", hash64("role/"+ro.arn)%100_000_000_000_000_000)
	if len(r.Trusted) > 0 {
		ro.trusted = map[string]bool{}
		for _, t := range r.Trusted {
			ro.trusted[t] = true
		}
	}
	return ro
}

func roleARN(uid, name string) string { return "acs:ram::" + uid + ":role/" + strings.ToLower(name) }
