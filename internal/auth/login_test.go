package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// attempt signs in and describes the outcome: "ok", "invalid" or
// "throttled <duration>".
func attempt(f *fixture, user, pw string) string {
	_, err := f.s.Login(context.Background(), "", user, pw, "", "")
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

// throttleSequence makes wrong attempts, waiting out each delay, and
// returns the sequence of outcomes.
func throttleSequence(f *fixture, user string, rounds int) []string {
	var seq []string
	for range rounds {
		r := attempt(f, user, "definitely-not-the-password")
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
		if got := throttleDelay(n); got != want {
			t.Errorf("throttleDelay(%d) = %v, want %v", n, got, want)
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
	if e.Action != ActionLogin || e.Outcome != store.OutcomeFailure || e.Detail == "" {
		t.Errorf("throttled attempt audit = %+v", e)
	}
}

func TestUnknownUsersAreThrottledIdentically(t *testing.T) {
	f := newFixture(t)
	f.user(t, "alice", RoleAdmin, pwAlice)
	real := throttleSequence(f, "alice", 20)
	ghost := throttleSequence(f, "ghost", 20)
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
		t.Fatalf("right after the attack: %s, want the capped delay", got)
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
