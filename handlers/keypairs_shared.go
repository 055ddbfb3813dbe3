package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"

	"github.com/labstack/echo/v4"

	"keybind/internal/auth"
	"keybind/internal/cloud"
	"keybind/internal/sshkey"
	"keybind/internal/store"
)

// InstanceFinder lists instances, here to count the ones using a key pair.
type InstanceFinder interface {
	Instances(ctx context.Context, region string, f cloud.InstanceFilter) (cloud.InstancePage, error)
}

// KeyAudit checks a permission (recording a refusal) and writes the audit
// trail of key pair writes.
type KeyAudit interface {
	Authorize(ctx context.Context, actor auth.Actor, p auth.Permission) error
	Record(ctx context.Context, actor auth.Actor, e store.AuditEntry) error
}

// Audit outcome of a write whose result is not known (timeout, broken connection).
const outcomeUnknown = "unknown"

const (
	usagePageSize    = 100 // DescribeInstances' largest page
	usageConcurrency = 4
	usageSample      = 10 // instances named on a key pair's page
)

// countUsage returns how many of the region's instances report each named
// key pair. One DescribeInstances call (100 per page) gives the fleet size;
// a region that fits in at most len(names)/2 more pages is listed whole and
// counted in memory, a bigger one is asked once per key (KeyPairName,
// PageSize 1, TotalCount). Measured with BenchmarkKeyPairUsage, 20 keys, the
// default 20 calls/s limiter: 150 instances 2 calls (per key: 20 calls,
// ~1 s); 1,000 instances 10 calls, ~0.5 s, 16 MB (per key: 20 calls, ~1 s,
// 1 MB); 5,000 instances 21 calls, ~1 s, 2.5 MB (listing: 50 calls, ~2.5 s,
// 86 MB). A page view never costs more than 1 + len(names) calls.
func countUsage(ctx context.Context, f InstanceFinder, region string, names []string) (map[string]int, error) {
	counts := make(map[string]int, len(names))
	if len(names) == 0 {
		return counts, nil
	}
	first, err := f.Instances(ctx, region, cloud.InstanceFilter{PageNumber: 1, PageSize: usagePageSize})
	if err != nil {
		return nil, err
	}
	pages := (first.Total + usagePageSize - 1) / usagePageSize
	if pages-1 > len(names)/2 {
		return countPerKey(ctx, f, region, names)
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n], counts[n] = true, 0
	}
	var mu sync.Mutex
	tally := func(items []cloud.Instance) {
		mu.Lock()
		defer mu.Unlock()
		for _, in := range items {
			if want[in.KeyPairName] {
				counts[in.KeyPairName]++
			}
		}
	}
	tally(first.Items)
	err = fanOut(pages-1, func(i int) error {
		p, err := f.Instances(ctx, region, cloud.InstanceFilter{PageNumber: i + 2, PageSize: usagePageSize})
		if err == nil {
			tally(p.Items)
		}
		return err
	})
	return counts, err
}

// countPerKey asks DescribeInstances once per key pair for its TotalCount.
func countPerKey(ctx context.Context, f InstanceFinder, region string, names []string) (map[string]int, error) {
	totals := make([]int, len(names))
	err := fanOut(len(names), func(i int) error {
		p, err := f.Instances(ctx, region, cloud.InstanceFilter{KeyPairName: names[i], PageSize: 1})
		totals[i] = p.Total
		return err
	})
	counts := make(map[string]int, len(names))
	for i, n := range names {
		counts[n] = totals[i]
	}
	return counts, err
}

// fanOut runs fn for 0..n-1, usageConcurrency at a time, and returns the
// first error.
func fanOut(n int, fn func(i int) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, usageConcurrency)
	)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				once.Do(func() { first = err })
			}
		}()
	}
	wg.Wait()
	return first
}

// usageOf returns how many instances use the key pair and the first few of them.
func usageOf(ctx context.Context, f InstanceFinder, region, name string) (int, []cloud.Instance, error) {
	p, err := f.Instances(ctx, region, cloud.InstanceFilter{KeyPairName: name, PageSize: usageSample})
	return p.Total, p.Items, err
}

// keyWrite records one key pair write in the audit trail: the intent before
// the cloud call, the outcome after, each with the person who asked.
type keyWrite struct {
	audit                KeyAudit
	actor                auth.Actor
	action, region, name string
}

func (w keyWrite) entry(outcome, detail string) store.AuditEntry {
	return store.AuditEntry{Action: w.action, Region: w.region, KeyPair: w.name, Outcome: outcome, Detail: detail}
}

// intent must be written before the call; if it cannot be, the call is not made.
func (w keyWrite) intent(ctx context.Context, detail string) error {
	return w.audit.Record(ctx, w.actor, w.entry(store.OutcomeIntent, detail))
}

// outcome records what the cloud answered, with its RequestId when the
// gateway gives one. A failure to record is logged by the caller.
func (w keyWrite) outcome(ctx context.Context, callErr error, detail string) error {
	ctx = context.WithoutCancel(ctx) // the outcome is written even when the request timed out
	if callErr == nil {
		return w.audit.Record(ctx, w.actor, w.entry(store.OutcomeSuccess, detail))
	}
	e := w.entry(store.OutcomeFailure, detail)
	if maybeDone(callErr) {
		e.Outcome = outcomeUnknown
	}
	var ce *cloud.Error
	if errors.As(callErr, &ce) {
		e.Detail = strings.TrimSpace(detail + " code " + ce.Code)
		if ce.RequestID != "" {
			e.RequestIDs = []string{ce.RequestID}
		}
	}
	return w.audit.Record(ctx, w.actor, e)
}

// maybeDone reports whether a failed write may still have happened in the
// cloud (the answer was lost, not refused).
func maybeDone(err error) bool {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.Kind == cloud.KindTransport || ce.Code == cloud.CodeTimeout || ce.Code == cloud.CodeCanceled
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

// cloudCode is the cloud's error code, or "".
func cloudCode(err error) string {
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

// refusal is the message of an sshkey refusal.
func refusal(err error) string {
	var e *sshkey.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "This is not valid."
}

// existingKeyName is a loose check for the name of a key pair that exists
// already (made by ECS rules that may have changed): no wildcard, no control
// characters, at most 128 characters.
func existingKeyName(name string) bool {
	return name != "" && len(name) <= 512 && len([]rune(name)) <= 128 &&
		!strings.ContainsAny(name, `*"\`) && !strings.ContainsFunc(name, unicode.IsControl)
}

// keyPairURL is a key pair's own page.
func keyPairURL(region, name string) string {
	return "/keypairs/key?" + url.Values{"region": {region}, "name": {name}}.Encode()
}

// bindURL starts the binding flow with the key pair chosen.
func bindURL(region, name string) string {
	return "/bind/instances?" + url.Values{"region": {region}, "key": {name}}.Encode()
}

// keyListURL is the region's key pair list.
func keyListURL(region string) string {
	return "/keypairs?" + url.Values{"region": {region}}.Encode()
}

// formRegion reads the region of a key pair form's GET; without one the
// user is sent to the key pairs page to choose it (ok is false).
func formRegion(c echo.Context, rc *regionCache) (region cloud.Region, ok bool, err error) {
	if c.QueryParam("region") == "" {
		return region, false, c.Redirect(http.StatusSeeOther, "/keypairs")
	}
	region, err = rc.lookup(c.Request().Context(), c.QueryParam("region"))
	return region, err == nil, err
}
