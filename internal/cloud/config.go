package cloud

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// Config configures a Gateway; the zero value talks to the public ECS endpoints
// with the SDK's default credential chain.
type Config struct {
	Endpoint                                    string        // "" = public ECS endpoints over HTTPS; else "http(s)://host[:port]" (sandbox or VPC endpoint)
	STSEndpoint                                 string        // STS for RAM roles: "" = https://sts.aliyuncs.com; else "http(s)://host[:port]" (sandbox or VPC endpoint)
	AccessKeyID, AccessKeySecret, SecurityToken string        // all empty = the SDK's default credential chain (env, CLI profile, ECS RAM role)
	Concurrency                                 int           // parallel calls within one operation; default 4
	RatePerSecond                               float64       // calls per second per region and action (ECS throttles each API apart); default 20
	Burst                                       int           // calls at once before the rate applies; default RatePerSecond
	Reserve                                     float64       // tokens of each budget that background calls leave to people; default a quarter of Burst
	Retry                                       RetryPolicy   // retry and backoff
	CallTimeout                                 time.Duration // per HTTP call timeout; default 15s
	ConnectTimeout                              time.Duration // TCP connect timeout; default 5s
	DefaultRegion                               string        // region used for region-less calls (DescribeRegions); default cn-hangzhou
	Logger                                      *slog.Logger
	OnCall                                      func(CallInfo)                                   // optional observer of every HTTP call
	Observer                                    Observer                                         // optional: every HTTP call's action, outcome and duration (metrics)
	Sleep                                       func(ctx context.Context, d time.Duration) error // backoff sleeper; default timer+ctx
	Now                                         func() time.Time                                 // clock for the retry deadline; default time.Now
}

// Observer is told of every HTTP call the gateway makes: the ECS action, its outcome ("ok",
// "dry-run", or the error kind: "throttled", "unavailable", "internal", "transport",
// "not-found", "invalid", "forbidden", "auth", "conflict", "unknown") and how long it took.
// Both strings come from small fixed sets. internal/metrics provides one.
type Observer interface {
	Call(action, outcome string, d time.Duration)
}

// Outcomes of a call besides the error kinds.
const (
	OutcomeOK     = "ok"
	OutcomeDryRun = "dry-run" // a DryRunOperation answer: the call would have succeeded
)

// RetryPolicy bounds the gateway's own retries (SDK AutoRetry is always off).
type RetryPolicy struct {
	MaxAttempts         int           // attempts per logical call, first included; default 6
	BaseDelay, MaxDelay time.Duration // full-jitter exponential backoff; default 200ms, 10s
	Deadline            time.Duration // bound on one logical call, retries and waits included; default 60s
}

// CallInfo describes one HTTP call made by the gateway.
type CallInfo struct {
	Action, Region, RequestID, Code string
	Attempt                         int
	Duration                        time.Duration
	Err                             error // *Error when the call failed
}

const (
	defaultConcurrency   = 4
	defaultRate          = 20
	defaultCallTimeout   = 15 * time.Second
	defaultConnect       = 5 * time.Second
	defaultRegion        = "cn-hangzhou"
	defaultMaxAttempts   = 6
	defaultBaseDelay     = 200 * time.Millisecond
	defaultMaxDelay      = 10 * time.Second
	defaultRetryDeadline = 60 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = defaultConcurrency
	}
	if c.RatePerSecond <= 0 {
		c.RatePerSecond = defaultRate
	}
	if c.Burst <= 0 {
		c.Burst = max(int(c.RatePerSecond), 1)
	}
	if c.Reserve <= 0 {
		c.Reserve = float64(c.Burst) / 4
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = defaultCallTimeout
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = defaultConnect
	}
	if c.DefaultRegion == "" {
		c.DefaultRegion = defaultRegion
	}
	if c.Retry.MaxAttempts <= 0 {
		c.Retry.MaxAttempts = defaultMaxAttempts
	}
	if c.Retry.BaseDelay <= 0 {
		c.Retry.BaseDelay = defaultBaseDelay
	}
	if c.Retry.MaxDelay <= 0 {
		c.Retry.MaxDelay = defaultMaxDelay
	}
	if c.Retry.MaxDelay < c.Retry.BaseDelay {
		c.Retry.MaxDelay = c.Retry.BaseDelay
	}
	if c.Retry.Deadline <= 0 {
		c.Retry.Deadline = defaultRetryDeadline
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// endpoint splits Config.Endpoint into the SDK's scheme and domain ("" = public endpoints).
func (c Config) endpoint() (scheme, host string, err error) {
	if c.Endpoint == "" {
		return "HTTPS", "", nil
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || u.Host == "" {
		return "", "", fmt.Errorf("cloud: endpoint %q: want http(s)://host[:port]", c.Endpoint)
	}
	switch strings.ToLower(u.Scheme) {
	case "http":
		scheme = "HTTP"
	case "https":
		scheme = "HTTPS"
	default:
		return "", "", fmt.Errorf("cloud: endpoint %q: scheme must be http or https", c.Endpoint)
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.User != nil {
		return "", "", fmt.Errorf("cloud: endpoint %q: only scheme, host and port are allowed", c.Endpoint)
	}
	return scheme, u.Host, nil
}

// publicSTS is the STS endpoint used when Config.STSEndpoint is empty.
const publicSTS = "https://sts.aliyuncs.com"

// codeTokenExpired is the code of temporary credentials past their expiry.
const codeTokenExpired = "InvalidSecurityToken.Expired"

// stsEndpoint splits Config.STSEndpoint into the SDK's scheme and domain.
func (c Config) stsEndpoint() (scheme, host string, err error) {
	e := c.STSEndpoint
	if e == "" {
		e = publicSTS
	}
	scheme, host, err = Config{Endpoint: e}.endpoint()
	if err != nil {
		return "", "", fmt.Errorf("cloud: STS endpoint %q: want http(s)://host[:port]", e)
	}
	return scheme, host, nil
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
