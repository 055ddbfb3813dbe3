package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"keybind/internal/store"
)

func TestSessionIDIs256BitsAndOnlyItsHashIsStored(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sess, err := f.s.NewAnonymousSession(ctx, "192.0.2.1", "agent")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.RawURLEncoding.DecodeString(sess.ID)
	if err != nil || len(raw) != 32 {
		t.Fatalf("session ID %q decodes to %d bytes (%v), want 32", sess.ID, len(raw), err)
	}
	sum := sha256.Sum256(raw)
	rows, err := f.st.DB().QueryContext(ctx, `SELECT id_hash, COALESCE(user_id, 0), created_at, last_seen_at, data, client_ip, user_agent FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
		var idHash, data, ip, ua string
		var uid, created, seen int64
		if err := rows.Scan(&idHash, &uid, &created, &seen, &data, &ip, &ua); err != nil {
			t.Fatal(err)
		}
		if idHash != hex.EncodeToString(sum[:]) {
			t.Errorf("id_hash = %q, want hex SHA-256 of the token", idHash)
		}
		for _, col := range []string{idHash, data, ip, ua} {
			if strings.Contains(col, sess.ID) || strings.Contains(col, hex.EncodeToString(raw)) {
				t.Errorf("a sessions column holds the raw token: %q", col)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d session rows, want 1", n)
	}
	other, _ := f.s.NewAnonymousSession(ctx, "", "")
	if other.ID == sess.ID {
		t.Error("two sessions got the same ID")
	}
}

func TestMalformedSessionIDsAreRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sess, _ := f.s.NewAnonymousSession(ctx, "", "")
	last := sess.ID[len(sess.ID)-1]
	// The last base64 character carries 4 unused bits; another value that
	// decodes to the same bytes must not be a second name for the session.
	alias := sess.ID[:len(sess.ID)-1] + string(base64URLSibling(last))
	for _, id := range []string{"", "short", sess.ID + "A", sess.ID[:len(sess.ID)-1] + "*", alias, strings.Repeat("A", 4096)} {
		if _, err := f.s.LoadSession(ctx, id); !errors.Is(err, ErrNoSession) {
			t.Errorf("LoadSession(%.50q) = %v, want ErrNoSession", id, err)
		}
	}
	if _, err := f.s.LoadSession(ctx, sess.ID); err != nil {
		t.Errorf("LoadSession(valid) = %v", err)
	}
}

// base64URLSibling returns a different base64url character whose top two
// bits of value are the same as c's.
func base64URLSibling(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return alphabet[i^1]
}

func TestLoginReplacesThePreLoginSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	anon, err := f.s.NewAnonymousSession(ctx, "192.0.2.1", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.SaveSessionData(ctx, anon.ID, map[string]string{"csrf": "pre-login-token"}); err != nil {
		t.Fatal(err)
	}
	sess, err := f.s.Login(ctx, anon.ID, "alice", pwAlice, "192.0.2.1", "agent")
	if err != nil {
		t.Fatal(err)
	}
	if sess.ID == "" || sess.ID == anon.ID {
		t.Fatalf("Login kept the session ID %q", sess.ID)
	}
	if _, err := f.s.LoadSession(ctx, anon.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("pre-login session after Login: %v, want ErrNoSession", err)
	}
	got, err := f.s.LoadSession(ctx, sess.ID)
	if err != nil || got.User == nil || got.User.Name != "alice" || got.User.Role != RoleAdmin {
		t.Fatalf("LoadSession(new) = %+v, %v", got, err)
	}
	if got.Data["csrf"] != "" {
		t.Error("pre-login data (CSRF token) carried into the signed-in session")
	}
	if got.ID != "" {
		t.Error("LoadSession returned the raw ID; only creation should")
	}
	if n := f.sessionCount(t); n != 1 {
		t.Errorf("%d session rows after login, want 1", n)
	}
}

func TestIdleTimeout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	sess := f.login(t, "alice", pwAlice)

	for range 3 { // activity keeps it alive
		f.clock.Advance(DefaultIdleTimeout - time.Second)
		if _, err := f.s.LoadSession(ctx, sess.ID); err != nil {
			t.Fatalf("LoadSession within the idle timeout: %v", err)
		}
	}
	f.clock.Advance(DefaultIdleTimeout)
	if _, err := f.s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("LoadSession after %v idle = %v, want ErrNoSession", DefaultIdleTimeout, err)
	}
	if n := f.sessionCount(t); n != 0 {
		t.Errorf("expired row kept: %d rows, want 0", n)
	}
}

func TestAbsoluteTimeout(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.user(t, "alice", RoleAdmin, pwAlice)
	sess := f.login(t, "alice", pwAlice)
	step := 20 * time.Minute
	elapsed := time.Duration(0)
	for elapsed+step < DefaultAbsoluteTimeout {
		f.clock.Advance(step)
		elapsed += step
		if _, err := f.s.LoadSession(ctx, sess.ID); err != nil {
			t.Fatalf("LoadSession after %v of activity: %v", elapsed, err)
		}
	}
	f.clock.Advance(DefaultAbsoluteTimeout - elapsed)
	if _, err := f.s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("LoadSession at the absolute timeout = %v, want ErrNoSession", err)
	}
}

func TestConfiguredTimeouts(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := New(f.st, Config{Clock: f.clock, IdleTimeout: time.Minute, AbsoluteTimeout: time.Hour})
	sess, _ := s.NewAnonymousSession(ctx, "", "")
	f.clock.Advance(59 * time.Second)
	if _, err := s.LoadSession(ctx, sess.ID); err != nil {
		t.Fatalf("within a 1-minute idle timeout: %v", err)
	}
	f.clock.Advance(time.Minute)
	if _, err := s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("after a 1-minute idle timeout: %v, want ErrNoSession", err)
	}
}

func TestLogoutRevokesTheSession(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice := f.user(t, "alice", RoleAdmin, pwAlice)
	sess := f.login(t, "alice", pwAlice)
	if err := f.s.Logout(ctx, sess.ID, &alice, "192.0.2.10"); err != nil {
		t.Fatal(err)
	}
	// The same cookie replayed.
	if _, err := f.s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("LoadSession after Logout = %v, want ErrNoSession", err)
	}
	e := f.lastAudit(t)
	if e.Action != ActionLogout || e.Username != "alice" || e.ClientIP != "192.0.2.10" || e.Outcome != store.OutcomeSuccess {
		t.Errorf("last audit entry = %+v, want alice's sign-out", e)
	}
	if err := f.s.Logout(ctx, sess.ID, nil, ""); err != nil {
		t.Errorf("second Logout = %v, want nil", err)
	}
}

func TestDisabledUsersOpenSessionIsRefused(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.user(t, "bob", RoleHelpdesk, pwBob)
	sess := f.login(t, "bob", pwBob)
	// Disable behind the service's back (another process, say), so that
	// only LoadSession's own check can catch it.
	if err := f.st.SetUserDisabled(ctx, bob.ID, true, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LoadSession(ctx, sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("LoadSession of a disabled user = %v, want ErrNoSession", err)
	}
}

func TestLoadSessionReturnsTheCurrentRole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.user(t, "bob", RoleAdmin, pwBob)
	f.user(t, "alice", RoleAdmin, pwAlice)
	sess := f.login(t, "bob", pwBob)
	if err := f.st.SetUserRole(ctx, bob.ID, string(RoleHelpdesk), t0); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.LoadSession(ctx, sess.ID)
	if err != nil || got.User.Role != RoleHelpdesk {
		t.Errorf("LoadSession = %+v, %v; want role helpdesk", got, err)
	}
}

func TestChangesToAUserEndTheirSessions(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		change func(f *fixture, admin Actor) error
	}{
		{"admin resets password", func(f *fixture, a Actor) error { return f.s.SetPassword(ctx, a, "bob", "brand-new-secret-words") }},
		{"role change", func(f *fixture, a Actor) error { return f.s.SetRole(ctx, a, "bob", RoleAdmin) }},
		{"disable", func(f *fixture, a Actor) error { return f.s.Disable(ctx, a, "bob") }},
		{"admin ends sessions", func(f *fixture, a Actor) error { return f.s.EndSessions(ctx, a, "bob") }},
		{"own password change", func(f *fixture, _ Actor) error {
			bob, _ := f.s.User(ctx, "bob")
			return f.s.ChangeOwnPassword(ctx, WebActor(&bob, "192.0.2.2"), pwBob, "brand-new-secret-words")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			alice := f.user(t, "alice", RoleAdmin, pwAlice)
			f.user(t, "bob", RoleHelpdesk, pwBob)
			bob1, bob2 := f.login(t, "bob", pwBob), f.login(t, "bob", pwBob)
			aliceSess := f.login(t, "alice", pwAlice)

			if err := tt.change(f, WebActor(&alice, "192.0.2.1")); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{bob1.ID, bob2.ID} {
				if _, err := f.s.LoadSession(ctx, id); !errors.Is(err, ErrNoSession) {
					t.Errorf("bob's session after %s: %v, want ErrNoSession", tt.name, err)
				}
			}
			if _, err := f.s.LoadSession(ctx, aliceSess.ID); err != nil {
				t.Errorf("alice's own session ended too: %v", err)
			}
		})
	}
}

func TestSessionData(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sess, _ := f.s.NewAnonymousSession(ctx, "", "")
	want := map[string]string{"csrf": "t0k", "flash": "Saved"}
	if err := f.s.SaveSessionData(ctx, sess.ID, want); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.LoadSession(ctx, sess.ID)
	if err != nil || got.Data["csrf"] != "t0k" || got.Data["flash"] != "Saved" || len(got.Data) != 2 {
		t.Errorf("Data = %v, %v; want %v", got.Data, err, want)
	}
	big := map[string]string{"flash": strings.Repeat("x", maxSessionData)}
	if err := f.s.SaveSessionData(ctx, sess.ID, big); !errors.Is(err, ErrSessionDataTooLarge) {
		t.Errorf("oversized data: %v, want ErrSessionDataTooLarge", err)
	}
	if err := f.s.SaveSessionData(ctx, "not-a-session", want); !errors.Is(err, ErrNoSession) {
		t.Errorf("SaveSessionData(bad ID) = %v, want ErrNoSession", err)
	}
	gone, _ := f.s.NewAnonymousSession(ctx, "", "")
	f.s.Logout(ctx, gone.ID, nil, "")
	if err := f.s.SaveSessionData(ctx, gone.ID, want); !errors.Is(err, ErrNoSession) {
		t.Errorf("SaveSessionData after logout = %v, want ErrNoSession", err)
	}
}

func TestLastSeenIsWrittenAtMostEveryTouchInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sess, _ := f.s.NewAnonymousSession(ctx, "", "")
	f.clock.Advance(touchInterval / 2)
	got, _ := f.s.LoadSession(ctx, sess.ID)
	if !got.LastSeen.Equal(t0) {
		t.Errorf("LastSeen = %v after %v, want unchanged %v", got.LastSeen, touchInterval/2, t0)
	}
	f.clock.Advance(touchInterval)
	got, _ = f.s.LoadSession(ctx, sess.ID)
	if want := t0.Add(touchInterval * 3 / 2); !got.LastSeen.Equal(want) {
		t.Errorf("LastSeen = %v, want %v", got.LastSeen, want)
	}
}

func TestPurgeExpired(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old, _ := f.s.NewAnonymousSession(ctx, "", "")
	f.clock.Advance(DefaultIdleTimeout / 2)
	fresh, _ := f.s.NewAnonymousSession(ctx, "", "")
	f.clock.Advance(DefaultIdleTimeout / 2)
	n, err := f.s.PurgeExpired(ctx)
	if err != nil || n != 1 {
		t.Fatalf("PurgeExpired = %d, %v; want 1", n, err)
	}
	if _, err := f.s.LoadSession(ctx, fresh.ID); err != nil {
		t.Errorf("fresh session purged: %v", err)
	}
	if _, err := f.s.LoadSession(ctx, old.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("old session: %v", err)
	}
}

// A session read under the change counters is taken from memory while they
// stay put, and read from the database once a change moves them.
func TestSessionsKeptWhileTheCountersStayPut(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	bob := f.user(t, "bob", RoleHelpdesk, pwBob)
	sess := f.login(t, "bob", pwBob)
	before := f.s.ReadChanges(ctx)
	if _, err := f.s.LoadSession(before, sess.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.st.SetUserRole(ctx, bob.ID, string(RoleAdmin), t0); err != nil {
		t.Fatal(err)
	}
	// Under the counters read before the change: the kept copy.
	if got, err := f.s.LoadSession(before, sess.ID); err != nil || got.User.Role != RoleHelpdesk {
		t.Errorf("under the old counters: %+v, %v; want the kept helpdesk session", got, err)
	}
	// A request that reads the counters now sees the change.
	if got, err := f.s.LoadSession(f.s.ReadChanges(ctx), sess.ID); err != nil || got.User.Role != RoleAdmin {
		t.Errorf("under the new counters: %+v, %v; want the admin role", got, err)
	}
	if err := f.s.Logout(ctx, sess.ID, nil, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.LoadSession(f.s.ReadChanges(ctx), sess.ID); !errors.Is(err, ErrNoSession) {
		t.Errorf("after sign-out: %v, want ErrNoSession", err)
	}
}
