package store

import (
	"context"
	"testing"
	"time"
)

func TestLoginFailures(t *testing.T) {
	ctx := context.Background()
	st := openTest(t)
	pair := FailureKey{Scope: ScopePair, Account: "alice", Address: "192.0.2.1"}
	addr := FailureKey{Scope: ScopeAddress, Address: "192.0.2.1"}
	acct := FailureKey{Scope: ScopeAccount, Account: "alice"}

	got, err := st.LoginFailures(ctx, pair, addr, acct)
	if err != nil || len(got) != 3 || got[0].Failures != 0 || got[2].FailureKey != acct {
		t.Fatalf("LoginFailures of unseen keys = %+v, %v; want three zero counters in order", got, err)
	}
	for i := 1; i <= 3; i++ {
		c, err := st.RecordLoginFailure(ctx, pair, t0.Add(time.Duration(i)*time.Second), t0.Add(-time.Hour))
		if err != nil || c.Failures != i || !c.FirstAt.Equal(t0.Add(time.Second)) || !c.LastAt.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("RecordLoginFailure #%d = %+v, %v", i, c, err)
		}
	}
	if _, err := st.RecordLoginFailure(ctx, acct, t0, t0.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ = st.LoginFailures(ctx, pair, addr, acct)
	if got[0].Failures != 3 || got[1].Failures != 0 || got[2].Failures != 1 {
		t.Errorf("counters = %d %d %d, want 3 0 1 (keys are separate)", got[0].Failures, got[1].Failures, got[2].Failures)
	}

	// A failure after the window restarts the count with itself.
	later := t0.Add(2 * time.Hour)
	c, err := st.RecordLoginFailure(ctx, pair, later, later.Add(-time.Hour))
	if err != nil || c.Failures != 1 || !c.FirstAt.Equal(later) {
		t.Errorf("failure after the window = %+v, %v; want a new window of 1 failure", c, err)
	}

	if err := st.ResetLoginFailures(ctx, pair); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.LoginFailures(ctx, pair); got[0].Failures != 0 {
		t.Errorf("after ResetLoginFailures: %d failures, want 0", got[0].Failures)
	}

	// ResetAccountFailures: every counter of the account, not the address's.
	for _, k := range []FailureKey{pair, addr, acct, {Scope: ScopePair, Account: "alice", Address: "192.0.2.2"}, {Scope: ScopePair, Account: "bob", Address: "192.0.2.1"}} {
		if _, err := st.RecordLoginFailure(ctx, k, t0, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.ResetAccountFailures(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := st.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM login_failures WHERE account = 'alice'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("alice's counters after ResetAccountFailures: %d (%v), want 0", n, err)
	}
	if got, _ := st.LoginFailures(ctx, addr, FailureKey{Scope: ScopePair, Account: "bob", Address: "192.0.2.1"}); got[0].Failures == 0 || got[1].Failures != 1 {
		t.Errorf("the address's and bob's counters after resetting alice: %+v, want both kept", got)
	}

	if n, err := st.PurgeLoginFailures(ctx, t0.Add(time.Minute)); err != nil || n != 2 {
		t.Errorf("PurgeLoginFailures = %d, %v; want 2 (the address's and bob's)", n, err)
	}
}
