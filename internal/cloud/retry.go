package cloud

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
)

// attemptFunc performs one SDK call on a fresh client and returns the response's RequestId.
// It builds its request each time, so every retry is signed anew.
type attemptFunc func(c *ecs.Client) (requestID string, err error)

// callOpts describes how a logical call may be retried.
type callOpts struct {
	dryRun bool // a DryRunOperation error means the call would succeed
	unsafe bool // not idempotent: retry only when the cloud cannot have executed the call
}

// call runs fn with rate limiting, retries and the policy's deadline. It returns a *Error, or the
// context's error when ctx is cancelled.
func (g *Gateway) call(ctx context.Context, region, action string, o callOpts, fn attemptFunc) (string, error) {
	pol := g.cfg.Retry
	start := g.cfg.Now()
	opCtx, cancel := context.WithTimeout(ctx, pol.Deadline)
	defer cancel()
	var last *Error
	renewed := false
	for attempt := 1; ; attempt++ {
		if err := g.budget(AccountOf(ctx), region, action).wait(opCtx, PriorityOf(ctx)); err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("cloud: %s: %w", action, ctx.Err())
			}
			if last != nil {
				return "", last
			}
			return "", &Error{Action: action, Region: region, Code: CodeTimeout, Kind: KindTransport, Err: err}
		}
		rid, e := g.attempt(opCtx, region, action, attempt, fn)
		if e == nil {
			return rid, nil
		}
		if o.dryRun && e.Code == "DryRunOperation" {
			return e.RequestID, nil
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("cloud: %s: %w", action, ctx.Err())
		}
		last = e
		// A role's temporary credentials that STS's clock says have expired
		// are renewed once at once, whatever our clock said.
		if e.Code == codeTokenExpired && !renewed && g.renewRole(ctx) {
			renewed = true
			continue
		}
		if !e.Retryable() || o.unsafe && !e.safeToRepeat() || attempt >= pol.MaxAttempts || opCtx.Err() != nil {
			return "", e
		}
		d := backoff(pol, attempt, e.RetryAfter, rand.Float64())
		if g.cfg.Now().Sub(start)+d > pol.Deadline {
			return "", e
		}
		g.log.LogAttrs(ctx, slog.LevelWarn, "cloud call retry",
			slog.String("action", action), slog.String("region", region), slog.Int("attempt", attempt),
			slog.String("code", e.Code), slog.String("request_id", e.RequestID), slog.Duration("delay", d))
		if err := g.cfg.Sleep(opCtx, d); err != nil {
			if ctx.Err() != nil {
				return "", fmt.Errorf("cloud: %s: %w", action, ctx.Err())
			}
			return "", e
		}
	}
}

// safeToRepeat reports whether the cloud rejected the call before executing it.
func (e *Error) safeToRepeat() bool {
	return e.Kind == KindThrottled || e.Code == "ServiceUnavailable" || e.connectFailed()
}

// attempt makes one HTTP call, bounded by CallTimeout, and reports it to OnCall.
func (g *Gateway) attempt(ctx context.Context, region, action string, n int, fn attemptFunc) (string, *Error) {
	actx, cancel := context.WithTimeout(ctx, g.cfg.CallTimeout)
	defer cancel()
	t0 := time.Now()
	rid, err := g.invoke(actx, region, fn)
	dur := time.Since(t0)
	var e *Error
	info := CallInfo{Action: action, Region: region, RequestID: rid, Attempt: n, Duration: dur}
	if err != nil {
		e = toError(action, region, err)
		info.RequestID, info.Code, info.Err = e.RequestID, e.Code, e
	}
	g.log.LogAttrs(ctx, slog.LevelDebug, "cloud call",
		slog.String("action", action), slog.String("region", region), slog.Int("attempt", n),
		slog.String("request_id", info.RequestID), slog.String("code", info.Code), slog.Duration("duration", dur))
	if g.cfg.OnCall != nil {
		g.cfg.OnCall(info)
	}
	if g.cfg.Observer != nil {
		g.cfg.Observer.Call(action, outcome(e), dur)
	}
	return rid, e
}

// outcome names a call's result for an Observer.
func outcome(e *Error) string {
	switch {
	case e == nil:
		return OutcomeOK
	case e.Code == "DryRunOperation":
		return OutcomeDryRun
	}
	return e.Kind.String()
}

// invoke runs fn on a fresh client, turning an SDK panic (e.g. a numeric error Code) into an error.
func (g *Gateway) invoke(ctx context.Context, region string, fn attemptFunc) (rid string, err error) {
	defer func() {
		if r := recover(); r != nil {
			rid, err = "", &responsePanic{v: r}
		}
	}()
	c, err := g.client(ctx, region)
	if err != nil {
		return "", err
	}
	return fn(c)
}

// backoff is full-jitter exponential backoff: r (in [0,1)) times min(MaxDelay, BaseDelay·2^(attempt-1)),
// but never less than the server's retry-after hint.
func backoff(p RetryPolicy, attempt int, hint time.Duration, r float64) time.Duration {
	ceil := p.BaseDelay
	for i := 1; i < attempt && ceil < p.MaxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.MaxDelay)
	return max(time.Duration(r*float64(ceil)), hint)
}
