package auth

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"keybind/internal/store"
	"keybind/internal/store/storetest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fastParams make tests quick; TestHashPasswordPHCFormat and the benchmarks
// use the real DefaultParams.
var fastParams = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Passwords used across tests; each passes the policy.
const (
	pwAlice = "violet-harbour-tractor"
	pwBob   = "pebble-lantern-orchid"
	pwCarol = "walnut-glacier-compass"
)

type fixture struct {
	s     *Service
	st    *store.Store
	clock *fakeClock
	dir   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	st := storetest.Open(t)
	dir := filepath.Dir(st.Path()) // "." on PostgreSQL
	clock := &fakeClock{t: t0}
	s := New(st, Config{Clock: clock, Params: fastParams})
	return &fixture{s: s, st: st, clock: clock, dir: dir}
}

func (f *fixture) user(t testing.TB, name string, role Role, pw string) User {
	t.Helper()
	u, err := f.s.CreateUser(context.Background(), LocalActor(), name, role, pw)
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", name, err)
	}
	return u
}

func (f *fixture) login(t testing.TB, name, pw string) *Session {
	t.Helper()
	sess, err := f.s.Login(context.Background(), "", name, pw, "192.0.2.10", "test-agent")
	if err != nil {
		t.Fatalf("Login(%s): %v", name, err)
	}
	return sess
}

// audit returns every audit entry, oldest first.
func (f *fixture) audit(t testing.TB) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	if err := f.st.EachAudit(context.Background(), store.AuditFilter{}, func(e store.AuditEntry) error {
		out = append([]store.AuditEntry{e}, out...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) lastAudit(t testing.TB) store.AuditEntry {
	t.Helper()
	all := f.audit(t)
	if len(all) == 0 {
		t.Fatal("audit trail is empty")
	}
	return all[len(all)-1]
}

func (f *fixture) sessionCount(t testing.TB) int {
	t.Helper()
	var n int
	if err := f.st.DB().QueryRow(`SELECT COUNT(*) FROM sessions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
