package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"keybind/internal/store"
)

// Sign-in throttling (SECURITY.md, Authentication [6.3.1]; issue #11).
//
// Only real failures count: an unknown user, a wrong password, a disabled
// account. A correct password is checked like any other, so correct sign-ins
// made at the same moment never hold each other back. Each failure is
// counted three ways, in the database (so replicas share the counts):
//
//   - pair: the account from this client address;
//   - address: every account from this client address;
//   - account: the account from every address, a much higher backstop.
//
// Past a counter's free failures, each attempt it covers waits 2^(n-free)
// seconds after the last failure, up to maxThrottleDelay; the password is not
// checked meanwhile. A counter counts the failures of a window that opens
// with its first failure. A successful sign-in resets its pair.
//
// So someone at one address cannot hold the account back at another: their
// failures fill their own pair and address counters, and a single address
// cannot reach the backstop (after its first burst it makes about four
// failures an hour). Many addresses together can; a browser in which the
// account has signed in before (a device cookie, see Device) is not held
// back by the backstop, so the person keeps signing in there. Nothing locks
// an account for good: every delay ends, and an administrator's password
// reset clears the account's counters.
//
// Wrong guesses sent in parallel can all be checked before the first is
// counted; the per-address token bucket in front of POST /login bounds how
// many, and each is counted, so the delay that follows is longer.
type throttlePolicy struct {
	scope  string
	free   int           // failures that cost nothing
	window time.Duration // a counter's window
	what   string        // for the audit trail
}

var throttlePolicies = [...]throttlePolicy{
	{store.ScopePair, freeFailures, 24 * time.Hour, "this account from this address"},
	{store.ScopeAddress, 30, 24 * time.Hour, "this address"},
	{store.ScopeAccount, 100, time.Hour, "this account"},
}

const (
	freeFailures     = 5 // per account and address
	maxThrottleDelay = 15 * time.Minute
	// throttleForget is how long counters are kept after their last
	// failure: the longest window.
	throttleForget = 24 * time.Hour
)

// throttleDelay is how long after the last failure an attempt must wait
// once a counter holds failures, free of which cost nothing.
func throttleDelay(failures, free int) time.Duration {
	n := failures - free
	if n < 0 {
		return 0
	}
	if n >= 10 { // 2^10 s is already over the cap
		return maxThrottleDelay
	}
	return min(time.Second<<n, maxThrottleDelay)
}

// throttleKey is the username as throttling and the audit trail see it:
// normalized, printable, bounded; the same whether or not the user exists.
func throttleKey(username string) string {
	name := strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, NormalizeUsername(username))
	return truncate(name, MaxUsernameLen)
}

// failureKeys are the counters of account at ip, in throttlePolicies order.
func failureKeys(account, ip string) [len(throttlePolicies)]store.FailureKey {
	addr := ipKey(ip)
	return [...]store.FailureKey{
		{Scope: store.ScopePair, Account: account, Address: addr},
		{Scope: store.ScopeAddress, Address: addr},
		{Scope: store.ScopeAccount, Account: account},
	}
}

// throttled returns how long an attempt on keys must still wait, and the
// policy that makes it wait; zero when it may go ahead. A trusted browser
// skips the per-account backstop.
func (s *Service) throttled(ctx context.Context, keys [len(throttlePolicies)]store.FailureKey, now time.Time, trusted bool) (time.Duration, *throttlePolicy, error) {
	counts, err := s.st.LoginFailures(ctx, keys[:]...)
	if err != nil {
		return 0, nil, err
	}
	var wait time.Duration
	var by *throttlePolicy
	for i, c := range counts {
		p := &throttlePolicies[i]
		if c.Failures == 0 || now.Sub(c.FirstAt) >= p.window || trusted && p.scope == store.ScopeAccount {
			continue
		}
		if w := c.LastAt.Add(throttleDelay(c.Failures, p.free)).Sub(now); w > wait {
			wait, by = w, p
		}
	}
	return wait, by, nil
}

// recordFailure counts one failure on every key and appends the audit entry,
// in one transaction.
func (s *Service) recordFailure(ctx context.Context, keys [len(throttlePolicies)]store.FailureKey, now time.Time, e store.AuditEntry) error {
	return s.st.WithTx(ctx, func(tx *sql.Tx) error {
		q := s.st.With(tx)
		for i, k := range keys {
			if _, err := q.RecordLoginFailure(ctx, k, now, now.Add(-throttlePolicies[i].window)); err != nil {
				return err
			}
		}
		return appendAt(ctx, q, e, now)
	})
}

// throttledDetail is the audit detail of an attempt refused by p.
func throttledDetail(p *throttlePolicy) string {
	return fmt.Sprintf("throttled: too many failed sign-ins for %s", p.what)
}

// Device is what a browser's device cookie (OWASP's "device cookies") tells
// a sign-in: the accounts that have signed in successfully in this browser
// before. Such a browser is not held back by the per-account backstop; the
// per-address counters still apply to it. After a successful sign-in,
// SignedIn names the account, so the web layer can add it to the cookie.
type Device struct {
	Known    []string
	SignedIn string
}

type deviceKey struct{}

// WithDevice hands the browser's device to Login through ctx.
func WithDevice(ctx context.Context, d *Device) context.Context {
	return context.WithValue(ctx, deviceKey{}, d)
}

func deviceFrom(ctx context.Context) *Device {
	d, _ := ctx.Value(deviceKey{}).(*Device)
	return d
}

// knows reports whether the device has signed in as account before.
func (d *Device) knows(account string) bool {
	return d != nil && account != "" && slices.Contains(d.Known, account)
}
