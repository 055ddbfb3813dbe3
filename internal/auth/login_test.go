package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"keybind/internal/store"
)

func TestLoginErrorsDoNotRevealTheAccount(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	if err := f.s.Disable(ctx, LocalActor(), "bob"); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, user, pw, detail string }{
		{"unknown user", "ghost", pwAlice, "unknown user"},
		{"wrong password", "alice", pwBob, "wrong password"},
		{"disabled user, right password", "bob", pwBob, "account disabled"},
	}
	var msgs []string
	for _, tt := range tests {
		before := f.s.verifies.Load()
		_, err := f.s.Login(ctx, "", tt.user, tt.pw, "192.0.2.7", "")
		if !errors.Is(err, ErrInvalidCredentials) {
			t.Errorf("%s: err = %v, want ErrInvalidCredentials", tt.name, err)
			continue
		}
		msgs = append(msgs, err.Error())
		if got := f.s.verifies.Load() - before; got != 1 {
			t.Errorf("%s: %d password hashes computed, want 1 (same work for every case)", tt.name, got)
		}
		e := f.lastAudit(t)
		wantUser := tt.user
		if tt.detail == "unknown user" {
			wantUser = maskUnknown(tt.user) // a password typed as a name must not reach the audit
		}
		if e.Action != ActionLogin || e.Outcome != store.OutcomeFailure || e.Username != wantUser || e.Detail != tt.detail || e.ClientIP != "192.0.2.7" {
			t.Errorf("%s: audit = %+v", tt.name, e)
		}
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("error messages differ: %q vs %q", m, msgs[0])
		}
	}
}

func TestLoginSuccessIsAudited(t *testing.T) {
	f := newFixture(t)
	alice := f.user(t, "alice", RoleAdmin, pwAlice)
	f.login(t, "  ALICE ", pwAlice) // normalized
	e := f.lastAudit(t)
	if e.Action != ActionLogin || e.Outcome != store.OutcomeSuccess || e.UserID != alice.ID || e.Username != "alice" || e.Role != "admin" || e.Via != ViaWeb {
		t.Errorf("audit = %+v, want alice's successful sign-in", e)
	}
}

// attempt signs in from 192.0.2.1 and describes the outcome: "ok",
// "invalid" or "throttled <duration>".
func attempt(f *fixture, user, pw string) string { return attemptFrom(f, nil, "192.0.2.1", user, pw) }

// attemptFrom signs in from ip, in a browser with device d (nil: none).
func attemptFrom(f *fixture, d *Device, ip, user, pw string) string {
	ctx := context.Background()
	if d != nil {
		ctx = WithDevice(ctx, d)
	}
	_, err := f.s.Login(ctx, "", user, pw, ip, "")
	var te *ThrottledError
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrInvalidCredentials):
		return "invalid"
	case errors.As(err, &te):
		return "throttled " + te.RetryAfter.String()
	}
	return "error " + err.Error()
}

// throttleSequence makes wrong attempts from 192.0.2.1, waiting out each
// delay, and returns the sequence of outcomes.
func throttleSequence(f *fixture, user string, rounds int) []string {
	return throttleSequenceFrom(f, "192.0.2.1", user, rounds)
}

func throttleSequenceFrom(f *fixture, ip, user string, rounds int) []string {
	var seq []string
	for range rounds {
		r := attemptFrom(f, nil, ip, user, "definitely-not-the-password")
		seq = append(seq, r)
		if rest, ok := strings.CutPrefix(r, "throttled "); ok {
			d, err := time.ParseDuration(rest)
			if err != nil {
				panic(err)
			}
			f.clock.Advance(d)
		}
	}
	return seq
}

func TestThrottleDelayGrows(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	got := throttleSequence(f, "alice", 5+2*12)
	want := []string{"invalid", "invalid", "invalid", "invalid", "invalid"}
	for _, d := range []string{"1s", "2s", "4s", "8s", "16s", "32s", "1m4s", "2m8s", "4m16s", "8m32s", "15m0s", "15m0s"} {
		want = append(want, "throttled "+d, "invalid")
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("outcomes:\n got %v\nwant %v", got, want)
	}
	for n, want := range map[int]time.Duration{0: 0, 4: 0, 5: time.Second, 6: 2 * time.Second, 14: 512 * time.Second, 15: maxThrottleDelay, 1000: maxThrottleDelay} {
		if got := throttleDelay(n, freeFailures); got != want {
			t.Errorf("throttleDelay(%d, %d) = %v, want %v", n, freeFailures, got, want)
		}
	}
}

func TestThrottledLoginDoesNotCheckThePassword(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	throttleSequence(f, "alice", 5)
	before := f.s.verifies.Load()
	if got := attempt(f, "alice", pwAlice); got != "throttled 1s" {
		t.Errorf("right password while throttled: %s, want throttled 1s", got)
	}
	if n := f.s.verifies.Load() - before; n != 0 {
		t.Errorf("%d hashes computed while throttled, want 0", n)
	}
	e := f.lastAudit(t)
	if e.Action != ActionLogin || e.Outcome != store.OutcomeFailure || e.Detail != "throttled: too many failed sign-ins for this account from this address" {
		t.Errorf("throttled attempt audit = %+v", e)
	}
}

func TestUnknownUsersAreThrottledIdentically(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	real := throttleSequenceFrom(f, "192.0.2.1", "alice", 20)
	ghost := throttleSequenceFrom(f, "192.0.2.2", "ghost", 20)
	if fmt.Sprint(real) != fmt.Sprint(ghost) {
		t.Errorf("existing and unknown users throttled differently:\n alice %v\n ghost %v", real, ghost)
	}
}

func TestThrottleResetsOnSuccess(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	throttleSequence(f, "alice", 7) // 5 free failures, throttled, failure
	f.clock.Advance(time.Hour)
	if got := attempt(f, "alice", pwAlice); got != "ok" {
		t.Fatalf("right password after the delay: %s", got)
	}
	if got := throttleSequence(f, "alice", 6); fmt.Sprint(got) != "[invalid invalid invalid invalid invalid throttled 1s]" {
		t.Errorf("after a success the count did not restart: %v", got)
	}
}

func TestNoPermanentLockout(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	throttleSequence(f, "alice", 81) // an attacker hammering the account; ends on a failure
	if got := attempt(f, "alice", pwAlice); got != "throttled "+maxThrottleDelay.String() {
		t.Fatalf("right after the attack, from the attacker's address: %s, want the capped delay", got)
	}
	f.clock.Advance(maxThrottleDelay)
	if got := attempt(f, "alice", pwAlice); got != "ok" {
		t.Errorf("right password once the capped delay passed: %s, want ok", got)
	}
}

func TestThrottleIsPerUsername(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	throttleSequence(f, "alice", 7) // ends on a failure: alice is throttled now
	if got := attempt(f, "Bob", pwBob); got != "ok" {
		t.Errorf("bob while alice is throttled: %s, want ok", got)
	}
	if got := attempt(f, " ALICE", pwAlice); !strings.HasPrefix(got, "throttled") {
		t.Errorf("alice under another spelling: %s, want throttled", got)
	}
}

// Issue #11, item 1: an attacker at another address who sends a wrong
// password each time the delay ends never keeps the person out, and keeps
// being held back themselves.
func TestAttackerElsewhereCannotLockThePersonOut(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	const attacker, person = "198.51.100.7", "192.0.2.10"
	var throttled int
	for round := range 40 { // about nine hours of attack
		r := attemptFrom(f, nil, attacker, "alice", "definitely-not-the-password")
		if rest, ok := strings.CutPrefix(r, "throttled "); ok {
			throttled++
			d, _ := time.ParseDuration(rest)
			f.clock.Advance(d)
			r = attemptFrom(f, nil, attacker, "alice", "definitely-not-the-password")
		}
		if r != "invalid" {
			t.Fatalf("round %d: the attacker's guess once the delay ended: %s, want invalid", round, r)
		}
		if got := attemptFrom(f, nil, person, "alice", pwAlice); got != "ok" {
			t.Fatalf("round %d: alice from her own address, in a new browser: %s, want ok", round, got)
		}
		if round >= freeFailures-1 {
			if got := attemptFrom(f, nil, attacker, "alice", "another-wrong-guess"); !strings.HasPrefix(got, "throttled") {
				t.Fatalf("round %d: the attacker's next guess at once: %s, want throttled", round, got)
			}
		}
	}
	if throttled < 30 {
		t.Errorf("the attacker was held back %d times in 40 rounds, want at least 30", throttled)
	}
}

// Issue #11, item 1: many addresses together reach the per-account
// backstop; a browser in which alice signed in before is not held back by
// it, a new browser is until its window ends, and the address of each
// attacker is held back by its own counters.
func TestAccountBackstopSparesKnownBrowsers(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	laptop := &Device{}
	if got := attemptFrom(f, laptop, "192.0.2.10", "alice", pwAlice); got != "ok" || laptop.SignedIn != "alice" {
		t.Fatalf("first sign-in: %s, device learned %q; want ok and alice", got, laptop.SignedIn)
	}
	laptop.Known, laptop.SignedIn = []string{"alice"}, ""

	free := throttlePolicies[2].free
	for i := range free / freeFailures {
		ip := fmt.Sprintf("203.0.113.%d", i+1)
		for range freeFailures {
			if got := attemptFrom(f, nil, ip, "alice", "definitely-not-the-password"); got != "invalid" {
				t.Fatalf("botnet address %s: %s, want invalid", ip, got)
			}
		}
	}
	if got := attemptFrom(f, nil, "192.0.2.10", "alice", pwAlice); got != "throttled 1s" {
		t.Errorf("a new browser after %d failures from everywhere: %s, want throttled 1s by the backstop", free, got)
	}
	if e := f.lastAudit(t); e.Detail != "throttled: too many failed sign-ins for this account" {
		t.Errorf("audit detail %q, want the backstop named", e.Detail)
	}
	if got := attemptFrom(f, laptop, "192.0.2.10", "alice", pwAlice); got != "ok" {
		t.Errorf("the browser alice signed in from before: %s, want ok", got)
	}
	if got := attemptFrom(f, &Device{Known: []string{"bob"}}, "192.0.2.11", "alice", pwAlice); got != "throttled 1s" {
		t.Errorf("a browser only bob signed in from: %s, want throttled", got)
	}
	if got := attemptFrom(f, laptop, "203.0.113.1", "alice", pwAlice); got != "throttled 1s" {
		t.Errorf("a known browser at an attacker's address: %s, want throttled by that address's counter", got)
	}
	f.clock.Advance(throttlePolicies[2].window)
	if got := attemptFrom(f, nil, "192.0.2.12", "alice", pwAlice); got != "ok" {
		t.Errorf("a new browser once the backstop's window ended: %s, want ok", got)
	}
}

// Issue #11, item 1: one address trying many accounts is held back by its
// own counter, whichever account it tries next.
func TestAddressIsThrottledAcrossAccounts(t *testing.T) {
	f := newFixture(t)
	f.user(t, "bob", RoleHelpdesk, pwBob)
	free := throttlePolicies[1].free
	for i := range free {
		if got := attemptFrom(f, nil, "198.51.100.9", fmt.Sprintf("user%d", i), "definitely-not-the-password"); got != "invalid" {
			t.Fatalf("spray %d: %s, want invalid", i, got)
		}
	}
	if got := attemptFrom(f, nil, "198.51.100.9", "bob", pwBob); got != "throttled 1s" {
		t.Errorf("a new account from the spraying address: %s, want throttled 1s", got)
	}
	if got := attemptFrom(f, nil, "192.0.2.10", "bob", pwBob); got != "ok" {
		t.Errorf("bob from another address: %s, want ok", got)
	}
}

// Issue #11, item 2: correct sign-ins at the same moment are all let in;
// only real failures count.
func TestConcurrentCorrectSignInsAreNotRefused(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	const n = 50
	results := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { results <- attempt(f, "alice", pwAlice) })
	}
	wg.Wait()
	close(results)
	got := map[string]int{}
	for r := range results {
		got[r]++
	}
	if got["ok"] != n {
		t.Errorf("%d parallel correct sign-ins: %v, want all ok", n, got)
	}
	var rows int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM login_failures`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("failure counters after correct sign-ins: %d (%v), want none", rows, err)
	}
}

// An administrator's password reset clears the account's counters: the
// way out of a lockout that does not wait.
func TestPasswordResetClearsTheAccountsCounters(t *testing.T) {
	f := newFixture(t)
	f.user(t, "root", RoleAdmin, pwBob)
	f.user(t, "alice", RoleHelpdesk, pwAlice)
	throttleSequence(f, "alice", 7)
	if got := attempt(f, "alice", pwAlice); !strings.HasPrefix(got, "throttled") {
		t.Fatalf("alice after 6 failures: %s, want throttled", got)
	}
	root, err := f.s.User(context.Background(), "root")
	if err != nil {
		t.Fatal(err)
	}
	const next = "maple-quarry-silhouette"
	if err := f.s.SetPassword(context.Background(), WebActor(&root, ""), "alice", next); err != nil {
		t.Fatal(err)
	}
	if got := attempt(f, "alice", next); got != "ok" {
		t.Errorf("alice with the reset password at once: %s, want ok", got)
	}
}

func TestChangeOwnPasswordIsThrottled(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice", RoleAdmin, pwAlice)
	actor := WebActor(&alice, "")
	for i := range freeFailures {
		if err := f.s.ChangeOwnPassword(ctx, actor, fmt.Sprintf("wrong-guess-number-%d", i), "brand-new-secret-words"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	var te *ThrottledError
	if err := f.s.ChangeOwnPassword(ctx, actor, pwAlice, "brand-new-secret-words"); !errors.As(err, &te) {
		t.Errorf("after %d wrong current passwords: %v, want *ThrottledError", freeFailures, err)
	}
	if e := f.lastAudit(t); e.Action != ActionChangeOwnPassword || e.Outcome != store.OutcomeFailure || e.Username != "alice" {
		t.Errorf("throttled change audit = %+v", e)
	}
}

func TestUnknownNameIsMaskedInTheAudit(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", "(empty)"},
		{"tangerine-orbit-42", "t… (18 characters, no such user)"},
		{"数据库", "数… (3 characters, no such user)"},
	} {
		if got := maskUnknown(tt.in); got != tt.want {
			t.Errorf("maskUnknown(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
