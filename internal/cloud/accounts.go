package cloud

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/sts"
)

// DefaultAccount is the account behind the console's own credentials (the
// environment, the CLI profile, the ECS instance RAM role, or the embedded
// sandbox's key): calls without an account in their context go there.
const DefaultAccount = "default"

// Account is a cloud account the gateway can work in besides the default:
// an AccessKey pair, or a RAM role assumed through STS with the default
// account's credentials as the source.
type Account struct {
	Name                         string
	AccessKeyID, AccessKeySecret string // an AccessKey pair; or
	RoleARN                      string // acs:ram::<uid>:role/<name>, assumed per keybind user
	ExternalID                   string // optional: AssumeRole's ExternalId (the trust policy's sts:ExternalId)
}

// roleSessionDuration is how long the temporary credentials asked for last;
// they are renewed a renewBefore ahead of that, by the gateway's clock.
const (
	roleSessionDuration = time.Hour
	renewBefore         = 10 * time.Minute
)

var roleARNRE = regexp.MustCompile(`^acs:ram::\d+:role/[A-Za-z0-9.-]{1,64}$`)

// ValidRoleARN reports whether arn looks like a RAM role ARN.
func ValidRoleARN(arn string) bool { return roleARNRE.MatchString(arn) }

type accountKey struct{}
type actorKey struct{}

// WithAccount makes the calls made with ctx work in the named account.
func WithAccount(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, accountKey{}, name)
}

// AccountOf is the account calls made with ctx work in (DefaultAccount unless set).
func AccountOf(ctx context.Context) string {
	if n, _ := ctx.Value(accountKey{}).(string); n != "" {
		return n
	}
	return DefaultAccount
}

// AccountIn is the account set on ctx by WithAccount, if one was.
func AccountIn(ctx context.Context) (string, bool) {
	n, _ := ctx.Value(accountKey{}).(string)
	return n, n != ""
}

// WithActor names the keybind user on whose behalf calls made with ctx are
// made: a role's session name says who acted.
func WithActor(ctx context.Context, username string) context.Context {
	return context.WithValue(ctx, actorKey{}, username)
}

// ActorOf is the keybind user named by WithActor, or "".
func ActorOf(ctx context.Context) string {
	s, _ := ctx.Value(actorKey{}).(string)
	return s
}

var sessionNameBad = regexp.MustCompile(`[^\w.@-]+`)

// RoleSessionName is the AssumeRole session name for a keybind user:
// "keybind-<username>" with characters STS refuses replaced, at most 64.
func RoleSessionName(username string) string {
	name := "keybind"
	if u := sessionNameBad.ReplaceAllString(username, "_"); u != "" {
		name += "-" + u
	}
	if len(name) > 64 {
		name = name[:64]
	}
	return name
}

// account is a configured Account and its credentials.
type account struct {
	Account
	static credentials.CredentialsProvider // AccessKey accounts
	mu     sync.Mutex
	roles  map[string]*roleProvider // role accounts: by session name
}

// SetAccount adds or replaces an account. It makes no network call.
func (g *Gateway) SetAccount(a Account) error {
	switch {
	case a.Name == "" || a.Name == DefaultAccount:
		return fmt.Errorf("cloud: account name %q is reserved or empty", a.Name)
	case a.RoleARN != "" && a.AccessKeyID != "":
		return fmt.Errorf("cloud: account %q: an AccessKey pair or a role ARN, not both", a.Name)
	case a.RoleARN != "" && !ValidRoleARN(a.RoleARN):
		return fmt.Errorf("cloud: account %q: %q is not a RAM role ARN", a.Name, a.RoleARN)
	case a.RoleARN == "" && (a.AccessKeyID == "" || a.AccessKeySecret == ""):
		return fmt.Errorf("cloud: account %q: set both the AccessKey ID and secret", a.Name)
	}
	acct := &account{Account: a}
	if a.RoleARN == "" {
		acct.static = credentials.NewStaticAKCredentialsProvider(a.AccessKeyID, a.AccessKeySecret)
	} else {
		acct.roles = map[string]*roleProvider{}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.accounts[a.Name] = acct
	for k := range g.budgets {
		if strings.HasPrefix(k, a.Name+" ") {
			delete(g.budgets, k)
		}
	}
	return nil
}

// AccountResolver finds an account the gateway does not know yet (one
// another console sharing the database added); found is false when there
// is no such account.
type AccountResolver func(ctx context.Context, name string) (a Account, found bool, err error)

// SetAccountResolver makes the gateway ask r for accounts it does not know.
func (g *Gateway) SetAccountResolver(r AccountResolver) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resolver = r
}

// RemoveAccount forgets an account; calls in it fail as KindAuth.
func (g *Gateway) RemoveAccount(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.accounts, name)
}

// errUnknownAccount is a call in an account the gateway does not know.
var errUnknownAccount = errors.New("no such cloud account")

// credentialsFor picks the credentials for the account and actor of ctx.
func (g *Gateway) credentialsFor(ctx context.Context) (credentials.CredentialsProvider, error) {
	name := AccountOf(ctx)
	if name == DefaultAccount {
		return g.creds, nil
	}
	g.mu.Lock()
	a, resolve := g.accounts[name], g.resolver
	g.mu.Unlock()
	if a == nil && resolve != nil {
		acc, found, err := resolve(ctx, name)
		if err != nil {
			return nil, &credentialError{err: err}
		}
		if found && acc.Name == name {
			if err := g.SetAccount(acc); err != nil {
				return nil, &credentialError{err: err}
			}
			g.mu.Lock()
			a = g.accounts[name]
			g.mu.Unlock()
		}
	}
	if a == nil {
		return nil, &credentialError{err: fmt.Errorf("%w: %q", errUnknownAccount, name)}
	}
	if a.static != nil {
		return a.static, nil
	}
	return a.role(g, RoleSessionName(ActorOf(ctx))), nil
}

// role returns the provider of the role's credentials for one session name.
func (a *account) role(g *Gateway, session string) *roleProvider {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.roles[session]
	if p == nil {
		p = &roleProvider{g: g, arn: a.RoleARN, externalID: a.ExternalID, session: session}
		a.roles[session] = p
	}
	return p
}

// renewRole drops the cached temporary credentials of ctx's account and
// actor, so the next call assumes the role again. It reports whether the
// account is a role.
func (g *Gateway) renewRole(ctx context.Context) bool {
	g.mu.Lock()
	a := g.accounts[AccountOf(ctx)]
	g.mu.Unlock()
	if a == nil || a.static != nil {
		return false
	}
	a.role(g, RoleSessionName(ActorOf(ctx))).drop()
	return true
}

// roleProvider hands out a role's temporary credentials, assuming the role
// with the default account's credentials when they are missing or about to
// expire by the gateway's clock.
type roleProvider struct {
	g                        *Gateway
	arn, externalID, session string

	mu      sync.Mutex
	cur     *credentials.Credentials
	renewAt time.Time
}

func (p *roleProvider) GetProviderName() string { return "keybind_ram_role" }

func (p *roleProvider) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cur = nil
}

func (p *roleProvider) GetCredentials() (*credentials.Credentials, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.g.cfg.Now()
	if p.cur != nil && now.Before(p.renewAt) {
		return p.cur, nil
	}
	cc, err := p.g.assumeRole(p.arn, p.externalID, p.session)
	if err != nil {
		return nil, err
	}
	// Renew by our own clock: the Expiration STS sends is by its clock.
	p.cur, p.renewAt = cc, now.Add(roleSessionDuration-renewBefore)
	return cc, nil
}

// roleError is a failed AssumeRole: the STS call's own error.
type roleError struct {
	arn string
	e   *Error
}

func (r *roleError) Error() string { return "assume role " + r.arn + ": " + r.e.Error() }

// assumeRole calls STS AssumeRole with the default account's credentials.
func (g *Gateway) assumeRole(arn, externalID, session string) (cc *credentials.Credentials, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), g.cfg.CallTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			cc, err = nil, &roleError{arn: arn, e: toError("AssumeRole", "", &responsePanic{v: r})}
		}
	}()
	cfg := sdk.NewConfig()
	cfg.AutoRetry, cfg.MaxRetryTime = false, 0
	cfg.Scheme = g.stsScheme
	cfg.Transport = ctxTransport{ctx: ctx, base: g.transport}
	c, err := sts.NewClientWithOptions(g.cfg.DefaultRegion, cfg, g.creds)
	if err != nil {
		return nil, &roleError{arn: arn, e: toError("AssumeRole", "", err)}
	}
	c.Domain = g.stsDomain
	c.SetReadTimeout(g.cfg.CallTimeout + time.Second)
	c.SetConnectTimeout(g.cfg.ConnectTimeout)
	req := sts.CreateAssumeRoleRequest()
	req.RoleArn, req.RoleSessionName, req.ExternalId = arn, session, externalID
	req.DurationSeconds = requests.NewInteger(int(roleSessionDuration / time.Second))
	resp, err := c.AssumeRole(req)
	if err != nil {
		return nil, &roleError{arn: arn, e: toError("AssumeRole", "", err)}
	}
	return &credentials.Credentials{AccessKeyId: resp.Credentials.AccessKeyId, AccessKeySecret: resp.Credentials.AccessKeySecret,
		SecurityToken: resp.Credentials.SecurityToken, ProviderName: "keybind_ram_role"}, nil
}
