package auth

import (
	"context"
	"testing"
)

// BenchmarkLogin is a successful sign-in with the production argon2id
// parameters (m=19 MiB, t=2, p=1). The hash dominates: the database work
// (throttle transaction, session insert, audit row) is a small fraction.
func BenchmarkLogin(b *testing.B) {
	f := newFixture(b)
	f.s.dummy() // the start-up hash has read the old parameters
	f.s.params = DefaultParams
	f.user(b, "alice", RoleAdmin, pwAlice)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.s.Login(ctx, "", "alice", pwAlice, "192.0.2.1", "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashPassword is the argon2id cost alone, for comparison.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := hashPassword(pwAlice, DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSession validates a signed-in session on every request; the
// clock stands still, so this is the read path (no last_seen write).
func BenchmarkLoadSession(b *testing.B) {
	f := newFixture(b)
	f.user(b, "alice", RoleAdmin, pwAlice)
	sess := f.login(b, "alice", pwAlice)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := f.s.LoadSession(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadSessionTouch is LoadSession when last_seen must be written
// (one fsynced commit per call).
func BenchmarkLoadSessionTouch(b *testing.B) {
	f := newFixture(b)
	f.user(b, "alice", RoleAdmin, pwAlice)
	sess := f.login(b, "alice", pwAlice)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		f.clock.Advance(touchInterval)
		if _, err := f.s.LoadSession(ctx, sess.ID); err != nil {
			b.Fatal(err)
		}
		if f.clock.Now().Sub(t0) > DefaultAbsoluteTimeout/2 {
			b.StopTimer()
			f.clock = &fakeClock{t: t0}
			f.s.clock = f.clock
			sess = f.login(b, "alice", pwAlice)
			b.StartTimer()
		}
	}
}
