// Package cloud is keybind's gateway to Alibaba Cloud ECS: the only package that imports the
// Alibaba SDK. It maps SDK structs and both SDK error forms into our own types, splits batch
// operations into calls the API accepts, bounds concurrency, rate-limits per region and retries
// throttled and transient failures itself (SDK AutoRetry stays off).
package cloud

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"golang.org/x/net/http/httpproxy"
)

// Gateway performs ECS operations; it is safe for concurrent use.
type Gateway struct {
	cfg       Config
	scheme    string // "HTTP" or "HTTPS"
	domain    string // host[:port] override; "" = the SDK's regional endpoints
	transport http.RoundTripper
	creds     credentials.CredentialsProvider
	log       *slog.Logger

	stsScheme string // scheme and host[:port] of STS AssumeRole
	stsDomain string

	mu       sync.Mutex
	budgets  map[string]*budget  // by account, region and action
	accounts map[string]*account // besides the default, by name
	resolver AccountResolver     // finds accounts not in accounts; nil: none
}

// sdkInit forces the ECS package's lazily built endpoint map once, before any concurrent use.
var sdkInit sync.Once

// New validates cfg and builds a Gateway. It makes no network calls.
func New(cfg Config) (*Gateway, error) {
	cfg = cfg.withDefaults()
	scheme, host, err := cfg.endpoint()
	if err != nil {
		return nil, err
	}
	if (cfg.AccessKeyID == "") != (cfg.AccessKeySecret == "") {
		return nil, errors.New("cloud: set both AccessKeyID and AccessKeySecret, or neither")
	}
	if cfg.SecurityToken != "" && cfg.AccessKeyID == "" {
		return nil, errors.New("cloud: SecurityToken needs AccessKeyID and AccessKeySecret")
	}
	if !validRegion(cfg.DefaultRegion) {
		return nil, fmt.Errorf("cloud: default region %q is not a region ID", cfg.DefaultRegion)
	}
	stsScheme, stsDomain, err := cfg.stsEndpoint()
	if err != nil {
		return nil, err
	}
	sdkInit.Do(func() { ecs.GetEndpointMap() })
	return &Gateway{
		stsScheme: stsScheme,
		stsDomain: stsDomain,
		accounts:  map[string]*account{},
		cfg:       cfg,
		scheme:    scheme,
		domain:    host,
		transport: newTransport(cfg.ConnectTimeout, cfg.Concurrency),
		creds:     credentialsProvider(cfg),
		log:       cfg.Logger,
		budgets:   map[string]*budget{},
	}, nil
}

// newTransport is the shared HTTP transport. Proxies come from the environment like any Go
// program (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), except that loopback hosts are never proxied:
// the SDK's own proxy handling would send sandbox traffic on 127.0.0.1 to HTTP_PROXY.
func newTransport(connect time.Duration, concurrency int) *http.Transport {
	envProxy := httpproxy.FromEnvironment().ProxyFunc()
	return &http.Transport{
		Proxy: func(r *http.Request) (*url.URL, error) {
			if isLoopback(r.URL.Hostname()) {
				return nil, nil
			}
			return envProxy(r.URL)
		},
		DialContext:         (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConns:        100,
		MaxIdleConnsPerHost: max(concurrency*2, 8),
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ctxTransport binds one attempt's context to the SDK's context-free requests. Because it is not
// an *http.Transport, the SDK also leaves it alone (no per-call proxy, TLS or dialer rewrites,
// which would race between goroutines sharing the transport).
type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// client builds an SDK client for one attempt. SDK clients mutate themselves on every call, so
// they are never shared between goroutines; they are cheap, the transport and credentials are shared.
func (g *Gateway) client(ctx context.Context, region string) (*ecs.Client, error) {
	cfg := sdk.NewConfig()
	cfg.AutoRetry = false
	cfg.MaxRetryTime = 0
	cfg.Scheme = g.scheme
	cfg.Transport = ctxTransport{ctx: ctx, base: g.transport}
	creds, err := g.credentialsFor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := ecs.NewClientWithOptions(region, cfg, creds)
	if err != nil {
		return nil, err
	}
	if g.domain != "" {
		c.Domain = g.domain
	}
	// The attempt context carries CallTimeout; keep the SDK's own timer out of the way.
	c.SetReadTimeout(g.cfg.CallTimeout + time.Second)
	c.SetConnectTimeout(g.cfg.ConnectTimeout)
	return c, nil
}

// budget returns the call budget of an action in a region of an account
// (ECS throttles each account apart).
func (g *Gateway) budget(account, region, action string) *budget {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := account + " " + region + " " + action
	b := g.budgets[k]
	if b == nil {
		b = newBudget(g.cfg.RatePerSecond, g.cfg.Burst, g.cfg.Reserve, g.cfg.Sleep)
		g.budgets[k] = b
	}
	return b
}

var regionRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func validRegion(r string) bool { return len(r) <= 64 && regionRE.MatchString(r) }

// checkRegion validates a region argument.
func checkRegion(action, region string) error {
	if !validRegion(region) {
		return invalidArg(action, region, "%q is not a region ID", region)
	}
	return nil
}
